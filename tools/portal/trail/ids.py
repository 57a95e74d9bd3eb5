"""The ids a command is given: those in submissions/, those that left (the history), and the ones
a mistyped id is close to."""

from __future__ import annotations

import difflib

from portal import layout
from portal.config import Repo
from portal.trail.history import retired_ids


def current_ids(repo: Repo) -> list[str]:
    """Ids of the submission files in submissions/ (whatever their state)."""
    return layout.ids(repo)


def close_ids(wrong: str, ids: list[str], count: int = 3) -> list[str]:
    """The ids that look most like `wrong`: near misspellings first, then ids that contain it."""
    wrong = wrong.strip().lower()
    found = difflib.get_close_matches(wrong, ids, n=count, cutoff=0.75)
    if len(wrong) >= 3:
        found += [known for known in ids if wrong in known and known not in found]
    return found[:count]


def close_ids_hint(repo: Repo, identifier: str) -> str:
    """'; did you mean …?' for an id that is not in submissions/, or where to look for it."""
    close = close_ids(identifier, current_ids(repo))
    gone = identifier in retired_ids(repo)
    if gone:
        return f"; it was removed earlier: `portal history {identifier}` shows when and why"
    if close:
        return "; did you mean " + " or ".join(close) + "? (`portal list` shows every text)"
    return "; `portal list` shows the ids of the texts"
