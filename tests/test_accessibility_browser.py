"""The portal by keyboard and screen reader, and on a phone, in the real Chromium at both sizes:
axe finds nothing serious on any kind of page or in any state, Tab reaches only what can be seen,
the heading of a page opened in place takes the focus, a phone's targets are 44 pixels, and a
plain text's soft-wrapped lines are joined on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.publish.seal.sealedformat import NOT_FOUND_PAGE

from tests.browser import open_url, pages_behind_links, unlock

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True},
}
LAO_PROJECT = "A national information system on cluster munition survivors"  # a plain text whose paragraphs are hard-wrapped

# What the focused element is, and whether a reader can see it.
FOCUSED = """() => {
  const e = document.activeElement;
  const r = e.getBoundingClientRect();
  const seen = r.width > 0 && r.height > 0 && r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight
    && e.checkVisibility({opacityProperty: true, visibilityProperty: true});
  return {name: (e.getAttribute('aria-label') || e.textContent || e.placeholder || e.tagName).trim().slice(0, 40), seen,
          box: [Math.round(r.left), Math.round(r.top), Math.round(r.width), Math.round(r.height)], content: Boolean(e.closest('.md-content'))};
}"""

# Every target a reader can touch that is smaller than 44 by 44 pixels, but links inside a
# sentence (which WCAG leaves out: the text around them sets their size).
SMALL_TARGETS = """async () => {
  await Promise.all(document.getAnimations().map(a => a.finished));
  const small = [];
  for (const e of document.querySelectorAll('a[href], button, summary, input:not([type=hidden]), select, label[role=button], [tabindex]:not([tabindex="-1"])')) {
    if (!e.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || (r.width >= 44 && r.height >= 44)) continue;
    const block = e.parentElement.closest('p, li, td, th, dd, dt, div, figcaption, h1, h2, h3, h4, summary');
    const inSentence = block && block.textContent.trim() !== e.textContent.trim() && !e.closest('.md-header, .md-nav, .md-search');
    if (!inSentence) small.push(`${e.tagName} "${e.textContent.trim().slice(0, 30)}" ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return small;
}"""


def new_page(browser: Browser, size: str) -> Page:
    return browser.new_context(**SIZES[size]).new_page()  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def kinds(browser: Browser, example_served: str) -> dict[str, str]:
    """One address of each kind of page, found by following links as a reader would."""
    page = new_page(browser, "desktop")
    unlock(page, example_served)
    nav = dict(page.evaluate("() => [...document.querySelectorAll('.md-nav--primary a.md-nav__link')].map(a => [a.textContent.trim(), a.href.split('#')[0]])"))
    wanted = {
        "home": "Home",
        "overview": "Overview",
        "countries": "Countries and organisations",
        "a kind listing": "Needs",
        "themes": "Themes",
        "matches": "Possible matches",
        "outcomes": "Outcomes",
        "changes": "Changes",
        "export": "Export",
        "guidance pattern": "Guidance pattern",
    }
    urls = {kind: nav[name] for kind, name in wanted.items()}
    urls |= pages_behind_links(page, urls["a kind listing"], urls["countries"], urls["themes"])
    open_url(page, urls["a kind listing"])
    page.context.close()
    assert len(set(urls.values())) == len(urls), urls
    return urls


def type_a_search(page: Page, word: str) -> None:
    """Type `word` in the open search and wait until its results have settled (the theme answers
    each keystroke)."""
    page.keyboard.type(word)
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"^\d+ matching documents?$"))
    expect(page.locator(".md-search-result__item").first).to_be_visible()
    page.wait_for_timeout(500)
    page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")


def serious(axe: object, page: Page, where: str) -> list[str]:
    found = axe.run(page).response["violations"]  # type: ignore[attr-defined]
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']][:3]}" for v in found if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("size", SIZES)
def test_axe_finds_nothing_serious_on_any_page_or_state(browser: Browser, example_served: str, kinds: dict[str, str], size: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = new_page(browser, size)
    page.goto(example_served)
    field = page.get_by_label("Passcode")
    field.wait_for()
    problems = serious(axe, page, "unlock page")
    field.fill("not the passcode at all")
    field.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("This passcode does not open the portal")
    problems += serious(axe, page, "unlock page, wrong passcode")
    page.goto(example_served + NOT_FOUND_PAGE)
    expect(page.get_by_role("heading", name="Page not found")).to_be_visible()
    problems += serious(axe, page, "404 page")
    unlock(page, example_served)
    for kind, url in kinds.items():
        open_url(page, url)
        problems += serious(axe, page, kind)
    open_url(page, kinds["home"])
    if size == "phone":
        page.get_by_role("button", name="Menu").click()
        expect(page.locator(".md-sidebar--primary .md-nav__link").first).to_be_visible()
        problems += serious(axe, page, "menu open")
        page.keyboard.press("Escape")
        expect(page.locator(".md-sidebar--primary")).to_be_hidden()
        page.get_by_role("button", name="Search").click()
    else:
        page.locator(".md-search__input").click()
    type_a_search(page, "clearance")
    problems += serious(axe, page, "search open")
    assert problems == [], "\n".join(problems)


def tab_through_header(page: Page) -> list[dict]:
    """Each element Tab reaches from the top of the page until the first one in the page's content."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    stops: list[dict] = []
    for _ in range(40):
        page.keyboard.press("Tab")
        page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")  # e.g. the skip link sliding in
        stop = page.evaluate(FOCUSED)
        if stop["content"]:
            return stops
        stops.append(stop)
    raise AssertionError(f"Tab never reached the page's content: {stops}")


@pytest.mark.parametrize("size", SIZES)
def test_tab_reaches_only_what_can_be_seen(browser: Browser, example_served: str, kinds: dict[str, str], size: str) -> None:
    page = new_page(browser, size)
    unlock(page, example_served)
    for kind in ("home", "a text", "guidance pattern"):
        open_url(page, kinds[kind])
        stops = tab_through_header(page)
        unseen = [stop for stop in stops if not stop["seen"]]
        assert unseen == [], f"{kind}: Tab stops that cannot be seen: {unseen}"
        names = [stop["name"] for stop in stops]
        if size == "phone":  # the closed menu's links are not Tab stops; its button is
            assert names == ["Skip to content", "Menu", "Search", "Lock"], names
        else:
            assert names[:4] == ["Skip to content", "CCM Cooperation Portal", "Search", "Lock"], names
            assert len(names) > 10 and "Overview" in names  # then the navigation beside the page


def test_the_keyboard_opens_and_closes_the_menu_and_the_search_on_a_phone(browser: Browser, example_served: str) -> None:
    page = new_page(browser, "phone")
    unlock(page, example_served)
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.focus()
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    focused = page.evaluate(FOCUSED)
    assert focused["seen"] and focused["name"], focused  # the first link of the menu, on screen
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["seen"]
    page.keyboard.press("Escape")
    expect(menu).to_be_focused()
    expect(menu).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Tab")
    search = page.get_by_role("button", name="Search")
    expect(search).to_be_focused()
    page.keyboard.press(" ")
    field = page.locator(".md-search__input")
    expect(field).to_be_focused()
    expect(field).to_be_visible()
    page.keyboard.type("survivor")
    expect(page.locator(".md-search-result__item").first).to_be_visible()


@pytest.mark.parametrize("size", SIZES)
def test_a_page_opened_in_place_gives_its_heading_the_focus(browser: Browser, example_served: str, kinds: dict[str, str], size: str) -> None:
    page = new_page(browser, size)
    unlock(page, example_served)
    page.evaluate("() => { window.portalSamePage = true; }")  # gone if the page were loaded anew
    # By keyboard: a link of the home page, followed with Enter.
    needs = page.locator(".md-content ul.portal-counts a").first
    needs.focus()
    page.keyboard.press("Enter")
    heading = page.locator(".md-content h1")
    expect(heading).to_have_text(re.compile("^Needs"))
    expect(heading).to_be_focused()
    assert page.evaluate("() => window.portalSamePage") is True
    # The next Tab goes on from the heading, into the page, not back to the top of the header.
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED)["content"]
    # By pointer: a text's title in the listing.
    title = page.locator(".md-content table a[data-portal-published]").first
    name = title.inner_text()
    title.click()
    expect(heading).to_contain_text(name)
    expect(heading).to_be_focused()
    assert heading.get_attribute("tabindex") == "-1"  # focusable by script, not a Tab stop
    assert page.evaluate("() => window.portalSamePage") is True


def test_every_target_on_a_phone_is_44_pixels(browser: Browser, example_served: str, kinds: dict[str, str]) -> None:
    page = new_page(browser, "phone")
    unlock(page, example_served)
    small = {}
    for kind, url in kinds.items():
        open_url(page, url)
        found = page.evaluate(SMALL_TARGETS)
        if found:
            small[kind] = found
    page.get_by_role("button", name="Search").click()
    type_a_search(page, "clearance")
    found = page.evaluate(SMALL_TARGETS)
    if found:
        small["search open"] = found
    assert small == {}, small
    lock = page.get_by_role("button", name="Lock").bounding_box()
    assert lock and lock["width"] >= 44 and lock["height"] >= 44


@pytest.mark.parametrize("size", SIZES)
def test_a_plain_text_is_readable_on_a_phone(browser: Browser, example_served: str, kinds: dict[str, str], size: str) -> None:
    """A paragraph a mail client wrapped fills a phone's screen; the desktop shows the lines as
    received; the page holds the text as received at both sizes. The title is dark and bold."""
    page = new_page(browser, size)
    unlock(page, example_served)
    open_url(page, kinds["countries"])
    page.locator(".md-content table a", has_text="Lao").first.click()
    page.locator(".md-content table a", has_text=LAO_PROJECT).first.click()
    block = page.locator(".portal-plain").first
    block.wait_for()
    received = block.evaluate("e => e.textContent")
    assert "national database,\nshared with health" in received  # the text as received
    shown = block.evaluate("e => e.innerText")
    assert "checked in person\n- Referral time" in shown  # a list keeps its lines
    if size == "phone":
        assert "national database, shared with health" in shown
    else:
        assert "national database,\nshared with health" in shown
    title = page.locator(".md-content h1")
    style = title.evaluate("h => [getComputedStyle(h).fontWeight, getComputedStyle(h).color]")
    assert style == ["700", "rgba(0, 0, 0, 0.87)"], style
    if size == "phone":  # a long title in fewer lines than the theme's five
        lines = title.evaluate("h => Math.round(h.getBoundingClientRect().height / parseFloat(getComputedStyle(h).lineHeight))")
        assert lines <= 4, lines


def test_what_is_new_comes_before_the_introduction_on_the_home_page(browser: Browser, example_served: str, kinds: dict[str, str]) -> None:
    page = new_page(browser, "phone")
    unlock(page, example_served)
    order = page.evaluate(
        "() => [...document.querySelectorAll('.md-content h1, .md-content .portal-new-summary, .md-content p')].slice(0, 3).map(e => e.className || e.tagName)"
    )
    assert order[:2] == ["H1", "portal-new-summary"], order
