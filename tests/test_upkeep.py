"""The upkeep functions the commands call, called without the command line: passcodes, reminders,
expiry and the register of senders, on real git repositories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import git
import pytest

from portal.checks.validate import validate_repo
from portal.config import Repo, Tier
from portal.intake.senders import SenderError, load_senders, register_sender
from portal.registry import load_registry
from portal.upkeep.passcode import PasscodeError, read_passcodes, rotate, wordlist
from portal.upkeep.reminders import remind, summary, summary_counts
from portal.upkeep.removal import expire

from tests.helpers import FIXTURES, PARTNERS, STATES

TODAY = dt.date(2026, 11, 20)


def head(repo: Repo) -> str:
    return git.Repo(repo.root).head.commit.hexsha


def test_rotate_one_tier_commits_the_date_and_returns_the_passcode(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo(FIXTURES / "base")
    done = rotate(repo, ["partners"], TODAY)
    assert [tier.id for tier in done.tiers] == ["partners"] and list(done.passcodes) == ["partners"]
    assert all(word in wordlist() for word in done.passcodes["partners"].split("-"))
    assert done.commit == head(repo)
    record = repo.rotations_path.read_text()
    assert "partners: '2026-11-20'" in record and "states" not in record.split("rotations:")[1]
    assert done.passcodes["partners"] not in git.Repo(repo.root).git.log("-p")


def test_rotate_without_a_commit_only_writes_the_record(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo(FIXTURES / "base")
    before = head(repo)
    done = rotate(repo, [], TODAY, commit=False)
    assert [tier.id for tier in done.tiers] == ["states", "partners"] and done.commit == ""
    assert head(repo) == before
    assert git.Repo(repo.root).git.status("--porcelain") == "?? schema/passcode-rotations.yaml"


def test_rotate_an_unknown_tier_writes_nothing(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo(FIXTURES / "base")
    with pytest.raises(PasscodeError, match=r"^--tier ngos: no such tier; the tiers are states, partners \(schema/settings.yaml\)$"):
        rotate(repo, ["states", "ngos"], TODAY)
    assert not repo.rotations_path.exists()


def test_passcodes_missing_from_the_environment_are_asked_for_only_through_the_callable(make_repo: Callable[..., Repo]) -> None:
    settings = make_repo(FIXTURES / "base", commit=False).settings
    asked: list[str] = []

    def ask(tier: Tier) -> str:
        asked.append(tier.id)
        return f"  {PARTNERS}\n"  # as pasted from an e-mail

    assert read_passcodes(settings, {"PORTAL_PASSCODE": STATES}, ask=ask) == {"states": STATES, "partners": PARTNERS}
    assert asked == ["partners"]
    with pytest.raises(PasscodeError, match=r"^PORTAL_PASSCODE_PARTNERS is not set: the Partner organisations passcode is needed to build"):
        read_passcodes(settings, {"PORTAL_PASSCODE": STATES})


def test_remind_drafts_per_submitter_and_writes_the_summary(make_repo: Callable[..., Repo], tmp_path: Path) -> None:
    repo = make_repo(FIXTURES / "base")
    submissions = validate_repo(repo).submissions
    outbox = tmp_path / "outbox"
    assert remind(repo, submissions, dt.date(2027, 6, 1), 30, outbox) == []
    assert not (outbox / "2027-06-01-summary.txt").exists()
    today = dt.date(2027, 10, 20)
    found = remind(repo, submissions, today, 30, outbox)
    assert [(item.code, item.recipients) for item in found] == [("ESP", ("nra@example.org",)), ("LAO", ("nra@example.org",))]
    assert sorted(path.name for path in outbox.glob("*.eml")) == ["2027-10-20-ESP.eml", "2027-10-20-LAO.eml"]
    assert (outbox / "2027-10-20-summary.txt").read_text() == summary(found, today, 30) + "\n"
    assert summary_counts(found, 30, outbox) == (
        f"2 text(s) of 2 submitter(s) expire in the next 30 days: 2 draft(s) and the summary are in {outbox}; "
        "0 submitter(s) without a contact e-mail to follow up by hand."
    )


def test_expire_dry_run_says_what_would_go_and_changes_nothing(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo(FIXTURES / "base")
    before = head(repo)
    items, commit = expire(repo, dt.date(2027, 11, 3), dry_run=True)
    assert [item.submission.id for item in items] == ["esp-2026-offer-base", "lao-2026-need-base"] and commit == ""
    assert head(repo) == before and len(list(repo.submissions.glob("*/*.md"))) == 2
    items, commit = expire(repo, dt.date(2027, 11, 3))
    assert len(items) == 2 and commit == head(repo) != before
    assert list(repo.submissions.glob("*/*.md")) == []


def test_register_a_sender_once(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo(FIXTURES / "base")
    done = register_sender(repo, "@NRA.gov.la", "LAO", TODAY, "note verbale of 3 November 2026")
    assert (done.sender.domain, done.name, done.also, done.commit) == ("nra.gov.la", "Lao PDR", (), head(repo))
    registered = load_senders(repo.schema_dir, load_registry(repo.schema_dir))
    assert [(item.submitter, item.domain, item.confirmed, item.note) for item in registered] == [
        ("LAO", "nra.gov.la", "2026-11-20", "note verbale of 3 November 2026")
    ]
    before = head(repo)
    with pytest.raises(
        SenderError, match=r"^any address at nra.gov.la is already in the register for LAO \(schema/senders.yaml line \d+\); nothing was changed$"
    ):
        register_sender(repo, "nra.gov.la", "LAO", TODAY)
    assert head(repo) == before
