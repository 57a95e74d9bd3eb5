"""The reader's portal in the real Chromium: a phone's width, texts that scan, search results that
say who and what, marks of what is new, the overview, exports and printable pages (axe on every kind of page:
test_accessibility_browser.py)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, StorageState, expect

from portal.config import Repo
from portal.publish.render.export import guard_cell
from portal.publish.seal.sealedformat import SEALED_NAME, STORAGE, content_security_policy

from tests.browser import open_url, pages_behind_links, serving_in_turn, unlock
from tests.helpers import DEMO_DATE, EARLIER_DATE, STATES, VOCABULARY, open_site

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LAO_PROJECT = "lao-2026-project-survivor-information-system"  # a plain text that follows the pattern


@pytest.fixture(scope="module")
def texts(example_built: Path) -> dict:
    """The active texts of the States' tier, by id, as the build selected them."""
    from portal.checks.validate import validate_repo
    from portal.config import Repo
    from portal.lifecycle import select_active

    return {sub.id: sub for sub in select_active(validate_repo(Repo(example_built)).submissions, dt.date.fromisoformat(DEMO_DATE))}


def new_page(browser: Browser, viewport: dict[str, int] = DESKTOP, **options: object) -> Page:
    context = browser.new_context(viewport=viewport, accept_downloads=True, **options)  # type: ignore[arg-type]
    page = context.new_page()
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def every_kind_of_page(page: Page) -> dict[str, str]:
    """One URL of each kind of page a reader can open, found by following links as a reader would."""
    urls = dict(
        page.evaluate("() => [...document.querySelectorAll('.md-nav--primary a.md-nav__link[href$=\".html\"]')].map(a => [a.textContent.trim(), a.href])")
    )
    urls = {name: url.split("#")[0] for name, url in urls.items()}
    urls |= pages_behind_links(page, urls["Needs"], urls["Countries and organisations"], urls["Themes"])
    open_url(page, urls["a text"])
    assert len(set(urls.values())) == len(urls), urls
    return urls


@pytest.fixture(scope="module")
def kinds(browser: Browser, example_served: str) -> dict[str, str]:
    page = new_page(browser)
    unlock(page, example_served)
    found = every_kind_of_page(page)
    page.context.close()
    return found


def test_no_page_scrolls_sideways_on_a_phone(browser: Browser, example_served: str, kinds: dict[str, str]) -> None:
    page = new_page(browser, PHONE)
    unlock(page, example_served)
    wide = {}
    for name, url in kinds.items():
        open_url(page, url)
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            wide[name] = width
    assert wide == {}, f"pages wider than the phone: {wide}"
    # The listings are cards there: no column of a table sticks out of the screen.
    open_url(page, kinds["Countries and organisations"])
    cells = page.locator(".md-content table.portal-list td")
    assert cells.count() > 0
    assert max(cells.evaluate_all("cells => cells.map(c => c.getBoundingClientRect().right)")) <= PHONE["width"]
    assert cells.nth(1).evaluate("c => getComputedStyle(c, '::before').content") == '"Type: "'  # each field is named in a card
    # The header's title is not cut.
    title = page.locator(".md-header__topic:first-child .md-ellipsis")
    assert title.evaluate("e => e.scrollWidth <= e.clientWidth")
    expect(title).to_have_text("CCM Cooperation Portal")
    assert page.errors == []  # type: ignore[attr-defined]


def test_a_plain_text_shows_its_pattern_headings_and_keeps_every_character(browser: Browser, example_served: str, kinds: dict[str, str], texts: dict) -> None:
    page = new_page(browser)
    unlock(page, example_served)
    open_url(page, kinds["Projects"])
    page.locator(".md-content table a", has_text="A national information system on cluster munition survivors").click()
    text = page.locator(".portal-plain")
    text.wait_for()
    headings = text.locator("h3")
    expect(headings).to_have_text(["Summary", "Partners", "Results so far", "Lessons learned", "Contact"])
    assert text.evaluate("e => e.textContent") == texts[LAO_PROJECT].text.replace("\r", "")
    # Each heading takes one line of its own: its line break is not doubled.
    assert headings.evaluate_all("hs => hs.every(h => h.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(h).lineHeight))")
    # One generic tab title on every opened page (titles would land in the browser's history), said once.
    assert page.title() == "CCM Cooperation Portal"
    # The fingerprint and identifier are folded into "Provenance".
    provenance = page.locator("details.portal-provenance")
    expect(provenance.locator("summary")).to_have_text("Provenance")
    expect(provenance.get_by_text(LAO_PROJECT)).to_be_hidden()
    expect(page.locator(".portal-card").first).not_to_contain_text("Fingerprint")
    provenance.locator("summary").click()
    expect(provenance.get_by_text(LAO_PROJECT)).to_be_visible()
    expect(provenance).to_contain_text(texts[LAO_PROJECT].fingerprint)
    open_url(page, kinds["Home"])
    assert page.title() == "CCM Cooperation Portal"


