"""portal passcode: generate, rotate, status."""

from __future__ import annotations

from pathlib import Path

import click

from portal import dates
from portal.cli.base import main, open_repo, repo_option, resolve_today, today_option


@main.group()
def passcode() -> None:
    """Generate, rotate and check the passcodes of the portal's tiers of readers."""


@passcode.command()
@click.option("--words", type=click.IntRange(5, 16), help="Words in the passphrase (default: enough for 77 bits).")
def generate(words: int | None) -> None:
    """Print a new machine-generated passphrase of words one can send to a ministry (nouns of
    harmless kinds from the EFF long list; docs/passcodes.md says how the list is made)."""
    from portal.upkeep.passcode import WORDS
    from portal.upkeep.passcode import generate as make

    click.echo(make(words or WORDS))


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
    from portal.upkeep.passcode import rotate as do_rotate

    repo = open_repo(repo_path)
    today = resolve_today(today_text)
    done = do_rotate(repo, tiers, today, commit=not no_commit)
    chosen = done.tiers
    click.echo("New passcodes (shown once; they are not stored anywhere):\n")
    for tier in chosen:
        click.echo(f"  {tier.label}: {done.passcodes[tier.id]}")
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
    from portal.upkeep.passcode import ages

    repo = open_repo(repo_path)
    found = ages(repo, resolve_today(today_text))
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
