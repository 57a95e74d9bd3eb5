"""The seams: where the portal leans on a library's internals, a test that fails by name when an
upgrade moves what it leans on (docs/architecture.md lists them). Each test reads the installed
library itself, so `pip install -U` followed by these tests says which seam broke."""

from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import pytest

from portal.intake import replyparser
from portal.intake.quoted import REPLY_LANGUAGES, quoted_history_line
from portal.publish.prove.themewords import theme_wording
from portal.publish.seal.protect import theme_root

from tests.helpers import new_repo

# --- mail-parser-reply (intake/replyparser.py) -------------------------------------------------


def test_seam_mail_parser_reply_header_regex_exists() -> None:
    from mailparser_reply.parser import EmailMessage

    made = EmailMessage(text="", languages=["en"])
    assert isinstance(getattr(made, "HEADER_REGEX", None), re.Pattern), (
        "mail-parser-reply: EmailMessage(...).HEADER_REGEX is no longer a compiled pattern; intake/replyparser.py reads it"
    )


def test_seam_mail_parser_reply_header_regex_finds_reply_headers() -> None:
    pattern = replyparser.reply_header(REPLY_LANGUAGES)
    for header in (
        "On Mon, 2 Nov 2026 at 10:00, Coordinator <ccm@example.org> wrote:",
        "Le lun. 2 nov. 2026 à 10:00, Coordinator <ccm@example.org> a écrit :",
        "-----Original Message-----",
        "From: Coordinator <ccm@example.org>\nSent: Monday, 2 November 2026 10:00\nTo: planning@nra.example.la\nSubject: Reminder",
    ):
        assert pattern.search(header), f"mail-parser-reply: HEADER_REGEX no longer finds {header.splitlines()[0]!r}"
    assert not pattern.search("We need trucks for the survey.\nThe team wrote a plan.")
    assert quoted_history_line("Our text.\n\nOn Mon, 2 Nov 2026 at 10:00, Coordinator <ccm@example.org> wrote:\n> old\n") == 2


def test_seam_mail_parser_reply_phrase_tables_exist() -> None:
    from mailparser_reply.constants import MAIL_LANGUAGES

    for language in REPLY_LANGUAGES:
        assert language in MAIL_LANGUAGES, f"mail-parser-reply: constants.MAIL_LANGUAGES has no {language!r}; intake/quoted.py lists it"
        for key in ("wrote_header", "from_header"):
            assert key in MAIL_LANGUAGES[language], f"mail-parser-reply: MAIL_LANGUAGES[{language!r}] has no {key!r}"
    keys = {key for language in REPLY_LANGUAGES for key in MAIL_LANGUAGES[language]}
    assert set(replyparser.PHRASE_KEYS) <= keys, f"mail-parser-reply: MAIL_LANGUAGES lost {set(replyparser.PHRASE_KEYS) - keys}"
    assert "Best regards" in replyparser.phrases(("en",), "signatures")
    assert any(phrase.startswith("Sent from") for phrase in replyparser.phrases(("en",), "sent_from"))
    for key in replyparser.PHRASE_KEYS:
        for fragment in replyparser.phrases(REPLY_LANGUAGES, key):
            re.compile(fragment)  # each is a fragment of a regular expression, as furniture.py uses it


# --- Python-Markdown (publish/generate/rawblocks.py) ----------------------------------------------------


def test_seam_markdown_preprocessor_order_for_rawblocks() -> None:
    """rawblocks runs at 25: after whitespace is normalised (30), before the HTML block reader (20)."""
    md = markdown.Markdown(extensions=["portal.publish.generate.rawblocks"])
    for name in ("normalize_whitespace", "html_block"):
        assert name in md.preprocessors, f"Python-Markdown: the preprocessor {name!r} is gone; publish/generate/rawblocks.py registers around it"
    order = [md.preprocessors.get_index_for_name(name) for name in ("normalize_whitespace", "portal_raw_blocks", "html_block")]
    assert order == sorted(order), "Python-Markdown: rawblocks no longer runs between 'normalize_whitespace' and 'html_block'"
    block = '<div class="portal-text">a <b>b</b></div>'
    assert md.convert(f"# T\n\n{block}\n\nAfter") == f"<h1>T</h1>\n{block}\n<p>After</p>"


# --- Material for MkDocs: the bundle that static/app.js answers, the files sealcheck proves ------


def _bundle() -> str:
    found = sorted((theme_root() / "assets" / "javascripts").glob("bundle.*.min.js"))
    assert len(found) == 1, f"Material: expected one assets/javascripts/bundle.*.min.js, found {[path.name for path in found]}"
    return found[0].read_text(encoding="utf-8")


def _contract(name: str, pattern: str, text: str, count: int | None = None) -> None:
    found = re.findall(pattern, text)
    assert found if count is None else len(found) == count, (
        f"seam static/app.js <-> Material's bundle: {name} (pattern {pattern!r} found {len(found)} time(s)); "
        "app.js intercepts what the theme loads, so check app.js against the new bundle before publishing"
    )


def test_seam_material_loads_with_xmlhttprequest_only() -> None:
    """app.js overrides XMLHttpRequest.prototype.open/send: the theme must load the search index,
    the sitemap and the pages of instant navigation through XMLHttpRequest, never fetch()."""
    bundle = _bundle()
    _contract("one XMLHttpRequest", r"new XMLHttpRequest\b", bundle, 1)
    _contract("no fetch()", r"(?<![\w.$])fetch\(", bundle, 0)


