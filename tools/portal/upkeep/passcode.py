"""Passcodes: machine-generated passphrases, the strength floor, and the rotation record.

The passcode itself lives only in CI secrets and the coordinator's hands; the repository keeps the
date of each rotation (schema/passcode-rotations.yaml), never a passcode.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import secrets
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml
from xkcdpass import xkcd_password

from portal.config import Repo, Settings, Tier
from portal.errors import PortalError

WORDS = 6
SEPARATOR = "-"


class PasscodeError(PortalError):
    pass


@cache
def wordlist() -> tuple[str, ...]:
    """The EFF long word list as shipped by xkcdpass, less the words one would not send to a
    ministry (data/passcode-excluded-words.txt) and those with a hyphen, the separator."""
    words = xkcd_password.generate_wordlist(wordfile=xkcd_password.locate_wordfile(), min_length=3, max_length=9)
    excluded = (resources.files("portal") / "data" / "passcode-excluded-words.txt").read_text(encoding="utf-8")
    unwanted = {line.strip() for line in excluded.splitlines() if line.strip() and not line.startswith("#")}
    return tuple(sorted(word for word in set(words) - unwanted if SEPARATOR not in word))


def bits_per_word() -> float:
    return math.log2(len(wordlist()))


def generate(words: int = WORDS) -> str:
    chosen = wordlist()
    return SEPARATOR.join(secrets.choice(chosen) for _ in range(words))


def entropy_bits(passcode: str) -> float:
    """How many guesses, as bits, an attacker who knows how people choose passcodes needs: the
    zxcvbn estimator (dictionaries, keyboard patterns, repeats, sequences, dates), and for a
    passphrase of list words no more than the list's bits a word, the list being public."""
    from zxcvbn import zxcvbn

    guesses = float(zxcvbn(passcode[:256])["guesses"])
    bits = math.log2(guesses) if guesses > 1 else 0.0
    words = [word for word in re.split(r"[\s\-_.]+", passcode.strip().lower()) if word]
    known = set(wordlist())
    if words and all(word in known for word in words):
        bits = min(bits, len(words) * bits_per_word())
    return bits


def check_strength(passcode: str, settings: Settings, name: str) -> None:
    if not passcode.strip():
        raise PasscodeError(f"{name} is empty; generate one with `portal passcode generate`")
    bits = entropy_bits(passcode)
    if bits < settings.minimum_entropy_bits:
        raise PasscodeError(
            f"{name} is too weak: about {bits:.0f} bits, below the floor of {settings.minimum_entropy_bits} "
            f"(schema/settings.yaml: passcode.minimum_entropy_bits); use `portal passcode generate` "
            f"({WORDS} words, {WORDS * bits_per_word():.0f} bits)"
        )


def read_passcodes(settings: Settings, environ: dict[str, str] | None = None, prompt: bool | None = None) -> dict[str, str]:
    """Each tier's passcode from its environment variable, or a prompt in a terminal."""
    environ = dict(os.environ) if environ is None else environ
    if prompt is None:
        prompt = sys.stdin.isatty()
    passcodes: dict[str, str] = {}
    for tier in settings.tiers:
        # A passcode pasted from an e-mail often brings a space or a line break: the browser trims too.
        value = environ.get(tier.passcode_env, "").strip()
        if not value and prompt:
            import click

            value = click.prompt(f"Passcode for {tier.label} ({tier.passcode_env})", hide_input=True, default="", show_default=False).strip()
        if not value:
            raise PasscodeError(
                f"{tier.passcode_env} is not set: the {tier.label} passcode is needed to build "
                f"(set it as a CI secret; or remove the '{tier.id}' tier from schema/settings.yaml)"
            )
        check_strength(value, settings, tier.passcode_env)
        passcodes[tier.id] = value
    seen: dict[str, str] = {}
    for tier in settings.tiers:
        if passcodes[tier.id] in seen:
            raise PasscodeError(f"{tier.passcode_env} is the same as {seen[passcodes[tier.id]]}; each tier needs its own passcode")
        seen[passcodes[tier.id]] = tier.passcode_env
    return passcodes


@dataclass(frozen=True)
class TierAge:
    tier: Tier
    rotated: dt.date | None
    age_days: int | None
    overdue: bool


def read_rotations(repo: Repo) -> dict[str, dt.date]:
    path = repo.rotations_path
    if not path.exists():
        return {}
    from portal.config import read_yaml_file

    data = read_yaml_file(path).data or {}
    rotations = data.get("rotations", {}) if isinstance(data, dict) else {}
    result: dict[str, dt.date] = {}
    for tier, day in rotations.items():
        try:
            result[str(tier)] = dt.date.fromisoformat(str(day))
        except ValueError:
            raise PasscodeError(f"{path}: rotations.{tier}: {day!r} is not a date (YYYY-MM-DD)") from None
    return result


def rotation_record(repo: Repo, tiers: list[str], today: dt.date) -> bytes:
    """The new content of the rotation record (dates only)."""
    rotations = {tier: day.isoformat() for tier, day in read_rotations(repo).items()}
    rotations.update({tier: today.isoformat() for tier in tiers})
    header = "# Date each tier's passcode was last changed (never the passcode). Written by `portal passcode rotate`.\n"
    return (header + yaml.safe_dump({"rotations": rotations}, sort_keys=True)).encode("utf-8")


def ages(repo: Repo, today: dt.date) -> list[TierAge]:
    settings = repo.settings
    rotations = read_rotations(repo)
    result = []
    for tier in settings.tiers:
        rotated = rotations.get(tier.id)
        age = (today - rotated).days if rotated else None
        result.append(TierAge(tier, rotated, age, age is None or age > settings.rotation_days))
    return result
