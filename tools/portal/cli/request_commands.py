"""The commands that answer a State's request about a text already on the portal: extend it,
withdraw it, record what became of it. Each takes the e-mail, records it in the commit and drafts the answer."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from portal.cli.base import main, open_repo, parse_date_option, repo_option, resolve_today, today_option
from portal.cli.workflow_commands import read_message
from portal.outcomes import WITH_REQUIRED


def request_options(func):  # type: ignore[no-untyped-def]
    """The options of a command that acts on a State's request e-mail about a text."""
    options: list[Any] = [
        click.option(
            "--submitter",
            default="",
            metavar="CODE",
            help="For a request e-mail whose sender is not in the register of senders: confirm by hand that it speaks for the text's submitter (recorded).",
        ),
        click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config)."),
        click.option(
            "--outbox",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Folder for the acknowledgement draft (default: outbox/, not tracked).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def read_request_message(message: str | None) -> tuple[bytes | None, str]:
    """The request e-mail's bytes (None when not given) and how messages name it."""
    if message is None:
        return None, "the message"
    return read_message(message), "standard input" if message == "-" else message


def terminal_ask(message: str | None) -> Callable[[str, str], str] | None:
    """A question to the coordinator in a terminal (None when no one is there to answer)."""
    if not sys.stdin.isatty() or message == "-":
        return None

    def ask(_field: str, question: str) -> str:
        return str(click.prompt(question, default="", show_default=False))

    return ask


@main.command()
@click.argument("identifier", metavar="ID")
@click.argument("message", metavar="[MESSAGE]", required=False, default=None)
@click.option("--reason", required=True, help="Why the text is withdrawn (kept in the audit trail).")
@request_options
@today_option
@repo_option
def withdraw(
    identifier: str, message: str | None, reason: str, submitter: str, author: str, outbox: Path | None, today_text: str | None, repo_path: Path | None
) -> None:
    """Remove a text at its submitter's request, in one commit; history keeps it.

    MESSAGE (.eml, Outlook .msg, or - for standard input) is the submitter's request: its
    Message-ID and sender are recorded in the commit, its sender must speak for the text's
    submitter, and the acknowledgement answers it.
    """
    from portal.upkeep.removal import withdraw as do_withdraw

    repo = open_repo(repo_path)
    raw, shown = read_request_message(message)
    commit, draft = do_withdraw(
        repo,
        identifier,
        reason,
        author or None,
        outbox=outbox or repo.outbox,
        today=resolve_today(today_text),
        raw=raw,
        source_name=shown,
        submitter=submitter,
        ask=terminal_ask(message),
    )
    click.echo(f"Withdrew {identifier} (commit {commit[:10]}); it leaves the portal at the next build.")
    if draft:
        click.echo(f"Acknowledgement drafted for the submitter: {repo.relative(draft)}")


@main.command()
@click.argument("identifier", metavar="ID")
@click.argument("message", metavar="[MESSAGE]", required=False, default=None)
@click.option("--until", "until_text", default=None, metavar="YYYY-MM-DD", help="The new expiry date (default: today + validity.default_months).")
@request_options
@today_option
@repo_option
def extend(
    identifier: str,
    message: str | None,
    until_text: str | None,
    submitter: str,
    author: str,
    outbox: Path | None,
    today_text: str | None,
    repo_path: Path | None,
) -> None:
    """Keep a text on the portal longer, unchanged, at its submitter's request: one commit.

    The text, its id and its fingerprint stay; its expiry moves to --until, or to today +
    validity.default_months, never beyond validity.maximum_months from today. MESSAGE (.eml,
    Outlook .msg, or - for standard input) is the submitter's request ("please keep it
    unchanged"): its Message-ID and sender are recorded in the commit, its sender must speak for
    the text's submitter, and the acknowledgement answers it.
    """
    from portal.upkeep.extend import extend as do_extend

    repo = open_repo(repo_path)
    until = parse_date_option(until_text, "--until")
    raw, shown = read_request_message(message)
    done = do_extend(
        repo,
        identifier,
        resolve_today(today_text),
        until=until,
        raw=raw,
        source_name=shown,
        submitter=submitter,
        author=author or None,
        outbox=outbox or repo.outbox,
        ask=terminal_ask(message),
    )
    sub = done.submission
    click.echo(f"Extended {sub.id} until {sub.expires} (it was to expire on {done.previous}); the text is unchanged (sha256:{sub.fingerprint}).")
    if done.request.note:
        click.echo(f"  {done.request.note}")
    click.echo(f"Commit {done.commit[:10]}")
    if done.acknowledgement:
        click.echo(f"Acknowledgement drafted for the submitter: {repo.relative(done.acknowledgement)}")


@main.command()
@click.argument("identifier", metavar="ID")
@click.argument("message", metavar="[MESSAGE]", required=False, default=None)
@click.option(
    "--status",
    default="",
    metavar="STATUS",
    help="What became of the text: a status of `outcomes` in schema/submission.schema.json (or its label), "
    "e.g. contacted or 'No longer needed'. Default: the 'Outcome:' line of MESSAGE.",
)
@click.option(
    "--with",
    "with_code",
    default="",
    metavar="CODE",
    help=f"The other party: a State's ISO 3166-1 alpha-3 code or an organisation's identifier (needed for {', '.join(WITH_REQUIRED)}).",
)
@click.option("--date", "date_text", default=None, metavar="YYYY-MM-DD", help="The day it happened (default: today); not before the text was published.")
@click.option("--note", default="", help="A short note in the sender's words, e.g. the amount or the year of the funding.")
@click.option(
    "--confirm-sender",
    is_flag=True,
    default=False,
    help="Record it although the receiving server found the From address unauthenticated, once the sender is confirmed by another channel.",
)
@request_options
@today_option
@repo_option
def outcome(
    identifier: str,
    message: str | None,
    status: str,
    with_code: str,
    date_text: str | None,
    note: str,
    confirm_sender: bool,
    submitter: str,
    author: str,
    outbox: Path | None,
    today_text: str | None,
    repo_path: Path | None,
) -> None:
    """Record what became of a text (in contact, agreed, funded, declined, no longer needed): one commit.

    The text and its fingerprint stay; its front matter gets one entry more in `outcomes`. MESSAGE
    (.eml, Outlook .msg, or - for standard input) is the e-mail that tells it, from the text's
    submitter or from the other party (--with): its sender must speak for one of them, its
    Message-ID is kept with the entry, and the acknowledgement answers it. Without --status the
    e-mail's reply line says it, as the reminders ask for it (REFERENCE may be left out):

    \b
        Outcome: REFERENCE STATUS [CODE] [; NOTE]
        Outcome: lbn-2026-need-rehabilitation-south-lebanon funded DEU; second centre

    Without MESSAGE, it is the coordinator's own record, by hand (the commit says so). A text
    that was replaced has its outcome recorded on the current text of its chain, which carries
    the outcomes of the texts it replaced. With --submitter, the e-mail may speak for the text's
    submitter or for the party in --with.
    """
    from portal.upkeep.outcome import Said, record_outcome

    repo = open_repo(repo_path)
    day = parse_date_option(date_text, "--date")
    raw, shown = read_request_message(message)
    done = record_outcome(
        repo,
        identifier,
        resolve_today(today_text),
        Said(status, with_code, note),
        day=day,
        raw=raw,
        source_name=shown,
        submitter=submitter,
        confirm_sender=confirm_sender,
        author=author or None,
        outbox=outbox or repo.root / "outbox",
    )
    sub, found = done.submission, done.outcome
    said_as = f"{found.status}" + (f" with {found.with_code}" if found.with_code else "") + f" on {found.date}" + (f" ({found.note})" if found.note else "")
    click.echo(f"Recorded for {sub.id}: {said_as}; the text is unchanged (sha256:{sub.fingerprint}).")
    for line in done.notes:
        click.echo(f"  {line}")
    click.echo(f"Commit {done.commit[:10]}")
    if done.acknowledgement:
        click.echo(f"Acknowledgement drafted: {repo.relative(done.acknowledgement)}")
