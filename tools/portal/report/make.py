"""`portal report` from end to end: the texts of the trail, their counts, the two files written."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from portal import dates
from portal.config import Repo
from portal.files import write_atomic
from portal.registry import load_registry
from portal.report.collect import ReportError, head_commit, texts_of_period
from portal.report.counts import Period, PeriodCounts, count_period
from portal.report.render import render_report


@dataclass(frozen=True)
class Made:
    counts: PeriodCounts
    paths: tuple[Path, ...]

    def line(self) -> str:
        """The one-line summary the command prints."""
        counts = self.counts
        return (
            f"Report for {dates.long_date(counts.period.start)} to {dates.long_date(counts.period.end)}: "
            f"{_count(counts.texts, 'text')} on the portal, {_count(counts.matches, 'possible match', 'possible matches')}, "
            f"{_count(sum(counts.outcomes.values()), 'outcome')} recorded, {counts.expired_without_update} expired without an update"
        )


def _count(number: int, one: str, many: str = "") -> str:
    return f"{number} {one if number == 1 else many or one + 's'}"


def parse_period(start: str, end: str, today: dt.date) -> Period:
    """The period of `--from` and `--to`: real dates, in order, and over by `today`."""
    days = []
    for option, text in (("--from", start), ("--to", end)):
        try:
            days.append(dates.parse_date(text))
        except ValueError as exc:
            raise ReportError(f"{option}: {exc}") from None
    period = Period(days[0], days[1])
    if period.start > period.end:
        raise ReportError(f"--from {period.start} is after --to {period.end}; give the first day of the period, then its last day")
    if period.end > today:
        raise ReportError(
            f"--to {period.end} is after today ({today}); the report counts what has happened, and a text may still be extended or replaced: "
            f"give --to {today} or earlier"
        )
    return period


def make_report(repo: Repo, period: Period, *, today: dt.date, with_names: bool, output: Path) -> Made:
    """Count the period from the trail and write the report as Markdown and HTML into `output`."""
    if output.exists() and not output.is_dir():
        raise ReportError(f"--output: {output} is a file; give a folder for the report (it is made if missing)")
    counts = count_period(texts_of_period(repo, period.start), period, repo.vocabulary)
    registry = load_registry(repo.schema_dir)

    def party_name(code: str) -> str:
        found = registry.states.get(code) or registry.organisations.get(code)
        return found.name if found else code

    report = render_report(counts, made=today, commit=head_commit(repo), with_names=with_names, party_name=party_name, vocabulary=repo.vocabulary)
    stem = f"report-{period.start}-to-{period.end}" + ("-with-names" if with_names else "")
    paths = (output / f"{stem}.md", output / f"{stem}.html")
    try:
        for path, text in zip(paths, (report.markdown, report.html), strict=True):
            write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise ReportError(f"--output: cannot write the report in {output}: {exc.strerror}; give a folder you can write to") from None
    return Made(counts, paths)
