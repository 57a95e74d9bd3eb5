"""What a reader sees in the real Chromium: unlocking, reading, navigating, searching, downloading."""

from __future__ import annotations

import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect
from pypdf import PdfReader

from portal.config import Repo
from portal.publish.seal.sealedformat import PAYLOAD_START

from tests.browser import serving, unlock
from tests.helpers import DEMO_DATE, ENV, PARTNERS, STATES, MakeRepo, Run

pytestmark = pytest.mark.browser

SERVED: dict[str, Path] = {}
BODY_ONLY_WORD = "villages"  # only in the text of the Lao need, a States-only text


@pytest.fixture(scope="module")
def site(example_built: Path) -> Iterator[str]:
    """The example site built once per run, served; the tests only read it."""
    with serving(example_built / "site") as url:
        SERVED[url] = example_built / "site"
        yield url


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.errors = errors  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()


def search(page: Page, word: str, expected: str) -> str:
    """Type `word` in the theme's search and wait until the results say `expected` (a regex):
    the theme answers each keystroke, so earlier answers for a prefix come first. The theme closes
    the search 125 ms after a page is opened in place, and the closed search shows no results."""
    page.wait_for_timeout(200)
    page.locator("input.md-search__input").click()
    expect(page.locator("#__search")).to_be_checked()
    page.keyboard.type(word)
    meta = page.locator(".md-search-result__meta")
    expect(meta).to_have_text(re.compile(expected), timeout=15_000)
    return meta.inner_text()


def test_states_unlock_read_navigate_and_search(page: Page, site: str) -> None:
    unlock(page, site, STATES)
    expect(page.locator(".md-content h1")).to_contain_text("CCM Cooperation Portal")
    page.get_by_role("link", name="Countries and organisations").first.click()
    expect(page.locator(".md-content h1")).to_contain_text("Countries and organisations that have published")
    page.locator(".md-content").get_by_role("link", name="Lao PDR").click()
    expect(page.locator(".md-content h1")).to_contain_text("Lao PDR")
    page.locator(".md-content").get_by_role("link", name="Survey and clearance of cluster munition remnants in Xiengkhouang Province (update 2027)").click()
    expect(page.locator(".portal-card").first).to_contain_text("2 November 2027 (expires in 347 days)")
    expect(page.locator(".portal-plain")).to_contain_text("1. Clearance of 1,140 hectares in Kham and Pek districts (2027-2028)")
    assert page.get_by_label("Passcode").count() == 0
    assert search(page, BODY_ONLY_WORD, r"^1 matching document$")
    expect(page.locator(".md-search-result__item").first).to_contain_text("Survey and clearance")
    assert page.errors == []  # type: ignore[attr-defined]


def test_wrong_and_empty_passcodes_show_a_clear_message(page: Page, site: str) -> None:
    page.goto(site)
    field = page.get_by_label("Passcode")
    field.fill("correct-horse-battery-staple-not-this-one")
    field.press("Enter")
    expect(page.get_by_role("status")).to_have_text("This passcode does not open the portal. Check it, or ask the coordinator for the current one.")
    expect(field).to_be_focused()
    assert page.locator(".md-content").count() == 0
    field.fill("   ")
    page.get_by_role("button", name="Open the portal").click()
    expect(page.get_by_role("status")).to_have_text("Enter the passcode.")


def test_attachment_downloads_byte_identical(page: Page, site: str, example_repo_template: Path) -> None:
    unlock(page, site, STATES)
    page.get_by_role("link", name="Needs").first.click()
    page.locator(".md-content").get_by_role("link", name="Explosive ordnance risk education for returnee communities in Basrah Governorate").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Work plan 2027-2028").click()
    download = info.value
    assert download.suggested_filename == "work-plan.csv"
    original = example_repo_template / "submissions/IRQ/attachments/irq-2026-need-risk-education-basrah/work-plan.csv"
    assert Path(download.path()).read_bytes() == original.read_bytes()


def test_partners_see_only_partner_texts(page: Page, site: str) -> None:
    unlock(page, site, PARTNERS)
    page.get_by_role("link", name="Countries and organisations").first.click()
    content = page.locator(".md-content")
    expect(content).to_contain_text("Iraq")
    expect(content).not_to_contain_text("Germany")  # its offer is for States only
    assert search(page, BODY_ONLY_WORD, r"^No matching documents$")


