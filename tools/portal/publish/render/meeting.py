"""Pages for meetings: the overview (charts drawn at build time), the export of the texts (sealed
like attachments), each listing's own export, and printable pages that hold every text of a
country, a kind or a theme."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from markupsafe import Markup

from portal.model import Submission
from portal.publish.render.export import FIELDS as EXPORT_FIELDS
from portal.publish.render.export import export_csv, export_json
from portal.publish.render.frame import PRINT_PAGE
from portal.publish.render.outcomeview import status_title
from portal.publish.render.overview import (
    NEED_KINDS,
    OFFER_KINDS,
    amount,
    assistance_rows,
    bar_chart,
    budget_rows,
    outcome_counts,
    submitter_rows,
    theme_rows,
)
from portal.publish.render.spreadsheet import export_xlsx
from portal.publish.render.templating import fragment, h, html_table, portal_html

if TYPE_CHECKING:
    from portal.publish.render.frame import Pages

OVERVIEW_SUBMITTERS = 25  # countries and organisations in the overview's chart
TEMPLATE = "meeting.md.j2"


def printable(pages: Pages, key: str, title: str, subs: Sequence[Submission]) -> None:
    """All texts of a country, a kind or a theme, each starting a new sheet in print. The page
    names the texts and links to them; the reader's browser opens each text's own sealed page and
    puts it in (app.js), so no text is published more than once. A large portal splits them into
    parts of PRINT_PAGE texts, so that no page is too heavy for a phone."""
    if not subs:
        return
    parts = [subs[i : i + PRINT_PAGE] for i in range(0, len(subs), PRINT_PAGE)]
    keys = [f"print/{key}" if number == 1 else f"print/{key}/{number}" for number in range(1, len(parts) + 1)]
    for number, (page_key, chunk) in enumerate(zip(keys, parts, strict=True), 1):
        first = (number - 1) * PRINT_PAGE + 1
        pager = pages.pager(keys, number, title, printable=True)
        # Each text is a link to its page until the browser has put the page's text in its place.
        articles = [fragment(TEMPLATE, "print_placeholder", pages.href("submission/" + sub.id), pages.sub_link(sub)) for sub in chunk]
        data = pages.data
        body = fragment(TEMPLATE, "printable", title, len(parts), first, first + len(chunk) - 1, len(subs), data.site_name, data.today, pager, articles)
        suffix = " (printable)" if len(parts) == 1 else f" (printable, part {number})"
        pages.page(page_key, title + suffix, body, searchable=False)


def overview(pages: Pages) -> None:
    """Needs and offers per theme, per type of assistance and per country, charted for meetings."""
    subs = pages.data.submissions
    # Each bar leads to its listing: a theme's, or a country's or organisation's page.
    per_submitter = [replace(row, href=pages.href("submitter/" + row.key)) for row in submitter_rows(subs)]
    shown = per_submitter[:OVERVIEW_SUBMITTERS]
    themes = [replace(row, href=pages.href("theme/" + row.key)) for row in theme_rows(subs, pages.vocabulary)]
    charts = {
        "themes": bar_chart("portal-chart-themes", "Needs and offers per theme", themes),
        "assistance": bar_chart("portal-chart-assistance", "Needs and offers per type of assistance", assistance_rows(subs, pages.vocabulary)),
        "submitters": bar_chart("portal-chart-submitters", "Needs and offers per country or organisation", shown),
    }
    groups = sorted(pages.by_submitter.values(), key=lambda group: group[0].submitter.name)

    def names(pick: Callable[[list[Submission]], int]) -> list[tuple[Markup, int]]:
        return [(pages.submitter_link(group[0]), pick(group)) for group in groups if pick(group)]

    seeking = names(lambda group: sum(s.kind in NEED_KINDS for s in group))
    offering = names(lambda group: sum(s.kind in OFFER_KINDS for s in group))
    charts_html = {name: portal_html(chart) for name, chart in charts.items()}  # bar_chart escapes every label
    body = fragment(
        TEMPLATE, "overview", pages.data.today, charts_html, len(shown), len(per_submitter), seeking, offering, outcome_tables(pages), budgets(subs)
    )
    pages.page("overview", "Overview", body, searchable=False)


def budgets(subs: Sequence[Submission]) -> Markup:
    """The indicative budgets summed per currency, needs and offers apart ('' if no text has one)."""
    rows = [
        [
            h(row.currency),
            f"{amount(row.needs)} ({row.need_count})" if row.need_count else "—",
            f"{amount(row.offers)} ({row.offer_count})" if row.offer_count else "—",
        ]
        for row in budget_rows(subs)
    ]
    return html_table(["Currency", "Needs (texts)", "Offers and how to apply (texts)"], rows) if rows else Markup()


def outcome_tables(pages: Pages) -> dict[str, object]:
    """The outcomes counted by theme and by year, as tables with a column per status, and a link
    to the listing of each status."""
    by_theme, by_year = outcome_counts(pages.data.submissions, pages.outcomes, pages.vocabulary)
    statuses = pages.vocabulary.outcome_statuses
    headers = [h(label) for label in statuses.values()]
    links = [portal_html(f'<a href="{pages.href("outcome/" + status)}">{h(status_title(status, pages.vocabulary))}</a>') for status in statuses]
    return {
        "count": sum(len(found) for found in pages.outcomes.values()),
        "links": links,
        "themes": html_table(["Theme", *headers], [[h(label), *map(str, counts)] for label, counts in by_theme]),
        "years": html_table(["Year", *headers], [[h(label), *map(str, counts)] for label, counts in by_year]) if by_year else "",
    }


EXPORTS = (("xlsx", "Spreadsheet (Excel, LibreOffice)"), ("csv", "CSV (spreadsheets, databases)"), ("json", "JSON (for programs)"))

ExportItem = tuple[str, str, str, int]  # sealed file's name, name to save it as, label, kilobytes


def export_files(pages: Pages, key: str, subs: Sequence[Submission], what: str = "") -> list[ExportItem]:
    """`subs` as a spreadsheet, CSV and JSON, sealed like attachments (every tier's under the same
    `key`, see protect.seal_alike) and opened in the browser on download. `what` names them in the
    file name ('lao-pdr'). A replaced text is named only where the tier may read it; outcomes name
    the other party as the tier may know it (outcomeview)."""
    data = pages.data
    stem = "-".join(_slug(part) for part in ("ccm-cooperation-portal", data.tier_label, what, data.today.isoformat()) if _slug(part))
    readable = data.earlier or {sub.id: sub for sub in data.submissions}
    make = {
        "xlsx": lambda: export_xlsx(subs, data.today, data.vocabulary, readable, pages.outcomes),
        "csv": lambda: export_csv(subs, readable, pages.outcomes),
        "json": lambda: export_json(subs, data.site_name, data.tier_label, data.today, data.vocabulary, readable, pages.outcomes),
    }
    items = []
    for extension, label in EXPORTS:
        content = make[extension]()
        name = f"{pages.namer(f'{key}/{extension}')}.bin"
        pages.out.generated[name] = content
        pages.out.alike[name] = f"{key}/{extension}"
        items.append((name, f"{stem}.{extension}", label, max(1, round(len(content) / 1024))))
    return items


def _slug(words: str) -> str:
    """'Côte d'Ivoire' -> 'cote-d-ivoire': a part of a file name."""
    plain = unicodedata.normalize("NFKD", words).encode("ascii", "ignore").decode()
    return re.sub("[^a-z0-9]+", "-", plain.lower()).strip("-")[:60].strip("-")


def export(pages: Pages) -> None:
    """The tier's texts as files, and the page that offers them."""
    subs = pages.data.submissions
    body = fragment(TEMPLATE, "export", len(subs), pages.data.today, export_files(pages, "export", subs), EXPORT_FIELDS)
    pages.page("export", "Export", body, searchable=False)


def listing_export(pages: Pages, key: str, what: str, subs: Sequence[Submission]) -> Markup:
    """The links to the export of one listing's texts (a country's, a kind's, a theme's, an
    outcome's), beside its printable page; nothing if it has no text."""
    if not subs:
        return Markup()
    return fragment(TEMPLATE, "listing_export", len(subs), export_files(pages, f"export/{key}", subs, what))
