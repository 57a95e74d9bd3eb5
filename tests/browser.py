"""The real Chromium (Debian's package), driven by Playwright, a static server for site/ and the
reader's first step. Apart from helpers.py because the benchmarks and the screenshots of the
handbook drive the same Chromium outside pytest, and only the browser tests need Playwright."""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

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


@contextmanager
def serving(folder: Path) -> Iterator[str]:
    """http://127.0.0.1:PORT/ serving `folder` (by path, so a rebuilt folder is served too)."""
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def unlock(page: Page, url: str, passcode: str = STATES) -> None:
    """Open the portal at `url` as a reader does: the passcode field has the focus, Enter opens the home page."""
    page.goto(url)
    field = page.get_by_label("Passcode")
    expect(field).to_be_focused()
    field.fill(passcode)
    field.press("Enter")
    page.wait_for_selector(".md-content h1")
