"""The `portal` command: a thin layer over the portal's functions."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import click

from . import dates, report
from .build import BuildSummary
from .config import ConfigError, Repo, find_repo
from .model import ASSISTANCE, KIND_SINGULAR, KINDS, THEMES, Problem, Submission

KIND_CHOICES = list(KINDS)


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
    from .audit import recover

    try:
        repo = find_repo(repo_path)
        repo.settings  # noqa: B018 - read once here so a broken settings file is reported cleanly
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    note = recover(repo)
    if note:
        click.echo(f"Note: {note}.", err=True)
    return repo


def resolve_today(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dates.parse_date(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--today'") from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="ccm-cooperation-portal")
def main() -> None:
    """The cooperation portal of the Convention on Cluster Munitions.

    States and partners e-mail their texts (needs, offers, how to apply, projects) to the
    coordinator, who publishes them verbatim with these commands. The published site is
    encrypted: only holders of the passcode can read it.
    """


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output", type=click.Choice(["text", "json", "github"]), default=None, help="How to print problems (default: text; github when run in GitHub Actions).")
@today_option
@repo_option
def validate(paths: tuple[Path, ...], output: str | None, today_text: str | None, repo_path: Path | None) -> None:
    """Check submissions against the guidance pattern and each other.

    Reports every problem as PATH:LINE:COL: error: FIELD: MESSAGE and exits 1 if there is any
    error (warnings alone exit 0). Without PATHS, checks everything under submissions/.
    """
    from .audit import retired_ids
    from .validate import validate_repo

    repo = open_repo(repo_path)
    for path in paths:
        if not path.exists() and not path.is_symlink():
            raise click.ClickException(f"{path}: no such file or folder")
    if output is None:
        output = "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"
    try:
        result = validate_repo(repo, [p.absolute() for p in paths], today=resolve_today(today_text), retired_ids=retired_ids(repo))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    line = report.summary(result.files, len(result.errors), len(result.warnings))
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
@click.option("--kind", type=click.Choice(["need", "offer", "how-to-apply", "project"]), required=True, help="What kind of text.")
@click.option("--submitter", "code", required=True, metavar="CODE", help="ISO 3166-1 alpha-3 code of the State (e.g. LAO) or an organisation's code (e.g. GICHD).")
@click.option("--title", required=True, help="The title of the text.")
@click.option("--theme", "themes", multiple=True, required=True, type=click.Choice(list(THEMES)), help="A theme of the text (repeat for several).")
@click.option("--assistance", multiple=True, required=True, type=click.Choice(list(ASSISTANCE)), help="A type of assistance (repeat for several).")
@click.option("--contact", "contact_name", default="", help="Name or function of the contact person.")
@click.option("--email", "contact_email", default="", help="E-mail address of the contact.")
@click.option("--audience", type=click.Choice(["states", "states-and-partners"]), default="states", show_default=True)
@click.option("--format", "text_format", type=click.Choice(["plain", "markdown"]), default="plain", show_default=True)
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
    from .scaffold import ScaffoldError, scaffold

    repo = open_repo(repo_path)
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
    except (ScaffoldError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Created {repo.relative(path)}: fill in the contact and themes, paste the text below the second '---', then run `portal validate`.")


def print_problems(problems: list[Problem]) -> None:
    if problems:
        click.echo(report.as_text(problems), err=True)


def do_build(repo: Repo, today: dt.date, passcodes: dict[str, str], quiet: bool = False) -> BuildSummary:
    from .build import BuildError, build_portal
    from .site import GeneratorError

    def progress(stage: str) -> None:
        if not quiet:
            click.echo(f"  {stage}…", err=True)

    try:
        return build_portal(repo, today, passcodes, progress=progress)
    except BuildError as exc:
        print_problems(exc.problems)
        for leak in exc.leaks:
            click.echo(f"{leak.path}: leak: {leak.what} of {leak.submission}: {leak.needle!r}", err=True)
        raise click.ClickException(str(exc)) from None
    except (GeneratorError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None


def get_passcodes(repo: Repo) -> dict[str, str]:
    from .passcode import PasscodeError, read_passcodes

    try:
        return read_passcodes(repo.settings)
    except PasscodeError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@today_option
@repo_option
def build(today_text: str | None, repo_path: Path | None) -> None:
    """Build the protected portal into site/.

    Validates every submission (and refuses to build on any error), keeps the texts active on
    --today, renders the pages, runs the site generator, encrypts every page for each tier of
    readers and scans the result for leaks. site/ is replaced only if all of this succeeds.

    Passcodes come from PORTAL_PASSCODE (States) and PORTAL_PASSCODE_PARTNERS (partner
    organisations), or are asked for in a terminal.
    """
    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    summary = do_build(repo, today, get_passcodes(repo))
    click.echo(summary.line())


@main.command(name="check-leaks")
@click.argument("site", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@repo_option
def check_leaks_command(site: Path | None, repo_path: Path | None) -> None:
    """Scan a published folder (default: site/) for plaintext of any submission.

    Looks in every file and file name for titles, ids, contacts, submitter names, theme labels
    and runs of eight words of every text; exits 1 on any hit.
    """
    from .build import check_leaks

    repo = open_repo(repo_path)
    folder = site or repo.site_dir
    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no published folder here; run `portal build` first")
    result = validate_from_disk(repo)
    leaks = check_leaks(folder, result, [], repo)
    for leak in leaks:
        click.echo(f"{leak.path}: leak: {leak.what} of {leak.submission}: {leak.needle!r}")
    files = sum(1 for path in folder.rglob("*") if path.is_file())
    if leaks:
        raise click.ClickException(f"{len(leaks)} leak(s) in {folder} ({files} files scanned)")
    click.echo(f"No plaintext of {len(result)} submissions in {files} files of {folder}")


def validate_from_disk(repo: Repo) -> list[Submission]:
    from .audit import retired_ids
    from .validate import validate_repo

    result = validate_repo(repo, retired_ids=retired_ids(repo))
    if not result.ok:
        print_problems(result.errors)
        raise click.ClickException("the submissions have errors; fix them first (portal validate)")
    return result.submissions


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@today_option
@repo_option
def serve(port: int, today_text: str | None, repo_path: Path | None) -> None:
    """Build the portal and serve site/ on http://127.0.0.1:PORT, rebuilding on change."""
    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    passcodes = get_passcodes(repo)
    click.echo(do_build(repo, today, passcodes).line())
    serve_site(repo, today, passcodes, port)


