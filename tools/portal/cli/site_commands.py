"""Commands that build, check and show the protected site."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from portal import dates
from portal.cli.base import do_build, explain, get_passcodes, main, open_repo, repo_option, resolve_today, today_option, validate_from_disk
from portal.config import Repo
from portal.errors import PortalError, about

if TYPE_CHECKING:
    from http.server import ThreadingHTTPServer

    from portal.delivery.deploy import Target


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
    """Prove that a published folder (default: site/) holds no plaintext of any submission.

    Every file must be ciphertext that opens with its tier's key (and no other), the theme's or
    the portal's own file, or a page exactly as the build writes it; then file names and every
    readable part are scanned for titles, ids, contacts, names and runs of eight words of every
    text. Needs the passcodes, as `portal build` does. Exits 1 on any problem; the messages name
    the file, the kind of problem and the submission, never the words found.
    """
    repo = open_repo(repo_path)
    folder = site or repo.site_dir
    click.echo(leak_check(repo, folder))


def leak_check(repo: Repo, folder: Path) -> str:
    """The check that guards every publication: raises ClickException on any leak (after
    printing each), returns the one-line summary when the folder is safe to publish. The
    passcodes come from the environment, as for `portal build`: the check opens every file."""
    from portal.publish.build import check_leaks

    if not folder.is_dir():
        raise click.ClickException(f"{folder}: no published folder here; run `portal build` first")
    result = validate_from_disk(repo)
    leaks = check_leaks(folder, repo, result, [], passcodes=get_passcodes(repo))
    for leak in leaks:
        click.echo(leak.message())
    files = sum(1 for path in folder.rglob("*") if path.is_file())
    if leaks:
        raise click.ClickException(f"{len(leaks)} problem(s) in {folder} ({files} files checked); it must not be published")
    return f"Every one of {files} files in {folder} is sealed for its tier or is the portal's own; no plaintext of {len(result)} submissions"


PORT = click.IntRange(0, 65535)


@main.command()
@click.option("--port", default=8000, show_default=True, type=PORT, help="Port on 127.0.0.1 (0: any free one).")
@today_option
@repo_option
def serve(port: int, today_text: str | None, repo_path: Path | None) -> None:
    """Build the portal and serve site/ on http://127.0.0.1:PORT, rebuilding on change."""
    from portal.delivery.serve import address, listening

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    passcodes = get_passcodes(repo)
    with listening(repo.site_dir, port) as server:  # the port is taken before the build, so a busy one fails at once
        click.echo(do_build(repo, today, passcodes).line())
        click.echo(f"Serving {address(server)} (enter a passcode there; Ctrl+C stops)", err=True)
        serve_site(repo, today, passcodes, server)


def serve_site(repo: Repo, today: dt.date, passcodes: dict[str, str], server: ThreadingHTTPServer) -> None:
    from portal.delivery.serve import serve_forever

    def rebuild() -> None:
        try:
            click.echo(do_build(repo, today, passcodes, quiet=True).line())
        except PortalError as exc:  # the site keeps being served as it was; the next change tries again
            explain(exc)
            click.echo(f"Not rebuilt: {exc.text()}", err=True)

    serve_forever(server, repo, rebuild)


@main.command()
@click.option("--port", default=8000, show_default=True, type=PORT, help="Port on 127.0.0.1 (0: any free one).")
@click.option("--no-serve", is_flag=True, help="Build only, do not serve.")
@today_option
@repo_option
def demo(port: int, no_serve: bool, today_text: str | None, repo_path: Path | None) -> None:
    """Build and serve the example portal (fictional texts) from build/demo, with fresh passcodes."""
    from portal.delivery.serve import address, listening
    from portal.examples import create_example_repo

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    demo_repo = create_example_repo(repo, repo.build_dir / "demo")
    if no_serve:
        build_demo(demo_repo, today)
        return
    with listening(demo_repo.site_dir, port) as server:
        passcodes = build_demo(demo_repo, today)
        click.echo(f"\nOpen {address(server)} and enter a passcode. Ctrl+C stops.")
        serve_site(demo_repo, today, passcodes, server)


