"""Finding and comparing in the real Chromium, at a desktop's and a phone's size: listings sorted
and filtered in the page with the keyboard (also on a page opened in place), the Countries page's
New marks, the overview's budgets and its bars that lead to their listings, search hits that name
who, what kind and until when (a hit in a section too), the guidance pattern out of the search, and
no keystroke lost when the reader searches right after opening the next page."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.lifecycle import select_active
from portal.model import Submission
from portal.publish.render.overview import amount, budget_rows

from tests.browser import SITEMAP_WATCH, serving_in_turn, unlock, wait_until_pages_open_in_place
from tests.helpers import DEMO_DATE, EARLIER_DATE, STATES, VOCABULARY, open_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
TODAY = dt.date.fromisoformat(DEMO_DATE)


@pytest.fixture(scope="module")
def texts(example_built: Path) -> list[Submission]:
    return select_active(validate_repo(Repo(example_built)).submissions, TODAY)


def opened(browser: Browser, example_served: str, size: str) -> Page:
    phone = size == "phone"
    context = browser.new_context(viewport=SIZES[size], has_touch=phone, is_mobile=phone)  # type: ignore[arg-type]
    context.add_init_script(SITEMAP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: errors.append(str(error)))
    unlock(page, example_served)
    wait_until_pages_open_in_place(page)
    page.evaluate("() => { window.portalLoads = 1 }")  # gone after a full load
    return page


def go(page: Page, name: str) -> None:
    """To a page of the navigation, opened in place as a reader's click opens it."""
    found = "name => [...document.querySelectorAll('.md-nav--primary a.md-nav__link[href]')].find(a => a.textContent.trim() === name)"
    page.evaluate(
        f"name => {{ const link = ({found})(name); const a = document.createElement('a'); a.href = link.href; document.body.append(a); a.click(); a.remove(); }}",
        name,
    )
    expect(page.locator(".md-content h1")).not_to_have_text(re.compile("^CCM Cooperation Portal"))


def in_place(page: Page) -> bool:
    return bool(page.evaluate("() => window.portalLoads === 1"))


def visible_column(page: Page, label: str) -> list[str]:
    """The cells of a column in the rows the reader sees (a filtered row is hidden, on a phone's cards too)."""
    return page.locator(f'table[data-portal-listing] tbody tr:visible td[data-label="{label}"]').evaluate_all("cells => cells.map(c => c.textContent.trim())")


