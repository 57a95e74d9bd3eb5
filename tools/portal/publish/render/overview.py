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


def theme_rows(subs: Sequence[Submission], vocabulary: Vocabulary) -> list[ChartRow]:
    return [ChartRow(label, *_needs_offers(sub for sub in subs if theme in sub.themes)) for theme, label in vocabulary.themes.items()]


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
    rows = [ChartRow(names[code], needs.get(code, 0), offers.get(code, 0)) for code in names if needs.get(code) or offers.get(code)]
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
        f'xmlns="http://www.w3.org/2000/svg" font-size="14" preserveAspectRatio="xMinYMin meet">',
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
        parts.append(f'<text x="{LABEL_X}" y="{y + 12}" fill="currentColor" font-weight="bold">{html.escape(_short(row.label))}</text>')
        for line, (value, solid, name) in enumerate(((row.needs, True, "need"), (row.offers, False, "offer"))):
            bar_y = y + 18 + line * (BAR_HEIGHT + 4)
            width = value * scale
            parts.append(_bar(BAR_X, bar_y, width, solid, prefix) if value else "")
            parts.append(
                f'<text x="{BAR_X + max(width, 0) + 6:.1f}" y="{bar_y + BAR_HEIGHT - 2}" fill="currentColor">{value} {name}{"s" if value != 1 else ""}</text>'
            )
    parts.append("</svg>")
    table_rows = "".join(f'<tr><th scope="row">{html.escape(row.label)}</th><td>{row.needs}</td><td>{row.offers}</td></tr>' for row in rows)
    table = (
        f'<details class="portal-chart-figures"><summary>The figures as a table</summary><table class="portal-list"><thead><tr>'
        f'<th scope="col">{html.escape(title)}</th><th scope="col">{SERIES[0]}</th><th scope="col">{SERIES[1]}</th></tr></thead>'
        f"<tbody>{table_rows}</tbody></table></details>"
    )
    return f'<figure class="portal-figure">{"".join(parts)}<figcaption>{html.escape(title)}</figcaption>{table}</figure>'


def _short(label: str) -> str:
    """Chart labels fit the chart's width: the article reference stays, the rest is cut."""
    return label if len(label) <= 54 else label[:51].rstrip() + "…"


def _summary(rows: Sequence[ChartRow]) -> str:
    return "; ".join(f"{row.label}: {row.needs} needs, {row.offers} offers" for row in rows)
