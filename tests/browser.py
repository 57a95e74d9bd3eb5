"""The real Chromium (Debian's package), driven by Playwright, a static server for site/ and the
reader's first step. Apart from helpers.py because the benchmarks and the screenshots of the
handbook drive the same Chromium outside pytest, and only the browser tests need Playwright."""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal.publish.seal.sealedformat import SITEMAP

from tests.helpers import STATES

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_path() -> str:
    found = os.environ.get("PORTAL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Chromium is needed for the browser tests: apt-get install chromium (or set PORTAL_CHROMIUM)")
    return found


class _Quiet(http.server.SimpleHTTPRequestHandler):
    """Caches like GitHub Pages does (max-age=600), so timings match the real hosting."""

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "max-age=600")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A page left before its answer was sent (Chromium closed, the test went on) is no error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT/ serving `folder` (by path, so a rebuilt folder is served too)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Set in every page of a context: `window.portalSitemapOpened` once the tier's sitemap has been
# handed to the theme, which from then on opens the links of its list in place. A click before
# that loads the next page anew, as it should; a test of opening in place waits for it.
SITEMAP_WATCH = (
    """((sitemap) => {
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.watchedUrl = String(url);
    return open.call(this, method, url, ...rest);
  };
  const dispatch = EventTarget.prototype.dispatchEvent;
  EventTarget.prototype.dispatchEvent = function (event) {
    const delivered = dispatch.call(this, event);
    if (event.type === "loadend" && this instanceof XMLHttpRequest && (this.watchedUrl || "").endsWith("/" + sitemap)) window.portalSitemapOpened = true;
    return delivered;
  };
})"""
    + f"({json.dumps(SITEMAP)});"
)


def wait_until_pages_open_in_place(page: Page) -> None:
    """Wait until the theme opens its links in place (the page's context has SITEMAP_WATCH)."""
    page.wait_for_function("() => window.portalSitemapOpened === true && document.readyState === 'complete'")


@contextmanager
def serving_in_turn(first: Path, folder: Path) -> Iterator[tuple[str, Callable[[Path], None]]]:
    """http://127.0.0.1:PORT/ serving the folder `first`, and a function that makes the same
    address serve another folder from then on, as a rebuilt portal is served at its address.
    The folder served is a link made in `folder`."""
    served = folder / "served"
    served.symlink_to(first, target_is_directory=True)

    def turn(to: Path) -> None:
        replacing = folder / "served.next"
        replacing.symlink_to(to, target_is_directory=True)
        replacing.replace(served)  # at once: no request finds the link missing

    with serving(served) as url:
        yield url, turn


def unlock(page: Page, url: str, passcode: str = STATES) -> None:
    """Open the portal at `url` as a reader does: the passcode field has the focus, Enter opens the home page."""
    page.goto(url)
    field = page.get_by_label("Passcode")
    expect(field).to_be_focused()
    field.fill(passcode)
    field.press("Enter")
    page.wait_for_selector(".md-content h1")


def open_url(page: Page, url: str) -> None:
    """Open a page and wait until it is whole: opened, the theme's scripts run, styles applied."""
    page.goto(url)
    page.wait_for_selector(".md-content h1")
    page.wait_for_function("() => document.readyState === 'complete'")


def content_link(page: Page, selector: str) -> str:
    """The address of the first link in the page's content that `selector` finds."""
    return str(page.locator(".md-content").locator(selector).first.evaluate("a => a.href"))


def pages_behind_links(page: Page, listing: str, countries: str, themes: str) -> dict[str, str]:
    """A text, a printable page, a country and a theme, found from a kind's listing, the
    Countries page and the Themes page by following links as a reader would."""
    open_url(page, listing)
    found = {"a text": content_link(page, "table a[data-portal-published]"), "a printable page": content_link(page, "a:text-matches('^Printable page')")}
    open_url(page, countries)
    found["a country"] = content_link(page, "table a")
    open_url(page, themes)
    found["a theme"] = content_link(page, "li a")
    return found
