"""The report to the Meeting of States Parties."""

from __future__ import annotations

from pathlib import Path

import click

from portal.cli.base import main, open_repo, repo_option, resolve_today, today_option


@main.command()
@click.option("--from", "start", required=True, metavar="YYYY-MM-DD", help="First day of the period.")
@click.option("--to", "end", required=True, metavar="YYYY-MM-DD", help="Last day of the period (today at the latest).")
@click.option("--with-names", is_flag=True, help="Also name the States and organisations that had texts, and the pairs of each outcome.")
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder for the report (default: build/reports/ of the repository; made if missing).",
)
@today_option
@repo_option
def report(start: str, end: str, with_names: bool, output: Path | None, today_text: str | None, repo_path: Path | None) -> None:
    """Write the figures of a period for the Meeting of States Parties, as Markdown and as HTML
    to print (A4).

    Counts only, read from the git history (so withdrawn and expired texts count too): the texts
    on the portal at any time from --from to --to, by kind, theme, region and submitter (States
    by convention status, organisations by type); the possible matches among them; the outcomes
    recorded in the period, by status; the median days from publication to first contact; and
    the texts that expired in the period without an update. A text and its replacements count
    as one. No text, State or organisation is named unless --with-names is given.
    """
    from portal.report.collect import uncommitted
    from portal.report.make import make_report, parse_period

    today = resolve_today(today_text)
    period = parse_period(start, end, today)
    repo = open_repo(repo_path)
    changed = uncommitted(repo)
    if changed:
        click.echo(f"Note: {changed} file(s) under submissions/ are not committed; the report counts what is committed.", err=True)
    made = make_report(repo, period, today=today, with_names=with_names, output=output or repo.build_dir / "reports")
    click.echo(made.line())
    for path in made.paths:
        click.echo(f"  {path}")
