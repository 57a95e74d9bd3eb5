"""The header block's values as ministries write them: each is read into the front matter, or
refused with a message that says why (and, through `portal ingest`, names the line and option)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.config import Repo
from portal.intake.headerblock import HEADER_FIELDS, split_header_block
from portal.intake.values import Unreadable, country_names, country_of_region, read_amount, read_choice, read_country, read_kind, read_list, read_period
from portal.registry import load_registry

from tests.helpers import DEMO_DATE, PROJECT, VOCABULARY, Run, snapshot

AUDIENCES, THEMES = VOCABULARY.audiences, VOCABULARY.themes

TODAY = ["--today", DEMO_DATE]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("275.000 €", (275000, "EUR")),
        ("350 000 EUR", (350000, "EUR")),
        ("350\u00a0000 EUR", (350000, "EUR")),
        ("EUR 1,200,000", (1200000, "EUR")),
        ("1.200.000,50 €", (1200000.5, "EUR")),
        ("1,200,000.50 EUR", (1200000.5, "EUR")),
        ("USD 2.4 million", (2400000, "USD")),
        ("250,000 USD", (250000, "USD")),
        ("€1.5m", (1500000, "EUR")),
        ("US$ 300,000", (300000, "USD")),
        ("CHF 80'000", (80000, "CHF")),
        ("£ 45,000", (45000, "GBP")),
        ("1500000 usd", (1500000, "USD")),
        ("EUR 2,5 Mio", (2500000, "EUR")),
        ("12.345 EUR", (12345, "EUR")),
        ("1.5 million euros", (1500000, "EUR")),
        ("250,000 US dollars", (250000, "USD")),
        ("80 000 Swiss francs", (80000, "CHF")),  # one mark before three digits: thousands (an amount has no third decimal)
    ],
)
def test_amounts_as_ministries_write_them(line: str, expected: tuple[float, str]) -> None:
    assert read_amount(line) == expected


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("$ 300,000", "'$' is the sign of several currencies"),
        ("¥5,000,000", "'¥' is the sign of several currencies"),
        ("200,000–300,000 EUR", "holds a range"),
        ("250,000 USD and 100,000 EUR", "holds two amounts"),
        ("1,250 million EUR", "could be thousands (1250) or a decimal (1.250)"),
        ("12,34,567 INR", "groups of three digits"),
        ("1.200 000 EUR", "mixes separators"),
        ("275.000", "names no currency"),
        ("100 XYZ", "'XYZ' is not an ISO 4217 currency code"),
        ("EUR 100 EUR", "names the currency twice"),
        ("0 EUR", "more than zero"),
        ("about 275.000 €", "is not an amount and a currency"),
        ("1,5555 EUR", "more than two decimals"),
        ("100,000 dollars", "'dollars' is not the name of a currency ISO 4217 knows"),
        ("2.4 million", "names no currency"),
    ],
)
def test_amounts_that_are_refused_not_guessed(line: str, refusal: str) -> None:
    with pytest.raises(Unreadable) as caught:
        read_amount(line)
    assert refusal in str(caught.value)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=10**12), st.sampled_from([",", ".", " ", "'", "\u00a0"]), st.sampled_from(["{} EUR", "EUR {}", "{} €", "€{}"]))
def test_any_whole_amount_with_thousands_separators_reads_back(amount: int, separator: str, form: str) -> None:
    assert read_amount(form.format(f"{amount:,}".replace(",", separator))) == (amount, "EUR")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2027-01-01 to 2027-12-31", ("2027-01-01", "2027-12-31")),
        ("2027-01-01 - 2027-12-31", ("2027-01-01", "2027-12-31")),
        ("January–December 2027", ("2027-01-01", "2027-12-31")),
        ("Jan 2027 - Dec 2028", ("2027-01-01", "2028-12-31")),
        ("2027", ("2027-01-01", "2027-12-31")),
        ("2027–2028", ("2027-01-01", "2028-12-31")),
        ("1 January 2027 to 31 December 2027", ("2027-01-01", "2027-12-31")),
        ("March 1, 2027 to June 30, 2027", ("2027-03-01", "2027-06-30")),
        ("01/01/2027 – 31/12/2027", ("2027-01-01", "2027-12-31")),
        ("12/31/2027", ("2027-12-31", "")),
        ("15.03.2027 - 14.03.2028", ("2027-03-15", "2028-03-14")),
        ("February 2028", ("2028-02-01", "2028-02-29")),
        ("2027-06-01", ("2027-06-01", "")),
    ],
)
def test_periods_as_ministries_write_them(line: str, expected: tuple[str, str]) -> None:
    assert read_period(line) == expected


@settings(max_examples=400, deadline=None)
@given(st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31)), st.integers(0, 800), st.sampled_from(["%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y"]))
def test_a_numeric_period_is_read_as_written_or_refused_never_misread(start: dt.date, days: int, form: str) -> None:
    end = start + dt.timedelta(days=days)
    try:
        read = read_period(f"{start:{form}} – {end:{form}}")
    except Unreadable as refused:
        assert "could be read day first or month first" in str(refused)
        return
    assert read == (start.isoformat(), end.isoformat())


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ("01/02/2027 – 03/04/2027", "could be read day first or month first"),
        ("13/01/2027 - 01/13/2028", "could be read day first or month first"),
        ("2028 to 2027", "ends before it starts"),
        ("31/02/2027 - 31/12/2027", "is not a date of the calendar"),
        ("Q1 2027", "is not a period"),
        ("12 months", "is not a period"),
        ("from 2027", "is not a period"),
    ],
)
def test_periods_that_are_refused_not_guessed(line: str, refusal: str) -> None:
    with pytest.raises(Unreadable) as caught:
        read_period(line)
    assert refusal in str(caught.value)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "Lao PDR (Savannakhet Province: Xepon, Vilabouly and Nong districts)",
            ["Lao PDR (Savannakhet Province: Xepon, Vilabouly and Nong districts)"],
        ),
        ("Nabatieh, Tyre", ["Nabatieh", "Tyre"]),
        ("Nabatieh; Tyre; South Lebanon", ["Nabatieh", "Tyre", "South Lebanon"]),
        ('"Tyre, South", Nabatieh', ['"Tyre, South"', "Nabatieh"]),
        ("technical , , material,", ["technical", "material"]),
    ],
)
def test_lists_split_outside_parentheses_and_quotes(line: str, expected: list[str]) -> None:
    assert read_list(line) == expected


@pytest.mark.parametrize(
    ("written", "labels", "expected"),
    [
        ("States only", AUDIENCES, "states"),
        ("states and partners", AUDIENCES, "states-and-partners"),
        ("States and partner organisations", AUDIENCES, "states-and-partners"),
        ("Victim assistance", THEMES, "victim-assistance"),
        ("Victim assistance (Article 5)", THEMES, "victim-assistance"),
        ("stockpile destruction", THEMES, "stockpile-destruction"),
    ],
)
def test_allowed_values_by_their_labels(written: str, labels: dict[str, str], expected: str) -> None:
    assert read_choice(written, labels) == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Need", "need"),
        ("Needs", "need"),
        ("Offer", "offer"),
        ("How to apply", "how-to-apply"),
        ("how-to-apply", "how-to-apply"),
        ("Project", "project"),
        ("Ongoing project", "project"),
    ],
)
def test_kinds_as_people_write_them(written: str, expected: str) -> None:
    assert read_kind(written, VOCABULARY) == expected


def test_a_value_that_is_not_allowed_is_refused() -> None:
    with pytest.raises(Unreadable, match="'Request' is not one of need, offer, how-to-apply, project"):
        read_kind("Request", VOCABULARY)
    with pytest.raises(Unreadable, match="'everyone' is not one of states, states-and-partners"):
        read_choice("everyone", AUDIENCES)


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    registry = load_registry(PROJECT / "schema")
    return country_names({code: who.name for code, who in registry.states.items()})


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Lao PDR", "LAO"),
        ("Lao People's Democratic Republic", "LAO"),
        ("LAO", "LAO"),
        ("lebanon", "LBN"),
        ("Côte d'Ivoire", "CIV"),
        ("the Gambia", "GMB"),
        ("Republic of Korea", "KOR"),
        ("Lao People’s Democratic Republic", "LAO"),
    ],
)
def test_countries_by_name_or_code(written: str, expected: str, names: dict[str, str]) -> None:
    assert read_country(written, names) == expected


def test_an_unknown_country_is_refused(names: dict[str, str]) -> None:
    with pytest.raises(Unreadable, match="'Laosland' is not a country the portal knows"):
        read_country("Laosland", names)


@pytest.mark.parametrize(
    ("region", "expected"),
    [("Lao PDR (Savannakhet Province: Xepon, Vilabouly and Nong districts)", "LAO"), ("Lebanon", "LBN"), ("Savannakhet", ""), ("LAO", "")],
)
def test_a_region_that_is_a_country(region: str, expected: str, names: dict[str, str]) -> None:
    assert country_of_region(region, names) == expected


# The header block ------------------------------------------------------------------------------

# The header block itself: golden cases in tests/unit/intake/cases/headerblock/.


# Through `portal ingest` -----------------------------------------------------------------------

HEADER = """Kind: {kind}
Title: Clearance of cluster munition remnants in Savannakhet{title_more}
Themes: {themes}
Assistance: technical, financial
Audience: {audience}
Contact: Planning Unit <planning@nra.example.la>
Budget: {budget}
Period: {period}{more}
----

