"""The coordinator's commands: publishing, updating, listing, expiring, auditing (extending and withdrawing are in request_commands)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from portal import dates
from portal.checks import report
from portal.cli.base import main, open_repo, parse_date_option, repo_option, resolve_today, today_option, validate_from_disk
from portal.cli.options import allowed, text_format_option
from portal.config import Repo
from portal.errors import about


def ingest_options(func):  # type: ignore[no-untyped-def]
    options: list[Any] = [
        click.option(
            "--submitter",
            default="",
            metavar="CODE",
            help="State (ISO 3166-1 alpha-3) or organisation code (default: from the register of senders); for a sender not in the register, this confirms it by hand for this message.",
        ),
        click.option("--kind", default=None, metavar="KIND", help="Kind of text (default: the header block's Kind:)."),
        click.option("--title", default="", help="Title (default: the header block's Title:)."),
        click.option("--theme", "themes", multiple=True, metavar="THEME", help="Theme, as the schema names it (repeatable)."),
        click.option("--assistance", multiple=True, metavar="TYPE", help="Type of assistance, as the schema names it (repeatable)."),
        click.option(
            "--audience",
            default=None,
            metavar="AUDIENCE",
            help="Who may read it (default: the header block's Audience:, else states).",
        ),
        click.option("--contact", "contact_name", default="", help="Contact name or function (default: header block, then sender)."),
        click.option("--email", "contact_email", default="", help="Contact e-mail (default: header block, then sender)."),
        click.option("--budget", default="", metavar="'AMOUNT CUR'", help='Indicative budget, e.g. "275000 EUR" (default: the header block\'s Budget:).'),
        click.option(
            "--period",
            default="",
            metavar="START..END",
            help="Period covered, e.g. 2027-01-01..2027-12-31 (END may be left out; default: the header block's Period:).",
        ),
        click.option(
            "--country",
            "countries",
            multiple=True,
            metavar="CODE",
            help="A country the text is about, ISO 3166-1 alpha-3 (repeatable; default: the header block's Countries: and the regions that are countries).",
        ),
        click.option("--body-from", default="", metavar="NAME", help="Take the text from this attached .docx, .odt, .txt or PDF (with a text layer)."),
        text_format_option(None, "How the text is shown: plain or markdown (default: plain)."),
        click.option("--allow-duplicate", is_flag=True, help="Publish even if the same submitter already published the same text."),
        click.option("--keep-quoted", is_flag=True, help="Keep a reply's quoted history in the text (it is left out by default)."),
        click.option(
            "--text",
            "text_number",
            default=None,
            type=click.IntRange(min=1),
            metavar="N",
            help="Of an e-mail that holds several texts (one per header block), publish only the Nth (default: every text, in one commit).",
        ),
        click.option(
            "--attachments-with",
            default=None,
            type=click.IntRange(min=0),
            metavar="N",
            help="Of an e-mail that holds several texts, the one its attachments go with (0: none).",
        ),
        click.option(
            "--keep-signature",
            is_flag=True,
            help="Keep the signature, disclaimer and 'Sent from' line below the text (they are left out by default).",
        ),
        click.option(
            "--confirm-sender",
            is_flag=True,
            help="Publish although the receiving server found the From address unauthenticated (DKIM, SPF, DMARC), once the sender is confirmed by another channel; recorded as confirmed.",
        ),
        click.option(
            "--outbox",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Folder for the acknowledgement draft (default: outbox/, not tracked).",
        ),
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


def check_ingest_options(repo: Repo, given: dict[str, Any]) -> None:
    """The options whose values the repository's schema lists."""
    for option, name, field in (
        ("--kind", "kind", "kinds"),
        ("--theme", "themes", "themes"),
        ("--assistance", "assistance", "assistance"),
        ("--audience", "audience", "audiences"),
    ):
        allowed(repo, option, given.get(name), field)


