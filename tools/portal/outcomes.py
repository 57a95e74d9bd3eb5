"""What became of a text: the outcomes recorded in its front matter (`outcomes`), oldest first.

An outcome is recorded on the current text of a replacement chain and a replacement carries the
outcomes of the text it replaces; `chain_outcomes` also reads those of the earlier texts still in
submissions/, so an outcome recorded before a replacement is never lost from view."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from portal.model import Submission

# Statuses that name the other party (`with`); the others may stand alone ("no longer needed").
WITH_REQUIRED = ("contacted", "agreed", "funded")


@dataclass(frozen=True)
class Outcome:
    status: str
    date: dt.date
    with_code: str = ""  # the other party (`with`): a State's alpha-3 code or an organisation's identifier
    note: str = ""
    message_id: str = ""
    text: str = ""  # id of the text it was recorded on (the text itself or one it replaced)

    def front_matter(self) -> dict[str, str]:
        """The entry as written in the `outcomes` list of a submission's front matter."""
        entry = {"status": self.status}
        if self.with_code:
            entry["with"] = self.with_code
        entry["date"] = self.date.isoformat()
        if self.note:
            entry["note"] = self.note
        if self.message_id:
            entry["message_id"] = self.message_id
        return entry


def outcomes_of(sub: Submission) -> tuple[Outcome, ...]:
    """The outcomes written in one text's front matter (which the schema has checked)."""
    return tuple(_outcome(entry, sub.id) for entry in sub.meta.get("outcomes") or ())


def chain_outcomes(sub: Submission, submissions: Iterable[Submission]) -> tuple[Outcome, ...]:
    """The outcomes of a text and of the texts it replaced (those still in submissions/), oldest
    first; one carried on by a replacement is counted once."""
    by_id = {other.id: other for other in submissions}
    found: dict[tuple[str, dt.date, str, str], Outcome] = {}
    seen: set[str] = set()
    current: Submission | None = sub
    while current is not None and current.id not in seen:
        seen.add(current.id)
        for outcome in outcomes_of(current):
            found.setdefault((outcome.status, outcome.date, outcome.with_code, outcome.note), outcome)
        current = by_id.get(current.replaces) if current.replaces else None
    return tuple(sorted(found.values(), key=lambda o: (o.date, o.status, o.with_code)))


def _outcome(entry: dict[str, Any], text_id: str) -> Outcome:
    return Outcome(
        status=str(entry["status"]),
        date=dt.date.fromisoformat(str(entry["date"])),
        with_code=str(entry.get("with", "")),
        note=str(entry.get("note", "")),
        message_id=str(entry.get("message_id", "")),
        text=text_id,
    )
