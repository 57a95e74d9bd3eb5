"""The texts of one tier as a spreadsheet (xlsx) for people at a meeting: labels rather than
codes, numbers as numbers, dates as dates, a frozen header row with a filter, set column widths
and wrapped text. No cell can become a formula: every text cell is stored as a string, and one
that starts like a formula carries the spreadsheet's own "quote prefix" (what typing an apostrophe
before it does), so the cell shows the text exactly, apostrophe-free, and stays text when edited.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import zipfile
from collections.abc import Container, Sequence
from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portal.model import Submission, Vocabulary
from portal.publish.render.export import FIELDS, FORMULA_START, Outcomes, export_record, flat, ordered

if TYPE_CHECKING:
    from _typeshed import SizedBuffer
    from openpyxl.cell.cell import Cell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

CELL_LIMIT = 32_767  # characters a spreadsheet cell holds
DATE_FORMAT = "yyyy-mm-dd"
# Each column's heading and width (in characters), in the order of FIELDS.
COLUMNS = {
    "id": ("Identifier", 34),
    "kind": ("Kind", 18),
    "submitter_code": ("Code", 9),
    "submitter": ("Country or organisation", 24),
    "submitter_type": ("Type", 16),
    "title": ("Title", 40),
    "themes": ("Themes", 36),
    "assistance": ("Types of assistance", 18),
    "audience": ("Audience", 22),
    "contact_name": ("Contact", 22),
    "contact_email": ("Contact e-mail", 28),
    "regions": ("Regions", 20),
    "countries": ("Countries", 20),
    "budget_amount": ("Budget amount", 14),
    "budget_currency": ("Currency", 9),
    "period_start": ("Period start", 12),
    "period_end": ("Period end", 12),
    "received": ("Received", 12),
    "published": ("Published", 12),
    "expires": ("Expires", 12),
    "replaces": ("Replaces", 30),
    "outcomes": ("Outcomes", 30),
    "fingerprint": ("Fingerprint (SHA-256)", 20),
    "format": ("Format", 9),
    "text": ("Text", 80),
}
DATES = ("period_start", "period_end", "received", "published", "expires")


def sheet_values(record: dict[str, Any], vocabulary: Vocabulary, country_names: dict[str, str]) -> list[Any]:
    """One export record as the spreadsheet's row: labels for the allowed values, country names,
    the budget as a number, dates as dates, lists joined by semicolons."""
    labels: dict[str, Any] = {
        "kind": vocabulary.kind_singular.get(record["kind"], record["kind"]),
        "submitter_type": vocabulary.submitter_types.get(record["submitter_type"], record["submitter_type"]),
        "themes": "; ".join(vocabulary.themes.get(theme, theme) for theme in record["themes"]),
        "assistance": "; ".join(vocabulary.assistance.get(kind, kind) for kind in record["assistance"]),
        "audience": vocabulary.audiences.get(record["audience"], record["audience"]),
        "countries": "; ".join(country_names.get(code, code) for code in record["countries"]),
        "budget_amount": record["budget_amount"],
        **{name: dt.date.fromisoformat(record[name]) if record[name] else None for name in DATES},
    }
    return [labels[name] if name in labels else flat(record[name]) for name in FIELDS]


def export_xlsx(subs: Sequence[Submission], today: dt.date, vocabulary: Vocabulary, readable: Container[str] = (), outcomes: Outcomes | None = None) -> bytes:
    """One sheet, one row per text (see the module's docstring)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.writer.excel import ExcelWriter

    book = Workbook(write_only=True)
    book.properties.creator = "CCM Cooperation Portal"
    book.properties.created = book.properties.modified = dt.datetime.combine(today, dt.time())
    sheet = book.create_sheet("Texts")
    for number, name in enumerate(FIELDS, 1):
        sheet.column_dimensions[get_column_letter(number)].width = COLUMNS[name][1]
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(FIELDS))}{len(subs) + 1}"
    cells = _Cells(sheet)
    sheet.append([cells.make(COLUMNS[name][0], header=True) for name in FIELDS])
    country_names = {country.code: country.name for sub in subs for country in sub.countries}
    for sub in ordered(subs):
        record = export_record(sub, readable, outcomes)
        sheet.append([cells.make(value) for value in sheet_values(record, vocabulary, country_names)])
    out = io.BytesIO()
    # Deflated at the fastest level: half the time of the default for a fifth more bytes. (Written
    # here rather than by book.save, which would also stamp the file with the clock's time.)
    with _DatedZip(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True, compresslevel=1) as archive:
        archive.date_time = (today.year, today.month, today.day, 0, 0, 0)
        ExcelWriter(book, archive).save()
    return out.getvalue()


class _Cells:
    """Makes the sheet's cells. Each kind of cell takes a copy of one style made once: setting a
    cell's alignment or font looks the style up in the workbook, which took half of the time."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        from openpyxl.cell.cell import WriteOnlyCell
        from openpyxl.styles import Alignment, Font

        self.sheet = sheet
        self.styles: dict[str, Any] = {}  # kind of cell -> its style (a StyleArray)
        for kind, number_format in (("text", "General"), ("formula-like", "General"), ("header", "General"), ("date", DATE_FORMAT), ("number", "#,##0.##")):
            model = WriteOnlyCell(sheet)
            model.alignment = Alignment(wrap_text=True, vertical="top")
            model.number_format = number_format
            model.quotePrefix = kind == "formula-like"
            if kind == "header":
                model.font = Font(bold=True)
            self.styles[kind] = model._style

    def make(self, value: Any, header: bool = False) -> Cell:
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

        if value is None or value == "":
            return WriteOnlyCell(self.sheet)
        if isinstance(value, dt.date):
            made, kind = WriteOnlyCell(self.sheet, value=value), "date"
        elif isinstance(value, int | float) and not isinstance(value, bool):
            made, kind = WriteOnlyCell(self.sheet, value=value), "number"
        else:
            text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", str(value))
            if len(text) > CELL_LIMIT:
                text = text[: CELL_LIMIT - 60] + " [cut here: the CSV and JSON exports hold the whole text]"
            made = WriteOnlyCell(self.sheet, value=text)
            made.data_type = "s"  # never a formula, whatever the text starts with
            kind = "header" if header else "formula-like" if text.startswith(FORMULA_START) else "text"
        made._style = copy(self.styles[kind])
        return made


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