def test_search_results_say_who_what_and_until_when_and_hold_nothing_internal(browser: Browser, example_served: str, example_built: Path) -> None:
    page = new_page(browser)
    unlock(page, example_served)
    page.locator("input.md-search__input").click()
    page.keyboard.type("villages")
    expect(page.locator(".md-search-result__meta")).to_have_text("1 matching document", timeout=15_000)
    result = page.locator(".md-search-result__item").first
    expect(result).to_contain_text("Survey and clearance of cluster munition remnants in Xiengkhouang Province")
    expect(result).to_contain_text("Text as received from Lao PDR (need, expires 2 November 2027)")
    # The index itself: every text's entry starts with its kind and author; no canary anywhere.
    opened = open_site(example_built / "site", STATES)
    assert "portalcanary" not in json.dumps(opened.search)
    assert all("portalcanary" in page_html for page_html in opened.pages.values())  # still on every page, for the leak scan
    entries = [doc for doc in opened.search["docs"] if "#" not in doc["location"] and re.match(r"<p>(Need|Offer|How to apply|Project) · ", doc["text"])]
    assert len(entries) == 17
    assert all(re.match(r"<p>(Need|Offer|How to apply|Project) · [^·]+ · published .+ · expires ", doc["text"]) for doc in entries)
    sections = [doc["title"] for doc in opened.search["docs"] if doc["title"].startswith("Text as received from ")]
    assert len(sections) == 17 and all(re.search(r"\((need|offer|how to apply|project), expires \d+ \w+ 20\d\d\)$", title) for title in sections)


def visit(browser: Browser, url: str, state: StorageState | None) -> tuple[Page, StorageState]:
    page = new_page(browser, storage_state=state) if state else new_page(browser)
    unlock(page, url)
    # The browser's storage is kept once reader.js (deferred) has noted this visit's "as of" date.
    page.wait_for_function(
        f"() => {{ const name = JSON.parse(sessionStorage.getItem('{STORAGE['visit']}') || 'null'); return name !== null && localStorage.getItem(name) !== null; }}"
    )
    return page, page.context.storage_state()


def test_texts_new_since_the_previous_visit_are_marked(browser: Browser, example_built_earlier: Path, example_built: Path, tmp_path: Path) -> None:
    """The portal as of an earlier day, then the same address serving it as of the examples' day."""
    with serving_in_turn(example_built_earlier / "site", tmp_path) as (url, rebuilt):
        page, state = visit(browser, url, None)
        expect(page.locator(".portal-new-summary")).to_be_hidden()  # a first visit marks nothing
        assert page.locator(".portal-new").count() == 0
        page.context.close()
        rebuilt(example_built / "site")
        page, state = visit(browser, url, state)
        from portal.checks.validate import validate_repo
        from portal.lifecycle import select_active

        active = select_active(validate_repo(Repo(example_built)).submissions, dt.date.fromisoformat(DEMO_DATE))
        new = sorted(sub.title for sub in active if sub.published > dt.date.fromisoformat(EARLIER_DATE))
        assert new, "the example texts must include some published between the two builds"
        expect(page.locator(".portal-new-summary")).to_have_text(
            f"{len(new)} texts were published or updated since your previous visit (portal as of 1 September 2026); they are marked New. See Recently published."
        )
        page.locator(".portal-new-summary a").click()
        page.locator(".md-content table").wait_for()
        marked = page.locator(".md-content table a:has(.portal-new)")
        expect(marked).to_have_count(len(new))
        assert sorted(text.removesuffix(" New") for text in marked.all_inner_texts()) == new
        # Within the same visit the marks stay; the next visit starts from this one.
        page.reload()
        expect(page.locator(".md-content table a:has(.portal-new)")).to_have_count(len(new))
        page.context.close()
        page, state = visit(browser, url, state)
        expect(page.locator(".portal-new-summary")).to_have_text(
            "Nothing new since your previous visit (portal as of 20 November 2026). See Recently published."
        )
        page.context.close()