def run_ingest(repo_path: Path | None, message: str, today_text: str | None, replaces: str, outbox: Path | None, **given: Any) -> None:
    from portal.intake.ingest import IngestError, Options, ingest_message
    from portal.intake.message import MailError
    from portal.intake.texts import TextsError

    repo = open_repo(repo_path)
    check_ingest_options(repo, given)
    raw = read_message(message)
    shown = "standard input" if message == "-" else message
    numbers = {"text_number": given.pop("text_number") or 0, "attachments_with": given.pop("attachments_with")}
    cleaned: dict[str, Any] = {name: ("" if value is None else value) for name, value in given.items()} | numbers
    options = Options(replaces=replaces, source_name=shown, **cleaned)
    ask = None
    if sys.stdin.isatty() and message != "-":

        def ask(_field: str, question: str) -> str:
            return str(click.prompt(question, default="", show_default=False))

    with about(shown, kinds=(MailError, IngestError, TextsError)):  # what is wrong with the message names it
        done = ingest_message(repo, raw, options, resolve_today(today_text), ask=ask, outbox=outbox or repo.outbox)
    if len(done.submissions) > 1:
        click.echo(f"The e-mail holds {len(done.submissions)} texts, each with its own header block: published each, in one commit")
    for sub in done.submissions:
        click.echo(
            f"Published {sub.path} ({repo.vocabulary.kind_singular[sub.kind].lower()} of {sub.submitter.name}: {sub.title}; readers: {repo.vocabulary.audiences[sub.audience].lower()})"
        )
    for name in done.attachments:
        click.echo(f"  attachment {name}")
    if done.converted_from:
        click.echo(f"  text converted from {done.converted_from}")
    for note in done.notes:
        click.echo(f"  {note}")
    for sub in done.submissions:
        if sub.replaces:
            click.echo(f"  {sub.id} replaces {sub.replaces}, which leaves the portal at the next build")
    fingerprints = "; ".join(f"sha256:{sub.fingerprint}" for sub in done.submissions)
    click.echo(f"Commit {done.commit[:10]}; text fingerprint{'s' if len(done.submissions) > 1 else ''} {fingerprints}")
    if done.acknowledgement:
        click.echo(f"Acknowledgement drafted for the sender: {repo.relative(done.acknowledgement)}")


@main.command()
@click.argument("message", metavar="MESSAGE")
@ingest_options
@today_option
@repo_option
def ingest(message: str, today_text: str | None, repo_path: Path | None, outbox: Path | None, **given: Any) -> None:
    """Publish an e-mailed text verbatim: MESSAGE (.eml, Outlook .msg, or - for standard input) -> one commit.

    The submitter comes from the register of senders (`portal senders`). The text is the
    e-mail's plain-text body exactly as decoded (an HTML-only e-mail is converted and marked so),
    without a reply's quoted history, a greeting above the header block, or the signature and
    disclaimer below the text (each said so, with the option that keeps it). Metadata comes from
    the header block of the guidance pattern, then the e-mail's headers, then these options.
    Everything is validated before anything is written; the file and its attachments are
    committed together with trailers (submission id, Message-ID, text fingerprint, sender) that
    `portal history` and `portal verify` read back, and an acknowledgement is drafted in outbox/.
    """
    run_ingest(repo_path, message, today_text, "", outbox, **given)


@main.command()
@click.argument("identifier", metavar="ID")
@click.argument("message", metavar="MESSAGE")
@ingest_options
@today_option
@repo_option
def replace(identifier: str, message: str, today_text: str | None, repo_path: Path | None, outbox: Path | None, **given: Any) -> None:
    """Publish an updated text that supersedes ID (its submitter); the old one leaves the site."""
    run_ingest(repo_path, message, today_text, identifier, outbox, **given)