def test_seam_material_xmlhttprequest_reads_a_blob_on_load() -> None:
    """app.js answers with readyState 4, status 200 and `response` a Blob, then a 'load' event."""
    bundle = _bundle()
    request = re.search(r"new XMLHttpRequest;.{0,900}", bundle, re.DOTALL)
    assert request, "seam static/app.js <-> Material's bundle: the XMLHttpRequest helper is gone"
    helper = request.group(0)
    _contract("open('GET', url)", r'\.open\("GET",', helper)
    _contract("responseType blob", r'\.responseType="blob"', helper)
    _contract("'load' listener", r'addEventListener\("load",', helper)
    _contract("status 2xx read on load", r"\.status>=200&&\w+\.status<300", helper)
    _contract("the response taken as it is", r"next\(\w+\.response\)", helper)


def test_seam_material_asks_for_search_index_and_sitemap() -> None:
    """The tier's sealed search index and sitemap are where app.js's sealedKind looks for them."""
    bundle = _bundle()
    _contract("search index next to the config's base", r'new URL\("search/search_index\.json",', bundle, 1)
    _contract("sitemap next to the page's base", r'new URL\("sitemap\.xml",', bundle, 1)


def test_seam_material_search_worker_takes_the_index_from_the_page() -> None:
    """The search worker gets the (opened) index by postMessage; it must not fetch it itself."""
    workers = sorted((theme_root() / "assets" / "javascripts" / "workers").glob("search.*.min.js"))
    assert workers, "Material: no assets/javascripts/workers/search.*.min.js"
    for worker in workers:
        assert "search_index" not in worker.read_text(encoding="utf-8"), f"seam static/app.js <-> Material: {worker.name} loads the index itself"
    _contract("worker started from the config", r"new Worker\(", _bundle())


def test_seam_material_config_shape() -> None:
    """The page's `__config` JSON: `base` (where the index is looked up), `features` (instant
    navigation), `search` (the worker); the search field app.js watches."""
    bundle = _bundle()
    _contract("__config read as JSON", r'\("#__config"\),\w+=JSON\.parse\(\w+\.textContent\)', bundle)
    _contract("config.base", r"\w+\.base=`\$\{new URL\(\w+\.base,", bundle)
    _contract("config.features", r"\w+\.features\.includes\(", bundle)
    _contract("search field", r"search-query", bundle)
    base = (theme_root() / "base.html").read_text(encoding="utf-8")
    assert '<script id="__config" type="application/json">' in base, "Material: base.html no longer writes the __config script"
    for key in ('"base"', '"features"', '"search"', '"translations"'):
        assert key in base, f"Material: base.html's __config no longer has {key}"


def test_seam_material_translations_are_a_json_object() -> None:
    """publish/prove/themewords.py reads partials/languages/en.html as a JSON object in a Jinja macro."""
    words = theme_wording()
    assert "Skip to content" in words, "Material: partials/languages/en.html no longer yields the theme's phrases"


def test_seam_material_assets_are_files_of_the_installed_theme() -> None:
    """sealcheck proves theme files byte for byte against the installed theme's assets/."""
    root = theme_root()
    assert Path(root, "assets", "stylesheets").is_dir() and Path(root, "assets", "javascripts").is_dir(), (
        "Material: templates/assets/{stylesheets,javascripts} moved; protect.theme_root and sealcheck read them"
    )


@pytest.mark.parametrize("name", ["main.html", "404.html", "base.html"])
def test_seam_material_templates_exist(name: str) -> None:
    assert (theme_root() / name).is_file(), f"Material: templates/{name} is gone; the portal's overrides extend it"


# --- MkDocs (publish/generate/generator.py) ---------------------------------------------------------------


def test_seam_mkdocs_builds_from_the_written_config(tmp_path: Path) -> None:
    """generator.run_generator calls mkdocs.config.load_config(file, strict=True) and
    mkdocs.commands.build.build(config); the written mkdocs.yml INHERITs the repository's and names
    the toc's slugify with `!!python/name:` and the rawblocks extension by import path. The theme
    writes the search index (`{"config":…,"docs":[{location,title,text},…]}`, which protect and
    steadysize read) and the sitemap (which app.js answers)."""
    from portal.publish.generate.generator import run_generator, write_pages
    from portal.publish.render.site import Rendered
    from portal.publish.seal.sealedformat import SEARCH_INDEX

    repo = new_repo(tmp_path / "repo", commit=False)
    rendered = Rendered(pages={"index.md": "# Home\n\nHello", "a.md": "# A text\n\n## Needs\n\nTrucks."}, nav=[{"Home": "index.md"}, {"A": "a.md"}])
    staging = tmp_path / "staging"
    run_generator(write_pages(repo, rendered, tmp_path / "pages", staging, "Test"))
    index = json.loads((staging / SEARCH_INDEX).read_text(encoding="utf-8"))
    assert set(index) == {"config", "docs"}, f"MkDocs/Material: the search index is no longer {{config, docs}}: {sorted(index)}"
    assert {"location", "title", "text"} <= set(index["docs"][0]), "MkDocs/Material: a search entry lost location, title or text"
    assert (staging / "sitemap.xml").is_file(), "MkDocs: no sitemap.xml (app.js answers the theme's request for it)"
    assert 'id="p-needs"' in (staging / "a.html").read_text(encoding="utf-8"), "MkDocs: toc's slugify given by !!python/name: is not used"
