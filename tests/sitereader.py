"""Read a protected site in Python the way a reader's browser does: passcode -> keys -> pages."""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from portal.publish.keys import open_file, open_keys, open_page

PAYLOAD = re.compile(r'<script type="application/octet-stream" id="portal-data">([^<]+)</script>')
PAGE_HEADING = re.compile(r'data-md-component="header-topic">\s*<span class="md-ellipsis">\s*(.*?)\s*</span>', re.S)

STATES = "inch-spoiled-reggae-unfasten-scuba-antidote"
PARTNERS = "drainage-clover-unvented-stoke-outsell-mousy"
PASSCODES = {"states": STATES, "partners": PARTNERS}
ENV = {"PORTAL_PASSCODE": STATES, "PORTAL_PASSCODE_PARTNERS": PARTNERS}


@dataclass
class OpenedSite:
    tier: str
    folder: Path
    pages: dict[str, str]  # file name -> decrypted HTML
    search: dict
    key: bytes
    build: str

    def page_titled(self, title: str) -> str:
        """The page whose title (in the theme's header) is `title`; every page's <title> is the same generic one."""
        for page in self.pages.values():
            found = PAGE_HEADING.search(page)
            if found and html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() == title:
                return page
        raise AssertionError(f"no page titled {title!r}")

    def text(self) -> str:
        return "\n".join(self.pages.values())

    def file(self, name: str) -> bytes:
        return open_file(self.key, (self.folder / name).read_bytes(), self.build, f"{self.folder.name}/{name}")


def open_site(site: Path, passcode: str) -> OpenedSite:
    slot = open_keys((site / "_portal" / "keys.json").read_text(), passcode)
    key = base64.b64decode(slot["key"])
    folder = site / slot["home"].split("/")[0]
    build = slot["build"]
    pages = {}
    for path in folder.glob("*.html"):
        match = PAYLOAD.search(path.read_text())
        assert match, f"{path} is not a sealed shell"
        page = open_page(key, base64.b64decode(match.group(1)), build, f"{folder.name}/{path.name}").decode()
        if "<title>-</title>" not in page[:1000]:  # decoys that round the count of pages
            pages[path.name] = page
    index = open_page(key, (folder / "search" / "search_index.json").read_bytes(), build, f"{folder.name}/search/search_index.json")
    return OpenedSite(slot["tier"], folder, pages, json.loads(index), key, build)


def withheld(rel: str) -> str:
    """How the leak check names a file or folder whose name the build never gives."""
    return f"(a name withheld, sha256 {hashlib.sha256(rel.encode()).hexdigest()[:12]})"


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)
