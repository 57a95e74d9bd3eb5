"""The coordinator's commands: publishing, updating, withdrawing, expiring, auditing."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from .. import dates, report
from ..config import ConfigError
from ..model import ASSISTANCE, KIND_SINGULAR, KINDS, THEMES
from . import main, open_repo, print_problems, repo_option, resolve_today, today_option, validate_from_disk

KIND_CHOICES = list(KINDS)


def ingest_options(func):  # type: ignore[no-untyped-def]
    options: list[Any] = [
        click.option("--submitter", default="", metavar="CODE", help="State (ISO 3166-1 alpha-3) or organisation code."),
        click.option("--kind", default="", type=click.Choice(["", *KIND_CHOICES]), help="Kind of text (default: the header block's Kind:)."),
        click.option("--title", default="", help="Title (default: the header block's Title:)."),
        click.option("--theme", "themes", multiple=True, type=click.Choice(list(THEMES)), help="Theme (repeatable)."),
        click.option("--assistance", multiple=True, type=click.Choice(list(ASSISTANCE)), help="Type of assistance (repeatable)."),
        click.option("--audience", default="", type=click.Choice(["", "states", "states-and-partners"]), help="Who may read it (default: states)."),
        click.option("--contact", "contact_name", default="", help="Contact name or function (default: header block, then sender)."),
        click.option("--email", "contact_email", default="", help="Contact e-mail (default: header block, then sender)."),
        click.option("--body-from", default="", metavar="NAME", help="Take the text from this attached .docx, .odt or .txt."),
        click.option("--format", "text_format", default="", type=click.Choice(["", "plain", "markdown"]), help="plain (default) or markdown."),
        click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_message(message: str) -> bytes:
    if message == "-":
        return sys.stdin.buffer.read()
    path = Path(message)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise click.ClickException(f"{message}: no such file") from None
    except IsADirectoryError:
        raise click.ClickException(f"{message}: is a folder, not a saved e-mail") from None


def run_ingest(repo_path: Path | None, message: str, today_text: str | None, replaces: str, **given: Any) -> None:
    from ..audit import AuditError
    from ..ingest import IngestError, Options, ingest_message
    from ..mail import MailError

    repo = open_repo(repo_path)
    raw = read_message(message)
    options = Options(replaces=replaces, **given)
    ask = None
    if sys.stdin.isatty() and message != "-":
        def ask(_field: str, question: str) -> str:
            return str(click.prompt(question, default="", show_default=False))

    shown = "standard input" if message == "-" else message
    try:
        done = ingest_message(repo, raw, options, resolve_today(today_text), ask=ask)
    except MailError as exc:
        raise click.ClickException(f"{shown}: {exc}") from None
    except IngestError as exc:
        print_problems(exc.problems)
        raise click.ClickException(f"{shown}: {exc}") from None
    except (AuditError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    sub = done.submission
    click.echo(f"Published {sub.path} ({KIND_SINGULAR[sub.kind].lower()} of {sub.submitter.name}: {sub.title})")
    for name in done.attachments:
        click.echo(f"  attachment {name}")
    if done.converted_from:
        click.echo(f"  text converted from {done.converted_from}")
    if sub.replaces:
        click.echo(f"  replaces {sub.replaces}, which leaves the portal at the next build")
    click.echo(f"Commit {done.commit[:10]}; text fingerprint sha256:{sub.fingerprint}")


@main.command()
@click.argument("message", metavar="MESSAGE.eml")
@ingest_options
@today_option
@repo_option
def ingest(message: str, today_text: str | None, repo_path: Path | None, **given: Any) -> None:
    """Publish an e-mailed text verbatim: MESSAGE.eml (or - for standard input) -> one commit.

    The text is the e-mail's plain-text body exactly as decoded (an HTML-only e-mail is converted
    and marked so). Metadata comes from the header block of the guidance pattern at the top of the
    text, then the e-mail's headers, then these options. Everything is validated before anything
    is written; the file and its attachments are committed together with trailers (submission id,
    Message-ID, text fingerprint) that `portal history` and `portal verify` read back.
    """
    run_ingest(repo_path, message, today_text, "", **given)


@main.command()
@click.argument("identifier", metavar="ID")
@click.argument("message", metavar="MESSAGE.eml")
@ingest_options
@today_option
@repo_option
def replace(identifier: str, message: str, today_text: str | None, repo_path: Path | None, **given: Any) -> None:
    """Publish an updated text that supersedes ID (same submitter); the old one leaves the site."""
    run_ingest(repo_path, message, today_text, identifier, **given)


@main.command()
@click.argument("identifier", metavar="ID")
@click.option("--reason", required=True, help="Why the text is withdrawn (kept in the audit trail).")
@click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config).")
@repo_option
def withdraw(identifier: str, reason: str, author: str, repo_path: Path | None) -> None:
    """Remove a text at its submitter's request, in one commit; history keeps it."""
    from ..audit import AuditError
    from ..removal import RemovalError
    from ..removal import withdraw as do_withdraw

    repo = open_repo(repo_path)
    try:
        commit = do_withdraw(repo, identifier, reason, author or None)
    except (RemovalError, AuditError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Withdrew {identifier} (commit {commit[:10]}); it leaves the portal at the next build.")


@main.command()
@click.argument("identifier", metavar="ID")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@repo_option
def history(identifier: str, output: str, repo_path: Path | None) -> None:
    """The audit trail of one submission: every commit that published, replaced, expired or withdrew it."""
    import json
    from dataclasses import asdict

    from ..audit import AuditError
    from ..audit import history as find

    repo = open_repo(repo_path)
    try:
        entries = find(repo, identifier)
    except AuditError as exc:
        raise click.ClickException(str(exc)) from None
    if not entries:
        raise click.ClickException(f"no commit mentions {identifier!r}; check the id (portal validate lists the files)")
    if output == "json":
        click.echo(json.dumps({"submission": identifier, "history": [asdict(entry) for entry in entries]}, indent=2, ensure_ascii=False))
        return
    words = {"publish": "published", "replace": "published (replacing {other})", "replaced-by": "replaced by {other}", "withdraw": "withdrawn", "expire": "removed on expiry", "edit": "changed"}
    for entry in entries:
        what = words.get(entry.action, entry.action).format(other=entry.other or "an earlier text")
        click.echo(f"{entry.date[:10]}  {what:<40} {entry.commit[:10]}  {entry.author}")
        if entry.fingerprint:
            click.echo(f"            text sha256:{entry.fingerprint}")
        if entry.message_id:
            click.echo(f"            Message-ID {entry.message_id}")
        if entry.reason:
            click.echo(f"            reason: {entry.reason}")


@main.command()
@today_option
@repo_option
def verify(today_text: str | None, repo_path: Path | None) -> None:
    """Check that every text on the portal is the one received, published by a proper commit.

    For each active submission: the recorded SHA-256 matches the text, and the commit that added
    the file carries its id and that fingerprint. Exit 1 on any mismatch.
    """
    from ..audit import AuditError
    from ..verify import verify as check

    repo = open_repo(repo_path)
    try:
        count, problems = check(repo, resolve_today(today_text))
    except AuditError as exc:
        raise click.ClickException(str(exc)) from None
    if problems:
        click.echo(report.as_text(problems))
        raise click.ClickException(f"{len(problems)} problem(s) in {count} texts on the portal")
    click.echo(f"All {count} texts on the portal match their fingerprints and publishing commits.")


@main.command()
@click.option("--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
@click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config).")
@today_option
@repo_option
def expire(dry_run: bool, author: str, today_text: str | None, repo_path: Path | None) -> None:
    """Remove every text past its expiry date, in one commit that lists them (history keeps them)."""
    from ..audit import AuditError
    from ..removal import RemovalError, describe, expired
    from ..removal import expire as do_expire

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    try:
        if dry_run:
            items = expired(repo, today)
            commit = ""
        else:
            items, commit = do_expire(repo, today, author or None)
    except RemovalError as exc:
        print_problems(exc.problems)
        raise click.ClickException(str(exc)) from None
    except AuditError as exc:
        raise click.ClickException(str(exc)) from None
    if not items:
        click.echo(f"No text has expired on {today.isoformat()}; nothing to do.")
        return
    for item in items:
        click.echo(describe(item))
    if dry_run:
        click.echo(f"{len(items)} text(s) would be removed (dry run: nothing changed).")
    else:
        click.echo(f"Removed {len(items)} expired text(s) in commit {commit[:10]}.")


@main.command()
@click.option("--within", default=None, metavar="DURATION", help="How far ahead to look: 30d, 6w or 2m (default: validity.reminder_days).")
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder for the drafts (default: outbox/, not tracked).")
@click.option("--counts-only/--details", "counts_only", default=None, help="Print only how many texts and drafts, naming no text (default: counts only in GitHub Actions, whose logs outlive the drafts).")
@today_option
@repo_option
def reminders(within: str | None, outbox: Path | None, counts_only: bool | None, today_text: str | None, repo_path: Path | None) -> None:
    """Draft one reminder e-mail per submitter whose texts expire soon, and print a summary.

    Each draft (.eml, opens as a draft in mail clients) lists the texts and their expiry dates,
    explains how to send an update with the guidance pattern's header block, and says that no
    answer means removal. Submitters without a contact e-mail are listed for a follow-up by hand.
    """
    from ..reminders import prepare_reminders, summary

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    try:
        days = dates.parse_duration_days(within) if within else repo.settings.reminder_days
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--within'") from None
    submissions = validate_from_disk(repo)
    folder = outbox or repo.root / "outbox"
    found = prepare_reminders(repo, submissions, today, days, folder)
    if not found:
        click.echo(f"No text expires in the next {days} days.")
        return
    text = summary(found, today, days)
    (folder / f"{today.isoformat()}-summary.txt").parent.mkdir(parents=True, exist_ok=True)
    (folder / f"{today.isoformat()}-summary.txt").write_text(text + "\n", encoding="utf-8")
    if counts_only is None:
        counts_only = os.environ.get("GITHUB_ACTIONS") == "true"
    if not counts_only:
        click.echo(text)
        return
    texts = sum(len(item.submissions) for item in found)
    drafts = sum(1 for item in found if item.draft)
    click.echo(
        f"{texts} text(s) of {len(found)} submitter(s) expire in the next {days} days: {drafts} draft(s) and the summary "
        f"are in {folder}; {len(found) - drafts} submitter(s) without a contact e-mail to follow up by hand."
    )
