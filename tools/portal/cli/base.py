"""The `portal` group, what every command shares (the repository and date options, opening the
repository, the one error handler) and the commands of the whole portal (validate, build, …)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from portal import dates
from portal.checks import report
from portal.cli.options import allowed, text_format_option
from portal.config import Repo, find_repo
from portal.errors import PortalError
from portal.model import Problem, Submission

if TYPE_CHECKING:  # the build (and the generator it loads) is imported only by the commands that build
    from portal.config import Tier
    from portal.publish.build import BuildSummary


def repo_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--repo",
        "repo_path",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The portal repository (default: the one containing the working directory).",
    )(func)


def today_option(func):  # type: ignore[no-untyped-def]
    return click.option("--today", "today_text", metavar="YYYY-MM-DD", default=None, help="Take this date as today (default: the real date).")(func)


def open_repo(repo_path: Path | None) -> Repo:
    from portal.trail.store import recover

    repo = find_repo(repo_path)
    repo.settings  # noqa: B018 - read once here so a broken settings file is reported before anything else
    repo.vocabulary  # noqa: B018 - and a schema whose labels do not match its values
    note = recover(repo)
    if note:
        click.echo(f"Note: {note}.", err=True)
    return repo


def parse_date_option(text: str | None, flag: str) -> dt.date | None:
    """The date a YYYY-MM-DD option gives, or None when it is not given; anything else (an empty
    value too) is a usage error naming the option (`flag`, e.g. '--until')."""
    if text is None:
        return None
    try:
        return dates.parse_date(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=f"'{flag}'") from None


def resolve_today(text: str | None) -> dt.date:
    """The day a command acts as of: --today, or the calendar's."""
    return parse_date_option(text, "--today") or dt.date.today()


def details(exc: PortalError) -> list[str]:
    """The lines printed above an error's message: each problem, then each leak."""
    lines = report.as_text(exc.problems).splitlines() if exc.problems else []
    return lines + [leak.message() for leak in exc.leaks]


def explain(exc: PortalError) -> None:
    """Print what the failed command found (problems, leaks) on stderr, above its message."""
    for line in details(exc):
        click.echo(line, err=True)


class PortalGroup(click.Group):
    """The one handler: a PortalError from any command becomes `Error: MESSAGE` on stderr and its
    exit code, after what it found; any other exception is a bug and keeps its traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PortalError as exc:
            explain(exc)
            click.echo(f"Error: {exc.text()}", err=True)  # as click shows its own ClickException
            ctx.exit(exc.exit_code)


@click.group(cls=PortalGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ccm-cooperation-portal")
def main() -> None:
    """The cooperation portal of the Convention on Cluster Munitions.

    States and partners e-mail their texts (needs, offers, how to apply, projects) to the
    coordinator, who publishes them verbatim with these commands. The published site is
    encrypted: only holders of the passcode can read it.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "github"]),
    default=None,
    help="How to print problems (default: text; github when run in GitHub Actions).",
)
@today_option
@repo_option
def validate(paths: tuple[Path, ...], output: str | None, today_text: str | None, repo_path: Path | None) -> None:
    """Check submissions against the guidance pattern and each other.

    Reports every problem as PATH:LINE:COL: error: FIELD: MESSAGE and exits 1 if there is any
    error (warnings alone exit 0). Without PATHS, checks everything under submissions/.
    """
    from portal.checks.validate import validate_repo
    from portal.trail.history import retired_ids

    repo = open_repo(repo_path)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise click.ClickException(f"{path}: no such file or folder")
    if output is None:
        output = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    result = validate_repo(repo, [p.absolute() for p in paths], today=resolve_today(today_text), retired_ids=retired_ids(repo))
    line = report.summary(result.files, len(result.errors), len(result.warnings))
    if result.ok and not paths:
        from portal.upkeep.listing import counts

        line += f"; {counts(result.submissions, resolve_today(today_text))}"  # counted as `portal list` and `portal verify` count
    if output == "json":
        click.echo(report.as_json(result.problems, result.files, len(result.submissions)))
    else:
        if result.problems:
            click.echo(report.as_text(result.problems))
        if output == "github" and result.problems:
            click.echo(report.as_github(result.problems))
        click.echo(line)
    sys.exit(0 if result.ok else 1)


