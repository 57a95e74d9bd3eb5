"""Read a protected site in Python the way a reader's browser does: passcode -> keys -> pages."""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.keys import FILE_AAD, open_keys, open_page

PAYLOAD = re.compile(r'<script type="application/octet-stream" id="portal-data">([^<]+)</script>')
PAGE_TITLE = re.compile(r"<title>(.*?)</title>", re.S)

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

    def page_titled(self, title: str) -> str:
        for page in self.pages.values():
            found = PAGE_TITLE.search(page)
            if found and html.unescape(found.group(1)).rsplit(" - ", 1)[0] == title:
                return page
        raise AssertionError(f"no page titled {title!r}")

    def text(self) -> str:
        return "\n".join(self.pages.values())

    def file(self, name: str) -> bytes:
        sealed = (self.folder / name).read_bytes()
        return AESGCM(self.key).decrypt(sealed[:12], sealed[12:], FILE_AAD)


def open_site(site: Path, passcode: str) -> OpenedSite:
    slot = open_keys((site / "_portal" / "keys.json").read_text(), passcode)
    key = base64.b64decode(slot["key"])
    folder = site / slot["home"].split("/")[0]
    pages = {}
    for path in folder.glob("*.html"):
        match = PAYLOAD.search(path.read_text())
        assert match, f"{path} is not a sealed shell"
        pages[path.name] = open_page(key, base64.b64decode(match.group(1))).decode()
    search = json.loads(open_page(key, (folder / "search" / "search_index.json").read_bytes()))
    return OpenedSite(slot["tier"], folder, pages, search, key)


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)