def day(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%-d %B %Y")


@pytest.mark.parametrize("size", SIZES)
def test_a_listing_is_filtered_and_sorted_with_the_keyboard(browser: Browser, example_served: str, texts: list[Submission], size: str) -> None:
    page = opened(browser, example_served, size)
    go(page, "Needs")
    needs = [s for s in texts if s.kind == "need"]
    tools = page.get_by_role("group", name="Sort and filter this list")
    expect(tools).to_be_visible()
    status = tools.get_by_role("status")
    expect(status).to_have_text(f"All {len(needs)} shown.")
    # Filter by who published, choosing with the arrow keys in the focused list.
    by = tools.get_by_label("Published by")
    names = sorted({s.submitter.name for s in needs})
    by.focus()
    page.keyboard.press("ArrowDown")
    expect(by).to_have_value(names[0])
    chosen = [s for s in needs if s.submitter.name == names[0]]
    expect(status).to_have_text(f"{len(chosen)} of {len(needs)} shown.")
    assert sorted(visible_column(page, "Title")) == sorted(s.title for s in chosen)
    page.keyboard.press("Home")
    expect(status).to_have_text(f"All {len(needs)} shown.")
    # Filter by expiry: within 90 days of the portal's date.
    tools.get_by_label("Expires").select_option("90")
    soon = [s for s in needs if (s.expires - TODAY).days <= 90]
    expect(status).to_have_text(f"{len(soon)} of {len(needs)} shown." if len(soon) != len(needs) else f"All {len(needs)} shown.")
    tools.get_by_label("Expires").select_option("")
    # Sort by expiry: on a wide screen with the column's header, on a phone (no header row) with the list.
    soonest = [day(d) for d in sorted(s.expires.isoformat() for s in needs)]
    if size == "desktop":
        header = page.locator('table[data-portal-listing] th[data-portal-sort="date"]', has_text="Expires")
        header.get_by_role("button").focus()
        page.keyboard.press("Enter")
        expect(header).to_have_attribute("aria-sort", "ascending")
        assert visible_column(page, "Expires") == soonest
        page.keyboard.press("Enter")
        expect(header).to_have_attribute("aria-sort", "descending")
        assert visible_column(page, "Expires") == soonest[::-1]
    else:
        order = tools.get_by_label("Sort by")
        order.select_option(label="Expires, latest first")
        assert visible_column(page, "Expires") == soonest[::-1]
        order.select_option(label="Title, A to Z")
        assert visible_column(page, "Title") == sorted((s.title for s in needs), key=str.lower)
        box = tools.bounding_box()
        assert box and box["width"] <= SIZES["phone"]["width"]
        assert page.evaluate("() => document.documentElement.scrollWidth") <= SIZES["phone"]["width"]  # nothing scrolls sideways
    assert in_place(page) and page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
def test_the_countries_page_sorts_by_type_and_marks_its_latest_texts(browser: Browser, example_served: str, texts: list[Submission], size: str) -> None:
    page = opened(browser, example_served, size)
    go(page, "Countries and organisations")
    tools = page.get_by_role("group", name="Sort and filter this list")
    tools.get_by_label("Type").select_option("State")
    states = sorted({s.submitter.name for s in texts if s.submitter.type == "state"})
    names = visible_column(page, "Country or organisation")
    assert sorted(names) == states
    # Each latest text carries its day, which reader.js marks New once the reader has a previous visit.
    latest = page.locator("td[data-label='Latest text'] [data-portal-published]")
    expect(latest).to_have_count(len({s.submitter.code for s in texts}))
    assert in_place(page) and page.errors == []  # type: ignore[attr-defined]


def test_the_countries_page_marks_what_is_new_since_the_previous_visit(
    browser: Browser, example_built_earlier: Path, example_built: Path, texts: list[Submission], tmp_path: Path
) -> None:
    """At both sizes: a visit to the portal as of an earlier day, then one at the same address to
    the portal as of the examples' day."""
    with serving_in_turn(example_built_earlier / "site", tmp_path) as (url, rebuilt):
        states = {}
        for size in SIZES:
            context = browser.new_context(viewport=SIZES[size])  # type: ignore[arg-type]
            page = context.new_page()
            unlock(page, url)
            page.wait_for_function("() => Object.keys(localStorage).length > 0")
            states[size] = context.storage_state()
            context.close()
        rebuilt(example_built / "site")
        fresh = sorted({s.submitter.name for s in texts if s.published > dt.date.fromisoformat(EARLIER_DATE)})
        assert fresh, "the example texts must include some published between the two builds"
        for size in SIZES:
            context = browser.new_context(viewport=SIZES[size], storage_state=states[size])  # type: ignore[arg-type]
            page = context.new_page()
            unlock(page, url)
            go(page, "Countries and organisations")
            marked = page.locator("table[data-portal-listing] tr", has=page.locator(".portal-new"))
            expect(marked).to_have_count(len(fresh))
            assert sorted(marked.locator("td[data-label='Country or organisation']").all_inner_texts()) == fresh, size
            context.close()


@pytest.mark.parametrize("size", SIZES)
def test_the_overview_sums_budgets_per_currency_and_its_bars_lead_to_their_listings(
    browser: Browser, example_served: str, texts: list[Submission], size: str
) -> None:
    page = opened(browser, example_served, size)
    go(page, "Overview")
    rows = budget_rows(texts)
    assert len(rows) >= 2, "the example texts give budgets in more than one currency"
    table = page.locator("h2:text-is('Indicative budgets') ~ * table.portal-list, h2:text-is('Indicative budgets') ~ table.portal-list").first
    for row in rows:
        cells = table.locator("tr", has=page.locator(f"td:text-is('{row.currency}')")).locator("td")
        needs = f"{amount(row.needs)} ({row.need_count})" if row.need_count else "—"
        offers = f"{amount(row.offers)} ({row.offer_count})" if row.offer_count else "—"
        expect(cells).to_have_text([row.currency, needs, offers])
    label = next(label for theme, label in VOCABULARY.themes.items() if any(theme in s.themes for s in texts))
    bar = page.locator("#portal-chart-themes-title ~ a.portal-chart-link", has=page.locator(f"text:text-is('{label}')"))
    bar.locator("rect").first.click()
    expect(page.locator(".md-content h1")).to_have_text(re.compile(re.escape(label)))
    assert in_place(page) and page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
def test_every_search_hit_names_who_what_kind_and_until_when(
    browser: Browser, example_served: str, example_built: Path, texts: list[Submission], size: str
) -> None:
    page = opened(browser, example_served, size)
    opened_site = open_site(example_built / "site", STATES)
    assert not [doc for doc in opened_site.search["docs"] if doc["title"] == "Guidance pattern" or "line of dashes" in doc.get("text", "")]
    # A word found only in a section of one text (not in its title or first lines): the hit is
    # that section, shown with the text's facts.
    if size == "phone":
        page.locator("label.md-header__button[for=__search]").tap()
        expect(page.locator("input.md-search__input")).to_be_focused()
    else:
        page.keyboard.press("/")
    page.keyboard.type("villages")
    result = page.locator(".md-search-result__item").first
    expect(result).to_be_visible(timeout=15_000)
    expect(result.locator("article h2")).to_contain_text("Text as received from")
    expect(result.locator("article h2 + *")).to_contain_text("villages")
    sub = {s.title: s for s in texts}[result.locator("article h1").inner_text().strip()]
    about = [f"about {c.name}" for c in sub.countries if c.code != sub.submitter.code]
    expect(result.locator(".md-tag:visible")).to_have_text(
        [sub.submitter.name, *about, VOCABULARY.kind_singular[sub.kind], f"expires {day(sub.expires.isoformat())}"]
    )
    assert page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
def test_typing_right_after_opening_the_next_page_shows_results(browser: Browser, example_served: str, size: str) -> None:
    page = opened(browser, example_served, size)
    for name in ("Countries and organisations", "Needs"):
        go(page, name)
        # At once: the theme closes its search 125 ms after a navigation starts, which used to hide
        # what the reader typed here.
        page.keyboard.press("/")
        page.keyboard.type("Kham")
        page.wait_for_timeout(400)
        expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"^\d+ matching documents?$"), timeout=15_000)
        expect(page.locator(".md-search-result__list")).to_be_visible()
        assert page.locator("input.md-search__input").input_value() == "Kham"
        page.keyboard.press("Escape")
        expect(page.locator(".md-search-result__list")).to_be_hidden()  # Escape still closes it
    assert in_place(page) and page.errors == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", SIZES)
def test_the_listing_tools_pass_axe(browser: Browser, example_served: str, size: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    page = opened(browser, example_served, size)
    go(page, "Needs")
    found = Axe().run(page, context={"include": [[".md-content"]]}).response["violations"]
    problems = [f"{v['id']} ({v['impact']}): {v['help']}" for v in found if v["impact"] in ("serious", "critical")]
    assert problems == []
