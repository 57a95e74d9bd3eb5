"""The texts of one tier as CSV, JSON and a spreadsheet, for readers who work offline.

The files are made at build time and sealed like attachments, so they never exist in the clear
in the published folder. JSON keeps every character; CSV and the spreadsheet are made to be opened
in spreadsheet programs, which would run a cell starting with = + - @ as a formula: such cells
get a leading apostrophe in the CSV and are stored as text in the spreadsheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import zipfile
from collections.abc import Container, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SizedBuffer

from portal.model import Submission, Vocabulary
from portal.publish.render.outcomeview import ShownOutcome

Outcomes = Mapping[str, Sequence[ShownOutcome]]  # text id -> its outcomes as the tier shows them (outcomeview)

FIELDS = (
    "id", "kind", "submitter_code", "submitter", "submitter_type", "title", "themes", "assistance",
    "audience", "contact_name", "contact_email", "regions", "countries", "budget_amount", "budget_currency",
    "period_start", "period_end", "received", "published", "expires", "replaces", "outcomes",
    "fingerprint", "format", "text",
)  # fmt: skip
CELL_LIMIT = 32_767  # characters a spreadsheet cell holds
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_AFTER_SEPARATOR = re.compile(r"""([,;\t\r\n][ \t]*["']?)([=+\-@])""")


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


def _ordered(subs: Sequence[Submission]) -> list[Submission]:
    return sorted(subs, key=lambda s: (s.submitter.name, s.kind, s.title, s.id))


def _flat(value: Any) -> str:
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
        "texts": [export_record(sub, readable, outcomes) for sub in _ordered(subs)],
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")


def export_csv(subs: Sequence[Submission], readable: Container[str] = (), outcomes: Outcomes | None = None) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the accents right."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(FIELDS)
    for sub in _ordered(subs):
        record = export_record(sub, readable, outcomes)
        writer.writerow([guard_cell(_flat(record[name])) for name in FIELDS])
    return out.getvalue().encode("utf-8-sig")


def guard_cell(cell: str) -> str:
    """A cell no spreadsheet program runs as a formula, whatever separator it splits lines at
    (a comma, or the semicolon of many European settings) and even if it misreads the quotes: an
    apostrophe before a formula character at the start of the cell, of a line in it, and after
    any separator in it. (The JSON export keeps every character.)"""
    cell = _AFTER_SEPARATOR.sub(r"\1'\2", cell)
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def export_xlsx(subs: Sequence[Submission], today: dt.date, readable: Container[str] = (), outcomes: Outcomes | None = None) -> bytes:
    """One sheet, one row per text; every cell is stored as text, never as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook(write_only=True)
    book.properties.creator = "CCM Cooperation Portal"
    book.properties.created = book.properties.modified = dt.datetime.combine(today, dt.time())
    sheet = book.create_sheet("Texts")

    def cell(value: str) -> WriteOnlyCell:
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        if len(value) > CELL_LIMIT:
            value = value[: CELL_LIMIT - 60] + " [cut here: the CSV and JSON exports hold the whole text]"
        made = WriteOnlyCell(sheet, value=value)
        made.data_type = "s"  # never a formula, whatever the text starts with
        return made

    sheet.append([cell(name) for name in FIELDS])
    for sub in _ordered(subs):
        record = export_record(sub, readable, outcomes)
        sheet.append([cell(_flat(record[name])) for name in FIELDS])
    out = io.BytesIO()
    # Deflated at the fastest level: half the time of the default for a fifth more bytes. (Written
    # here rather than by book.save, which would also stamp the file with the clock's time.)
    with _DatedZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
        archive.date_time = (today.year, today.month, today.day, 0, 0, 0)
        ExcelWriter(book, archive).save()
    return out.getvalue()


class _DatedZip(zipfile.ZipFile):
    """Every member dated as of the portal's date: the clock's time would tell when the build ran,
    and make the same texts give a different file at every build."""

    date_time = (1980, 1, 1, 0, 0, 0)

    def writestr(
        self, zinfo_or_arcname: str | zipfile.ZipInfo, data: SizedBuffer | str, compress_type: int | None = None, compresslevel: int | None = None
    ) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = zipfile.ZipInfo(zinfo_or_arcname, self.date_time)
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type or self.compression, compresslevel or self.compresslevel)

    def write(
        self,
        filename: str | os.PathLike[str],
        arcname: str | os.PathLike[str] | None = None,
        compress_type: int | None = None,
        compresslevel: int | None = None,
    ) -> None:
        self.writestr(str(arcname or filename), Path(filename).read_bytes(), compress_type, compresslevel)
