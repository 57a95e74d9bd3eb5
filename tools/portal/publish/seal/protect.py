"""The protect stage: staging folders of plaintext HTML -> site/, the only folder ever published.

site/ is written from an allow-list: the public unlock page, a generic 404, the loader, the keys
file, the theme's own static files, and for each tier a folder (random name) of sealed pages,
a sealed search index and sealed attachments, with sealed decoys that round the count of each up
to a bucket. Anything else the generator made is dropped. Every page carries a
Content-Security-Policy, so that nothing in a page can make the browser talk to another origin.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
import secrets
import shutil
from collections.abc import Collection
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from portal.errors import PortalError
from portal.publish.seal.keys import MIN_SEALED, TierKeys, b64, compress
from portal.publish.seal.notfound import NOT_FOUND
from portal.publish.seal.sealedformat import (
    FORM_ID,
    FORMAT_FILE,
    HOME,
    KEYS_FILE,
    NAME_LENGTH,
    NO_JEKYLL,
    NOT_FOUND_PAGE,
    PASSCODE_ID,
    PUBLIC_DIR,
    SEARCH_INDEX,
    SITEMAP,
    STATIC_FILES,
    STATUS_ID,
    TIER_NAMES,
    content_security_policy,
    csp_meta,
    format_script,
    payload_element,
)
from portal.publish.seal.steadysize import steady_size

_HEAD_ASSET = re.compile(r"""(\b(?:href|src)=["'])(assets/|portal\.css)""")
_CONFIG_ASSET = re.compile(r'("search":\s*")(assets/)')
_REFERENCE = re.compile(r'["\']\.\./(assets/[^"\'?#]+)')  # the theme's files a page loads
_TITLE = re.compile(r"<title>.*?</title>", re.S)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_ANY_SCRIPT = re.compile(r"<script\b", re.I)
# The theme's own inline scripts (the page's scope and storage helpers, the colour palette, the
# tabbed-content anchor). Any other inline script in a generated page stops the build.
_TAG = re.compile(r"<[a-zA-Z][^>]*>")  # text inside the article is escaped: every "<" + letter is a tag
_TAG_ID_OR_NAME = re.compile(r"""\s(id|name|data-md-[\w-]*)\s*=\s*["']?([^"'\s>]*)""", re.I)
# Heading ids of the pages (site.py's toc slugify) and of the texts (textformat), and the overview's
# charts (overview.py, from fixed names only).
_ARTICLE_IDS = ("p-", "text-", "portal-chart-")
_THEME_SCRIPTS = ("__md_scope=", "var palette=", "var target=document.getElementById(location.hash")


class ProtectError(PortalError):
    pass


@dataclass
class Protected:
    pages: int = 0
    policy: str = ""
    # Files every tier has under the same name (its home page, its search index, its exports),
    # sealed by seal_alike once the tier's decoys are counted, each to its own tier's bucket.
    held: dict[str, bytes] = field(default_factory=dict)  # what it is ("index.html", "export/csv") -> its plaintext (pages gzip-compressed)
    held_names: dict[str, str] = field(default_factory=dict)  # what it is -> its name in the tier's folder


@dataclass(frozen=True)
class PublicText:
    site_name: str
    coordinator_name: str
    coordinator_email: str


def unlock_form(text: PublicText, prefix: str, payload: str = "", policy: str = "") -> str:
    """The public start page (no payload): what the portal is, how to get the passcode, the
    passcode field. A sealed page (payload) carries a short form of it and its ciphertext."""
    name = html.escape(text.site_name)
    if payload:
        about = f'<p>Enter the passcode to read this page. <a href="{prefix}{HOME}">What this portal is and how to get the passcode</a>.</p>'
        data = "\n" + payload_element(payload)
    else:
        about = f"""<p>A contact platform where States Parties publish their needs for assistance, donors publish the
resources they can offer and how to apply for them, and ongoing projects are shared as an exchange
of experience, under Article 6 of the Convention.</p>
<p>The portal is protected by a passcode that is changed regularly. To receive it, write to
{html.escape(text.coordinator_name)} at
<a href="mailto:{html.escape(text.coordinator_email)}">{html.escape(text.coordinator_email)}</a>.</p>"""
        data = ""
    scripts = _scripts(prefix, ("visit.js", "addresses.js", "loader.js"), defer=True)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{csp_meta(policy or content_security_policy())}
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{name}</title>
<link rel="stylesheet" href="{prefix}{PUBLIC_DIR}/unlock.css">
{scripts}
</head>
<body>
<header>{name}</header>
<main>
<h1>Cooperation portal of the Convention on Cluster Munitions</h1>
{about}
<form id="{FORM_ID}" hidden>
<label for="{PASSCODE_ID}">Passcode</label>
<input id="{PASSCODE_ID}" name="passcode" type="password" autocomplete="current-password" required aria-describedby="{STATUS_ID}">
<button type="submit">Open the portal</button>
<p id="{STATUS_ID}" role="status" aria-live="polite"></p>
</form>
<noscript><p>The portal needs JavaScript to decrypt its pages in your browser.</p></noscript>
</main>{data}
</body>
</html>
"""


def _scripts(prefix: str, page_scripts: tuple[str, ...], defer: bool) -> str:
    """The script tags of a page: the format (format.js) and the sealing helper (sealed.js) first,
    then the page's own, all from the portal's public folder."""
    names = (FORMAT_FILE, "sealed.js", *page_scripts)
    return "\n".join(f'<script src="{prefix}{PUBLIC_DIR}/{name}"{" defer" if defer else ""}></script>' for name in names)


def prepare_document(document: str, title: str) -> tuple[str, str]:
    """The page as the browser will show it, and its Content-Security-Policy.

    Points the theme's files at the shared copy, loads app.js first, puts the policy at the top of
    the head and a generic title in it (page titles would land in the browser's history). Only the
    head and what lies outside the article are touched: the submission's text is never rewritten,
    and it may hold no script at all."""
    head_end = document.find("</head>")
    article_start = document.find("<article")
    article_end = document.rfind("</article>")
    if head_end < 0 or not head_end < article_start < article_end:
        raise ProtectError("a generated page has no </head> followed by one <article>")
    if _ANY_SCRIPT.search(document, article_start, article_end):
        raise ProtectError("a generated page holds a script inside its article; nothing was published")
    for tag in _TAG.finditer(document, article_start, article_end):
        for attribute in _TAG_ID_OR_NAME.finditer(tag.group(0)):
            if attribute.group(1).lower() != "id" or not attribute.group(2).startswith(_ARTICLE_IDS):
                raise ProtectError("a generated page holds an id, name or data-md attribute that could shadow the theme's own; nothing was published")
    hashes: list[str] = []
    for part in (document[:article_start], document[article_end:]):
        for script in _INLINE_SCRIPT.findall(part):
            if not script.startswith(_THEME_SCRIPTS):
                raise ProtectError("a generated page holds an inline script that is not the theme's; nothing was published")
            digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
            if digest not in hashes:
                hashes.append(digest)
    policy = content_security_policy(tuple(hashes))
    head = _HEAD_ASSET.sub(lambda m: m.group(1) + ("../" + m.group(2) if m.group(2) == "assets/" else f"../{PUBLIC_DIR}/portal.css"), document[:head_end])
    head = _TITLE.sub(lambda _m: f"<title>{html.escape(title)}</title>", head, count=1)
    head = head.replace("<head>", f"<head>\n{csp_meta(policy)}\n{_scripts('../', ('visit.js', 'addresses.js', 'app.js'), defer=False)}", 1)
    head += f'<script src="../{PUBLIC_DIR}/reader.js" defer></script>\n'
    head += f'<script src="../{PUBLIC_DIR}/access.js" defer></script>\n'
    # Finding texts: sorting and filtering the listings, and the search as the reader types.
    head += "".join(f'<script src="../{PUBLIC_DIR}/{name}" defer></script>\n' for name in ("listing.js", "search.js"))
    tail = document[article_end:]
    tail = _HEAD_ASSET.sub(lambda m: m.group(1) + "../" + m.group(2) if m.group(2) == "assets/" else m.group(0), tail)
    tail = _CONFIG_ASSET.sub(r"\1../\2", tail)
    return head + document[head_end:article_end] + tail, policy


def protect_tier(staging: Path, out: Path, keys: TierKeys, text: PublicText, attachments: set[str], alike: dict[str, str] | None = None) -> Protected:
    """Seal one tier's staging folder into out/<keys.folder>/. `alike`: files every tier has (its
    exports: name -> "export/csv"), held for seal_alike with the home page and the search index."""
    part = seal_part(staging, out, keys, text, attachments, alike or {}, staged_files(staging))
    return finish_tier(staging, out, keys, text, [part], len(alike or {}))


def staged_files(staging: Path) -> list[str]:
    """The files of a staging folder, by name relative to it."""
    return sorted(path.relative_to(staging).as_posix() for path in staging.rglob("*") if path.is_file())


@dataclass
class SealedPart:
    """What sealing some of a tier's files gave; finish_tier puts the parts of a tier together."""

    pages: list[str] = field(default_factory=list)  # the pages sealed (and the home page, held)
    page_sizes: list[int] = field(default_factory=list)
    file_sizes: list[int] = field(default_factory=list)
    policies: set[str] = field(default_factory=set)
    referenced: set[str] = field(default_factory=set)  # the theme's files its pages load
    held: dict[str, bytes] = field(default_factory=dict)
    held_names: dict[str, str] = field(default_factory=dict)


def seal_part(staging: Path, out: Path, keys: TierKeys, text: PublicText, attachments: Collection[str], alike: dict[str, str], files: list[str]) -> SealedPart:
    """Seal `files` (names in the staging folder) of one tier into out/<keys.folder>/; the parts
    of a tier may be sealed side by side."""
    part = SealedPart()
    target = out / keys.folder
    target.mkdir(parents=True, exist_ok=True)
    for rel in files:
        path = staging / rel
        where = f"{keys.folder}/{rel}"
        if rel.endswith(".html") and "/" not in rel and rel != NOT_FOUND_PAGE:
            document, policy = prepare_document(path.read_text(encoding="utf-8"), text.site_name)
            part.policies.add(policy)
            part.referenced.update(_REFERENCE.findall(document))
            part.pages.append(rel)
            if rel == HOME:
                part.held[rel] = compress(document.encode("utf-8"))
                continue
            plain = document.encode("utf-8")
            sealed = keys.seal_compressed(where, compress(plain), steady_size(plain))
            (target / rel).write_text(unlock_form(text, "../", b64(sealed), policy), encoding="utf-8")
            part.page_sizes.append(len(sealed))
        elif rel == SEARCH_INDEX:
            part.held[rel] = compress(path.read_bytes())
        elif rel in alike:
            part.held[alike[rel]] = path.read_bytes()
            part.held_names[alike[rel]] = rel
        elif rel in attachments:
            sealed = keys.seal_file(where, path.read_bytes())
            (target / rel).write_bytes(sealed)
            part.file_sizes.append(len(sealed))
        # Anything else the generator made (sitemaps, its 404, unreferenced theme files) is left out.
    return part


def finish_tier(staging: Path, out: Path, keys: TierKeys, text: PublicText, parts: list[SealedPart], held_files: int) -> Protected:
    """A tier's sealed parts put together: its decoys, its sealed list of pages, the theme files
    its pages load. `held_files`: how many of its files seal_alike seals later (its exports)."""
    target = out / keys.folder
    target.mkdir(parents=True, exist_ok=True)
    policies = {policy for part in parts for policy in part.policies}
    # Every shell of a build carries the same policy, so no shell tells what kind of page it holds.
    if len(policies) > 1:
        raise ProtectError("the generated pages of one tier differ in the theme's inline scripts; nothing was published")
    result = Protected(policy=policies.pop() if policies else content_security_policy())
    pages = sorted(page for part in parts for page in part.pages)
    result.pages = len(pages)
    for part in parts:
        result.held.update(part.held)
        result.held_names.update(part.held_names)
    page_sizes = [size for part in parts for size in part.page_sizes]
    file_sizes = [size for part in parts for size in part.file_sizes]
    pages += _write_decoys(target, keys, text, result.policy, page_sizes, file_sizes, held_files)
    # The theme's instant navigation opens in place only the pages its sitemap lists: the tier's
    # list of pages (decoys included, so its size follows the rounded count), sealed; app.js turns
    # it into the sitemap the theme reads.
    listed = json.dumps(sorted(pages)).encode()
    (target / SITEMAP).write_bytes(keys.seal_compressed(f"{keys.folder}/{SITEMAP}", compress(listed), steady_size(listed)))
    for rel in sorted({rel for part in parts for rel in part.referenced}):
        source = staging / rel
        shared = out / rel
        if _is_theme_file(rel) and source.is_file() and not shared.exists():
            shared.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, shared)
    return result


