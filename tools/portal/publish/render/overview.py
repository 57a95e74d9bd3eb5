"""The overview for meetings: needs and offers per theme, per type of assistance and per country,
as SVG bar charts drawn at build time.

No script draws them, so they work under the portal's Content-Security-Policy and in print. They
are readable without colour: needs are solid bars, offers hatched ones, every bar carries its
number in text, and each chart has its figures as a table for screen readers.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from portal.model import Submission, Vocabulary
from portal.publish.render.outcomeview import ShownOutcome

NEED_KINDS = ("need",)
OFFER_KINDS = ("offer", "how-to-apply")
SERIES = ("Needs", "Offers and how to apply")
WIDTH = 440  # viewBox units; the chart scales to the column, so on a phone too
LABEL_X = 4
BAR_X = 4
BAR_MAX = 360
BAR_HEIGHT = 13
ROW = 58  # label line + two bars + gap


@dataclass(frozen=True)
class ChartRow:
    label: str
    needs: int
    offers: int
    key: str = ""  # the theme or the submitter's code, which names its listing
    href: str = ""  # the listing the row's bars lead to ('' for none)


def theme_rows(subs: Sequence[Submission], vocabulary: Vocabulary) -> list[ChartRow]:
    return [ChartRow(label, *_needs_offers(sub for sub in subs if theme in sub.themes), key=theme) for theme, label in vocabulary.themes.items()]


def assistance_rows(subs: Sequence[Submission], vocabulary: Vocabulary) -> list[ChartRow]:
    return [ChartRow(label, *_needs_offers(sub for sub in subs if kind in sub.assistance)) for kind, label in vocabulary.assistance.items()]


def _needs_offers(subs: Iterable[Submission]) -> tuple[int, int]:
    needs = offers = 0
    for sub in subs:
        needs += sub.kind in NEED_KINDS
        offers += sub.kind in OFFER_KINDS
    return needs, offers


def outcome_counts(
    subs: Sequence[Submission], outcomes: Mapping[str, Sequence[ShownOutcome]], vocabulary: Vocabulary
) -> tuple[list[tuple[str, list[int]]], list[tuple[str, list[int]]]]:
    """The outcomes of the texts counted by theme (an outcome counts once in each theme of its
    text) and by year of the outcome's date: (label, a count per status of the schema) rows."""
    statuses = list(vocabulary.outcome_statuses)
    themes = {theme: [0] * len(statuses) for theme in vocabulary.themes}
    years: dict[int, list[int]] = {}
    for sub in subs:
        for shown in outcomes.get(sub.id, ()):
            column = statuses.index(shown.status)
            for theme in sub.themes:
                themes[theme][column] += 1
            years.setdefault(shown.date.year, [0] * len(statuses))[column] += 1
    return [(vocabulary.themes[theme], counts) for theme, counts in themes.items()], [(str(year), years[year]) for year in sorted(years)]


def submitter_rows(subs: Sequence[Submission]) -> list[ChartRow]:
    """Every country or organisation with a need or an offer, most texts first."""
    names: dict[str, str] = {}
    needs: dict[str, int] = {}
    offers: dict[str, int] = {}
    for sub in subs:
        code = sub.submitter.code
        names[code] = sub.submitter.name
        if sub.kind in NEED_KINDS:
            needs[code] = needs.get(code, 0) + 1
        elif sub.kind in OFFER_KINDS:
            offers[code] = offers.get(code, 0) + 1
    rows = [ChartRow(names[code], needs.get(code, 0), offers.get(code, 0), key=code) for code in names if needs.get(code) or offers.get(code)]
    return sorted(rows, key=lambda row: (-(row.needs + row.offers), row.label))


def _defs(prefix: str) -> str:
    return (
        f'<defs><pattern id="{prefix}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="none"/><line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" stroke-width="2.5"/></pattern></defs>'
    )


def _bar(x: float, y: float, width: float, solid: bool, prefix: str) -> str:
    fill = "currentColor" if solid else f"url(#{prefix}-hatch)"
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(width, 1):.1f}" height="{BAR_HEIGHT}" fill="{fill}" stroke="currentColor" stroke-width="1"/>'


