"""Links that last and one unlock per visit, in the real Chromium at a desktop's and a phone's
size: a copied address opens its page after a rebuild (or says why its text left), the 404 page
leads to it through the start page, a tab open across a rebuild goes on, a new tab opens unlocked
while another is, Lock locks every tab, a partner is told a States page is for States only."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.delivery.serve import address, listening
from portal.lifecycle import select_active
from portal.model import Submission

from tests.browser import unlock
from tests.helpers import DEMO_DATE, EARLIER_DATE, ENV, PARTNERS, STATES, Run, open_site

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
KEPT = "lao-2026-project-survivor-information-system"
REPLACED = "lao-2025-need-survey-clearance-xiengkhouang"
REPLACEMENT = "lao-2026-need-survey-clearance-xiengkhouang"
EXPIRING = "mrt-2025-need-survivor-data"  # expires 2026-10-31
WITHDRAWN = "col-2026-project-community-liaison-antioquia"
STATES_ONLY = "bih-2026-need-information-management"


@pytest.fixture(params=sorted(SIZES))
def size(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextmanager
def _serve(site: Path) -> Iterator[str]:
    """The portal's own preview server: it answers a missing page with the site's 404 page."""
    with listening(site, 0) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield address(server)
        finally:
            server.shutdown()


@pytest.fixture(scope="module")
def site(example_built: Path) -> Iterator[str]:
    """The example site built once per run, served by the portal's own preview server."""
    with _serve(example_built / "site") as url:
        yield url


def texts(repo: Repo) -> dict[str, Submission]:
    return {sub.id: sub for sub in validate_repo(repo).submissions}


def page_url(url: str, site: Path, passcode: str, title: str) -> str:
    """The URL of the page whose heading is `title` in the tier `passcode` opens (this build)."""
    opened = open_site(site, passcode)
    heading = re.compile(r"<h1[^>]*>\s*" + re.escape(html.escape(title, quote=False)) + r"\s*<")
    (name,) = [name for name, page in opened.pages.items() if heading.search(page)]
    return f"{url}{opened.folder.name}/{name}"


def context_of(browser: Browser, size: str) -> BrowserContext:
    return browser.new_context(**SIZES[size])  # type: ignore[arg-type]


def lasting(page: Page, url: str) -> str:
    """Open `url` and wait until the address bar holds the page's lasting address."""
    page.goto(url)
    page.wait_for_selector(".md-content h1")
    page.wait_for_url(re.compile(r"\?[0-9a-f]{24}$"))
    return page.url


def assert_opaque(url: str, sub: Submission) -> None:
    said = [url.lower(), unquote(url).lower()]
    words = [sub.id, sub.title, sub.submitter.code, sub.submitter.name, *sub.id.split("-")[:1], sub.kind]
    assert not [(word, form) for word in words for form in said if word.lower() in form], url


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in found if v["impact"] in ("serious", "critical")]


def test_a_copied_address_outlives_rebuilds_and_says_why_a_text_left(browser: Browser, example_built_earlier: Path, run: Run, tmp_path: Path) -> None:
    """On a desktop: what it checks does not depend on the screen's size; the start page's notices
    on a phone are checked by the tests below, which run at both sizes. The portal is the examples
    as built on an earlier day (copied), then rebuilt here."""
    size = "desktop"
    example_repo = Repo(shutil.copytree(example_built_earlier, tmp_path / "portal", symlinks=True))
    site = example_repo.site_dir
    before = texts(example_repo)
    assert {REPLACED, EXPIRING, WITHDRAWN, KEPT} <= {sub.id for sub in select_active(list(before.values()), dt.date.fromisoformat(EARLIER_DATE))}
    with _serve(site) as url:
        reading = context_of(browser, size).new_page()
        unlock(reading, url)
        copied = {key: lasting(reading, page_url(url, site, STATES, before[key].title)) for key in (REPLACED, EXPIRING, WITHDRAWN, KEPT)}
        for key, address in copied.items():
            assert_opaque(address, before[key])
        assert len({address.split("?")[1] for address in copied.values()}) == 4
        # The reader stays on a page while the text is withdrawn and the portal rebuilt (same passcode),
        # in this tab and in a second one, opened unlocked from it.
        second = reading.context.new_page()
        second.goto(copied[KEPT])
        expect(second.locator(".md-content h1")).to_contain_text(before[KEPT].title)
        country = second.locator(".md-content a[href$='.html']").first
        country_name = country.inner_text()
        result = run("withdraw", WITHDRAWN, "--reason", "asked by the State", "--today", DEMO_DATE, "--repo", str(example_repo.root), env=ENV)
        assert result.exit_code == 0, result.output
        assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
        reading.reload()
        expect(reading.locator(".md-content h1")).to_contain_text(before[KEPT].title)
        assert reading.url.endswith(copied[KEPT].split("?")[1]) and reading.url != copied[KEPT]
        country.click()  # a link of the page of the earlier build, opened in place
        expect(second.locator(".md-content h1")).to_contain_text(country_name)
        expect(second.get_by_label("Passcode")).to_have_count(0)
        assert re.search(r"\?[0-9a-f]{24}$", second.url)
        # A new visit: the old address is gone from the host; its 404 page leads to the start page,
        # and after the passcode to the page asked for.
        visiting = context_of(browser, size).new_page()
        visiting.goto(copied[KEPT])
        expect(visiting.get_by_label("Passcode")).to_be_focused()
        assert visiting.url == f"{url}index.html#{copied[KEPT].split('?')[1]}"
        visiting.get_by_label("Passcode").fill(STATES)
        visiting.get_by_label("Passcode").press("Enter")
        expect(visiting.locator(".md-content h1")).to_contain_text(before[KEPT].title)
        # The texts that left say why, and when; a replaced one links to the text that replaced it.
        said = {WITHDRAWN: r"was withdrawn on \d{4}-\d\d-\d\d,", EXPIRING: "expired on 2026-11-01,", REPLACED: "was replaced by a newer text on 2026-11-02,"}
        for key, words in said.items():
            visiting.goto(copied[key])
            expect(visiting.get_by_role("status").filter(has_text="no longer on the portal")).to_contain_text(re.compile(words))
            assert before[key].title not in visiting.content()
        assert serious_violations(visiting) == []
        visiting.get_by_role("link", name="Open the text that replaced it").click()
        expect(visiting.locator(".md-content h1")).to_contain_text(before[REPLACEMENT].title)
        reading.context.close()
        visiting.context.close()


