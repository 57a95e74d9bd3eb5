"""Reading in the real Chromium: the next page opens inside the running one, and every way of
arriving at a page (click, back and forward, deep link, reload, after Lock, after a rebuild) works."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.config import Repo
from portal.publish.seal.sealedformat import ADDRESS, SEALED_NAME, TIER_FOLDER

from tests.browser import SITEMAP_WATCH, serving, unlock, wait_until_pages_open_in_place
from tests.helpers import DEMO_DATE, ENV, STATES, Run

pytestmark = pytest.mark.browser

HEADING = ".md-content h1"


@pytest.fixture
def portal(built_example_repo: Repo) -> Iterator[tuple[str, Path]]:
    """A copy of the example portal as built once per run, served: a test here may rebuild it."""
    with serving(built_example_repo.site_dir) as url:
        yield url, built_example_repo.root


def loads(page: Page) -> int:
    """How many times a document was loaded in this tab (a full load starts a new count)."""
    return page.evaluate("() => window.portalLoads || 0")


def mark_this_load(page: Page) -> None:
    page.evaluate("() => { window.portalLoads = (window.portalLoads || 0) + 1 }")


def search_answers(page: Page, word: str) -> None:
    field = page.locator("input.md-search__input")
    field.click()
    field.fill("")
    page.keyboard.type(word)
    expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"^\d+ matching documents?$"), timeout=15_000)
    page.keyboard.press("Escape")


def test_the_next_page_opens_inside_the_running_one(browser: Browser, portal: tuple[str, Path]) -> None:
    url, _ = portal
    context = browser.new_context()
    context.add_init_script(SITEMAP_WATCH)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    unlock(page, url)
    wait_until_pages_open_in_place(page)
    mark_this_load(page)
    search_answers(page, "Kham")  # the index is opened once, on the first page
    page.get_by_role("link", name="Countries and organisations").first.click()
    expect(page.locator(HEADING)).to_contain_text("Countries and organisations that have published")
    page.locator(".md-content").get_by_role("link", name="Lao PDR").click()
    expect(page.locator(HEADING)).to_contain_text("Lao PDR")
    assert loads(page) == 1  # no full load: the theme and the opened index lived on
    index_requests: list[str] = []
    page.on("request", lambda request: index_requests.append(request.url) if "search_index" in request.url else None)
    search_answers(page, "Kham")
    assert index_requests == []
    lao = page.url
    assert re.search(rf"/{TIER_FOLDER}/{SEALED_NAME}\.html\?{ADDRESS}$", lao)  # with its lasting address
    # Back and forward stay inside the running page too.
    page.go_back()
    expect(page.locator(HEADING)).to_contain_text("Countries and organisations that have published")
    page.go_forward()
    expect(page.locator(HEADING)).to_contain_text("Lao PDR")
    assert loads(page) == 1 and page.url == lao
    # A reload opens the page itself; the address opened in a new tab opens it unlocked while this
    # tab is open (its keys handed over); in another browser session it asks for the passcode first.
    page.reload()
    expect(page.locator(HEADING)).to_contain_text("Lao PDR")
    assert loads(page) == 0
    tab = context.new_page()
    tab.goto(lao)
    expect(tab.locator(HEADING)).to_contain_text("Lao PDR")
    assert tab.url == lao
    assert errors == []
    context.close()
    other = browser.new_context().new_page()
    other.goto(lao)
    other.get_by_label("Passcode").fill(STATES)
    other.get_by_label("Passcode").press("Enter")
    expect(other.locator(HEADING)).to_contain_text("Lao PDR")
    assert other.url == lao
    other.context.close()


def test_lock_and_a_rebuilt_portal_while_reading(browser: Browser, portal: tuple[str, Path], run: Run) -> None:
    url, root = portal
    context = browser.new_context()
    page = context.new_page()
    unlock(page, url)
    page.get_by_role("link", name="Needs").first.click()
    expect(page.locator(HEADING)).to_contain_text("Needs")
    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_label("Passcode")).to_be_visible()
    unlock(page, url)
    # The portal is rebuilt (new names, new keys) while the reader has it open: the next click
    # opens the new build's page without the passcode, which has not changed.
    assert run("build", "--repo", str(root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    page.get_by_role("link", name="Offers").first.click()
    expect(page.locator(HEADING)).to_contain_text("Offers")
    expect(page.get_by_label("Passcode")).to_have_count(0)
    page.get_by_role("link", name="Needs").first.click()
    expect(page.locator(HEADING)).to_contain_text("Needs")
    context.close()
