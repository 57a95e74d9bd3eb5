"""The sealed format has one owner (publish/seal/sealedformat.py): what the build seals in Python opens in
the real Chromium with the browser's own helper (static/sealed.js, reading _portal/format.js), and
no fact of the format is written a second time in the JavaScript."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from portal.publish.seal.keys import b64, keys_document, new_salt, open_file, open_keys, open_page, reader_key, tier_keys
from portal.publish.seal.protect import PublicText, finish_tier, seal_alike, seal_part, staged_files, write_public
from portal.publish.seal.sealedformat import (
    FORMAT_FILE,
    HOME,
    KEYS_FILE,
    LABEL,
    PASSCODE_SPACE,
    PUBLIC_DIR,
    SEARCH_INDEX,
    SHELL_PAYLOAD,
    SITEMAP,
    STATIC_FILES,
    browser_format,
    content_security_policy,
    format_script,
    normalise_passcode,
)

from tests.browser import serving, unlock
from tests.helpers import PARTNERS, STATES

ITERATIONS = 1000  # the format, not the cost, is under test here
TEXT = PublicText("CCM Cooperation Portal", "The coordinator", "coordinator@example.org")
JS_FILES = sorted(name for name in STATIC_FILES if name.endswith(".js"))
# Scripts that open and name nothing sealed (access.js: the keyboard's and screen reader's aids).
NAMES_NOTHING_SEALED = {"access.js"}
FORMAT_FREE = {"listing.js", "search.js"}  # sorting and filtering the page, keeping the search open


def _leaves(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string of the browser's format, with where it is in it ('aad.page')."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{where}.{key}" if where else key)
    elif isinstance(value, str):
        yield where, value


def _facts() -> list[tuple[str, str]]:
    """The literals no JavaScript file may hold: every string of format.js, the common label of the
    associated data, and the policy's directives (the policy is the build's alone)."""
    facts = list(_leaves(browser_format()))
    facts.append(("the label of every associated-data string", LABEL.rstrip("/")))
    facts += [(f"the policy's {directive.split()[0]}", directive.split()[0]) for directive in content_security_policy().split("; ")]
    return facts


@pytest.mark.parametrize("script", JS_FILES)
def test_no_fact_of_the_sealed_format_is_written_in_the_javascript(script: str) -> None:
    source = (resources.files("portal") / "static" / script).read_text(encoding="utf-8")
    written = [f"{what} ({value!r})" for what, value in _facts() if value in source]
    assert written == [], f"static/{script} writes facts of the sealed format itself; read them from format.js (portalFormat): " + ", ".join(written)
    if script in FORMAT_FREE:
        # Scripts that only arrange what the opened page shows: they open, store and fetch nothing.
        touched = [word for word in ("crypto", "Storage", "fetch(", "XMLHttpRequest", "atob(") if word in source]
        assert touched == [], f"static/{script} handles sealed data ({', '.join(touched)}): read the format from format.js (portalFormat)"
    elif script not in NAMES_NOTHING_SEALED:
        assert "portalFormat" in source or "portalSealed" in source, f"static/{script} reads nothing of format.js or sealed.js"


def test_the_format_script_holds_constants_only_and_the_same_in_every_build() -> None:
    script = format_script()
    assert script == format_script()
    facts = json.loads(script.split("Object.freeze(", 1)[1].rsplit(");", 1)[0])
    assert facts == browser_format()
    assert script.isascii()


PASSCODE_SPELLINGS = ["Correct-Horse", "correct horse", " CORRECT \u00a0- horse\n", "correct--horse"]


def test_the_build_and_the_browser_trim_a_passcode_alike() -> None:
    assert normalise_passcode(PASSCODE_SPACE + STATES + PASSCODE_SPACE) == STATES
    assert normalise_passcode(f"  {STATES}\r\n") == STATES
    # Case does not count, and a run of spaces or hyphens inside is one hyphen.
    assert {normalise_passcode(spelling) for spelling in PASSCODE_SPELLINGS} == {"correct-horse"}
    assert normalise_passcode("Ärger Über") == "Ärger-Über"  # only ASCII letters are lowered, as in the browser
    assert set(PASSCODE_SPACE) >= {chr(code) for code in range(0x110000) if chr(code).isspace()}  # all that str.strip() trims


# The contract in Chromium ---------------------------------------------------------------------

HOME_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body><div class="md-content"><article><h1 id="p-home">Sealed in Python</h1><p><a href="{page}">The other page</a></p></article></div></body></html>'
OTHER_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head><body><div class="md-content"><article><h1 id="p-other">{words}</h1><p><a href="{file}" data-portal-file download="plan.csv">Plan</a></p></article></div></body></html>'
ATTACHMENT = bytes(range(256)) * 3 + "Plan de déminage 2027\n".encode()


def _seal_tier(staging: Path, out: Path, tier: str, passcode: str, salt: bytes, build: str, words: str) -> dict[str, Any]:
    """One tier sealed by the build's own protect steps, from a staging folder of plain files."""
    keys = tier_keys(tier, passcode, salt, ITERATIONS, build)
    page, attachment = f"{keys.name('page')}.html", f"{keys.name('file')}.bin"
    staging.mkdir(parents=True)
    (staging / HOME).write_text(HOME_PAGE.format(page=page), encoding="utf-8")
    (staging / page).write_text(OTHER_PAGE.format(words=words, file=attachment), encoding="utf-8")
    (staging / SEARCH_INDEX).parent.mkdir(parents=True)
    (staging / SEARCH_INDEX).write_text(json.dumps({"config": {}, "docs": [{"location": page, "title": words, "text": words}]}), encoding="utf-8")
    (staging / attachment).write_bytes(ATTACHMENT)
    part = seal_part(staging, out, keys, TEXT, {attachment}, {}, staged_files(staging))
    done = finish_tier(staging, out, keys, TEXT, [part], 0)
    return {"keys": keys, "done": done, "page": page, "attachment": attachment}


