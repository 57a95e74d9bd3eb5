"""`portal verify`: is every text on the portal the one that was received, published by a proper commit?"""

from __future__ import annotations

import datetime as dt

from . import audit
from .config import Repo
from .lifecycle import select_active
from .load import text_fingerprint
from .model import Problem


def verify(repo: Repo, today: dt.date) -> tuple[int, list[Problem]]:
    """(texts checked, problems). Checks the active texts: fingerprint recorded and matching the
    text, and the commit that added the file carries the submission's id and that fingerprint."""
    result = audit.validate_with_history(repo, today=today)
    problems = list(result.errors)
    audit.require_git(repo)
    commits = audit.added_by(repo)
    active = select_active(result.submissions, today)
    for sub in active:
        line, col = sub.position("source", "sha256")
        actual = text_fingerprint(sub.text)
        if not sub.fingerprint:
            problems.append(Problem(sub.path, line, col, "source.sha256", "no fingerprint recorded; publish texts with `portal ingest` so what was received can be checked"))
            continue
        if actual != sub.fingerprint:
            continue  # validate_repo has reported it already
        added = commits.get(sub.path)
        if added is None:
            problems.append(Problem(sub.path, 1, 1, "file", "is not committed; publish texts with `portal ingest`, which commits them"))
            continue
        short = added["commit"][:10]
        if added.get("Portal-Submission") != sub.id:
            problems.append(Problem(sub.path, 1, 1, "file", f"commit {short} that added it has no 'Portal-Submission: {sub.id}' trailer; it was not published with `portal ingest`"))
        elif added.get("Portal-Fingerprint") != f"sha256:{sub.fingerprint}":
            recorded = added.get("Portal-Fingerprint", "none")
            problems.append(Problem(sub.path, line, col, "source.sha256", f"differs from the fingerprint in commit {short} ({recorded}); the text or its fingerprint was changed after publication"))
    return len(active), sorted(problems, key=Problem.sort_key)
