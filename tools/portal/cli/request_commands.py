"""The commands that answer a State's request about a text already on the portal: extend it,
withdraw it. Each takes the request e-mail, records it in the commit and drafts the answer."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from portal import dates
from portal.cli import main, open_repo, repo_option, resolve_today, today_option
from portal.cli.workflow_commands import read_message


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
    until = None
    if until_text:
        try:
            until = dates.parse_date(until_text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--until'") from None
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
