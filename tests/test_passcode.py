"""portal passcode: generation, strength floor, rotation record, age."""

from __future__ import annotations

import re
from importlib import resources

import git
import pytest

from portal.upkeep.passcode import SEPARATOR, WORDS, bits_per_word, entropy_bits, wordlist

from bench.passcode_words import WORDNET, Sense, curate, eff_long_list, refusal, render, wordnet
from tests.helpers import FIXTURES, MakeRepo, Run


def test_generate_makes_a_passphrase_of_at_least_77_bits(run: Run) -> None:
    first = run("passcode", "generate").output.strip()
    second = run("passcode", "generate").output.strip()
    assert first != second
    words = first.split("-")
    assert len(words) == WORDS and all(word in wordlist() for word in words)
    assert WORDS * bits_per_word() >= 77
    assert entropy_bits(first) >= 77
    assert len(run("passcode", "generate", "--words", "10").output.strip().split("-")) == 10


def test_a_passphrase_longer_than_the_estimators_default_is_estimated() -> None:
    """zxcvbn refuses more than 72 characters unless told; a generated passphrase of long words
    (or one a coordinator chose) can be longer, and is estimated, not a crash."""
    longest = sorted(wordlist(), key=len)[-WORDS:]
    long = "-".join(longest)
    assert len(long) > 72
    assert entropy_bits(long) >= 77
    assert entropy_bits("x" * 300) < 77  # read up to its first 128 characters: a repeat is still weak


def test_the_words_a_ministry_would_mind_are_not_in_the_list() -> None:
    unwanted = {"islamist", "landmine", "dynamite", "revolver", "chemo", "exorcism", "fanatic", "dictator", "mutiny", "skinless", "payback"}
    assert unwanted.isdisjoint(wordlist())


def test_every_word_is_lowercase_a_to_z_from_the_eff_long_list() -> None:
    words = wordlist()
    assert words == tuple(sorted(set(words)))
    assert all(re.fullmatch("[a-z]+", word) and SEPARATOR not in word for word in words)
    assert set(words) <= set(eff_long_list())


def sense(name: str, *above: str, pos: str = "n", category: str = "noun.artifact") -> Sense:
    return Sense(name, pos, category, frozenset(above))


SAMPLE = {
    "kettle": [sense("kettle.n.01", "pot.n.01", "container.n.01", "artifact.n.01")],
    "apple": [sense("apple.n.01", "edible_fruit.n.01", category="noun.food"), sense("apple.n.02", "fruit_tree.n.01", category="noun.plant")],
    "revolver": [sense("revolver.n.01", "pistol.n.01", "firearm.n.01", "weapon.n.01", "artifact.n.01")],
    "fanatic": [sense("fanatic.n.01", "person.n.01", category="noun.person"), sense("fanatic.s.01", pos="s", category="adj.all")],
    "payback": [sense("payback.n.01", "return.n.06", category="noun.possession")],
    "dynamite": [sense("dynamite.n.01", "explosive.n.01", category="noun.substance"), sense("dynamite.v.01", pos="v", category="verb.contact")],
    "skinless": [sense("skinless.a.01", pos="a", category="adj.all")],
    "catapult": [sense("slingshot.n.01", "plaything.n.01"), sense("catapult.n.02", "engine.n.01", "weapon.n.01")],
}


def test_the_method_keeps_a_word_only_when_every_sense_is_a_harmless_noun() -> None:
    words = [*SAMPLE, "xylophonic", "Apple", "ice-cream", "ox", "caterpillar"]
    assert curate(words, lambda word: SAMPLE.get(word, [])) == ["apple", "kettle"]
    assert refusal(SAMPLE["revolver"]) == "revolver.n.01: lies under weapon.n.01"
    assert refusal(SAMPLE["catapult"]) == "catapult.n.02: lies under weapon.n.01"
    assert refusal(SAMPLE["payback"]) == "payback.n.01: category noun.possession is not allowed"
    assert refusal([]) == "not in WordNet"
    assert "not a noun" in str(refusal(SAMPLE["skinless"]))


@pytest.mark.slow
def test_the_committed_list_is_what_the_method_makes_of_wordnet() -> None:
    pytest.importorskip("nltk", reason="the method's reader: pip install -e '.[passcode-words]'")
    if not (WORDNET / "index.sense").exists():
        pytest.skip("WordNet 3.0 is not installed: apt-get install wordnet-base wordnet-sense-index")
    with wordnet() as senses_of:
        made = render(curate(eff_long_list(), senses_of))
    committed = (resources.files("portal") / "data" / "passcode-words.txt").read_text(encoding="utf-8")
    assert committed == made, "run python -m bench.passcode_words and commit the list"


def test_hand_made_passcodes_are_weak() -> None:
    assert entropy_bits("Password123!") < 64
    assert entropy_bits("clusterconvention") < 64
    assert entropy_bits("apple-banana-cherry") < 64  # three list words


def test_rotate_prints_once_records_the_date_and_commits(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    result = run("passcode", "rotate", "--repo", str(repo.root), "--today", "2026-11-20")
    assert result.exit_code == 0, result.output
    states = next(line.split(": ", 1)[1] for line in result.output.splitlines() if line.strip().startswith("States:"))
    record = (repo.root / "schema/passcode-rotations.yaml").read_text()
    assert "states: '2026-11-20'" in record and "partners: '2026-11-20'" in record
    assert states not in record
    handle = git.Repo(repo.root)
    assert str(handle.head.commit.message).startswith("Rotate the passcode of States, Partner organisations")
    assert states not in handle.git.log("-p")
    assert "Set the repository secret PORTAL_PASSCODE to the States passcode above." in result.output


def test_status_against_the_rotation_period(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    never = run("passcode", "status", "--repo", str(repo.root), "--today", "2026-11-20")
    assert never.exit_code == 1 and "States: never rotated here — OVERDUE" in never.output
    assert run("passcode", "rotate", "--repo", str(repo.root), "--today", "2026-11-20").exit_code == 0
    fresh = run("passcode", "status", "--repo", str(repo.root), "--today", "2027-02-18")
    assert fresh.exit_code == 0, fresh.output
    assert "States: changed 20 November 2026, 90 days ago (every 90 days) — ok" in fresh.output
    late = run("passcode", "status", "--repo", str(repo.root), "--today", "2027-02-19")
    assert late.exit_code == 1
    assert "91 days ago (every 90 days) — OVERDUE" in late.output
    assert "2 passcode(s) overdue for rotation" in late.output


def test_rotate_one_tier_and_an_unknown_tier(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    assert run("passcode", "rotate", "--tier", "partners", "--repo", str(repo.root), "--today", "2026-11-20").exit_code == 0
    assert "states" not in (repo.root / "schema/passcode-rotations.yaml").read_text().split("rotations:")[1]
    bad = run("passcode", "rotate", "--tier", "ngos", "--repo", str(repo.root))
    assert bad.exit_code == 1 and "--tier ngos: no such tier; the tiers are states, partners" in bad.output


def test_a_broken_rotation_record_is_named(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    (repo.root / "schema/passcode-rotations.yaml").write_text("rotations:\n  states: [oops\n")
    result = run("passcode", "status", "--repo", str(repo.root), "--today", "2026-11-20")
    assert result.exit_code == 1
    assert "schema/passcode-rotations.yaml:3:1: error: file: not valid YAML: did not find expected ',' or ']'" in result.output
    assert "Traceback" not in result.output
