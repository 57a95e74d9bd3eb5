"""The protect stage: staging folders of plaintext HTML -> site/, the only folder ever published.

site/ is written from an allow-list: the public unlock page, a generic 404, the loader, the keys
file, the theme's own static files, and for each tier a folder (opaque name) of sealed pages,
a sealed search index and sealed attachments. Anything else the generator made is dropped.
"""

from __future__ import annotations

import html
import re
import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .keys import TierKeys, b64, seal_file, seal_page

PUBLIC_DIR = "_portal"
STATIC_FILES = ("loader.js", "app.js", "unlock.css", "portal.css", "reader.js")
SEARCH_INDEX = "search/search_index.json"
_HEAD_ASSET = re.compile(r"""(\b(?:href|src)=["'])(assets/|portal\.css)""")
_CONFIG_ASSET = re.compile(r'("search":\s*")(assets/)')
_REFERENCE = re.compile(r'["\']\.\./(assets/[^"\'?#]+)')  # the theme's files a page loads


@dataclass
class Protected:
    pages: int = 0
    files: int = 0


@dataclass(frozen=True)
class PublicText:
    site_name: str
    coordinator_name: str
    coordinator_email: str


def unlock_form(text: PublicText, prefix: str, payload: str = "") -> str:
    """The public start page (no payload): what the portal is, how to get the passcode, the
    passcode field. A sealed page (payload) carries a short form of it and its ciphertext."""
    name = html.escape(text.site_name)
    if payload:
        about = f'<p>Enter the passcode to read this page. <a href="{prefix}index.html">What this portal is and how to get the passcode</a>.</p>'
        data = f'\n<script type="application/octet-stream" id="portal-data">{payload}</script>'
    else:
        about = f"""<p>A contact platform where States Parties publish their needs for assistance, donors publish the
resources they can offer and how to apply for them, and ongoing projects are shared as an exchange
of experience, under Article 6 of the Convention.</p>
<p>The portal is protected by a passcode that is changed regularly. To receive it, write to
{html.escape(text.coordinator_name)} at
<a href="mailto:{html.escape(text.coordinator_email)}">{html.escape(text.coordinator_email)}</a>.</p>"""
        data = ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>{name}</title>
<link rel="stylesheet" href="{prefix}{PUBLIC_DIR}/unlock.css">
<script src="{prefix}{PUBLIC_DIR}/loader.js" defer></script>
</head>
<body>
<header>{name}</header>
<main>
<h1>Cooperation portal of the Convention on Cluster Munitions</h1>
{about}
<form id="portal-form" hidden>
<label for="portal-passcode">Passcode</label>
<input id="portal-passcode" name="passcode" type="password" autocomplete="current-password" required aria-describedby="portal-status">
<button type="submit">Open the portal</button>
<p id="portal-status" role="status" aria-live="polite"></p>
</form>
<noscript><p>The portal needs JavaScript to decrypt its pages in your browser.</p></noscript>
</main>{data}
</body>
</html>
"""


NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow"><title>Page not found</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body><main><h1>Page not found</h1>
<p>This page does not exist, or it changed when the portal was last updated. Open the portal from its start page.</p>
</main></body></html>
"""


def prepare_document(document: str) -> str:
    """Point the theme's files at the shared copy and load app.js first. Only the head and the
    scripts after the article are touched: the submission's text is never rewritten."""
    head_end = document.find("</head>")
    article_end = document.rfind("</article>")
    if head_end < 0:
        raise ValueError("no </head> in a generated page")
    head = _HEAD_ASSET.sub(lambda m: m.group(1) + ("../" + m.group(2) if m.group(2) == "assets/" else f"../{PUBLIC_DIR}/portal.css"), document[:head_end])
    head = head.replace("<head>", f'<head>\n<script src="../{PUBLIC_DIR}/app.js"></script>', 1)
    head += f'<script src="../{PUBLIC_DIR}/reader.js" defer></script>\n'
    middle_end = article_end if article_end > head_end else head_end
    tail = document[middle_end:]
    tail = _HEAD_ASSET.sub(lambda m: m.group(1) + "../" + m.group(2) if m.group(2) == "assets/" else m.group(0), tail)
    tail = _CONFIG_ASSET.sub(r"\1../\2", tail)
    return head + document[head_end:middle_end] + tail


def protect_tier(staging: Path, out: Path, keys: TierKeys, text: PublicText, attachments: set[str]) -> Protected:
    """Seal one tier's staging folder into out/<keys.folder>/."""
    result = Protected()
    target = out / keys.folder
    target.mkdir(parents=True)
    referenced: set[str] = set()
    for path in sorted(staging.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(staging).as_posix()
        if rel.endswith(".html") and "/" not in rel and rel != "404.html":
            document = prepare_document(path.read_text(encoding="utf-8"))
            referenced.update(_REFERENCE.findall(document))
            sealed = b64(seal_page(keys.content, document.encode("utf-8")))
            (target / rel).write_text(unlock_form(text, "../", sealed), encoding="utf-8")
            result.pages += 1
        elif rel == SEARCH_INDEX:
            (target / "search").mkdir(exist_ok=True)
            (target / SEARCH_INDEX).write_bytes(seal_page(keys.content, path.read_bytes()))
        elif rel in attachments:
            (target / rel).write_bytes(seal_file(keys.content, path.read_bytes()))
            result.files += 1
        # Anything else the generator made (sitemaps, its 404, unreferenced theme files) is left out.
    for rel in sorted(referenced):
        source = staging / rel
        shared = out / rel
        if _is_theme_file(rel) and source.is_file() and not shared.exists():
            shared.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, shared)
    return result


def _is_theme_file(rel: str) -> bool:
    """Only files that the theme itself ships are published as they are."""
    if rel.endswith(".map"):
        return False
    from material import templates

    return (Path(templates.__file__).parent / rel).is_file()


def write_public(out: Path, text: PublicText, keys_json: str) -> None:
    public = out / PUBLIC_DIR
    public.mkdir(parents=True, exist_ok=True)
    for name in STATIC_FILES:
        (public / name).write_bytes((resources.files("portal") / "static" / name).read_bytes())
    (public / "keys.json").write_text(keys_json, encoding="utf-8")
    (out / "index.html").write_text(unlock_form(text, ""), encoding="utf-8")
    (out / "404.html").write_text(NOT_FOUND, encoding="utf-8")
    (out / ".nojekyll").write_text("", encoding="utf-8")
