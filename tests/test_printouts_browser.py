"""Printouts and listing exports in the real Chromium, at a desktop's and a phone's size: what a
reader's Ctrl+P gives (printed to PDF by Chromium's own print, without Playwright's header and
footer templates, and read back with pypdf): a running header and a page number on every sheet,
no heading alone at the foot of a sheet, the overview on at most two A4 sheets; and each
listing's own export, downloaded and opened like the tier's."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from tests.browser import open_url, unlock
from tests.helpers import DEMO_DATE

pytestmark = pytest.mark.browser

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
RUNNING = "CCM Cooperation Portal · States · as of 20 November 2026"
HEADINGS = "h1, h2, h3, h4, h5, .portal-text-heading"


@pytest.fixture(params=list(SIZES))
def page(request: pytest.FixtureRequest, browser: Browser, example_served: str) -> Iterator[Page]:
    phone = request.param == "phone"
    context = browser.new_context(viewport=SIZES[request.param], accept_downloads=True, has_touch=phone, is_mobile=phone)  # type: ignore[arg-type]
    opened = context.new_page()
    unlock(opened, example_served)
    yield opened
    context.close()


def nav(page: Page, label: str) -> str:
    links = dict(
        page.evaluate("() => [...document.querySelectorAll('.md-nav--primary a.md-nav__link[href$=\".html\"]')].map(a => [a.textContent.trim(), a.href])")
    )
    return str(links[label]).split("#")[0]


def printed(page: Page) -> list[str]:
    """The page printed as a reader prints it (A4), each sheet's text."""
    data = page.pdf(format="A4", prefer_css_page_size=True)
    return [sheet.extract_text() for sheet in PdfReader(io.BytesIO(data)).pages]


def headings(page: Page) -> list[str]:
    found = page.locator(".md-content").locator(HEADINGS).all_text_contents()
    return [" ".join(text.split()) for text in found if text.strip()]


def check_sheets(sheets: list[str], titles: list[str]) -> None:
    """Every sheet has the running header and its number, and does not end with a heading."""
    for number, sheet in enumerate(sheets, 1):
        assert RUNNING in sheet, (number, sheet[:200])
        assert f"Page {number} of {len(sheets)}" in sheet, (number, sheet[:200])
        lines = [" ".join(line.split()) for line in sheet.splitlines()]
        body = [line for line in lines if line and line != RUNNING and not re.fullmatch(r"Page \d+ of \d+", line)]
        assert body, number
        last = body[-1]
        assert not any(title.endswith(last) for title in titles), f"sheet {number} ends with a heading: {last!r}"


def test_the_overview_prints_on_at_most_two_sheets_with_a_running_header_and_numbers(page: Page) -> None:
    open_url(page, nav(page, "Overview"))
    page.emulate_media(media="print")
    # Charts whole, their tables left to the screen (the bars carry the figures).
    assert page.locator("details.portal-chart-figures").first.evaluate("e => getComputedStyle(e).display") == "none"
    titles = headings(page)
    page.emulate_media(media="null")  # no emulation: the PDF is printed as Ctrl+P prints
    sheets = printed(page)
    assert 1 <= len(sheets) <= 2, len(sheets)
    check_sheets(sheets, titles)
    assert "What became of the texts" in "".join(sheets)


def test_a_printable_page_prints_each_text_whole_with_headings_kept_with_their_text(page: Page) -> None:
    open_url(page, nav(page, "Needs"))
    page.locator(".md-content a", has_text="Printable page of all").click()
    expect(page.locator(".portal-print-status")).to_have_text(re.compile(r"^All \d+ texts are on this page\.$"))
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()
    page.emulate_media(media="print")
    style = "e => { const s = getComputedStyle(e); return [s.breakAfter, s.breakInside, s.fontSize]; }"
    assert page.locator(".portal-print-text h2").first.evaluate(style)[:2] == ["avoid", "avoid"]
    assert page.locator(".portal-text-heading").first.evaluate(style)[0] == "avoid"
    card = page.locator(".portal-print-text .portal-card").first.evaluate(style)
    text = page.locator(".portal-print-text .portal-text").first.evaluate(style)
    assert card[1] == "avoid" and card[2] == text[2]  # a facts box whole, the text as large as it
    titles = headings(page)
    texts = page.locator(".portal-print-text h2").all_text_contents()
    page.emulate_media(media="null")  # no emulation: the PDF is printed as Ctrl+P prints
    sheets = printed(page)
    check_sheets(sheets, titles)
    # Each text after the first (under the page's title) starts a sheet: its title first under the running header.
    starts = [next(line for line in sheet.splitlines()[2:] if line.strip()) for sheet in sheets]
    assert len(texts) >= 3 and " ".join(texts[0].split()) in " ".join(sheets[0].split())
    for title in texts[1:]:
        assert any(" ".join(title.split()).startswith(" ".join(start.split())) for start in starts), title


def test_a_text_and_a_country_print_with_the_running_header(page: Page) -> None:
    open_url(page, nav(page, "Needs"))
    text = page.locator(".md-content table a[data-portal-published]").first.evaluate("a => a.href")
    open_url(page, nav(page, "Countries and organisations"))
    country = page.locator(".md-content table a").first.evaluate("a => a.href")
    for url in (text, country):
        open_url(page, url)
        page.emulate_media(media="print")
        titles = headings(page)
        page.emulate_media(media="null")  # no emulation: the PDF is printed as Ctrl+P prints
        check_sheets(printed(page), titles)


def test_a_listing_offers_its_own_texts_as_files(page: Page) -> None:
    open_url(page, nav(page, "Countries and organisations"))
    open_url(page, page.locator(".md-content table a", has_text="Lao PDR").evaluate("a => a.href"))
    shown = set(page.locator(".md-content table a[data-portal-published]").evaluate_all("links => links.map(a => a.href)"))
    offer = page.locator(".portal-listing-export")
    expect(offer).to_be_visible()
    got = {}
    for extension in ("csv", "json", "xlsx"):
        with page.expect_download() as info:
            offer.locator(f"a[download$='.{extension}']").click()
        assert info.value.suggested_filename == f"ccm-cooperation-portal-states-lao-pdr-{DEMO_DATE}.{extension}"
        got[extension] = Path(info.value.path()).read_bytes()
    rows = list(csv.DictReader(io.StringIO(got["csv"].decode("utf-8-sig"), newline="")))
    ids = {record["id"] for record in json.loads(got["json"])["texts"]}
    assert {row["id"] for row in rows} == ids and len(ids) == len(shown) >= 2
    assert all(row["submitter_code"] == "LAO" or "LAO" in row["countries"] for row in rows)
    assert got["xlsx"].startswith(b"PK")
