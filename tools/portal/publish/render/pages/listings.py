"""The listings: who has published, the texts of each country, kind and theme, the possible
matches, the latest texts and the changes. Long listings are split into pages (`Pages.paged`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from portal import dates
from portal.model import Submission, Submitter
from portal.publish.render import meeting
from portal.publish.render.matching import matches_with_contacts
from portal.publish.render.outcomeview import ShownOutcome
from portal.publish.render.templating import fragment, h, html_table, listing_table, plural, portal_html
from portal.trail.actions import WORDS, Action

if TYPE_CHECKING:
    from portal.publish.render.frame import Pages

LISTING_PAGE = 100  # rows on one page of a listing
MATCHES_PAGE = 25  # needs on one page of possible matches
RECENT = 30  # texts on the page of the latest ones
CHANGES = 200  # changes on the page of changes
TEMPLATE = "listings.md.j2"


def publishers(pages: Pages) -> None:
    """Every country and organisation that has published, with its counts per kind, and every
    country that only others' texts are about, marked as such."""
    codes = {*pages.by_submitter, *pages.about}
    rows = []
    for code in sorted(codes, key=lambda code: _named(pages, code).name):
        who, subs, about = _named(pages, code), pages.by_submitter.get(code, []), pages.about.get(code, [])
        counts = [(str(sum(s.kind == kind for s in subs)), "") for kind in pages.vocabulary.kinds]
        link = portal_html(f'<a href="{pages.href("submitter/" + code)}">{h(who.name)}</a>')
        kind = pages.vocabulary.submitter_types[who.type]
        rows.append([(link, ""), (h(kind), [kind]), (h(_presence(subs, about)), ""), *counts, _latest(subs)])
    columns = [("Country or organisation", "text", ""), ("Type", "text", "values"), ("On the portal", "text", "")]
    columns += [*((label, "number", "") for label in pages.vocabulary.kinds.values()), ("Latest text", "date", "")]
    only_about = len(codes) - len(pages.by_submitter)
    body = fragment(TEMPLATE, "publishers", len(pages.by_submitter), only_about, listing_table(columns, rows) if rows else "")
    pages.page("publishers", "Countries and organisations", body, searchable=False)


def _latest(subs: Sequence[Submission]) -> tuple[str, str]:
    """The day of a publisher's latest text, which reader.js marks New when it is new to the reader."""
    if not subs:
        return "—", ""
    latest = max(s.published for s in subs)
    return portal_html(f'<span data-portal-published="{latest.isoformat()}">{dates.long_date(latest)}</span>'), latest.isoformat()


def _named(pages: Pages, code: str) -> Submitter:
    """A country or organisation as registered: from its own texts, or from the texts about it."""
    own = pages.by_submitter.get(code)
    return own[0].submitter if own else pages.countries[code]


def _presence(subs: Sequence[Submission], about: Sequence[Submission]) -> str:
    """'Has published', 'Has published; 1 text about it by others', '2 texts about it by others'."""
    parts = ["Has published"] if subs else []
    if about:
        parts.append(f"{plural(len(about), 'text')} about it by others")
    return "; ".join(parts)


def submitter(pages: Pages, code: str, subs: list[Submission], about: list[Submission]) -> None:
    """The texts of one country or organisation, by kind, then the texts of others about that
    country; and their printable page. A country that has published nothing has a page if
    others' texts are about it."""
    who = _named(pages, code)
    sections = []
    for kind, label in pages.vocabulary.kinds.items():
        chosen = [s for s in subs if s.kind == kind]
        if chosen:
            sections.append((label, pages.listing(chosen, with_submitter=False)))
    if about:
        sections.append((f"About {who.name}, from others", pages.listing(about, kind_column=True)))
    everything = [*subs, *about]
    print_link = pages.print_link(f"submitter/{code}", len(everything)) + meeting.listing_export(pages, f"submitter/{code}", who.name, everything)
    body = fragment(TEMPLATE, "submitter", who.name, pages.vocabulary.submitter_types[who.type], len(subs), len(about), print_link, sections)
    pages.page(f"submitter/{code}", who.name, body, searchable=False)
    whose = {(True, False): "of", (True, True): "of and about", (False, True): "about"}[bool(subs), bool(about)]
    meeting.printable(pages, f"submitter/{code}", f"All texts {whose} {who.name}", everything)


