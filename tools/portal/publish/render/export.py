"""The texts of one tier as CSV and JSON, for readers who work offline (the spreadsheet is
spreadsheet.py's).

The files are made at build time and sealed like attachments, so they never exist in the clear
in the published folder. JSON keeps every character. The CSV keeps every character too but one:
spreadsheet programs run a cell that starts with = + - @, a tab or a carriage return as a formula,
so such a cell gets one apostrophe before it (`guard_cell`); only the start of a cell is guarded,
so the lines of a text that start with "-" (a list) stay as they were sent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Container, Mapping, Sequence
from typing import Any

from portal.model import Submission, Vocabulary
from portal.publish.render.outcomeview import ShownOutcome

Outcomes = Mapping[str, Sequence[ShownOutcome]]  # text id -> its outcomes as the tier shows them (outcomeview)

FIELDS = (
    "id", "kind", "submitter_code", "submitter", "submitter_type", "title", "themes", "assistance",
    "audience", "contact_name", "contact_email", "regions", "countries", "budget_amount", "budget_currency",
    "period_start", "period_end", "received", "published", "expires", "replaces", "outcomes",
    "fingerprint", "format", "text",
)  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet program may read as the start of a formula


def export_record(sub: Submission, readable: Container[str] = (), outcomes: Outcomes | None = None) -> dict[str, Any]:
    """One text as plain data: codes as in the schema, lists as lists, dates as ISO strings.
    `readable`: the ids the tier may read; the text it replaces is named only if among them.
    `outcomes`: what became of the texts, the other party named as the tier may know it."""
    meta = sub.meta
    budget = meta.get("budget") or {}
    period = meta.get("period") or {}
    return {
        "id": sub.id,
        "kind": sub.kind,
        "submitter_code": sub.submitter.code,
        "submitter": sub.submitter.name,
        "submitter_type": sub.submitter.type,
        "title": sub.title,
        "themes": list(sub.themes),
        "assistance": list(sub.assistance),
        "audience": sub.audience,
        "contact_name": sub.contact_name,
        "contact_email": sub.contact_email,
        "regions": list(meta.get("regions") or []),
        "countries": [country.code for country in sub.countries],
        "budget_amount": budget.get("amount"),
        "budget_currency": budget.get("currency", ""),
        "period_start": period.get("start", ""),
        "period_end": period.get("end", ""),
        "received": sub.received.isoformat(),
        "published": sub.published.isoformat(),
        "expires": sub.expires.isoformat(),
        "replaces": sub.replaces if sub.replaces in readable else "",
        "outcomes": [shown.export_entry() for shown in (outcomes or {}).get(sub.id, ())],
        "fingerprint": sub.fingerprint,
        "format": sub.format,
        "text": sub.text,
    }


def ordered(subs: Sequence[Submission]) -> list[Submission]:
    return sorted(subs, key=lambda s: (s.submitter.name, s.kind, s.title, s.id))


def flat(value: Any) -> str:
    if isinstance(value, list) and value and isinstance(value[0], dict):  # the outcomes
        return "; ".join(_outcome_line(entry) for entry in value)
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return "" if value is None else str(value)


def _outcome_line(entry: dict[str, Any]) -> str:
    """'funded DEU 2027-05-01 (2027)': status, the other party's code, date and (note)."""
    party = entry["with"] or ("(another participant)" if entry["with_name"] else "")
    note = f" ({entry['note']})" if entry["note"] else ""
    return " ".join(part for part in (entry["status"], party, entry["date"]) if part) + note


def export_json(
    subs: Sequence[Submission],
    site_name: str,
    tier: str,
    today: dt.date,
    vocabulary: Vocabulary,
    readable: Container[str] = (),
    outcomes: Outcomes | None = None,
) -> bytes:
    """The texts as JSON, with the labels of the allowed values (`vocabulary`: the repository's)."""
    document = {
        "portal": site_name,
        "readers": tier,
        "as_of": today.isoformat(),
        "labels": {
            "kind": vocabulary.kind_singular,
            "themes": vocabulary.themes,
            "assistance": vocabulary.assistance,
            "audience": vocabulary.audiences,
            "submitter_type": vocabulary.submitter_types,
            "outcome_status": vocabulary.outcome_statuses,
            "countries": dict(sorted({country.code: country.name for sub in subs for country in sub.countries}.items())),
        },
        "texts": [export_record(sub, readable, outcomes) for sub in ordered(subs)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def export_csv(subs: Sequence[Submission], readable: Container[str] = (), outcomes: Outcomes | None = None) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the accents right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(FIELDS)
    for sub in ordered(subs):
        record = export_record(sub, readable, outcomes)
        writer.writerow([guard_cell(flat(record[name])) for name in FIELDS])
    return out.getvalue().encode("utf-8-sig")


def guard_cell(cell: str) -> str:
    """A cell no spreadsheet program runs as a formula: one apostrophe before it when it starts
    with a formula character, and nothing else changed. Every cell is quoted, so a program that
    reads the file as CSV sees each cell whole, lines and separators inside it included."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell
