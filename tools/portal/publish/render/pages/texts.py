"""The page of one text: what it is, who sent it, the text as received, and where it comes from."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from markupsafe import Markup

from portal import dates
from portal.model import Submission
from portal.publish.render.templating import h, portal_html, render

if TYPE_CHECKING:
    from portal.publish.render.frame import Pages


def submission(pages: Pages, sub: Submission, replaced: dict[str, Submission]) -> None:
    """A text's own page. `replaced`: the texts this tier may read, by id, to name the one it replaces."""
    attachments = []
    for attachment in sub.attachments:
        name = f"{pages.namer('file/' + attachment.path)}.bin"
        pages.out.files[name] = attachment.path
        attachments.append((name, attachment.name, attachment.title))
    source = sub.meta.get("source", {})
    body = render(
        "submission.md.j2",
        title=sub.title,
        byline=pages.byline(sub),
        example=sub.example,
        card=facts(pages, sub, replaced),
        submitter=sub.submitter.name,
        kind=pages.vocabulary.kind_singular[sub.kind],
        expires=sub.expires,
        text=pages.text(sub),
        links=[(link["url"], link["title"]) for link in sub.meta.get("links") or ()],
        attachments=attachments,
        received=sub.received,
        fingerprint=sub.fingerprint,
        converted_from=source.get("converted_from", ""),
        extended=extension(sub),
        authentication=source.get("authentication", ""),
        id=sub.id,
    )
    pages.page(f"submission/{sub.id}", sub.title, body, tags=pages.search_tags(sub))


def extension(sub: Submission) -> str:
    """The provenance line of a text extended at its submitter's request ('' if it was not)."""
    extended = sub.meta.get("extended")
    if not extended:
        return ""
    day = dates.long_date(dt.date.fromisoformat(str(extended)))
    return f"Extended on {day} at the submitter's request, until {dates.long_date(sub.expires)}"


def facts(pages: Pages, sub: Submission, replaced: dict[str, Submission]) -> list[tuple[str, Markup]]:
    """The card above the text: each fact's label and its HTML."""
    rows: list[tuple[str, str]] = [
        ("Kind", h(pages.vocabulary.kind_singular[sub.kind])),
        ("Published by", f'<a href="{pages.href("submitter/" + sub.submitter.code)}">{h(sub.submitter.name)}</a>'),
        ("Themes", ", ".join(f'<a href="{pages.href("theme/" + t)}">{h(pages.vocabulary.themes[t])}</a>' for t in sub.themes)),
        ("Assistance", ", ".join(h(pages.vocabulary.assistance[a]) for a in sub.assistance)),
        ("Contact", h(sub.contact_name) + (f' — <a href="mailto:{h(sub.contact_email)}">{h(sub.contact_email)}</a>' if sub.contact_email else "")),
    ]
    if sub.id in pages.outcomes:
        rows.insert(1, ("What became of it", outcome_list(pages, sub)))
    meta = sub.meta
    if sub.countries:
        rows.append(("Countries", pages.country_links(sub)))
    if meta.get("regions"):
        rows.append(("Regions", h(", ".join(meta["regions"]))))
    if meta.get("budget"):
        rows.append(("Indicative budget", h(f"{meta['budget']['amount']:,} {meta['budget']['currency']}")))
    if meta.get("period"):
        period = meta["period"]
        end = f" to {dates.long_date(dt.date.fromisoformat(period['end']))}" if period.get("end") else ""
        rows.append(("Period", h(f"{dates.long_date(dt.date.fromisoformat(period['start']))}{end}")))
    rows += [
        ("Published", h(dates.long_date(sub.published))),
        ("Expires", h(f"{dates.long_date(sub.expires)} (expires {dates.days_phrase((sub.expires - pages.data.today).days)})")),
        ("Readers", h(pages.vocabulary.audiences[sub.audience])),
    ]
    if sub.replaces:
        earlier = replaced.get(sub.replaces)
        # Named only where this tier could read the earlier text: a text shared with partners may
        # replace one that was for States only, and partners are not told that one existed.
        if earlier:
            rows.append(("Replaces", f"<code>{h(sub.replaces)}</code> (the earlier text of {h(dates.long_date(earlier.published))}, no longer shown)"))
        elif pages.tells_replacement(sub):
            rows.append(("Replaces", "an earlier text, no longer shown"))
    return [(label, portal_html(value)) for label, value in rows]


def outcome_list(pages: Pages, sub: Submission) -> str:
    """The outcomes of a text, newest first, in plain words; the other party links to its page where
    the tier has one."""
    items = []
    for shown in reversed(pages.outcomes[sub.id]):
        who, code = h(shown.party_name), shown.party_code
        if code and (code in pages.by_submitter or code in pages.about):
            who = f'<a href="{pages.href("submitter/" + code)}">{who}</a>'
        before, _name, after = shown.parts(sub.kind)
        items.append(f'<li data-portal-outcome="{shown.status}">{h(before)}{who}{h(after)}</li>')
    return f'<ul class="portal-outcomes">{"".join(items)}</ul>'