@main.command(name="list")
@click.option("--submitter", "codes", multiple=True, metavar="CODE", help="Only the texts of this submitter (repeatable).")
@click.option("--kind", "kinds", multiple=True, metavar="KIND", help="Only texts of this kind, as the schema names it (repeatable).")
@click.option(
    "--state",
    "states",
    multiple=True,
    type=click.Choice(["active", "superseded", "expired", "scheduled"]),
    help="Only texts in this state (repeatable; active = on the portal).",
)
@click.option("--expiring-within", "within", default=None, metavar="DURATION", help="Only texts on the portal that expire within 30d, 6w, 2m….")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@today_option
@repo_option
def list_command(
    codes: tuple[str, ...], kinds: tuple[str, ...], states: tuple[str, ...], within: str | None, output: str, today_text: str | None, repo_path: Path | None
) -> None:
    """The texts in submissions/: id, submitter, kind, title, expiry and whether each is on the portal."""
    import datetime as dt
    import json

    from portal.upkeep.listing import counts, list_texts

    repo = open_repo(repo_path)
    allowed(repo, "--kind", kinds, "kinds")
    today = resolve_today(today_text)
    submissions = validate_from_disk(repo)
    rows = list_texts(submissions, today)
    wanted = {code.upper() for code in codes}
    limit = None
    if within:
        try:
            limit = today + dt.timedelta(days=dates.parse_duration_days(within))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="'--expiring-within'") from None
    rows = [
        row
        for row in rows
        if (not wanted or row.submitter in wanted)
        and (not kinds or row.kind in kinds)
        and (not states or row.state in states)
        and (limit is None or (row.state == "active" and row.expires <= limit.isoformat()))
    ]
    if output == "json":
        click.echo(
            json.dumps(
                {"today": today.isoformat(), "counts": counts(submissions, today), "texts": [row.as_dict() for row in rows]}, indent=2, ensure_ascii=False
            )
        )
        return
    words = {"active": "on the portal", "superseded": "replaced", "expired": "expired", "scheduled": "not yet published"}
    for row in rows:
        state = words[row.state] + (f" by {row.replaced_by}" if row.replaced_by and row.state == "superseded" else "")
        click.echo(
            f"{row.id}\n    {row.submitter_name} ({row.submitter}), {repo.vocabulary.kind_singular[row.kind].lower()}: {row.title}\n    expires {row.expires}; {state}"
        )
    shown = "" if len(rows) == len(submissions) else f" ({len(rows)} shown)"
    click.echo(f"{counts(submissions, today)}{shown}")


@main.group()
def senders() -> None:
    """The register of senders: which addresses and domains may publish for which State or organisation."""


@senders.command(name="add")
@click.argument("who", metavar="ADDRESS|DOMAIN")
@click.option("--submitter", "code", required=True, metavar="CODE", help="The State (ISO 3166-1 alpha-3) or organisation the sender speaks for.")
@click.option("--confirmed", "confirmed_text", default=None, metavar="YYYY-MM-DD", help="When this was confirmed (default: today).")
@click.option("--note", default="", help="How it was confirmed, e.g. 'note verbale of 3 November 2026'.")
@click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config).")
@today_option
@repo_option
def senders_add(who: str, code: str, confirmed_text: str | None, note: str, author: str, today_text: str | None, repo_path: Path | None) -> None:
    """Register an address (planning@nra.gov.la) or a whole domain (nra.gov.la) for a submitter, in one commit."""
    from portal.intake.senders import register_sender

    repo = open_repo(repo_path)
    confirmed = parse_date_option(confirmed_text, "--confirmed") or resolve_today(today_text)
    done = register_sender(repo, who, code.upper(), confirmed, note, author or None)
    entry = done.sender
    also = f" (it is also registered for {', '.join(done.also)})" if done.also else ""
    click.echo(f"Registered {entry.label} for {done.name} ({entry.submitter}), confirmed {entry.confirmed}{also}; commit {done.commit[:10]}.")


@senders.command(name="remove")
@click.argument("who", metavar="ADDRESS|DOMAIN")
@click.option("--submitter", "code", default="", metavar="CODE", help="Which submitter's entry, when the sender is registered for several.")
@click.option("--note", required=True, help="Why it is removed, e.g. 'the Mission's address changed'; kept in the commit.")
@click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config).")
@repo_option
def senders_remove(who: str, code: str, note: str, author: str, repo_path: Path | None) -> None:
    """Take an address or a domain out of the register, in one commit; from then on it publishes for no one."""
    from portal.intake.senders import remove_sender

    repo = open_repo(repo_path)
    done = remove_sender(repo, who, code, note, author or None)
    click.echo(f"Removed {done.sender.label} for {done.name} ({done.sender.submitter}) from the register; commit {done.commit[:10]}.")
    for entry in done.still:
        click.echo(f"Note: {done.sender.address} still publishes for {entry.submitter} through the entry for {entry.label} (line {entry.line}).")


@senders.command(name="list")
@click.option("--submitter", "code", default="", metavar="CODE", help="Only the senders of this submitter.")
@repo_option
def senders_list(code: str, repo_path: Path | None) -> None:
    """Who may publish for whom, with the date each was confirmed."""
    from portal.intake.senders import load_senders
    from portal.registry import load_registry

    repo = open_repo(repo_path)
    registry = load_registry(repo.schema_dir)
    found = [item for item in load_senders(repo.schema_dir, registry) if not code or item.submitter == code.upper()]
    for item in found:
        click.echo(f"{item.submitter:<8} {item.label:<45} confirmed {item.confirmed}" + (f"  ({item.note})" if item.note else ""))
    click.echo(f"{len(found)} sender{'' if len(found) == 1 else 's'} in the register" + (f" for {code.upper()}" if code else ""))


