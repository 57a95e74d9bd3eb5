"""What became of a text: the outcomes recorded in its front matter (`outcomes`), oldest first.

An outcome is recorded on the current text of a replacement chain and a replacement carries the
outcomes of the text it replaces; `chain_outcomes` also reads those of the earlier texts still in
submissions/, so an outcome recorded before a replacement is never lost from view."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
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


def carried(replaced: Submission | None, submissions: Iterable[Submission]) -> list[dict[str, str]]:
    """The `outcomes` a replacement of `replaced` carries on: those of its whole chain, as
    front-matter entries (empty when it replaces nothing or nothing was recorded)."""
    if replaced is None:
        return []
    return [outcome.front_matter() for outcome in chain_outcomes(replaced, submissions)]


def chain_start(sub: Submission, submissions: Iterable[Submission]) -> Submission | None:
    """The earliest text of `sub`'s chain in submissions/, or None when the chain goes back to
    a text that has left submissions/ (its publication day is then known to history only)."""
    by_id = {other.id: other for other in submissions}
    current, seen = sub, {sub.id}
    while current.replaces:
        earlier = by_id.get(current.replaces)
        if earlier is None or earlier.id in seen:
            return None if earlier is None else current
        current = earlier
        seen.add(current.id)
    return current


def said(status: str, with_code: str) -> str:
    """An outcome as the trailer and the reply line say it: 'contacted IRL', 'closed'."""
    return f"{status} {with_code}".strip()


# The reply line a submitter sends back (the reminder gives it): `Outcome: [REFERENCE] STATUS
# [CODE] [; NOTE]`, e.g. `Outcome: lbn-2026-need-rehabilitation contacted IRL; talks in March`.
REPLY_KEY = "Outcome"
_REPLY = re.compile(rf"^\s*{REPLY_KEY}\s*:\s*(?P<said>[^;]*?)\s*(?:;\s*(?P<note>.*?)\s*)?$", re.IGNORECASE)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+$")


def is_reply_line(line: str) -> bool:
    """Whether a line is shaped as an `Outcome:` reply line (`Outcome:` and at least one word); whether
    its status is one of the schema's is for `reply_lines` to say, with the repository's vocabulary."""
    match = _REPLY.match(line)
    return match is not None and bool(match.group("said").split())


@dataclass(frozen=True)
class ReplyLine:
    """One `Outcome:` line of a reply e-mail, as read (the status checked against the schema's)."""

    line: int  # 1-based, in the e-mail's text
    reference: str  # the text it names ('' when it names none: it is about the text of the command)
    status: str
    with_code: str
    note: str


class ReplyError(ValueError):
    """An `Outcome:` line that cannot be read; the message names the line and what is allowed."""


def reply_lines(text: str, statuses: dict[str, str], skip: Callable[[str], bool]) -> list[ReplyLine]:
    """The `Outcome:` lines of a reply's text. Quoted lines ('>') and the lines `skip` knows (the
    portal's own mail, e.g. the reminder's example) are not the sender's and are left out."""
    found = []
    for number, raw in enumerate(text.splitlines(), 1):
        if raw.lstrip().startswith(">") or skip(raw):
            continue
        match = _REPLY.match(raw)
        if match is None:
            continue
        found.append(_reply_line(number, match.group("said").split(), match.group("note") or "", statuses))
    return found


def _reply_line(number: int, words: list[str], note: str, statuses: dict[str, str]) -> ReplyLine:
    reference = words.pop(0).lower() if words and _ID.match(words[0].lower()) else ""
    by_word = {key: key for key in statuses} | {label.lower(): key for key, label in statuses.items()}
    for size in range(len(words), 0, -1):  # a label may be several words: "In contact", "No longer needed"
        status = by_word.get(" ".join(words[:size]).lower())
        if status is not None:
            rest = words[size:]
            if len(rest) > 1 or (rest and not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]{1,19}", rest[0])):
                raise ReplyError(f"line {number}: {' '.join(rest)!r} is not one State's or organisation's code; write e.g. '{REPLY_KEY}: {status} IRL'")
            return ReplyLine(number, reference, status, rest[0].upper() if rest else "", note)
    allowed = ", ".join(statuses)
    raise ReplyError(
        f"line {number}: {' '.join(words) or 'nothing'!r} is not an outcome; write '{REPLY_KEY}: STATUS [CODE] [; NOTE]' with a status of {allowed}"
    )