@main.command()
@click.option("--kind", metavar="KIND", required=True, help="What kind of text (a kind of the schema, e.g. need).")
@click.option(
    "--submitter", "code", required=True, metavar="CODE", help="ISO 3166-1 alpha-3 code of the State (e.g. LAO) or an organisation's code (e.g. GICHD)."
)
@click.option("--title", required=True, help="The title of the text.")
@click.option("--theme", "themes", multiple=True, required=True, metavar="THEME", help="A theme of the text, as the schema names it (repeat for several).")
@click.option("--assistance", multiple=True, required=True, metavar="TYPE", help="A type of assistance, as the schema names it (repeat for several).")
@click.option("--contact", "contact_name", default="", help="Name or function of the contact person.")
@click.option("--email", "contact_email", default="", help="E-mail address of the contact.")
@click.option("--audience", metavar="AUDIENCE", default="states", show_default=True, help="Who may read it, as the schema names it.")
@text_format_option("plain", "How the text is shown: plain keeps every line break as sent, markdown is rendered.")
@today_option
@repo_option
def new(
    kind: str,
    code: str,
    title: str,
    themes: tuple[str, ...],
    assistance: tuple[str, ...],
    contact_name: str,
    contact_email: str,
    audience: str,
    text_format: str,
    today_text: str | None,
    repo_path: Path | None,
) -> None:
    """Create a submission file from the kind's template, ready to paste the text into."""
    from portal.intake.scaffold import scaffold

    repo = open_repo(repo_path)
    for option, value, field in (
        ("--kind", kind, "kinds"),
        ("--theme", themes, "themes"),
        ("--assistance", assistance, "assistance"),
        ("--audience", audience, "audiences"),
    ):
        allowed(repo, option, value, field)
    try:
        path = scaffold(
            repo,
            kind=kind,
            code=code.upper(),
            title=title,
            audience=audience,
            text_format=text_format,
            today=resolve_today(today_text),
            themes=themes,
            assistance=assistance,
            contact_name=contact_name,
            contact_email=contact_email,
        )
    except OSError as exc:
        raise click.ClickException(f"{exc.filename}: {exc.strerror} (the kind's template in schema/templates/ is needed)") from None
    click.echo(f"Created {repo.relative(path)}: fill in the contact and themes, paste the text below the second '---', then run `portal validate`.")


def print_problems(problems: Sequence[Problem]) -> None:
    if problems:
        click.echo(report.as_text(problems), err=True)


def do_build(repo: Repo, today: dt.date, passcodes: dict[str, str], quiet: bool = False) -> BuildSummary:
    from portal.publish.build import build_portal

    def progress(stage: str) -> None:
        if not quiet:
            click.echo(f"  {stage}…", err=True)

    return build_portal(repo, today, passcodes, progress=progress)


def get_passcodes(repo: Repo) -> dict[str, str]:
    """Each tier's passcode from its environment variable, or asked for in a terminal."""
    from portal.upkeep.passcode import read_passcodes

    def ask(tier: Tier) -> str:
        return str(click.prompt(f"Passcode for {tier.label} ({tier.passcode_env})", hide_input=True, default="", show_default=False))

    return read_passcodes(repo.settings, ask=ask if sys.stdin.isatty() else None)


def validate_from_disk(repo: Repo) -> list[Submission]:
    from portal.checks.validate import validate_repo
    from portal.trail.history import retired_ids

    result = validate_repo(repo, retired_ids=retired_ids(repo))
    if not result.ok:
        print_problems(result.errors)
        raise click.ClickException("the submissions have errors; fix them first (portal validate)")
    return result.submissions