def build_demo(demo_repo: Repo, today: dt.date) -> dict[str, str]:
    """Build the example portal with fresh passcodes, print them, and return them."""
    from portal.upkeep.passcode import generate

    passcodes = {tier.id: generate() for tier in demo_repo.settings.tiers}
    click.echo(do_build(demo_repo, today, passcodes).line())
    click.echo(f"\nThe example portal, as of {dates.long_date(today)}: {demo_repo.site_dir}")
    for tier in demo_repo.settings.tiers:
        click.echo(f"  passcode for {tier.label}: {passcodes[tier.id]}")
    return passcodes


NOT_DEPLOYED = "nothing was deployed"


@main.command()
@click.argument("target", required=False)
@click.option("--branch", default=None, help="For a git TARGET: the branch to replace (default: deploy.branch of the settings).")
@click.option("--kind", type=click.Choice(["git", "folder", "pages"]), default=None, help="What TARGET is, where its form does not say it.")
@repo_option
def deploy(target: str | None, branch: str | None, kind: str | None, repo_path: Path | None) -> None:
    """Publish site/ to TARGET, after the leak check passes and never otherwise.

    TARGET (default: deploy in schema/settings.yaml) is a git remote (URL or path), whose branch
    is replaced by one commit holding exactly the files of site/; or a folder, replaced whole or
    not at all; or `pages`, this repository's GitHub Pages, which the Publish workflow uploads.
    The target receives site/ only, never anything of this repository.

    Credentials come from the environment only: PORTAL_DEPLOY_TOKEN for an https:// remote,
    PORTAL_DEPLOY_KEY (an SSH deploy key; PORTAL_DEPLOY_KNOWN_HOSTS for a host other than
    github.com) for an SSH remote. The leak check reads the passcodes like `portal build`.
    """
    from portal.delivery.deploy import DeployError, deploy_to_folder, deploy_to_git, guess_kind, preflight

    repo = open_repo(repo_path)
    chosen = resolve_target(repo, target, branch, kind, guess_kind)
    with about(outcome=NOT_DEPLOYED, kinds=(DeployError,)):
        preflight(chosen, repo.site_dir, repo)
    click.echo(leak_check(repo, repo.site_dir))
    in_actions = os.environ.get("GITHUB_ACTIONS") == "true"
    if in_actions and os.environ.get("GITHUB_OUTPUT"):
        # The Publish workflow's Pages steps run only when the target is pages.
        with Path(os.environ["GITHUB_OUTPUT"]).open("a", encoding="utf-8") as output:
            output.write(f"target={chosen.kind}\n")
    if chosen.kind == "pages":
        if not in_actions:
            raise click.ClickException(
                "the pages target is uploaded by the Publish workflow, not from here; nothing was deployed (choose a git or folder TARGET)"
            )
        click.echo("site/ passed the leak check; the next step uploads it to this repository's GitHub Pages.")
        return
    with about(outcome=NOT_DEPLOYED, kinds=(DeployError,)):
        try:
            if chosen.kind == "git":
                done = deploy_to_git(repo.site_dir, chosen.location, chosen.branch, repo)
            else:
                done = deploy_to_folder(repo.site_dir, Path(chosen.location), repo)
        except OSError as exc:  # the target's disk or permissions: the person deploying can act on it
            raise DeployError(str(exc)) from exc
    click.echo(done.line())


def resolve_target(repo: Repo, target: str | None, branch: str | None, kind: str | None, guess: Callable[[str], str]) -> Target:
    """The target named on the command line, or else the one in the settings."""
    from portal.delivery.deploy import Target

    settings = repo.settings.deploy
    if target is not None:
        chosen = kind or guess(target)
        return Target(chosen, "" if chosen == "pages" else target, branch or settings.branch)
    chosen = kind or settings.target
    if chosen == "pages":
        return Target("pages", "")
    field = "url" if chosen == "git" else "folder"
    location = settings.url if chosen == "git" else settings.folder
    if not location:
        example = "git@github.com:ccm-portal/ccm-portal.github.io.git" if chosen == "git" else "/srv/www/cooperation-portal"
        raise click.ClickException(
            f"{settings.location(field)}: error: deploy.{field}: empty; set where the site goes (e.g. {example}), "
            'or give TARGET; see README, "Setting up a deployment"'
        )
    if chosen == "folder" and not Path(location).is_absolute():
        location = str(repo.root / location)  # a relative folder in the settings is relative to the repository
    return Target(chosen, location, branch or settings.branch)