def test_after_lock_the_browsers_storage_names_no_tier_folder_or_date(
    browser: Browser, example_served: str, example_built: Path, kinds: dict[str, str]
) -> None:
    """The next person at the computer learns nothing of which tier was read, up to when, or
    which folder is the tier's; the previous visit is still remembered for the next unlock."""
    page = new_page(browser)
    unlock(page, example_served)
    folder = page.url.rsplit("/", 2)[-2]
    page.wait_for_function(f"() => {{ const n = JSON.parse(sessionStorage.getItem('{STORAGE['visit']}') || 'null'); return n && localStorage.getItem(n); }}")
    open_url(page, kinds["Overview"])
    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_label("Passcode")).to_be_visible()
    stored = page.evaluate("() => [localStorage, sessionStorage].flatMap(s => Object.keys(s).map(k => k + ' = ' + s.getItem(k)))")
    assert stored, "the previous visit is kept, sealed"
    words = ["States", "states", "Partner", "partners", folder, DEMO_DATE, "2026", "asof", "since"]
    assert not [(entry, word) for entry in stored for word in words if word in entry], stored
    # The next visit (a new session) opens the sealed record: nothing is new since a minute ago.
    state = page.context.storage_state()
    page.context.close()
    page = new_page(browser, storage_state=state)
    unlock(page, example_served)
    expect(page.locator(".portal-new-summary")).to_contain_text("Nothing new since your previous visit (portal as of 20 November 2026)")
    page.context.close()


def test_the_overview_charts_are_drawn_at_build_time_and_readable_without_colour(
    browser: Browser, example_served: str, kinds: dict[str, str], texts: dict
) -> None:
    page = new_page(browser)
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    unlock(page, example_served)
    open_url(page, kinds["Overview"])
    charts = page.locator("svg.portal-chart[role=img]")
    expect(charts).to_have_count(3)
    clearance = VOCABULARY.themes["clearance-and-risk-education"]
    needs = sum(1 for s in texts.values() if s.kind == "need" and "clearance-and-risk-education" in s.themes)
    offers = sum(1 for s in texts.values() if s.kind in ("offer", "how-to-apply") and "clearance-and-risk-education" in s.themes)
    first = charts.first
    expect(first.locator("title")).to_contain_text(f"{clearance}: {needs} needs, {offers} offers")
    labels = first.locator("text").all_text_contents()
    position = labels.index(clearance)
    assert labels[position + 1 : position + 3] == [f"{needs} needs", f"{offers} offers"]
    # Needs solid, offers hatched: told apart by pattern and by words, not by colour.
    assert first.locator("pattern").count() == 1
    assert first.locator("rect[fill^='url(#']").count() >= 1 and first.locator("rect[fill=currentColor]").count() >= 1
    table = page.locator(".portal-chart-figures table").first
    expect(table.locator("tr", has_text=clearance)).to_contain_text(f"{needs}{offers}")
    # Nothing in the page's content needs a script, an event handler or another origin.
    assert page.locator(".md-content script, .md-content foreignObject, .md-content image").count() == 0
    assert (
        page.evaluate("() => [...document.querySelectorAll('.md-content *')].flatMap(e => [...e.attributes]).filter(a => a.name.startsWith('on')).length") == 0
    )
    origin = re.match(r"https?://[^/]+/", example_served)
    assert origin and all(url.startswith(origin.group(0)) or url.startswith(("data:", "blob:")) for url in requests), requests


def test_exports_download_sealed_and_open_to_the_tier_texts(
    browser: Browser, example_served: str, example_built: Path, kinds: dict[str, str], texts: dict
) -> None:
    from openpyxl import load_workbook

    page = new_page(browser)
    unlock(page, example_served)
    open_url(page, kinds["Export"])
    got: dict[str, bytes] = {}
    for extension in ("csv", "json", "xlsx"):
        link = page.locator(f".md-content a[download$='.{extension}']")
        with page.expect_download() as info:
            link.click()
        download = info.value
        assert download.suggested_filename == f"ccm-cooperation-portal-states-{DEMO_DATE}.{extension}"
        got[extension] = Path(download.path()).read_bytes()
    document = json.loads(got["json"])
    assert {record["id"]: record["text"] for record in document["texts"]} == {sub.id: sub.text for sub in texts.values()}
    rows = list(csv.DictReader(io.StringIO(got["csv"].decode("utf-8-sig"))))
    assert sorted(row["id"] for row in rows) == sorted(texts)
    lao = next(row for row in rows if row["id"] == LAO_PROJECT)
    assert (
        lao["submitter"] == "Lao PDR" and lao["themes"] == "victim-assistance; transparency" and lao["text"] == guard_cell(texts[LAO_PROJECT].text)
    )  # a cell that could start a formula is guarded
    sheet = load_workbook(io.BytesIO(got["xlsx"]), read_only=True)["Texts"]
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Identifier" and sorted(row[0] for row in values[1:]) == sorted(texts)
    # In the published folder the exports are ciphertext under opaque names.
    tier = open_site(example_built / "site", STATES)
    sealed = [path for path in tier.folder.iterdir() if path.suffix == ".bin"]
    assert all(re.fullmatch(rf"{SEALED_NAME}\.bin", path.name) for path in sealed)
    assert any(tier.file(path.name) == got["csv"] for path in sealed)
    assert not any(got["csv"][3:200] in path.read_bytes() for path in sealed)


