"""A hostile text in the real Chromium: no page, worker or search may send anything to another origin."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from portal.cli import main
from portal.publish.seal.sealedformat import FORM_ID

from tests.browser import open_url, serving
from tests.helpers import DEMO_DATE, ENV, FIXTURES, PARTNERS, STATES, new_repo, open_site

pytestmark = pytest.mark.browser

CANARY = "exfiltrationcanary"  # a word of every hostile text (tests/fixtures/exfiltration-payloads.md)
HOSTILE_TITLES = {
    "lao-2026-need-hostile-config": "__config",
    "lao-2026-need-hostile-shared": "__search",
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base repository plus three hostile texts: one States-only in Markdown, one shared
    with partners in Markdown, one in plain text, with titles that are the theme's own ids;
    built once for the module's tests, which only serve it."""
    repo = new_repo(tmp_path_factory.mktemp("hostile") / "portal", FIXTURES / "base")
    payloads = (FIXTURES / "exfiltration-payloads.md").read_text(encoding="utf-8")
    base = (FIXTURES / "base/submissions/LAO/lao-2026-need-base.md").read_text()
    meta = base.split("---\n")[1]
    for identifier, text_format, audience in (
        ("lao-2026-need-hostile-config", "markdown", "states"),
        ("lao-2026-need-hostile-shared", "markdown", "states-and-partners"),
        ("lao-2026-need-hostile-plain", "plain", "states"),
    ):
        title = HOSTILE_TITLES.get(identifier, FORM_ID)
        own = meta.replace("lao-2026-need-base", identifier).replace("format: plain", f"format: {text_format}")
        own = own.replace("audience: states", f"audience: {audience}").replace("title: Clearance support in Xiengkhouang", f'title: "{title}"')
        (repo.submissions / "LAO" / f"{identifier}.md").write_text(f"---\n{own}---\n{payloads}", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--repo", str(repo.root), "--today", DEMO_DATE], env=ENV, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return repo.site_dir


class Watch:
    """Every request the context makes, answered only when it goes to the test server."""

    def __init__(self, context: BrowserContext, local: str) -> None:
        self.local = urlsplit(local).netloc
        self.elsewhere: list[str] = []
        self.violations: list[str] = []
        # Only what is not the test server reaches Python: the browser matches the pattern itself,
        # so the site's own requests are not slowed by a round trip to the test for each.
        context.route(re.compile(f"^(?!{re.escape(local.rstrip('/'))}/)"), self.route)

    def route(self, route: Route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in {"http", "https", "ws", "wss"} and urlsplit(url).netloc != self.local:
            self.elsewhere.append(url)
            route.abort()
        else:
            route.continue_()

    def watch(self, page: Page) -> Page:
        page.on("console", lambda message: self.violations.append(message.text) if "Content Security Policy" in message.text else None)
        return page


def open_tier(page: Page, url: str, passcode: str) -> None:
    page.goto(url)
    field = page.get_by_label("Passcode")
    field.fill(f"  {passcode}\n")  # as pasted from an e-mail: the spaces around it do not matter
    page.get_by_role("button", name="Open the portal").click()
    page.wait_for_selector(".md-content h1")


def pages_showing_hostile_text(site: Path, url: str, passcode: str) -> list[str]:
    """The addresses of the tier's pages that show a hostile text or link to one (its title is
    one of the theme's own ids), found by opening every page of the tier with its passcode."""
    opened = open_site(site, passcode)
    texts = {name for name, page in opened.pages.items() if CANARY in page}
    assert len(texts) == (3 if passcode == STATES else 1), sorted(texts)
    showing = {name for name, page in opened.pages.items() if any(text in page for text in texts)}
    # Every other page shows nothing of them: no word, id or title.
    marks = (CANARY, "need-hostile", *(f">{title}<" for title in (*HOSTILE_TITLES.values(), FORM_ID)))
    assert not {name for name, page in opened.pages.items() if name not in texts | showing and any(mark in page for mark in marks)}
    return [f"{url}{opened.folder.name}/{name}" for name in sorted(texts | showing)]


def visit(page: Page, addresses: list[str]) -> None:
    """Open each page; on a hostile text's own page, search for it with the theme's search too."""
    for address in addresses:
        open_url(page, address)
        config = page.evaluate("() => { const c = document.getElementById('__config'); return c && c.tagName + ' ' + (c.type || '') }")
        assert config == "SCRIPT application/json", (address, config)
        if CANARY in page.locator(".md-content").inner_text():
            page.locator("input.md-search__input").click()
            page.keyboard.type(CANARY)
            expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"^[1-3] matching documents?$"), timeout=15_000)
            page.keyboard.press("Escape")


@pytest.mark.parametrize("passcode", [STATES, PARTNERS], ids=["states", "partners"])
def test_no_hostile_text_makes_any_page_talk_to_another_origin(browser: Browser, hostile_site: Path, passcode: str) -> None:
    site = hostile_site
    context = browser.new_context()
    with serving(site) as url:
        watch = Watch(context, url)
        page = watch.watch(context.new_page())
        open_tier(page, url, passcode)
        addresses = pages_showing_hostile_text(site, url, passcode)
        assert len(addresses) > 5  # the texts' own pages, and the listings and country page with their titles
        visit(page, addresses)
        # The same pages opened in place (the theme's instant navigation swaps them in).
        page.goto(url)
        page.wait_for_selector(".md-content h1")
        page.get_by_role("link", name="Needs").first.click()
        expect(page.locator(".md-content h1")).to_contain_text("Needs")
        titles = [name for name in ("__config", "__search", FORM_ID) if page.locator(".md-content a", has_text=name).count()]
        assert titles
        for title in titles:
            page.get_by_role("link", name="Needs").first.click()
            expect(page.locator(".md-content h1")).to_contain_text("Needs")
            page.locator(".md-content a", has_text=title).first.click()
            expect(page.locator(".md-content h1")).to_contain_text(title)
            assert page.evaluate("() => document.getElementById('__config').tagName") == "SCRIPT"
        page.wait_for_timeout(500)  # let anything started by the last page go out, if it could
        assert watch.elsewhere == [], watch.elsewhere
        assert page.evaluate("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content").startswith("default-src 'self'")
        # The watch itself sees a request that does go elsewhere.
        control = context.new_page()
        control.goto("about:blank")
        # evaluate waits for the fetch, which fails only once the watch has seen and aborted it
        control.evaluate("() => fetch('https://evil.example/control').catch(() => null)")
        assert watch.elsewhere == ["https://evil.example/control"]
    context.close()


def test_the_theme_keeps_working_under_the_policy(browser: Browser, hostile_site: Path) -> None:
    site = hostile_site
    context = browser.new_context()
    with serving(site) as url:
        watch = Watch(context, url)
        page = watch.watch(context.new_page())
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        open_tier(page, url, STATES)
        page.get_by_role("link", name="Needs").first.click()
        expect(page.locator(".md-content h1")).to_contain_text("Needs")
        page.locator("input.md-search__input").click()
        page.keyboard.type("Xiengkhouang")
        expect(page.locator(".md-search-result__meta")).to_have_text(re.compile(r"^\d+ matching documents?$"), timeout=15_000)
        assert errors == []
        # The theme's own inline scripts ran (they are allowed by their hashes, nothing else is).
        assert page.evaluate("() => typeof __md_get") == "function"
        assert [v for v in watch.violations if "script" in v.lower() and "evil" not in v] == []
    context.close()