def test_a_page_of_the_other_tier_asks_for_its_passcode(page: Page, site: str) -> None:
    unlock(page, site, STATES)
    page.wait_for_url(re.compile(r"\?[0-9a-f]+$"))  # the home page's lasting address, once known
    states_home = page.url
    page.get_by_role("button", name="Lock").click()
    expect(page.get_by_label("Passcode")).to_be_visible()
    unlock(page, site, PARTNERS)
    partners_home = page.url.split("?")[0]
    page.goto(states_home.split("?")[0])  # the page's address without its lasting address
    expect(page.get_by_role("status")).to_contain_text("does not open with the passcode you entered earlier")
    assert page.locator(".md-content").count() == 0
    # With its lasting address, a page the partners have too opens as theirs (test_addresses_browser).
    unlock(page, site, PARTNERS)
    page.goto(states_home)
    page.wait_for_selector(".md-content h1")
    assert page.url.split("?")[0] == partners_home


def test_a_tampered_page_shows_nothing(page: Page, site: str) -> None:
    unlock(page, site, STATES)
    home = page.url
    folder = home.rsplit("/", 2)[-2]
    html = page.request.get(home).text()
    start = html.index(PAYLOAD_START) + len(PAYLOAD_START)
    tampered = html[:start] + ("A" if html[start] != "A" else "B") + html[start + 1 :]
    # The home page's address may carry its lasting address after '?' (addresses.js puts it there
    # once the page is open): the tampered page answers with or without it.
    page.route(re.compile(rf"/{re.escape(folder)}/index\.html(\?.*)?$"), lambda route: route.fulfill(body=tampered, content_type="text/html"))
    page.goto(home)
    expect(page.get_by_role("status")).to_contain_text("does not open")
    assert page.locator(".md-content").count() == 0


def test_phone_screen_and_print(page: Page, site: str) -> None:
    page.set_viewport_size({"width": 375, "height": 740})
    unlock(page, site, STATES)
    page.goto(page.url.replace("index.html", "") + "index.html")
    page.locator(".md-content h1").wait_for()
    page.get_by_label("Navigation").first.wait_for(state="attached")
    expect(page.locator(".md-content a[href$='.html']").first).to_be_visible()  # the home page's links fit the phone
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375
    heading = page.locator(".md-content h1").evaluate("h => h.firstChild.textContent.trim()")
    opening = " ".join(page.locator(".md-content p").first.inner_text().split())
    page.emulate_media(media="print")
    assert page.evaluate("() => getComputedStyle(document.querySelector('.md-header')).display") == "none"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.md-sidebar--primary')).display") == "none"
    running = page.locator(".portal-reader").get_attribute("data-portal-running")  # the sheet's running header (portal.css)
    printed = PdfReader(io.BytesIO(page.pdf())).pages
    sheet = " ".join(printed[0].extract_text().split())
    margins = f"{running} Page 1 of {len(printed)}"
    assert sheet.startswith(f"{margins} {heading} {opening[:80]}"), sheet[:200]  # the page from its heading: no header, search or navigation


def test_main_pages_have_no_serious_accessibility_violations(page: Page, site: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page.goto(site)
    problems = []
    for name in ("unlock page", "Home", "Countries and organisations", "Possible matches", "Needs", "a submission"):
        if name == "Home":
            unlock(page, site, STATES)
        elif name == "a submission":
            page.locator(".md-content table a").first.click()
            page.locator(".portal-card").first.wait_for()
        elif name != "unlock page":
            page.get_by_role("link", name=name).first.click()
            expect(page.locator(".md-content h1")).to_contain_text(name.split()[0])
        found = axe.run(page).response["violations"]
        problems += [f"{name}: {v['id']} ({v['impact']}): {v['help']}" for v in found if v["impact"] in ("serious", "critical")]
    assert problems == [], "\n".join(problems)


def test_after_rotation_the_old_passcode_and_the_remembered_key_stop_working(browser: Browser, built_example_repo: Repo, run: Run) -> None:
    example_repo = built_example_repo
    context = browser.new_context()
    page = context.new_page()
    with serving(example_repo.site_dir) as url:
        unlock(page, url, STATES)
        reading = page.url
        rotated = run("passcode", "rotate", "--tier", "states", "--repo", str(example_repo.root), "--today", DEMO_DATE)
        assert rotated.exit_code == 0, rotated.output
        new = next(line.split(": ", 1)[1] for line in rotated.output.splitlines() if line.strip().startswith("States:"))
        assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env={**ENV, "PORTAL_PASSCODE": new}).exit_code == 0
        assert page.request.get(reading).status == 404  # the tier's folder follows its passcode
        page.goto(url)
        expect(page.get_by_role("status")).to_contain_text("The portal has been updated")
        field = page.get_by_label("Passcode")
        field.fill(STATES)
        field.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("This passcode does not open the portal")
        field.fill(new)
        field.press("Enter")
        page.wait_for_selector(".md-content h1")
        expect(page.locator(".md-content h1")).to_contain_text("CCM Cooperation Portal")
    context.close()