def bar_chart(prefix: str, title: str, rows: Sequence[ChartRow]) -> str:
    """A <figure> with an SVG of needs and offers per row, and the same figures as a table.
    `prefix` keeps the ids of several charts on one page apart."""
    top = 34
    height = top + ROW * len(rows) + 4
    scale = BAR_MAX / max([1, *(max(row.needs, row.offers) for row in rows)])
    parts = [
        f'<svg class="portal-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{prefix}-title" '
        f'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" font-size="14" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{prefix}-title">{html.escape(title)}: {html.escape(_summary(rows))}</title>',
        _defs(prefix),
        # The legend: a solid and a hatched swatch, each named in text.
        _bar(LABEL_X, 6, 22, True, prefix).replace(f'height="{BAR_HEIGHT}"', 'height="12"'),
        f'<text x="{LABEL_X + 28}" y="16" fill="currentColor">{SERIES[0]}</text>',
        _bar(LABEL_X + 110, 6, 22, False, prefix).replace(f'height="{BAR_HEIGHT}"', 'height="12"'),
        f'<text x="{LABEL_X + 138}" y="16" fill="currentColor">{SERIES[1]}</text>',
    ]
    for index, row in enumerate(rows):
        y = top + ROW * index
        # A row with a listing is a link to it, its label underlined (listing.js opens it in place).
        # Named by xlink:href: the theme's navigation rewrites every [href] as if it were HTML's. The
        # chart is one image to a screen reader and out of the tab order: the same links are in the
        # table of its figures. A clear rectangle makes the whole row clickable.
        if row.href:
            parts.append(
                f'<a xlink:href="{html.escape(row.href)}" class="portal-chart-link" tabindex="-1">'
                f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW - 4}" fill="transparent"/>'
            )
        decoration = ' text-decoration="underline"' if row.href else ""
        parts.append(f'<text x="{LABEL_X}" y="{y + 12}" fill="currentColor" font-weight="bold"{decoration}>{html.escape(_short(row.label))}</text>')
        for line, (value, solid, name) in enumerate(((row.needs, True, "need"), (row.offers, False, "offer"))):
            bar_y = y + 18 + line * (BAR_HEIGHT + 4)
            width = value * scale
            parts.append(_bar(BAR_X, bar_y, width, solid, prefix) if value else "")
            parts.append(
                f'<text x="{BAR_X + max(width, 0) + 6:.1f}" y="{bar_y + BAR_HEIGHT - 2}" fill="currentColor">{value} {name}{"s" if value != 1 else ""}</text>'
            )
        parts.append("</a>" if row.href else "")
    parts.append("</svg>")
    table_rows = "".join(f'<tr><th scope="row">{_row_name(row)}</th><td>{row.needs}</td><td>{row.offers}</td></tr>' for row in rows)
    table = (
        f'<details class="portal-chart-figures"><summary>The figures as a table</summary><table class="portal-list"><thead><tr>'
        f'<th scope="col">{html.escape(title)}</th><th scope="col">{SERIES[0]}</th><th scope="col">{SERIES[1]}</th></tr></thead>'
        f"<tbody>{table_rows}</tbody></table></details>"
    )
    return f'<figure class="portal-figure">{"".join(parts)}<figcaption>{html.escape(title)}</figcaption>{table}</figure>'


def _row_name(row: ChartRow) -> str:
    return f'<a href="{html.escape(row.href)}">{html.escape(row.label)}</a>' if row.href else html.escape(row.label)


@dataclass(frozen=True)
class BudgetRow:
    currency: str
    needs: float  # the sum of the needs' budgets
    need_count: int
    offers: float  # the sum of the offers' and how-to-apply texts' budgets
    offer_count: int


def budget_rows(subs: Sequence[Submission]) -> list[BudgetRow]:
    """The indicative budgets (`budget`: amount and currency) summed per currency, needs apart
    from offers; amounts in different currencies are never added together."""
    sums: dict[str, list[float]] = {}
    for sub in subs:
        budget = sub.meta.get("budget")
        if not budget or (sub.kind not in NEED_KINDS and sub.kind not in OFFER_KINDS):
            continue
        row = sums.setdefault(str(budget["currency"]), [0, 0, 0, 0])
        column = 0 if sub.kind in NEED_KINDS else 2
        row[column] += float(budget["amount"])
        row[column + 1] += 1
    return [BudgetRow(currency, row[0], int(row[1]), row[2], int(row[3])) for currency, row in sorted(sums.items())]


def amount(value: float) -> str:
    """'1,250,000' (cents kept where there are any: '1,250.50')."""
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _short(label: str) -> str:
    """Chart labels fit the chart's width: the article reference stays, the rest is cut."""
    return label if len(label) <= 54 else label[:51].rstrip() + "…"


def _summary(rows: Sequence[ChartRow]) -> str:
    return "; ".join(f"{row.label}: {row.needs} needs, {row.offers} offers" for row in rows)