def serve_site(repo: Repo, today: dt.date, passcodes: dict[str, str], port: int) -> None:
    from .serve import serve_forever

    def rebuild() -> None:
        try:
            click.echo(do_build(repo, today, passcodes, quiet=True).line())
        except click.ClickException as exc:
            click.echo(f"Not rebuilt: {exc.message}", err=True)

    serve_forever(repo, port, rebuild)


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--no-serve", is_flag=True, help="Build only, do not serve.")
@today_option
@repo_option
def demo(port: int, no_serve: bool, today_text: str | None, repo_path: Path | None) -> None:
    """Build and serve the example portal (fictional texts) from build/demo, with fresh passcodes."""
    from .examples import create_example_repo
    from .passcode import generate

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    demo_repo = create_example_repo(repo, repo.build_dir / "demo")
    passcodes = {tier.id: generate() for tier in demo_repo.settings.tiers}
    click.echo(do_build(demo_repo, today, passcodes).line())
    click.echo(f"\nThe example portal, as of {dates.long_date(today)}: {demo_repo.site_dir}")
    for tier in demo_repo.settings.tiers:
        click.echo(f"  passcode for {tier.label}: {passcodes[tier.id]}")
    if not no_serve:
        click.echo(f"\nOpen http://127.0.0.1:{port}/ and enter a passcode. Ctrl+C stops.")
        serve_site(demo_repo, today, passcodes, port)


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
    from .audit import AuditError
    from .ingest import IngestError, Options, ingest_message
    from .mail import MailError

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
    from .audit import AuditError
    from .removal import RemovalError
    from .removal import withdraw as do_withdraw

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

    from .audit import AuditError
    from .audit import history as find

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
    from .audit import AuditError
    from .verify import verify as check

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
    from .audit import AuditError
    from .removal import RemovalError, describe, expired
    from .removal import expire as do_expire

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
@today_option
@repo_option
def reminders(within: str | None, outbox: Path | None, today_text: str | None, repo_path: Path | None) -> None:
    """Draft one reminder e-mail per submitter whose texts expire soon, and print a summary.

    Each draft (.eml, opens as a draft in mail clients) lists the texts and their expiry dates,
    explains how to send an update with the guidance pattern's header block, and says that no
    answer means removal. Submitters without a contact e-mail are listed for a follow-up by hand.
    """
    from .reminders import prepare_reminders, summary

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
    click.echo(text)