@main.command()
@click.argument("identifier", metavar="ID")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@repo_option
def history(identifier: str, output: str, repo_path: Path | None) -> None:
    """The audit trail of one submission: every commit that published, replaced, expired or withdrew it."""
    from portal.trail.history import as_json, as_text, text_history

    repo = open_repo(repo_path)
    entries = text_history(repo, identifier)
    if not entries:
        from portal.trail.ids import close_ids_hint

        raise click.ClickException(f"no commit mentions {identifier!r}{close_ids_hint(repo, identifier)}")
    click.echo(as_json(identifier, entries) if output == "json" else as_text(entries))


@main.command()
@today_option
@repo_option
def verify(today_text: str | None, repo_path: Path | None) -> None:
    """Check that every text on the portal is the one received, published by a proper commit.

    For each active submission: the recorded SHA-256 matches the text, and the commit that added
    the file carries its id and that fingerprint. Exit 1 on any mismatch.
    """
    from portal.upkeep.verify import verify as check

    repo = open_repo(repo_path)
    result = check(repo, resolve_today(today_text))
    if result.problems:
        click.echo(report.as_text(result.problems))
        raise click.ClickException(f"{len(result.problems)} problem(s); checked the {result.checked} texts on the portal ({result.counts})")
    click.echo(f"All {result.checked} texts on the portal match their fingerprints and publishing commits ({result.counts}).")


@main.command()
@click.option("--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
@click.option("--author", default="", metavar="'NAME <EMAIL>'", help="Author of the commit (default: git config).")
@today_option
@repo_option
def expire(dry_run: bool, author: str, today_text: str | None, repo_path: Path | None) -> None:
    """Remove every text past its expiry date, in one commit that lists them (history keeps them)."""
    from portal.upkeep.removal import describe
    from portal.upkeep.removal import expire as do_expire

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    items, commit = do_expire(repo, today, author or None, dry_run=dry_run)
    if not items:
        click.echo(f"No text is past its expiry date on {today.isoformat()}; nothing was removed.")
        return
    for item in items:
        click.echo(describe(item, repo.vocabulary))
    texts = f"{len(items)} expired text{'' if len(items) == 1 else 's'}"
    if dry_run:
        click.echo(f"{texts} would be removed (dry run: nothing changed).")
    else:
        click.echo(f"Removed {texts} and their attachments in commit {commit[:10]}; they leave the portal at the next build (history keeps them).")


@main.command()
@click.option("--within", default=None, metavar="DURATION", help="How far ahead to look: 30d, 6w or 2m (default: validity.reminder_days).")
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), default=None, help="Folder for the drafts (default: outbox/, not tracked).")
@click.option(
    "--counts-only/--details",
    "counts_only",
    default=None,
    help="Print only how many texts and drafts, naming no text (default: counts only in GitHub Actions, whose logs outlive the drafts).",
)
@today_option
@repo_option
def reminders(within: str | None, outbox: Path | None, counts_only: bool | None, today_text: str | None, repo_path: Path | None) -> None:
    """Draft one reminder e-mail per submitter whose texts expire soon, and print a summary.

    Each draft (.eml, opens as a draft in mail clients) lists the texts and their expiry dates,
    explains how to send an update with the guidance pattern's header block, says that no
    answer means removal, and asks what became of each text, with 'Outcome:' reply lines that
    `portal outcome` reads. A text on the portal for outcomes.follow_up_months (settings) with no
    outcome recorded gets a short follow-up draft asking the same, from the runs whose window
    (the last --within days) holds the day it reached that age. Submitters without a contact
    e-mail are listed for a follow-up by hand.
    """
    from portal.upkeep.reminders import remind, summary, summary_counts

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    try:
        days = dates.parse_duration_days(within) if within else repo.settings.reminder_days
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--within'") from None
    submissions = validate_from_disk(repo)
    folder = outbox or repo.outbox
    found = remind(repo, submissions, today, days, folder)
    if not found:
        click.echo(f"No text expires in the next {days} days. No follow-up is due.")
        return
    if counts_only is None:
        counts_only = os.environ.get("GITHUB_ACTIONS") == "true"
    click.echo(summary_counts(found, days, folder) if counts_only else summary(found, today, days))
