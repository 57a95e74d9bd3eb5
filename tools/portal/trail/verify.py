"""`portal verify`: is every text on the portal the one that was received, published by a proper commit?"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.checks.load import text_fingerprint
from portal.config import Repo
from portal.lifecycle import select_active
from portal.model import Problem
from portal.trail import store
from portal.upkeep.listing import counts


@dataclass(frozen=True)
class Verified:
    checked: int  # texts on the portal
    problems: list[Problem]
    counts: str  # "5 files, 4 on the portal, 1 replaced", as `portal list` says it


def verify(repo: Repo, today: dt.date) -> Verified:
    """Checks the texts on the portal: fingerprint recorded and matching the text, and the
    commit that added the file carries the submission's id and that fingerprint."""
    result = store.validate_with_history(repo, today=today)
    problems = list(result.errors)
    store.require_git(repo)
    commits = store.added_by(repo)
    active = select_active(result.submissions, today)
    for sub in active:
        line, col = sub.position("source", "sha256")
        actual = text_fingerprint(sub.text)
        if not sub.fingerprint:
            problems.append(
                Problem(
                    sub.path,
                    line,
                    col,
                    "source.sha256",
                    f"no fingerprint recorded, so what was received cannot be checked; publish the text again from its e-mail with `portal replace {sub.id} MESSAGE`",
                )
            )
            continue
        if actual != sub.fingerprint:
            continue  # validate_repo has reported it already
        added = commits.get(sub.path)
        if added is None:
            problems.append(
                Problem(
                    sub.path,
                    1,
                    1,
                    "file",
                    "is not committed; remove the file and publish the text from its e-mail with `portal ingest MESSAGE`, which commits it (`git status` shows it)",
                )
            )
            continue
        short = added["commit"][:10]
        if added.get("Portal-Submission") != sub.id:
            problems.append(
                Problem(
                    sub.path,
                    1,
                    1,
                    "file",
                    f"commit {short} that added it has no 'Portal-Submission: {sub.id}' trailer; it was not published with `portal ingest` (`git show {short}` shows who added it; `portal history {sub.id}` what the portal recorded)",
                )
            )
        elif added.get("Portal-Fingerprint") != f"sha256:{sub.fingerprint}":
            recorded = added.get("Portal-Fingerprint", "none")
            problems.append(
                Problem(
                    sub.path,
                    line,
                    col,
                    "source.sha256",
                    f"differs from the fingerprint in commit {short} ({recorded}); the text or its fingerprint was changed after publication (`git log -p -- {sub.path}` shows the change)",
                )
            )
    return Verified(len(active), sorted(problems, key=Problem.sort_key), counts(result.submissions, today))
