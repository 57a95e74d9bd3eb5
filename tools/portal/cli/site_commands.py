"""Commands that build, check and show the protected site."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import dates
from ..config import Repo
from . import do_build, get_passcodes, main, open_repo, repo_option, resolve_today, today_option, validate_from_disk


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
    repo = open_repo(repo_path)
    folder = site or repo.site_dir
    click.echo(leak_check(repo, folder))


def leak_check(repo: Repo, folder: Path) -> str:
    """The check that guards every publication: raises ClickException on any leak (after
    printing each), returns the one-line summary when the folder is safe to publish."""
    from ..build import check_leaks

    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no published folder here; run `portal build` first")
    result = validate_from_disk(repo)
    leaks = check_leaks(folder, result, [], repo)
    for leak in leaks:
        click.echo(f"{leak.path}: leak: {leak.what} of {leak.submission}: {leak.needle!r}")
    files = sum(1 for path in folder.rglob("*") if path.is_file())
    if leaks:
        raise click.ClickException(f"{len(leaks)} leak(s) in {folder} ({files} files scanned)")
    return f"No plaintext of {len(result)} submissions in {files} files of {folder}"


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
    click.echo(f"Serving http://127.0.0.1:{port}/ (enter a passcode there; Ctrl+C stops)", err=True)
    serve_site(repo, today, passcodes, port)


def serve_site(repo: Repo, today: dt.date, passcodes: dict[str, str], port: int) -> None:
    from ..serve import ServeError, serve_forever

    def rebuild() -> None:
        try:
            click.echo(do_build(repo, today, passcodes, quiet=True).line())
        except click.ClickException as exc:
            click.echo(f"Not rebuilt: {exc.message}", err=True)

    try:
        serve_forever(repo, port, rebuild)
    except ServeError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--port", default=8000, show_default=True, help="Port on 127.0.0.1.")
@click.option("--no-serve", is_flag=True, help="Build only, do not serve.")
@today_option
@repo_option
def demo(port: int, no_serve: bool, today_text: str | None, repo_path: Path | None) -> None:
    """Build and serve the example portal (fictional texts) from build/demo, with fresh passcodes."""
    from ..examples import create_example_repo
    from ..passcode import generate

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
