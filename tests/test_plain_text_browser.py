"""A plain text reaches the reader's page to the character, in the real Chromium: what the page
holds (innerText, what is copied) is the text as received, and a character that shows nothing is
shown by a symbol beside it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.browser import serving, unlock
from tests.helpers import DEMO_DATE, ENV, FIXTURES, STATES, MakeRepo, Run, open_site

pytestmark = pytest.mark.browser

# TAB (issue 21: "Detectors\t12\t24000" showed as "Detectors   12  24000"), no-break space, zero
# width space, a lone CR and a CRLF, form feed, trailing spaces, STX/ETX (which were deleted), a
# C1 control, a right-to-left mark and a byte-order mark inside the text.
AWKWARD = (
    "Detectors\t12\t24000\n"
    "\tIndented by a TAB, then\ttwo\t\tTABs\n"
    "No-break\u00a0space and zero\u200bwidth space\n"
    "Carriage\rreturn alone, then CRLF\r\n"
    "Form\x0cfeed\n"
    "Trailing spaces   \n"
    "Start\x02of text\x03 end, next\x85line, mark\u200f and\ufeffmark\n"
)
INVISIBLE = ["\u200b", "\x0c", "\x02", "\x03", "\x85", "\u200f", "\ufeff"]


def test_a_plain_text_reaches_the_page_to_the_character(browser: Browser, make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    path = repo.submissions / "LAO" / "lao-2026-need-base.md"
    front = path.read_text(encoding="utf-8").split("---\n")[1]
    path.write_bytes(f"---\n{front}---\n{AWKWARD}".encode())
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 0, result.output
    opened = open_site(repo.site_dir, STATES)
    name = next(name for name, page in opened.pages.items() if "Detectors" in page)  # a page that shows the text
    with serving(repo.site_dir) as url:
        page = browser.new_context().new_page()
        unlock(page, url)
        page.goto(f"{url}{opened.folder.name}/{name}")
        block = page.locator(".portal-plain").first
        block.wait_for()
        # A text is read with its CRs as line breaks (as its fingerprint counts them); every
        # other character reaches the page, and is what the page shows and copies.
        received = AWKWARD.replace("\r\n", "\n").replace("\r", "\n")
        assert block.evaluate("element => element.textContent") == received
        shown = block.evaluate("element => element.innerText")
        assert shown == received, repr(shown)
        assert block.evaluate("element => getComputedStyle(element).tabSize") == "8"
        # Each character that shows nothing has its symbol beside it, outside the text.
        marked = block.locator(".portal-char").evaluate_all("spans => spans.map(s => [s.textContent, getComputedStyle(s, '::before').content])")
        assert [char for char, _symbol in marked] == INVISIBLE
        assert [symbol for _char, symbol in marked] == ['"U+200B"', '"␌"', '"␂"', '"␃"', '"U+0085"', '"U+200F"', '"U+FEFF"']
        page.context.close()
