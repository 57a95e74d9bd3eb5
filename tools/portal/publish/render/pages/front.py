"""The home page and the guidance pattern."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING

from portal.model import Submission
from portal.publish.render.templating import render

if TYPE_CHECKING:
    from portal.publish.render.frame import Pages


def published_dates(subs: Sequence[Submission]) -> str:
    """'2026-11-18:3 2026-10-02:1': how many texts were published on which day, for the count of
    texts new since the reader's previous visit (reader.js)."""
    counts: dict[str, int] = defaultdict(int)
    for sub in subs:
        counts[sub.published.isoformat()] += 1
    return " ".join(f"{day}:{count}" for day, count in sorted(counts.items(), reverse=True))


def home(pages: Pages) -> None:
    """What the portal is for, its figures, what expires soon, how to contribute, who may read it."""
    data = pages.data
    subs = data.submissions
    soon = sorted((s for s in subs if s.expires <= data.today + dt.timedelta(days=data.reminder_days)), key=lambda s: (s.expires, s.id))
    counts = [(pages.href(f"kind/{kind}"), sum(s.kind == kind for s in subs), label) for kind, label in pages.vocabulary.kinds.items()]
    counts.append((pages.href("publishers"), len(pages.by_submitter), "Countries and organisations"))
    body = render(
        "home.md.j2",
        site_name=data.site_name,
        partners_tier=data.partners_tier,
        example=any(s.example for s in subs),
        counts=counts,
        published_dates=published_dates(subs),
        recent=pages.href("recent"),
        overview=pages.link("overview"),
        export=pages.link("export"),
        pattern=pages.link("pattern"),
        reminder_days=data.reminder_days,
        expiring=[(pages.sub_link(s), s.submitter.name, s.expires, (s.expires - data.today).days) for s in soon],
        coordinator_name=data.coordinator_name,
        coordinator_email=data.coordinator_email,
        today=data.today,
    )
    # The tab reads "Home - <site name>", not the site name twice.
    pages.page("index", "Home", body)


def guide(pages: Pages) -> None:
    """The guidance pattern, made from the schema and the templates (guide.py)."""
    # Out of the search: its field names and hints would answer searches meant for the texts.
    pages.page("pattern", "Guidance pattern", pages.data.guide_markdown or "# Guidance pattern\n", searchable=False)