def test_printable_pages_hold_every_text_and_print_one_per_sheet(browser: Browser, example_served: str, kinds: dict[str, str], texts: dict) -> None:
    page = new_page(browser)
    page.add_init_script("window.print = () => { window.portalPrinted = (window.portalPrinted || 0) + 1; };")
    unlock(page, example_served)
    open_url(page, kinds["Needs"])
    page.locator(".md-content a", has_text="Printable page of all").click()
    # The print button shows once every text is on the page, opened from its own sealed page.
    button = page.get_by_role("button", name="Print this page")
    expect(button).to_be_visible()
    titles = sorted(sub.title for sub in texts.values() if sub.kind == "need")
    needs = {sub.title: sub for sub in texts.values() if sub.kind == "need"}
    expect(page.locator(".portal-print-text h2")).to_have_count(len(titles))
    assert sorted(page.locator(".portal-print-text h2").all_inner_texts()) == titles
    expect(page.locator(".portal-print-status")).to_have_text(f"All {len(titles)} texts are on this page.")
    # Each text whole, with its facts and identifier, under its own title.
    shown = page.locator(".portal-print-text").evaluate_all(
        "articles => articles.map(a => [a.querySelector('h2').textContent, a.querySelector('.portal-text').textContent, a.querySelector('.portal-card').textContent])"
    )
    for title, text, card in shown:
        sub = needs[title]
        assert sub.id in card and "Contact" in card
        if sub.format == "plain":
            assert text == sub.text.replace("\r", "")
        else:
            words = re.findall(r"\w+", text)
            assert set(words) <= set(re.findall(r"\w+", sub.text)) and len(words) >= len(sub.text.split()) // 2
    assert any(sub.format == "plain" for sub in needs.values())
    button.click()
    assert page.evaluate("() => window.portalPrinted") == 1
    page.emulate_media(media="print")
    expect(button).to_be_hidden()
    assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).display") == "none"
    assert page.locator(".portal-print-text").nth(1).evaluate("e => getComputedStyle(e).breakBefore") == "page"
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= len(titles)


CSP = content_security_policy()  # what every opened page carries, without the theme's script hashes


def test_reading_aids_work_under_the_portal_content_security_policy(browser: Browser, example_served: str, kinds: dict[str, str]) -> None:
    """Served with the policy every opened page carries: the charts show, reader.js runs, exports
    download; the policy blocks nothing the portal's own pages hold (the theme's inline scripts
    are not the reading aids' part)."""
    page = new_page(browser)
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text) if "Content Security Policy" in message.text else None)

    def with_policy(route: Route) -> None:
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route("**/*.html", with_policy)
    unlock(page, example_served)
    open_url(page, kinds["a printable page"])
    expect(page.get_by_role("button", name="Print this page")).to_be_visible()  # reader.js ran
    open_url(page, kinds["Overview"])
    assert page.locator("svg.portal-chart").first.bounding_box()["height"] > 100  # type: ignore[index]
    open_url(page, kinds["Export"])
    with page.expect_download() as info:
        page.locator(".md-content a[download$='.json']").click()
    assert json.loads(Path(info.value.path()).read_bytes())["texts"]
    assert all(text.startswith("Executing inline script violates") for text in blocked), blocked
    # The policy was in force: an image from another origin is refused.
    with page.expect_console_message(lambda message: "127.0.0.1:9/probe.png" in message.text and "Content Security Policy" in message.text):
        page.evaluate("() => { new Image().src = 'http://127.0.0.1:9/probe.png'; }")
