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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from portal.config import Repo, Settings, Tier
from portal.errors import PortalError
from portal.files import write_atomic
from portal.publish.seal.sealedformat import PASSCODE_SEPARATOR, normalise_passcode
from portal.trail.actions import Action, subject
from portal.trail.store import commit_files, open_git
from portal.trail.trailers import Change, commit_message

# Enough words of the curated list for 77 bits (tests/test_passcode.py holds it to that).
WORDS = 8
SEPARATOR = PASSCODE_SEPARATOR  # a generated passcode is already in its normalised form


class PasscodeError(PortalError):
    pass


@cache
def wordlist() -> tuple[str, ...]:
    """The passcode words (data/passcode-words.txt): the EFF long list less every word with a
    WordNet sense outside harmless categories, as bench/passcode_words.py makes it."""
    text = (resources.files("portal") / "data" / "passcode-words.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def bits_per_word() -> float:
    """The strength one word of the list adds: the list is public, so only the choice counts."""
    return math.log2(len(wordlist()))


def generate(words: int = WORDS) -> str:
    """A passphrase of `words` words of the list, each chosen by the system's secure random source."""
    chosen = wordlist()
    return SEPARATOR.join(secrets.choice(chosen) for _ in range(words))


MAX_ESTIMATED = 128  # characters of a passcode the estimator reads (the longest generated is 79; a repeat of 256 takes it 2.5 s)


def entropy_bits(passcode: str) -> float:
    """How many guesses, as bits, an attacker who knows how people choose passcodes needs: the
    zxcvbn estimator (dictionaries, keyboard patterns, repeats, sequences, dates), and for a
    passphrase of list words no more than the list's bits a word, the list being public."""
    from zxcvbn import zxcvbn

    # zxcvbn refuses more than `max_length` characters (72 unless told): a long passphrase, one
    # of `portal passcode generate`'s among them, is estimated on its first 128.
    guesses = float(zxcvbn(passcode[:MAX_ESTIMATED], max_length=MAX_ESTIMATED)["guesses"])
    bits = math.log2(guesses) if guesses > 1 else 0.0
    words = [word for word in re.split(r"[\s\-_.]+", passcode.strip().lower()) if word]
    known = set(wordlist())
    if words and all(word in known for word in words):
        bits = min(bits, len(words) * bits_per_word())
    return bits


def check_strength(passcode: str, settings: Settings, name: str) -> None:
    if not normalise_passcode(passcode):
        raise PasscodeError(f"{name} is empty; generate one with `portal passcode generate`")
    bits = entropy_bits(passcode)
    if bits < settings.minimum_entropy_bits:
        raise PasscodeError(
            f"{name} is too weak: about {bits:.0f} bits, below the floor of {settings.minimum_entropy_bits} "
            f"(schema/settings.yaml: passcode.minimum_entropy_bits); use `portal passcode generate` "
            f"({WORDS} words, {WORDS * bits_per_word():.0f} bits)"
        )


def read_passcodes(settings: Settings, environ: Mapping[str, str] | None = None, ask: Callable[[Tier], str] | None = None) -> dict[str, str]:
    """Each tier's passcode from its environment variable, else from `ask` (the command line asks
    in a terminal; without it a missing passcode is an error)."""
    environ = os.environ if environ is None else environ
    passcodes: dict[str, str] = {}
    for tier in settings.tiers:
        # A passcode pasted from an e-mail often brings a space or a line break: trimmed as the browser trims it.
        value = normalise_passcode(environ.get(tier.passcode_env, ""))
        if not value and ask is not None:
            value = normalise_passcode(ask(tier))
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


@dataclass(frozen=True)
class Rotation:
    """A rotation done: each chosen tier's new passcode (to show once; it is stored nowhere)."""

    tiers: tuple[Tier, ...]
    passcodes: dict[str, str]  # tier id -> new passcode
    commit: str  # "" when the date was written without a commit


def choose_tiers(settings: Settings, ids: Sequence[str]) -> list[Tier]:
    """The tiers named by id, in the order given; every tier when none is named."""
    known = {tier.id: tier for tier in settings.tiers}
    unknown = [tier for tier in ids if tier not in known]
    if unknown:
        raise PasscodeError(f"--tier {unknown[0]}: no such tier; the tiers are {', '.join(known)} (schema/settings.yaml)")
    return [known[tier] for tier in (ids or tuple(known))]


def rotate(repo: Repo, tier_ids: Sequence[str], today: dt.date, *, commit: bool = True) -> Rotation:
    """New passcodes for the tiers (default: every tier), and today's date in the rotation record,
    committed when the repository is a git repository and `commit` is true."""
    chosen = choose_tiers(repo.settings, tier_ids)
    passcodes = {tier.id: generate() for tier in chosen}
    record = rotation_record(repo, [tier.id for tier in chosen], today)
    done = ""
    if commit and open_git(repo) is not None:
        labels = ", ".join(tier.label for tier in chosen)
        done = commit_files(
            repo,
            write={repo.relative(repo.rotations_path): record},
            message=commit_message(subject(Action.ROTATE, tiers=labels), "", [Change(Action.ROTATE)]),
        )
    else:
        write_atomic(repo.rotations_path, record)
    return Rotation(tuple(chosen), passcodes, done)
