"""`portal verify`: is every text on the portal the one that was received, published by a proper commit?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.checks.load import text_fingerprint
from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.lifecycle import select_active
from portal.model import Problem, Submission
from portal.trail import trailers
from portal.trail.history import Added, added_by, extensions, retired_ids
from portal.trail.store import require_git
from portal.upkeep.listing import counts


@dataclass(frozen=True)
class Verified:
    checked: int  # texts on the portal
    problems: list[Problem]
    counts: str  # "5 files, 4 on the portal, 1 replaced", as `portal list` says it


def verify(repo: Repo, today: dt.date) -> Verified:
    """Checks the texts on the portal: fingerprint recorded and matching the text, and the
    commit that added the file carries the submission's id and that fingerprint."""
    result = validate_repo(repo, today=today, retired_ids=retired_ids(repo))
    problems = list(result.errors)
    require_git(repo)
    commits = added_by(repo)
    extended = extensions(repo)
    active = select_active(result.submissions, today)
    for sub in active:
        problem = _problem_of(sub, commits.get(sub.path)) or _extension_problem(sub, extended.get(sub.id))
        if problem is not None:
            problems.append(problem)
    return Verified(len(active), sorted(problems, key=Problem.sort_key), counts(result.submissions, today))


def _problem_of(sub: Submission, added: Added | None) -> Problem | None:
    """What is wrong with one text on the portal, given the commit that added its file."""
    line, col = sub.position("source", "sha256")
    if not sub.fingerprint:
        return Problem(
            sub.path,
            line,
            col,
            "source.sha256",
            f"no fingerprint recorded, so what was received cannot be checked; publish the text again from its e-mail with `portal replace {sub.id} MESSAGE`",
        )
    if text_fingerprint(sub.text) != sub.fingerprint:
        return None  # validate_repo has reported it already
    if added is None:
        return Problem(
            sub.path,
            1,
            1,
            "file",
            "is not committed; remove the file and publish the text from its e-mail with `portal ingest MESSAGE`, which commits it (`git status` shows it)",
        )
    short = added.commit[:10]
    if added.change is None or added.change.submission != sub.id:
        return Problem(
            sub.path,
            1,
            1,
            "file",
            f"commit {short} that added it has no '{trailers.SUBMISSION}: {sub.id}' trailer; it was not published with `portal ingest` (`git show {short}` shows who added it; `portal history {sub.id}` what the portal recorded)",
        )
    if added.change.fingerprint != sub.fingerprint:
        recorded = f"sha256:{added.change.fingerprint}" if added.change.fingerprint else "none"
        return Problem(
            sub.path,
            line,
            col,
            "source.sha256",
            f"differs from the fingerprint in commit {short} ({recorded}); the text or its fingerprint was changed after publication (`git log -p -- {sub.path}` shows the change)",
        )
    return None


def _extension_problem(sub: Submission, extension: Added | None) -> Problem | None:
    """An `extended` text must expire when the last `portal extend` of it said: an expiry moved
    by hand would keep a text on the portal that its submitter did not ask for."""
    if not sub.meta.get("extended"):
        return None
    if extension is None or extension.change is None:
        line, col = sub.position("extended")
        return Problem(
            sub.path,
            line,
            col,
            "extended",
            f"no `portal extend` commit records an extension of {sub.id}; extend it with `portal extend {sub.id} MESSAGE` (`git log -p -- {sub.path}` shows who changed it)",
        )
    if extension.change.expires != sub.expires.isoformat():
        line, col = sub.position("expires")
        short = extension.commit[:10]
        return Problem(
            sub.path,
            line,
            col,
            "expires",
            f"{sub.expires} is not the expiry that commit {short} (`portal extend`) set ({extension.change.expires or 'none'}); "
            f"the expiry was changed by hand (`git log -p -- {sub.path}` shows the change); extend it with `portal extend {sub.id} MESSAGE`",
        )
    return None