def hostile_repo(make_repo: MakeRepo) -> tuple:
    from tests.helpers import FIXTURES

    payloads = (FIXTURES / "xss-payloads.txt").read_text(encoding="utf-8")
    repo = make_repo(FIXTURES / "base")
    base = (FIXTURES / "base/submissions/LAO/lao-2026-need-base.md").read_text()
    for identifier, text_format, text in (
        ("lao-2026-need-hostile-plain", "plain", payloads),
        ("lao-2026-need-hostile-markdown", "markdown", payloads.replace("\n", "\n\n") + "\n<p>unclosed <b>bold <i>italic\n"),
    ):
        meta = base.split("---\n")[1].replace("lao-2026-need-base", identifier).replace("format: plain", f"format: {text_format}")
        meta = meta.replace("title: Clearance support in Xiengkhouang", f'title: "<img src=x onerror=alert(1)> {text_format} <script>alert(1)</script>"')
        (repo.submissions / "LAO" / f"{identifier}.md").write_text(f"---\n{meta}---\n{text}")
    return repo, payloads


def test_hostile_html_and_markdown_render_inert(browser: Browser, make_repo: MakeRepo, run: Run) -> None:
    repo, payloads = hostile_repo(make_repo)
    result = run("build", "--repo", str(repo.root), "--today", "2026-11-20", env=ENV)
    assert result.exit_code == 0, result.output
    context = browser.new_context()
    page = context.new_page()
    dialogs: list[str] = []

    def dismiss(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    with serving(repo.site_dir) as url:
        unlock(page, url, STATES)
        page.get_by_role("link", name="Needs").first.click()
        links = page.locator(".md-content table a", has_text="onerror")
        expect(links).to_have_count(2)
        for index in range(2):
            page.get_by_role("link", name="Needs").first.click()
            expect(links).to_have_count(2)
            links.nth(index).click()
            page.locator(".portal-text").wait_for()
            page.mouse.move(10, 10)
            page.mouse.move(200, 300)
            page.wait_for_timeout(300)
            heading = page.locator(".md-content h1").inner_text()
            assert "<img src=x onerror=alert(1)>" in heading
            assert page.evaluate("() => window.__xss") is None
            text = page.locator(".portal-text")
            assert text.locator("script, iframe, object, embed, form, img, svg, style, link, meta, base, input, video, audio").count() == 0
            hrefs = [a.get_attribute("href") or "" for a in text.locator("a").all()]
            assert not [h for h in hrefs if h and not h.startswith(("http:", "https:", "mailto:", "#"))], hrefs
            assert (
                page.evaluate(
                    "() => [...document.querySelectorAll('.portal-text *')].flatMap(e => [...e.attributes].map(a => a.name)).filter(n => n.startsWith('on'))"
                )
                == []
            )
            if "plain" in heading:
                assert text.inner_text() == payloads
        assert page.title() == "CCM Cooperation Portal"  # every opened page has the same generic title
        assert search(page, "onerror", r"^\d+ matching documents?$")
        page.wait_for_timeout(300)
        assert page.evaluate("() => window.__xss") is None
    assert dialogs == []
    context.close()


def test_the_site_works_from_a_sub_path(browser: Browser, site: str, tmp_path: Path) -> None:
    www = tmp_path / "www"
    target = www / "ccm" / "cooperation-portal"
    shutil.copytree(SERVED[site], target)
    context = browser.new_context()
    page = context.new_page()
    with serving(www) as url:
        unlock(page, url + "ccm/cooperation-portal/", STATES)
        assert "/ccm/cooperation-portal/" in page.url
        page.get_by_role("link", name="Offers").first.click()
        expect(page.locator(".md-content h1")).to_contain_text("Offers")
        assert search(page, "Kham", r"^\d+ matching documents?$")
    context.close()
