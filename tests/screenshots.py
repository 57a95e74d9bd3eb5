"""Screenshots of the example portal for the handbook: home, a text, the overview and a filtered
listing, at desktop and phone size, in the real Chromium, and the first sheet of a printout
(printed to PDF by Chromium, drawn by pdftoppm: Debian's poppler-utils). Usage:
.venv/bin/python -m tests.screenshots [folder] (default docs/screenshots)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner
from playwright.sync_api import Page, sync_playwright

from tests.browser import ARGS, chromium_path, serving
from tests.helpers import DEMO_DATE, ENV, PROJECT, STATES

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
TEXT = "Survey and clearance of cluster munition remnants in Xiengkhouang Province (update 2027)"
PLAIN_TEXT = "A national information system on cluster munition survivors"


def shoot(page: Page, url: str, target: Path) -> None:
    page.goto(url)
    page.wait_for_selector(".md-content h1")
    page.screenshot(path=str(target), full_page=True)


def printout(page: Page, url: str, target: Path) -> None:
    """The first A4 sheet of a printable page as a reader's Ctrl+P prints it, as a PNG."""
    if not shutil.which("pdftoppm"):
        sys.exit("The printout's picture needs pdftoppm: apt-get install poppler-utils")
    page.goto(url)
    page.locator(".md-content a", has_text="Needs").first.click()
    page.locator(".md-content a", has_text="Printable page of all").click()
    page.wait_for_function("() => /^All/.test((document.querySelector('.portal-print-status') || {}).textContent)")
    with tempfile.TemporaryDirectory() as temp:
        pdf = Path(temp) / "printout.pdf"
        pdf.write_bytes(page.pdf(format="A4", prefer_css_page_size=True))
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(target.with_suffix(""))], check=True)


def listing_filters(page: Page, target: Path) -> None:
    """The listing of needs, filtered by who published (the first in the list) and sorted by expiry."""
    page.go_back()
    page.wait_for_selector(".portal-listing-tools")
    tools = page.get_by_role("group", name="Sort and filter this list")
    who = tools.get_by_label("Published by")
    who.select_option(index=2)
    tools.get_by_label("Sort by").select_option(label="Expires, earliest first")
    page.screenshot(path=str(target), full_page=True)


def main(folder: Path) -> None:
    from portal.cli import main as portal
    from portal.config import Repo
    from portal.examples import create_example_repo

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as temp:
        repo = create_example_repo(Repo(PROJECT), Path(temp) / "portal")
        result = CliRunner().invoke(portal, ["build", "--repo", str(repo.root), "--today", DEMO_DATE], env=ENV)
        if result.exit_code != 0:
            sys.exit(result.output)
        with sync_playwright() as playwright, serving(repo.site_dir) as url:
            chromium = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
            for size, viewport in SIZES.items():
                context = chromium.new_context(viewport=viewport)  # type: ignore[arg-type]
                page = context.new_page()
                page.goto(url)
                page.get_by_label("Passcode").fill(STATES)
                page.get_by_label("Passcode").press("Enter")
                page.wait_for_selector(".md-content h1")
                home = page.url
                shoot(page, home, folder / f"home-{size}.png")
                overview = page.locator(".md-content a", has_text="overview").first.evaluate("a => a.href")
                shoot(page, overview, folder / f"overview-{size}.png")
                page.goto(home)
                page.locator(".md-content a", has_text="Needs").first.click()
                text = page.locator(".md-content table a", has_text=TEXT).evaluate("a => a.href")
                shoot(page, text, folder / f"text-{size}.png")
                listing_filters(page, folder / f"listing-filters-{size}.png")
                if size == "desktop":
                    printout(page, home, folder / "printout-a4.png")
                if size == "phone":  # a plain text whose hard-wrapped paragraphs fill the screen
                    page.goto(home)
                    page.locator(".md-content a", has_text="Countries and organisations").first.click()
                    page.locator(".md-content table a", has_text="Lao PDR").first.click()
                    page.locator(".md-content table a", has_text=PLAIN_TEXT).first.click()
                    page.wait_for_selector(".portal-plain")
                    page.screenshot(path=str(folder / "text-plain-phone.png"), full_page=True)
                context.close()
            chromium.close()
    print(f"Screenshots written to {folder}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PROJECT / "docs" / "screenshots")
