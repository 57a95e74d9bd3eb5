"""What became of the texts: one listing per outcome status ("In contact", "Funded", …) and the
page that lists them, like the listings by kind and theme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from portal.publish.render import meeting
from portal.publish.render.outcomeview import status_title
from portal.publish.render.pages.listings import listing_blocks
from portal.publish.render.templating import fragment

if TYPE_CHECKING:
    from portal.publish.render.frame import Pages

TEMPLATE = "listings.md.j2"


def by_status(pages: Pages) -> None:
    """One listing (and printable page) per outcome status of the schema: the texts with an outcome
    of that status, the latest such outcome first; and the page of outcomes. Every status has its
    page, with texts or not, so the number of pages says nothing."""
    rows = []
    statuses = pages.vocabulary.outcome_statuses
    for status in statuses:
        dated = {sub.id: max((o.date for o in pages.outcomes.get(sub.id, ()) if o.status == status), default=None) for sub in pages.data.submissions}
        subs = sorted(
            (sub for sub in pages.data.submissions if dated[sub.id] is not None),
            key=lambda s: (-(dated[s.id] or s.published).toordinal(), list(pages.vocabulary.kinds).index(s.kind), s.submitter.name, s.title),
        )
        title = status_title(status, pages.vocabulary)
        rows.append((title, pages.link("outcome/" + status), len(subs)))
        links = pages.print_link(f"outcome/{status}", len(subs)) + meeting.listing_export(pages, f"outcome/{status}", title, subs)
        intro = fragment(TEMPLATE, "outcome", title, statuses[status], len(subs), links)
        pages.paged(f"outcome/{status}", title, intro, listing_blocks(pages, subs, kind_column=True), 1, "_No text has this outcome at the moment._")
        meeting.printable(pages, f"outcome/{status}", f"{title}: all texts", subs)
    pages.page("outcomes", "Outcomes", fragment(TEMPLATE, "outcomes", rows), searchable=False)