def seal_alike(out: Path, tiers: list[tuple[TierKeys, Protected]], text: PublicText) -> None:
    """Seal the files that every tier has (home page, search index, exports), each to the size
    bucket of its own tier's content: padded to the larger tier's size, a partners' file would
    tell a partners reader (who sees the padding once it is opened) how much the States read."""
    for what in sorted({what for _keys, done in tiers for what in done.held}):
        page = what in (HOME, SEARCH_INDEX)
        plain = {keys.tier: done.held[what] for keys, done in tiers if what in done.held}  # pages already compressed
        for keys, done in tiers:
            if what not in done.held:
                continue
            rel = done.held_names.get(what, what)
            where = f"{keys.folder}/{rel}"
            target = out / where
            target.parent.mkdir(parents=True, exist_ok=True)
            if not page:
                target.write_bytes(keys.seal_file(where, plain[keys.tier]))
                continue
            size = steady_size(gzip.decompress(plain[keys.tier]), search_index=what == SEARCH_INDEX)
            if what == HOME:
                target.write_text(unlock_form(text, "../", b64(keys.seal_compressed(where, plain[keys.tier], size)), done.policy), encoding="utf-8")
            else:
                target.write_bytes(keys.seal_compressed(where, plain[keys.tier], size))


def rounded_count(count: int) -> int:
    """The count an observer sees: rounded up to a step of a quarter of its power of two (at least 16)."""
    if count == 0:
        return 0
    step = max(16, 1 << max(0, count.bit_length() - 3))
    return -(-count // step) * step


DECOY_PAGE = '<!doctype html><html lang="en"><head><meta charset="utf-8">{}<title>-</title></head><body></body></html>'


def _write_decoys(target: Path, keys: TierKeys, text: PublicText, policy: str, page_sizes: list[int], file_sizes: list[int], held_files: int) -> list[str]:
    """Sealed pages and files that open like the real ones and say nothing, so that a tier's
    folder shows only a rounded count of each, in sizes drawn from the real ones."""
    names: list[str] = []
    # The home page and the exports are sealed later (seal_alike) but count among the pages and files.
    for sizes, is_page, later in ((page_sizes, True, 1), (file_sizes, False, held_files)):
        # Sizes taken in turn from the real ones, largest first: the same texts give the same
        # folder, whatever else the build holds (a random draw would differ at every build).
        drawn = sorted(sizes, reverse=True) or [MIN_SEALED]
        for number in range(rounded_count(len(sizes) + later) - len(sizes) - later):
            bucket = drawn[number % len(drawn)]
            name = secrets.token_hex(NAME_LENGTH // 2) + (".html" if is_page else ".bin")
            where = f"{keys.folder}/{name}"
            if is_page:
                # A page that says nothing, padded inside its ciphertext to the size drawn.
                document = DECOY_PAGE.format(csp_meta(policy)).encode()
                sealed = keys.seal_compressed(where, compress(document), bucket)
                (target / name).write_text(unlock_form(text, "../", b64(sealed), policy), encoding="utf-8")
                names.append(name)
            else:
                (target / name).write_bytes(keys.seal_file(where, b"", bucket))
    return names


def _is_theme_file(rel: str) -> bool:
    """Only files that the theme itself ships are published as they are."""
    if rel.endswith(".map"):
        return False
    return (theme_root() / rel).is_file()


def theme_root() -> Path:
    """The installed theme's folder: its files under assets/ are published as they are."""
    from material import templates

    return Path(templates.__file__).parent


def fixed_names() -> list[str]:
    """The names the build itself gives (the portal's files, the search index, the theme's files):
    a title that is one of their words ("search", "assets") is no evidence in a file name."""
    theme = theme_root()
    names = [f"{PUBLIC_DIR}/{name}" for name in (*STATIC_FILES, KEYS_FILE, FORMAT_FILE)]
    names += [SEARCH_INDEX, SITEMAP, NO_JEKYLL, HOME, NOT_FOUND_PAGE]
    names += [path.relative_to(theme).as_posix() for path in (theme / "assets").rglob("*")]
    return [" ".join(name.replace("/", " ").split(".")) for name in names]


PUBLIC_NAMES = {HOME, NOT_FOUND_PAGE, NO_JEKYLL, PUBLIC_DIR, *(f"{PUBLIC_DIR}/{name}" for name in (KEYS_FILE, FORMAT_FILE, *STATIC_FILES))}


def named_by_build(rel: str, is_dir: bool, folders: Collection[str]) -> bool:
    """Whether `rel` is a name the build gives, in a site whose tiers have these folders."""
    top, _, rest = rel.partition("/")
    if rel in PUBLIC_NAMES:
        return True
    if top in folders:
        return not rest or bool(TIER_NAMES.fullmatch(rest))
    if top == "assets":
        found = theme_root() / rel
        return found.is_dir() if is_dir else found.is_file()
    return False


def write_public(out: Path, text: PublicText, keys_json: str, policy: str = "") -> None:
    """The public files. `policy`: the tiers' pages' policy, which the start page carries too, since
    it opens the reader's home page in place (and a page opened there keeps the page's policy)."""
    public = out / PUBLIC_DIR
    public.mkdir(parents=True, exist_ok=True)
    for name in STATIC_FILES:
        (public / name).write_bytes((resources.files("portal") / "static" / name).read_bytes())
    (public / FORMAT_FILE).write_text(format_script(), encoding="utf-8")
    (public / KEYS_FILE).write_text(keys_json, encoding="utf-8")
    (out / HOME).write_text(unlock_form(text, "", policy=policy), encoding="utf-8")
    (out / NOT_FOUND_PAGE).write_text(NOT_FOUND, encoding="utf-8")
    (out / NO_JEKYLL).write_text("", encoding="utf-8")
