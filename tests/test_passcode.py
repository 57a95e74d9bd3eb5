"""portal passcode: generation, strength floor, rotation record, age."""

from __future__ import annotations

import git

from portal.upkeep.passcode import entropy_bits, wordlist

from tests.helpers import FIXTURES, MakeRepo, Run


def test_generate_makes_a_passphrase_of_at_least_64_bits(run: Run) -> None:
    first = run("passcode", "generate").output.strip()
    second = run("passcode", "generate").output.strip()
    assert first != second
    words = first.split("-")
    assert len(words) == 6 and all(word in wordlist() for word in words)
    assert len(wordlist()) == 7515  # the EFF long list less words one would not send to a ministry, and hyphenated ones
    assert entropy_bits(first) >= 77


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