def test_a_new_tab_opens_unlocked_while_another_is_and_lock_locks_every_tab(browser: Browser, site: str, size: str) -> None:
    context = context_of(browser, size)
    first = context.new_page()
    unlock(first, site)
    link = first.locator(".md-nav--primary a.md-nav__link[href$='.html']").first
    target = link.evaluate("a => a.href")
    with context.expect_page() as opening:
        first.locator(".md-content a[href$='.html']").first.click(modifiers=["Control"])
    clicked = opening.value
    expect(clicked.locator(".md-content h1")).to_be_visible()
    typed = context.new_page()  # an address typed or pasted into a new tab
    typed.goto(target)
    expect(typed.locator(".md-content h1")).to_be_visible()
    expect(typed.get_by_label("Passcode")).to_have_count(0)
    first.get_by_role("button", name="Lock").click()
    for page in (first, clicked, typed):
        expect(page.get_by_label("Passcode")).to_be_visible()
        assert page.evaluate("() => sessionStorage.length") == 0 or page.evaluate("() => globalThis.portalSealed.remembered()") is None
    # With every tab locked, a new tab asks for the passcode.
    late = context.new_page()
    late.goto(target)
    expect(late.get_by_label("Passcode")).to_be_focused()
    context.close()


def test_a_partner_on_a_states_only_address_is_told_it_is_for_states_only(browser: Browser, site: str, example_built: Path, size: str) -> None:
    found = texts(Repo(example_built))
    states = context_of(browser, size).new_page()
    unlock(states, site)
    only = lasting(states, page_url(site, example_built / "site", STATES, found[STATES_ONLY].title))
    shared = lasting(states, page_url(site, example_built / "site", STATES, found[KEPT].title))
    assert_opaque(only, found[STATES_ONLY])
    states.context.close()
    partner = context_of(browser, size).new_page()
    partner.goto(only)
    partner.get_by_label("Passcode").fill(PARTNERS)
    partner.get_by_label("Passcode").press("Enter")
    expect(partner.get_by_role("status").filter(has_text="for States only")).to_be_visible()
    assert found[STATES_ONLY].title not in partner.content()
    assert serious_violations(partner) == []
    # An address a States reader copied of a page partners may read opens the partners' page.
    partner.goto(shared)
    expect(partner.locator(".md-content h1")).to_contain_text(found[KEPT].title)
    assert partner.url.split("/")[-2] != shared.split("/")[-2]  # the partners' own folder
    partner.context.close()


def test_a_wrong_passcode_is_kept_and_case_and_spaces_do_not_count(browser: Browser, site: str, size: str) -> None:
    page = context_of(browser, size).new_page()
    page.goto(site)
    field = page.get_by_label("Passcode")
    field.fill("wrong horse battery")
    field.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("does not open the portal")
    expect(field).to_have_value("wrong horse battery")
    expect(field).to_be_focused()
    spelled = " ".join(word.capitalize() for word in STATES.split("-"))  # "Inch Spoiled Reggae …"
    field.fill(spelled)
    field.press("Enter")
    expect(page.locator(".md-content h1")).to_be_visible()
    page.context.close()
    other = context_of(browser, size).new_page()
    unlock(other, site, STATES.upper().replace("-", "  - "))
    other.context.close()
