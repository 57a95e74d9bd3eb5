"""The report as Markdown and as printable HTML (A4, self-contained), from the counts of a period.

Both are made from the same tables by Jinja2 templates in report/templates/; every value a
template prints is escaped for its format (HTML, or a Markdown table cell). The words are the
schema's labels (through `portal.model`) and the register's. Names of States and organisations
appear only when asked for (`with_names`): the tables then list who had texts on the portal and
the pairs an outcome joins; titles and ids of texts never appear.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jinja2
from markupsafe import Markup

from portal import dates
from portal.model import Vocabulary
from portal.registry import STATUS_LABELS
from portal.report.counts import NO_REGION, NOT_REGISTERED, PeriodCounts

TITLE = "Cooperation portal: figures for the Meeting of States Parties"
_MD_CELL = re.compile(r"([\\`*_\[\]|~])")


@dataclass(frozen=True)
class Table:
    title: str
    note: str
    header: tuple[str, ...]
    rows: tuple[tuple[str | int | float, ...], ...]
    counts: bool = True  # the last column holds numbers (right-aligned)

    def separator(self) -> Markup:
        """The Markdown line under the header."""
        line = "|" + "|".join("---" for _ in self.header[:-1]) + ("|---:|" if self.counts else "|---|")
        return Markup(line)  # noqa: S704 - the portal's own characters, no value in it


@dataclass(frozen=True)
class Report:
    markdown: str
    html: str


def render_report(counts: PeriodCounts, *, made: dt.date, commit: str, with_names: bool, party_name: Callable[[str], str], vocabulary: Vocabulary) -> Report:
    """The report in both forms. `party_name` names the other party of an outcome (its code
    when the register does not know it); it is asked only `with_names`."""
    tables = figure_tables(counts, vocabulary)
    if with_names:
        tables += name_tables(counts, party_name, vocabulary)
    values: dict[str, Any] = {
        "title": TITLE,
        "period": f"{dates.long_date(counts.period.start)} to {dates.long_date(counts.period.end)}",
        "scope": "Counts, with the names of States and organisations" if with_names else "Counts only: no text, State or organisation is named",
        "tables": tables,
        "made": dates.long_date(made),
        "commit": commit[:10] or "(none yet)",
    }
    return Report(_MARKDOWN.get_template("report.md.j2").render(values), _HTML.get_template("report.html.j2").render(values))


def figure_tables(counts: PeriodCounts, vocabulary: Vocabulary) -> list[Table]:
    """The tables of counts: no name of any text, State or organisation."""
    median = counts.median_days_to_contact
    summary = (
        ("Texts on the portal at any time in the period", counts.texts),
        ("of which first published in the period", counts.published),
        ("Possible matches (a need and an offer or how-to-apply text on the portal at the same time)", counts.matches),
        (f"Needs with at least one possible match (of {counts.needs} needs)", counts.needs_matched),
        ("Outcomes recorded in the period", sum(counts.outcomes.values())),
        (f"Median days from publication to first contact ({_texts(counts.first_contacts)} contacted in the period)", "–" if median is None else median),
        ("Texts expired in the period without an update", counts.expired_without_update),
    )
    regions = tuple((region if region != NO_REGION else "No region given", count) for region, count in counts.by_region.items())
    return [
        Table(
            "Summary",
            "A text and the texts that replaced it count as one, as its latest version on the portal in the period.",
            ("", "Count"),
            summary,
        ),
        Table("Texts by kind", "", ("Kind", "Texts"), tuple((vocabulary.kinds[kind], count) for kind, count in counts.by_kind.items())),
        Table(
            "Texts by theme",
            "A text with several themes counts once in each.",
            ("Theme", "Texts"),
            tuple((vocabulary.themes[t], n) for t, n in counts.by_theme.items()),
        ),
        Table("Texts by region", "Regions as the texts name them; a text naming several counts once in each.", ("Region", "Texts"), regions),
        Table(
            "Texts by submitter",
            "States by their status under the Convention (schema/states.yaml); organisations by type.",
            ("Submitter", "Texts"),
            tuple((standing_label(group, vocabulary), count) for group, count in counts.by_standing.items()),
        ),
        Table(
            "Outcomes recorded in the period",
            "By the date of the outcome; an outcome a replacement carries on counts once.",
            ("Outcome", "Count"),
            tuple((vocabulary.outcome_statuses[status], count) for status, count in counts.outcomes.items()),
        ),
    ]


def name_tables(counts: PeriodCounts, party_name: Callable[[str], str], vocabulary: Vocabulary) -> list[Table]:
    """The tables that name States and organisations (`--with-names`)."""
    return [
        Table("Who had texts on the portal", "", ("State or organisation", "Texts"), tuple((who.name, count) for who, count in counts.publishers)),
        Table(
            "Outcomes recorded in the period, by pair",
            "",
            ("Date", "Text of", "With", "Outcome"),
            tuple(
                (pair.date.isoformat(), pair.submitter.name, party_name(pair.with_code) if pair.with_code else "–", vocabulary.outcome_statuses[pair.status])
                for pair in counts.outcome_pairs
            ),
            counts=False,
        ),
    ]


def standing_label(group: str, vocabulary: Vocabulary) -> str:
    if group in STATUS_LABELS:
        label = STATUS_LABELS[group]
        return label[:1].upper() + label[1:]
    if group == NOT_REGISTERED:
        return "State not in the register"
    return vocabulary.submitter_types[group]


def _texts(count: int) -> str:
    return f"{count} text{'s' if count != 1 else ''}"


def _md_cell(value: Any) -> Any:
    """A value in a Markdown table cell, shown literally: no markup, no HTML, no cell break."""
    if isinstance(value, Markup | int | float):
        return str(value)
    return _MD_CELL.sub(r"\\\1", html.escape(str(value), quote=False)).replace("\n", " ")


def _environment(autoescape: bool, finalize: Callable[[Any], Any] | None = None) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("portal.report", "templates"),
        autoescape=autoescape,  # noqa: S701 - the Markdown one escapes every value in `finalize` instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )


_MARKDOWN = _environment(False, _md_cell)
_HTML = _environment(True)