We ask for support to clear cluster munition remnants in three districts.
"""


def _message(tmp_path: Path, name: str = "need.eml", **values: str) -> Path:
    fields = {
        "kind": "Need",
        "themes": "Clearance and risk reduction education",
        "audience": "States only",
        "budget": "275.000 €",
        "period": "2027",
        "title_more": "",
        "more": "",
    } | values
    raw = (
        "From: NRA Planning <planning@nra.example.la>\nTo: coordinator@example.org\nSubject: Need\n"
        f"Message-ID: <{name}@nra.example.la>\nDate: Mon, 16 Nov 2026 09:30:00 +0000\n"
        "Content-Type: text/plain; charset=utf-8\n\n" + HEADER.format(**fields)
    )
    path = tmp_path / name
    path.write_text(raw, encoding="utf-8")
    return path


def test_values_in_other_forms_are_published_as_meant(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    result = run("ingest", str(_message(tmp_path)), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 0, result.output
    path = next((example_repo.root / "submissions" / "LAO").glob("lao-2026-need-clearance-of-cluster-munition-remnants*.md"))
    text = path.read_text(encoding="utf-8")
    for line in (
        "kind: need\n",
        "themes: [clearance-and-risk-education]\n",
        "audience: states\n",
        "budget:\n  amount: 275000\n  currency: EUR\n",
        "period:\n  start: 2027-01-01\n  end: 2027-12-31\n",
    ):
        assert line in text


@pytest.mark.parametrize(
    ("values", "located"),
    [
        (
            {"kind": "Request"},
            ":1:1: error: kind: 'Request' is not one of need, offer, how-to-apply, project; write it as the guidance pattern shows, or give --kind need",
        ),
        ({"themes": "Clearance, demining"}, ":3:1: error: themes: 'Clearance', 'demining' are not one of"),
        (
            {"audience": "everyone"},
            ":5:1: error: audience: 'everyone' is not one of states, states-and-partners; write it as the guidance pattern shows, or give --audience states",
        ),
        (
            {"budget": "$ 275,000"},
            ":7:1: error: budget: '$ 275,000': '$' is the sign of several currencies (USD, CAD, AUD, NZD…); write the ISO 4217 code, or give --budget \"275000 EUR\"",
        ),
        ({"period": "01/02/2027 – 03/04/2027"}, ":8:1: error: period: '01/02/2027 – 03/04/2027' could be read day first or month first"),
    ],
)
def test_a_value_that_cannot_be_read_is_refused_naming_line_and_option(
    values: dict[str, str], located: str, example_repo: Repo, run: Run, tmp_path: Path
) -> None:
    message = _message(tmp_path, **values)
    before = snapshot(example_repo.root)
    result = run("ingest", str(message), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{message}{located}" in result.output
    assert snapshot(example_repo.root) == before


def test_wrapped_values_and_countries_from_regions_are_said(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    message = _message(tmp_path, title_more=" and\nAttapeu provinces", more="\nRegions: Savannakhet, Cambodia (Stung Treng), Lao PDR (Attapeu)")
    result = run("ingest", str(message), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 0, result.output
    assert "  joined line 3 to the Title: on line 2 (the value continued on the next line)\n" in result.output
    assert "  country KHM added from the region 'Cambodia (Stung Treng)' (line 10); give --country to set the countries\n" in result.output
    text = next((example_repo.root / "submissions" / "LAO").glob("lao-2026-need-clearance-of-cluster*.md")).read_text(encoding="utf-8")
    assert "title: Clearance of cluster munition remnants in Savannakhet and Attapeu provinces\n" in text
    assert "countries: [KHM]\n" in text  # Lao PDR is the submitter itself


def test_a_field_given_twice_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    result = run("ingest", str(_message(tmp_path, more="\nBudget: 300000 EUR")), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 1
    assert ":9:1: error: Budget: 'Budget:' is given twice in the header block (lines 7 and 9); keep the one that is meant" in result.output


def test_every_unreadable_line_is_named_at_once(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    result = run("ingest", str(_message(tmp_path, budget="a lot", period="soon")), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 1
    assert ":7:1: error: budget: 'a lot' is not an amount and a currency" in result.output
    assert ":8:1: error: period: 'soon' is not a period" in result.output
    assert "the header block cannot be used as written; nothing was written (2 problem(s))" in result.output


def test_the_options_set_what_the_header_block_cannot_say(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    message = _message(tmp_path, budget="$ 275,000", period="01/02/2027 – 03/04/2027")
    options = ["--budget", "275000 CAD", "--period", "2027-02-01..2027-04-03", "--country", "LAO", "--country", "KHM"]
    result = run("ingest", str(message), "--repo", str(example_repo.root), *TODAY, *options)
    assert result.exit_code == 0, result.output
    text = next((example_repo.root / "submissions" / "LAO").glob("lao-2026-need-clearance-of-cluster*.md")).read_text(encoding="utf-8")
    assert "budget:\n  amount: 275000\n  currency: CAD\n" in text
    assert "period:\n  start: 2027-02-01\n  end: 2027-04-03\n" in text
    assert "countries: [LAO, KHM]\n" in text


@pytest.mark.parametrize(
    ("option", "refusal"),
    [
        (["--budget", "275000"], "--budget '275000': '275000' names no currency; give it like --budget \"275000 EUR\""),
        (["--period", "2027"], "--period '2027': '2027' is not START..END"),
        (["--country", "Laosland"], "--country 'Laosland': 'Laosland' is not a country the portal knows"),
    ],
)
def test_an_option_that_cannot_be_read_is_refused(option: list[str], refusal: str, example_repo: Repo, run: Run, tmp_path: Path) -> None:
    before = snapshot(example_repo.root)
    result = run("ingest", str(_message(tmp_path)), "--repo", str(example_repo.root), *TODAY, *option)
    assert result.exit_code == 1
    assert refusal in result.output
    assert snapshot(example_repo.root) == before


@pytest.mark.parametrize("kind", ["need", "offer", "how-to-apply", "project"])
def test_every_template_line_is_a_field_intake_reads(kind: str) -> None:
    """A State fills in the template: each of its header lines must be one intake reads, and
    each may name the countries the text is about."""
    block = split_header_block((PROJECT / "schema" / "templates" / f"{kind}.md").read_text(encoding="utf-8"))
    assert block is not None
    assert set(block.fields) <= set(HEADER_FIELDS)
    assert "countries" in block.fields
