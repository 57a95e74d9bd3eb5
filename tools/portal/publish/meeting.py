"""Pages for meetings: the overview (charts drawn at build time), the export of the texts (sealed
like attachments), and printable pages that hold every text of a country, a kind or a theme."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from portal import dates
from portal.model import Submission
from portal.publish.export import FIELDS as EXPORT_FIELDS
from portal.publish.export import export_csv, export_json, export_xlsx
from portal.publish.overview import NEED_KINDS, OFFER_KINDS, assistance_rows, bar_chart, submitter_rows, theme_rows

if TYPE_CHECKING:
    from portal.publish.render import _Pages as Pages

OVERVIEW_SUBMITTERS = 25  # countries and organisations in the overview's chart
PRINT_PAGE = 100  # texts on one printable page


def h(text: str) -> str:
    return html.escape(text, quote=True)


def md(text: str) -> str:
    from portal.publish.render import md as markdown_literal  # render imports this module

    return markdown_literal(text)


def printable(pages: Pages, key: str, title: str, subs: Sequence[Submission]) -> None:
    """All texts of a country, a kind or a theme, each starting a new sheet in print. The page
    names the texts and links to them; the reader's browser opens each text's own sealed page and
    puts it in (app.js), so no text is published more than once. A large portal splits them into
    parts of PRINT_PAGE texts, so that no page is too heavy for a phone."""
    if not subs:
        return
    parts = [subs[i : i + PRINT_PAGE] for i in range(0, len(subs), PRINT_PAGE)]
    count = f"{len(subs)} text{'s' if len(subs) != 1 else ''}"
    for number, chunk in enumerate(parts, 1):
        page_key = f"print/{key}" if number == 1 else f"print/{key}/{number}"
        pager = ""
        if len(parts) > 1:
            links = " ".join(
                f"<strong>{n}</strong>" if n == number else f'<a href="{pages.href(f"print/{key}" if n == 1 else f"print/{key}/{n}")}">{n}</a>'
                for n in range(1, len(parts) + 1)
            )
            pager = f'<nav class="portal-pager portal-no-print" aria-label="Parts of {h(title)}">Part {number} of {len(parts)}: {links}</nav>'
        shown = f"texts {(number - 1) * PRINT_PAGE + 1} to {(number - 1) * PRINT_PAGE + len(chunk)} of " if len(parts) > 1 else ""
        intro = (
            f"<p>{shown}{count} from the {h(pages.data.site_name)}, as of {dates.long_date(pages.data.today)}.</p>{pager}"
            '<p class="portal-no-print portal-print-status" role="status">Opening the texts…</p>'
            '<p class="portal-no-print"><button type="button" class="md-button md-button--primary" data-portal-print hidden>Print this page</button></p>'
        )
        # Each text is a link to its page until the browser has put the page's text in its place.
        blocks = [f"# {md(title)}", intro]
        blocks += [
            f'<article class="portal-print-text" data-portal-print-text="{pages.href("submission/" + sub.id)}"><p>{pages.sub_link(sub)}</p></article>'
            for sub in chunk
        ]
        suffix = " (printable)" if len(parts) == 1 else f" (printable, part {number})"
        pages.page(page_key, title + suffix, "\n\n".join(blocks), searchable=False)


def overview(pages: Pages) -> None:
    subs = pages.data.submissions
    per_submitter = submitter_rows(subs)
    shown = per_submitter[:OVERVIEW_SUBMITTERS]
    more = f" The {len(shown)} with the most texts are shown; the lists below name all {len(per_submitter)}." if len(per_submitter) > len(shown) else ""

    def names(pick: Callable[[list[Submission]], int]) -> str:
        chosen = [(group[0], pick(group)) for group in sorted(pages.by_submitter.values(), key=lambda g: g[0].submitter.name) if pick(group)]
        if not chosen:
            return "<p><em>None at the moment.</em></p>"
        return "<ul>" + "".join(f"<li>{pages.submitter_link(sub)} ({count})</li>" for sub, count in chosen) + "</ul>"

    body = f"""
# Overview

Needs and offers on the portal as of {dates.long_date(pages.data.today)}, for meetings and reports.
Offers count together with how-to-apply texts. A text with several themes or types of assistance
counts once in each. Needs are drawn as solid bars, offers as hatched bars; every bar carries its number.

## Needs and offers per theme

{bar_chart("portal-chart-themes", "Needs and offers per theme", theme_rows(subs))}

## Needs and offers per type of assistance

{bar_chart("portal-chart-assistance", "Needs and offers per type of assistance", assistance_rows(subs))}

## Who seeks and who offers

Countries and organisations with needs, or with offers and how-to-apply texts.{more}

{bar_chart("portal-chart-submitters", "Needs and offers per country or organisation", shown)}

### Seeking assistance

{names(lambda group: sum(s.kind in NEED_KINDS for s in group))}

### Offering assistance

{names(lambda group: sum(s.kind in OFFER_KINDS for s in group))}
"""
    pages.page("overview", "Overview", body, searchable=False)


def export(pages: Pages) -> None:
    """The tier's texts as files, sealed like attachments and opened in the browser on download."""
    data = pages.data
    subs = data.submissions
    stem = f"ccm-cooperation-portal-{re.sub('[^a-z0-9]+', '-', data.tier_label.lower()).strip('-')}-{data.today.isoformat()}"
    readable = data.earlier or {sub.id: sub for sub in subs}  # a replaced text is named only where the tier may read it
    files = (
        ("xlsx", "Spreadsheet (Excel, LibreOffice)", export_xlsx(subs, data.today, readable)),
        ("csv", "CSV (spreadsheets, databases)", export_csv(subs, readable)),
        ("json", "JSON (for programs)", export_json(subs, data.site_name, data.tier_label, data.today, readable)),
    )
    items = []
    for extension, label, content in files:
        name = f"{pages.namer('export/' + extension)}.bin"
        pages.out.generated[name] = content
        pages.out.alike[name] = f"export/{extension}"
        items.append(
            f'<li><a href="{name}" download="{stem}.{extension}" data-portal-file>{h(label)}</a>: {stem}.{extension}, {max(1, round(len(content) / 1024))} KB</li>'
        )
    fields = ", ".join(f"<code>{name}</code>" for name in EXPORT_FIELDS)
    body = f"""
# Export

The {len(subs)} texts you can read here, one row (or record) per text, as of {dates.long_date(data.today)}.
The files are opened in your browser with your passcode, like attachments; keep them as safe as the portal.

<ul>{"".join(items)}</ul>

Each row holds {fields}. Themes, assistance and regions are separated by semicolons in the CSV
and the spreadsheet. The JSON file keeps every character of every text. In the CSV a cell that
starts with =, +, -, @ or a tab gets a leading apostrophe, so that no spreadsheet program runs it as a
formula; the spreadsheet stores every cell as text, and cuts a text longer than a cell can hold
(32,767 characters), saying so.
"""
    pages.page("export", "Export", body, searchable=False)