@main.group()
def passcode() -> None:
    """Generate, rotate and check the passcodes of the portal's tiers of readers."""


@passcode.command()
@click.option("--words", default=6, show_default=True, type=click.IntRange(5, 12), help="Words in the passphrase.")
def generate(words: int) -> None:
    """Print a new machine-generated passphrase (EFF long word list, 12.9 bits a word)."""
    from .passcode import generate as make

    click.echo(make(words))


@passcode.command()
@click.option("--tier", "tiers", multiple=True, help="Rotate only this tier (repeatable; default: every tier).")
@click.option("--no-commit", is_flag=True, help="Record the date without committing it.")
@today_option
@repo_option
def rotate(tiers: tuple[str, ...], no_commit: bool, today_text: str | None, repo_path: Path | None) -> None:
    """Make new passcodes, print them once, and record the rotation date (never the passcode).

    The old passcodes stop working at the next build: set the new ones as CI secrets, rebuild,
    and tell the States (and partners) the new passcode.
    """
    from .audit import AuditError, commit_files, open_git
    from .files import write_atomic
    from .passcode import PasscodeError, rotation_record
    from .passcode import generate as make

    repo = open_repo(repo_path)
    known = {tier.id: tier for tier in repo.settings.tiers}
    unknown = [tier for tier in tiers if tier not in known]
    if unknown:
        raise click.ClickException(f"--tier {unknown[0]}: no such tier; the tiers are {', '.join(known)} (schema/settings.yaml)")
    chosen = [known[tier] for tier in (tiers or tuple(known))]
    today = resolve_today(today_text)
    new = {tier.id: make() for tier in chosen}
    try:
        record = rotation_record(repo, [tier.id for tier in chosen], today)
        if not no_commit and open_git(repo) is not None:
            labels = ", ".join(tier.label for tier in chosen)
            commit_files(repo, write={repo.relative(repo.rotations_path): record}, message=f"Rotate the passcode of {labels}\n\nPortal-Action: rotate-passcode\n")
        else:
            write_atomic(repo.rotations_path, record)
    except (PasscodeError, AuditError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo("New passcodes (shown once; they are not stored anywhere):\n")
    for tier in chosen:
        click.echo(f"  {tier.label}: {new[tier.id]}")
    click.echo("\nNext steps:")
    for number, tier in enumerate(chosen, 1):
        click.echo(f"  {number}. Set the repository secret {tier.passcode_env} to the {tier.label} passcode above.")
    click.echo(f"  {len(chosen) + 1}. Rebuild: run the 'Publish' workflow by hand (or `portal build`); the old passcodes stop working.")
    click.echo(f"  {len(chosen) + 2}. Tell the readers: send the new passcode to those who asked for it, by a channel other than the portal.")
    click.echo(f"Rotation recorded in {repo.relative(repo.rotations_path)} on {today.isoformat()}.")


@passcode.command()
@today_option
@repo_option
def status(today_text: str | None, repo_path: Path | None) -> None:
    """Age of each tier's passcode against the rotation period; exit 1 when one is overdue."""
    from .passcode import PasscodeError, ages

    repo = open_repo(repo_path)
    try:
        found = ages(repo, resolve_today(today_text))
    except PasscodeError as exc:
        raise click.ClickException(str(exc)) from None
    period = repo.settings.rotation_days
    for age in found:
        if age.rotated is None:
            click.echo(f"{age.tier.label}: never rotated here — OVERDUE (run `portal passcode rotate`)")
        else:
            state = "OVERDUE" if age.overdue else "ok"
            click.echo(f"{age.tier.label}: changed {dates.long_date(age.rotated)}, {age.age_days} days ago (every {period} days) — {state}")
    overdue = [age for age in found if age.overdue]
    if overdue:
        raise click.ClickException(f"{len(overdue)} passcode(s) overdue for rotation; run `portal passcode rotate`")


if __name__ == "__main__":
    main()
