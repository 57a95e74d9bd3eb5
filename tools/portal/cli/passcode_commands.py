"""portal passcode: generate, rotate, status."""

from __future__ import annotations

from pathlib import Path

import click

from portal import dates
from portal.cli import main, open_repo, repo_option, resolve_today, today_option


@main.group()
def passcode() -> None:
    """Generate, rotate and check the passcodes of the portal's tiers of readers."""


@passcode.command()
@click.option("--words", default=6, show_default=True, type=click.IntRange(5, 12), help="Words in the passphrase.")
def generate(words: int) -> None:
    """Print a new machine-generated passphrase (EFF long word list less words one would not send
    to a ministry: 7,515 words, 12.9 bits a word, 77 bits for six)."""
    from portal.upkeep.passcode import generate as make

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
    from portal.files import write_atomic
    from portal.trail.audit import commit_files, open_git
    from portal.upkeep.passcode import generate as make
    from portal.upkeep.passcode import rotation_record

    repo = open_repo(repo_path)
    known = {tier.id: tier for tier in repo.settings.tiers}
    unknown = [tier for tier in tiers if tier not in known]
    if unknown:
        raise click.ClickException(f"--tier {unknown[0]}: no such tier; the tiers are {', '.join(known)} (schema/settings.yaml)")
    chosen = [known[tier] for tier in (tiers or tuple(known))]
    today = resolve_today(today_text)
    new = {tier.id: make() for tier in chosen}
    record = rotation_record(repo, [tier.id for tier in chosen], today)
    if not no_commit and open_git(repo) is not None:
        labels = ", ".join(tier.label for tier in chosen)
        commit_files(repo, write={repo.relative(repo.rotations_path): record}, message=f"Rotate the passcode of {labels}\n\nPortal-Action: rotate-passcode\n")
    else:
        write_atomic(repo.rotations_path, record)
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
