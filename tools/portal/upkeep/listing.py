"""`portal list`: the texts in submissions/ and where each stands, counted the same way everywhere."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from portal.lifecycle import ACTIVE, EXPIRED, SCHEDULED, SUPERSEDED, replacements, status
from portal.model import Submission

# How each state is said in counts ("4 on the portal, 1 replaced").
STATE_WORDS = {ACTIVE: "on the portal", SUPERSEDED: "replaced", EXPIRED: "expired", SCHEDULED: "not yet published"}


@dataclass(frozen=True)
class Listed:
    id: str
    submitter: str
    submitter_name: str
    kind: str
    title: str
    published: str
    expires: str
    state: str  # active, superseded, expired, scheduled
    replaced_by: str
    path: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def list_texts(submissions: Sequence[Submission], today: dt.date) -> list[Listed]:
    newer = replacements(submissions)
    return [
        Listed(
            sub.id,
            sub.submitter.code,
            sub.submitter.name,
            sub.kind,
            sub.title,
            sub.published.isoformat(),
            sub.expires.isoformat(),
            status(sub, today, newer),
            newer[sub.id].id if sub.id in newer else "",
            sub.path,
        )
        for sub in sorted(submissions, key=lambda s: (s.submitter.code, s.id))
    ]


def counts(submissions: Sequence[Submission], today: dt.date) -> str:
    """'5 files, 4 on the portal, 1 replaced': the one way every command counts the texts."""
    newer = replacements(submissions)
    by_state = Counter(status(sub, today, newer) for sub in submissions)
    total = len(submissions)
    parts = [f"{total} file{'' if total == 1 else 's'}", f"{by_state[ACTIVE]} on the portal"]
    parts += [f"{by_state[state]} {STATE_WORDS[state]}" for state in (SUPERSEDED, EXPIRED, SCHEDULED) if by_state[state]]
    return ", ".join(parts)
