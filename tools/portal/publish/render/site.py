"""Active submissions -> the Markdown pages and navigation of one tier of the portal.

Everything a submitter wrote reaches a page either HTML-escaped or through the sanitiser
(publish/render/templating.py). Each page is made by a small builder in publish/render/pages/ (and
publish/render/meeting.py) from its template in publish/render/templates/; `Pages` holds what they share.
Page file names come from `namer`, so a protected build can use opaque names.
"""

from __future__ import annotations

from portal.model import Vocabulary
from portal.publish.render import meeting
from portal.publish.render.frame import Namer, Pages, Rendered, TierInput, readable_namer
from portal.publish.render.pages import front, listings, outcomes, texts
from portal.publish.render.pages.front import published_dates
from portal.publish.render.templating import h, html_table, md

__all__ = ["Namer", "Pages", "Rendered", "TierInput", "h", "html_table", "md", "navigation", "published_dates", "readable_namer", "render_tier"]


def navigation(vocabulary: Vocabulary) -> tuple[tuple[str, str], ...]:
    """The site's navigation: (label, page key), with the schema's words for each kind."""
    return (
        ("Home", "index"),
        ("Overview", "overview"),
        ("Countries and organisations", "publishers"),
        *((label, f"kind/{kind}") for kind, label in vocabulary.kinds.items()),
        ("Themes", "themes"),
        ("Possible matches", "matches"),
        ("Outcomes", "outcomes"),
        ("Recently published", "recent"),
        ("Changes", "changes"),
        ("Export", "export"),
        ("Guidance pattern", "pattern"),
    )


def render_tier(data: TierInput, namer: Namer = readable_namer) -> Rendered:
    """Every page of one tier, with its navigation."""
    pages = Pages(data, namer)
    front.home(pages)
    listings.publishers(pages)
    for code in [*pages.by_submitter, *(code for code in pages.about if code not in pages.by_submitter)]:
        listings.submitter(pages, code, pages.by_submitter.get(code, []), pages.about.get(code, []))
    replaced = data.earlier or {s.id: s for s in data.submissions}
    for sub in data.submissions:
        texts.submission(pages, sub, replaced)
    listings.by_kind(pages)
    listings.by_theme(pages)
    listings.matches(pages)
    outcomes.by_status(pages)
    listings.recent(pages)
    listings.changes(pages)
    meeting.overview(pages)
    meeting.export(pages)
    front.guide(pages)
    pages.out.nav = [{label: pages.link(key)} for label, key in navigation(data.vocabulary)]
    return pages.out