def by_kind(pages: Pages) -> None:
    """One listing (and printable page) per kind of text."""
    for kind, label in pages.vocabulary.kinds.items():
        subs = sorted((s for s in pages.data.submissions if s.kind == kind), key=lambda s: (s.submitter.name, s.title))
        links = pages.print_link(f"kind/{kind}", len(subs)) + meeting.listing_export(pages, f"kind/{kind}", label, subs)
        intro = fragment(TEMPLATE, "kind", label, len(subs), links)
        pages.paged(f"kind/{kind}", label, intro, listing_blocks(pages, subs), 1, "_None at the moment._")
        meeting.printable(pages, f"kind/{kind}", f"{label}: all texts", subs)


def by_theme(pages: Pages) -> None:
    """One listing (and printable page) per theme, and the list of themes."""
    rows = []
    for theme, label in pages.vocabulary.themes.items():
        subs = sorted(
            (s for s in pages.data.submissions if theme in s.themes), key=lambda s: (list(pages.vocabulary.kinds).index(s.kind), s.submitter.name, s.title)
        )
        rows.append((label, pages.link("theme/" + theme), len(subs)))
        links = pages.print_link(f"theme/{theme}", len(subs)) + meeting.listing_export(pages, f"theme/{theme}", label.split(" (")[0], subs)
        intro = fragment(TEMPLATE, "theme", label, len(subs), links)
        blocks = listing_blocks(pages, subs, kind_column=True)
        pages.paged(f"theme/{theme}", label, intro, blocks, 1, "_Nothing on this theme at the moment._")
        meeting.printable(pages, f"theme/{theme}", f"{label}: all texts", subs)
    pages.page("themes", "Themes", fragment(TEMPLATE, "themes", rows), searchable=False)


def listing_blocks(pages: Pages, subs: Sequence[Submission], kind_column: bool = False) -> list[str]:
    """A listing as tables of LISTING_PAGE rows, one to a page."""
    return [pages.listing(subs[i : i + LISTING_PAGE], kind_column=kind_column) for i in range(0, len(subs), LISTING_PAGE)]


def matches(pages: Pages) -> None:
    """For each need, the offers and how-to-apply texts it is in contact with, marked, then those
    that fit it (matching.py)."""
    found = matches_with_contacts(pages.data.submissions, pages.outcomes, pages.vocabulary)
    needs = sorted((s for s in pages.data.submissions if s.kind == "need"), key=lambda s: (s.submitter.name, s.title))
    blocks = []
    for need in needs:
        matched = [
            (pages.sub_link(m.resource), pages.vocabulary.kind_singular[m.resource.kind], m.resource.submitter.name, contact_mark(contact), m.reason)
            for m, contact in found.get(need.id, [])
        ]
        blocks.append(fragment(TEMPLATE, "need", need.title, pages.submitter_link(need), pages.sub_link(need), matched))
    intro = fragment(TEMPLATE, "matches")
    pages.paged("matches", "Possible matches", intro, blocks, MATCHES_PAGE, "_No need is published at the moment._")


def contact_mark(contact: Sequence[ShownOutcome]) -> str:
    """'In contact since 3 March 2027; now funded, on 1 May 2027' for a pair already in touch ('' if not)."""
    if not contact:
        return ""
    mark = f"In contact {contact[0].when()}"
    latest = contact[-1]
    if latest.status != contact[0].status:
        mark += f"; now {latest.label.lower()}, {latest.when()}"
    return mark


def recent(pages: Pages) -> None:
    """The latest texts, newest first."""
    subs = sorted(pages.data.submissions, key=lambda s: (-s.published.toordinal(), s.id))[:RECENT]
    rows = [
        [
            dates.long_date(sub.published),
            pages.sub_link(sub) + (" (update)" if pages.tells_replacement(sub) else ""),
            pages.submitter_link(sub),
            h(pages.vocabulary.kind_singular[sub.kind]),
        ]
        for sub in subs
    ]
    table = html_table(["Published", "Title", "By", "Kind"], rows) if subs else ""
    pages.page("recent", "Recently published", fragment(TEMPLATE, "recent", RECENT, table), searchable=False)


def changes(pages: Pages) -> None:
    """The history of the texts on the portal today; texts that left it are not named."""
    visible = {s.id: s for s in pages.data.submissions}
    words = {action: said.change for action, said in WORDS.items() if said.change}
    rows = []
    for event in pages.data.changes:
        sub = visible.get(event.submission)
        if sub is not None and event.action in words:
            action = Action.PUBLISH if event.action == Action.REPLACE and not pages.tells_replacement(sub) else Action(event.action)
            rows.append([dates.long_date(event.date), words[action], pages.sub_link(sub), pages.submitter_link(sub)])
    table = html_table(["Date", "Change", "Text", "By"], rows[:CHANGES]) if rows else ""
    pages.page("changes", "Changes", fragment(TEMPLATE, "changes", table), searchable=False)
