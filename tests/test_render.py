"""The render stage on its own: pure functions of the submissions and the date."""

from __future__ import annotations

import datetime as dt
import html
import re

from portal.examples import examples_root
from portal.lifecycle import select_active
from portal.render import TierInput, readable_namer, render_tier
from portal.textformat import markdown_html, text_block
from portal.validate import validate_repo

from conftest import PROJECT


def tier_input(subs, today=dt.date(2026, 11, 20)) -> TierInput:
    return TierInput("Portal", "States", subs, today, 30, "Coordinator", "c@example.org", canary="portalcanaryx")


def test_plain_text_block_keeps_every_character() -> None:
    text = "1. not a list\n# not a heading\n_not emphasis_ > not a quote\n\n\ttab  two spaces <b>not bold</b> &amp;\n"
    block = text_block(text, "plain")
    assert "\n" not in block
    inner = re.fullmatch(r'<div class="portal-text portal-plain">(.*)</div>', block).group(1)
    assert html.unescape(inner) == text


def test_markdown_is_sanitised_but_anchors_survive() -> None:
    out = markdown_html("## Summary\n\n[x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)> [ok](https://example.org)\n")
    assert '<h3 id="text-summary">Summary</h3>' in out  # a text's headings sit below the page title
    assert "javascript:" not in out and "<script" not in out and "onerror" not in out and "<img" not in out
    assert '<a href="https://example.org" rel="noopener noreferrer nofollow">ok</a>' in out


def test_the_navigation_does_not_grow_with_the_portal(tmp_path) -> None:
    import sys

    sys.path.insert(0, str(PROJECT / "bench"))
    from corpus import make_corpus

    small = validate_repo(make_corpus(tmp_path / "a", 30)).submissions
    large = validate_repo(make_corpus(tmp_path / "b", 600)).submissions
    nav_small = render_tier(tier_input(small)).nav
    nav_large = render_tier(tier_input(large)).nav
    assert nav_small == nav_large and len(nav_large) == 13
    pages = render_tier(tier_input(large)).pages
    # Listings are paged; only the printable pages hold every text of a country, kind or theme.
    assert max(len(page) for name, page in pages.items() if not name.startswith("print-")) < 80_000
    assert "kind-need-2.md" in pages and "Page 2 of" in pages["kind-need-2.md"]


def test_expired_and_superseded_texts_are_not_rendered() -> None:
    import tempfile
    from pathlib import Path

    from conftest import new_repo

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


def test_grouped_matching_ranks_exactly_as_scoring_every_pair(tmp_path) -> None:
    import sys

    sys.path.insert(0, str(PROJECT / "bench"))
    from portal.matching import RESOURCE_KINDS, match_needs

    from corpus import make_corpus

    subs = validate_repo(make_corpus(tmp_path / "m", 400, seed=11)).submissions
    found = match_needs(subs)
    resources = [s for s in subs if s.kind in RESOURCE_KINDS]
    for need in (s for s in subs if s.kind == "need"):
        scored = []
        for r in resources:
            themes = set(need.themes) & set(r.themes)
            if themes and r.submitter.code != need.submitter.code:
                scored.append((-(2 * len(themes) + len(set(need.assistance) & set(r.assistance))), r.kind != "offer", r.title, r.id))
        expected = [entry[3] for entry in sorted(scored)[:5]]
        assert [m.resource.id for m in found[need.id]] == expected, need.id