@pytest.fixture(scope="module")
def sealed_site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("sealedformat")
    out = root / "site"
    salt, build = new_salt(), "0123456789abcdef"
    tiers = {
        "states": _seal_tier(root / "states", out, "states", STATES, salt, build, "Words only the States read"),
        "partners": _seal_tier(root / "partners", out, "partners", PARTNERS, salt, build, "Words the partners read"),
    }
    seal_alike(out, [(tier["keys"], tier["done"]) for tier in tiers.values()], TEXT)
    write_public(out, TEXT, keys_document([tier["keys"] for tier in tiers.values()], salt, ITERATIONS, build), tiers["states"]["done"].policy)
    return {"site": out, "build": build, "tiers": tiers}


@pytest.fixture
def page(browser: Browser, sealed_site: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with serving(sealed_site["site"]) as url:
        page.goto(url)
        yield page
    context.close()
    assert errors == []


OPEN_ALL = """async ({ passcode, files }) => {
  const sealed = globalThis.portalSealed;
  const root = new URL("/", location.href);
  const keys = await (await fetch(new URL(sealed.format.files.keys, root))).json();
  const entry = await sealed.unlock(keys, passcode);
  const text64 = (data) => btoa(Array.from(data, (b) => String.fromCharCode(b)).join(""));
  const opened = {};
  for (const [what, path, kind, name] of files) {
    const response = await fetch(new URL(path, root));
    try {
      if (kind === "shell") {
        const payload = sealed.payloadOf(await response.text());
        opened[what] = await sealed.openPage(entry, sealed.decode64(payload), name);
      } else {
        const plain = await sealed.openSealed(entry, new Uint8Array(await response.arrayBuffer()), kind, name);
        opened[what] = kind === "page" ? await sealed.gunzip(plain).text() : text64(plain);
      }
    } catch (error) {
      opened[what] = null;
    }
  }
  return { entry, opened };
}"""


def _files(sealed_site: dict[str, Any], tier: str) -> list[tuple[str, str, str, str]]:
    """Every kind of sealed file of a tier: what it is, its path in the site, how it is opened and
    the name it is opened under (its own, but for the last two, which must not open)."""
    found = sealed_site["tiers"][tier]
    folder = found["keys"].folder
    decoys = sorted(path.name for path in (sealed_site["site"] / folder).glob("*.html") if path.name not in (HOME, found["page"]))
    files = [
        ("home", f"{folder}/{HOME}", "shell"),
        ("page", f"{folder}/{found['page']}", "shell"),
        ("decoy", f"{folder}/{decoys[0]}", "shell"),
        ("index", f"{folder}/{SEARCH_INDEX}", "page"),
        ("sitemap", f"{folder}/{SITEMAP}", "page"),
        ("attachment", f"{folder}/{found['attachment']}", "file"),
        ("attachment as a page", f"{folder}/{found['attachment']}", "page"),  # the kind is bound
    ]
    return [(what, path, kind, path) for what, path, kind in files] + [
        ("page under another name", f"{folder}/{found['page']}", "shell", f"{folder}/{decoys[0]}")
    ]


@pytest.mark.browser
@pytest.mark.parametrize(("tier", "passcode"), [("states", STATES), ("partners", PARTNERS)])
def test_what_python_seals_opens_in_the_browser(page: Page, sealed_site: dict[str, Any], tier: str, passcode: str) -> None:
    site, build = sealed_site["site"], sealed_site["build"]
    keys_json = (site / PUBLIC_DIR / KEYS_FILE).read_text()
    files = _files(sealed_site, tier)
    result = page.evaluate(OPEN_ALL, {"passcode": passcode, "files": files})
    slot = open_keys(keys_json, passcode)
    assert result["entry"] == slot  # the key slot: content key, home, tier, reader key and build
    assert slot["reader"] == b64(reader_key(tier, passcode, ITERATIONS))
    key, opened = base64.b64decode(slot["key"]), result["opened"]
    for what, path, _kind, _name in files[:3]:
        shell = (site / path).read_text()
        payload = SHELL_PAYLOAD.search(shell)
        assert payload, path
        assert opened[what] == open_page(key, base64.b64decode(payload.group(1)), build, path).decode(), what
    for what, path, _kind, _name in files[3:5]:
        assert opened[what] == open_page(key, (site / path).read_bytes(), build, path).decode(), what
    assert base64.b64decode(opened["attachment"]) == ATTACHMENT == open_file(key, (site / files[5][1]).read_bytes(), build, files[5][1])
    assert opened["attachment as a page"] is None and opened["page under another name"] is None
    assert sealed_site["tiers"][tier]["page"] in json.loads(opened["sitemap"])
    words = {"states": "Words only the States read", "partners": "Words the partners read"}[tier]
    assert words in opened["page"] and words in opened["index"]


@pytest.mark.browser
def test_a_tier_does_not_open_the_other_tiers_files(page: Page, sealed_site: dict[str, Any]) -> None:
    result = page.evaluate(OPEN_ALL, {"passcode": PARTNERS, "files": _files(sealed_site, "states")})
    assert result["entry"]["tier"] == "partners"
    assert all(value is None for value in result["opened"].values()), result["opened"]


@pytest.mark.browser
def test_the_browser_reads_the_names_and_the_rules_of_the_build(page: Page, sealed_site: dict[str, Any]) -> None:
    facts = page.evaluate("() => globalThis.portalFormat")
    assert facts == browser_format()
    names = [path.name for path in (sealed_site["site"] / sealed_site["tiers"]["states"]["keys"].folder).glob("*.html")]
    judged = page.evaluate("(names) => names.map((name) => globalThis.portalSealed.isSealedPage(name))", [*names, "notes.html", "a" * 20 + ".bin"])
    assert judged == [True] * len(names) + [False, False]
    spaced = PASSCODE_SPACE + STATES + PASSCODE_SPACE
    assert page.evaluate("(text) => globalThis.portalSealed.normalisePasscode(text)", spaced) == normalise_passcode(spaced) == STATES
    assert page.evaluate("(text) => globalThis.portalSealed.normalisePasscode(text)", f" {STATES} ") == f" {STATES} ".strip()
    spellings = [*PASSCODE_SPELLINGS, "Ärger Über"]
    assert page.evaluate("(texts) => texts.map(globalThis.portalSealed.normalisePasscode)", spellings) == [normalise_passcode(text) for text in spellings]


@pytest.mark.browser
def test_the_loader_unlocks_with_a_trimmed_passcode_and_the_opened_page_reads_the_format(page: Page, sealed_site: dict[str, Any]) -> None:
    unlock(page, page.url, f"\u00a0 {STATES} \u2003")
    expect(page.locator(".md-content h1")).to_have_text("Sealed in Python")
    policy = page.evaluate("() => document.querySelector('meta[http-equiv=Content-Security-Policy]').content")
    assert policy == sealed_site["tiers"]["states"]["done"].policy == content_security_policy()
    scripts = page.evaluate("() => [...document.scripts].map((script) => new URL(script.src).pathname)")
    assert scripts[:5] == [f"/{PUBLIC_DIR}/{name}" for name in (FORMAT_FILE, "sealed.js", "visit.js", "addresses.js", "app.js")]
    page.get_by_role("link", name="The other page").click()
    expect(page.locator(".md-content h1")).to_have_text("Words only the States read")
    assert re.search(r"\.html$", page.url)
