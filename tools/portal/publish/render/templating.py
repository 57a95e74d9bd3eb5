"""The wording of the pages: Jinja2 templates in publish/render/templates/, and how values reach them.

Every value a template prints is HTML-escaped (quotes too) unless it is `Markup`, and `Markup`
is only ever HTML the portal made itself: a table of escaped cells, a sanitised text. So a title,
a name or an address from a submission cannot add markup to a page, whatever it holds. A name
the template does not get is an error, never an empty string.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from portal import dates

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def h(text: str) -> str:
    """Text placed in HTML (an element or an attribute), shown literally."""
    return html.escape(text, quote=True)


def md(text: str) -> str:
    """Text placed inline in Markdown, shown literally."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def portal_html(fragment: str) -> Markup:
    """HTML the portal made itself, every value from a submission in it already escaped (`h`) or
    sanitised (textformat): a template prints it as it is. The one place that trusts HTML."""
    return Markup(fragment)  # noqa: S704 - see the docstring; every caller escapes what it puts in


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> Markup:
    """A table as one line of raw HTML (cells already escaped): the generator passes it through
    untouched, which keeps long listings cheap to build. Each cell carries its column's name, so
    on a phone the rows become cards that name their fields (portal.css)."""
    return _table(headers, rows, [""] * len(headers), None, "")


def _table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], head_attrs: Sequence[str], cell_attrs: Sequence[Sequence[str]] | None, table_attrs: str
) -> Markup:
    head = "".join(f'<th scope="col"{attrs}>{cell}</th>' for cell, attrs in zip(headers, head_attrs, strict=True))
    labels = [f' data-label="{h(html.unescape(re.sub("<[^>]+>", "", cell)))}"' for cell in headers]
    extra = cell_attrs or [[""] * len(headers)] * len(rows)
    body = "".join(
        "<tr>" + "".join(f"<td{label}{more}>{cell}</td>" for label, cell, more in zip(labels, row, more_row, strict=True)) + "</tr>"
        for row, more_row in zip(rows, extra, strict=True)
    )
    return portal_html(f'<table class="portal-list"{table_attrs}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


# How listing.js may sort and filter a column of a listing: sort as text, by date or by number,
# and filter by the values of its cells ("values") or by how soon a date
# comes ("expiry").
SORTS = ("text", "date", "number")
FILTERS = ("", "values", "expiry")


def listing_table(columns: Sequence[tuple[str, str, str]], rows: Sequence[Sequence[tuple[str, str | Sequence[str]]]]) -> Markup:
    """A listing the reader may sort and filter in the page (listing.js): `columns` are (header,
    sort, filter) with sort in SORTS and filter in FILTERS; each cell is (HTML, key), the key being
    the date (ISO) a "date" column sorts by, or the values a "values" column filters by."""
    head_attrs = []
    for _header, sort, how in columns:
        if sort not in SORTS or how not in FILTERS:
            raise ValueError(f"listing column: sort {sort!r}, filter {how!r}")
        head_attrs.append(f' data-portal-sort="{sort}"' + (f' data-portal-filter="{how}"' if how else ""))
    cell_attrs = [[_key_attr(key) for _cell, key in row] for row in rows]
    cells = [[cell for cell, _key in row] for row in rows]
    return _table([header for header, _s, _f in columns], cells, head_attrs, cell_attrs, " data-portal-listing")


def _key_attr(key: str | Sequence[str]) -> str:
    if not key:
        return ""
    if isinstance(key, str):
        return f' data-portal-key="{h(key)}"'
    return f' data-portal-values="{h(json.dumps(list(key), ensure_ascii=False))}"'


def _escaped(value: Any) -> Markup:
    # Jinja would escape with markupsafe, which writes &#39; and &#34; where html.escape writes
    # &#x27; and &quot;: escaping here keeps the pages exactly as the portal has always made them.
    if isinstance(value, Markup):
        return value
    return portal_html(h(str(value)))


def plural(count: int, word: str) -> str:
    """'1 text', '2 texts'."""
    return f"{count} {word}{'s' if count != 1 else ''}"


ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("portal.publish.render", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    auto_reload=False,  # the templates are part of the package: no need to look at the files again
    finalize=_escaped,
)
ENV.filters["md"] = lambda text: portal_html(md(str(text)))
ENV.filters["long_date"] = dates.long_date
ENV.filters["days_phrase"] = dates.days_phrase
ENV.filters["plural"] = plural


def render(template: str, **values: Any) -> str:
    """A page's Markdown (or an HTML fragment) from its template in publish/render/templates/."""
    return ENV.get_template(template).render(**values)


def fragment(template: str, macro: str, *args: Any) -> Markup:
    """One macro of a template of fragments, called like a function: HTML made by the portal."""
    made: Markup = getattr(_module(template), macro)(*args)
    return made


@functools.cache
def _module(template: str) -> Any:
    return ENV.get_template(template).module
