"""portal senders remove: an entry leaves the register in one commit, and the sender publishes for no one."""

from __future__ import annotations

import git

from portal.config import Repo

from tests.helpers import DEMO_DATE, MAIL, Run, snapshot

TODAY = ["--today", DEMO_DATE]
VA = "va.example@example.org"  # the Victim Assistance Unit of Lebanon in the example register


def register(repo: Repo) -> str:
    return (repo.schema_dir / "senders.yaml").read_text(encoding="utf-8")


def test_removed_then_that_sender_publishes_for_no_one(example_repo: Repo, run: Run) -> None:
    before = register(example_repo)
    head = git.Repo(example_repo.root).head.commit
    result = run("senders", "remove", VA, "--note", "the Unit now writes through the Mission", "--repo", str(example_repo.root))
    assert result.exit_code == 0, result.output
    assert "Removed va.example@example.org for Lebanon (LBN) from the register" in result.output
    commit = git.Repo(example_repo.root).head.commit
    assert commit.parents == (head,) and list(commit.stats.files) == ["schema/senders.yaml"]
    assert str(commit.message).startswith(
        "Remove sender va.example@example.org for Lebanon\n\nReason: the Unit now writes through the Mission.\n"
        "It was confirmed 2026-09-01 (Victim Assistance Unit; confirmed by note verbale of the Permanent Mission).\n"
    )
    entry = f'  - submitter: LBN\n    address: {VA}\n    confirmed: 2026-09-01\n    note: "Victim Assistance Unit; confirmed by note verbale of the Permanent Mission"\n'
    assert entry in before and register(example_repo) == before.replace(entry, "")
    listed = run("senders", "list", "--repo", str(example_repo.root))
    assert listed.exit_code == 0 and VA not in listed.output and "mission.example@example.org" in listed.output
    refused = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *TODAY)
    assert refused.exit_code == 1
    assert f"{VA} is not in the register of senders (schema/senders.yaml), so it publishes for no one" in refused.output


def test_a_sender_not_in_the_register_is_refused_with_the_close_entries(example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    result = run("senders", "remove", "va.exampel@example.org", "--note", "typo", "--repo", str(example_repo.root))
    assert result.exit_code == 1
    assert "va.exampel@example.org is not in the register of senders (schema/senders.yaml); nothing was changed" in result.output
    assert "the closest entries are va.example@example.org (LBN, line " in result.output
    assert "Traceback" not in result.output
    assert snapshot(example_repo.root) == before


def test_a_domain_for_another_submitter_or_without_a_reason_is_refused(example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    other = run("senders", "remove", "nra.example.la", "--submitter", "LBN", "--note", "moved", "--repo", str(example_repo.root))
    assert other.exit_code == 1 and "any address at nra.example.la is in the register for LAO, not for LBN; nothing was changed" in other.output
    unexplained = run("senders", "remove", "nra.example.la", "--note", " ", "--repo", str(example_repo.root))
    assert unexplained.exit_code == 1 and "--note: say why the sender is removed" in unexplained.output
    missing = run("senders", "remove", "nra.example.la", "--repo", str(example_repo.root))
    assert missing.exit_code == 2 and "Missing option '--note'" in missing.output
    assert snapshot(example_repo.root) == before


def test_an_address_registered_for_two_submitters_needs_submitter(example_repo: Repo, run: Run) -> None:
    assert run("senders", "add", VA, "--submitter", "LAO", "--repo", str(example_repo.root), *TODAY).exit_code == 0
    before = snapshot(example_repo.root)
    both = run("senders", "remove", VA, "--note", "shared inbox", "--repo", str(example_repo.root))
    assert both.exit_code == 1 and f"{VA} is in the register for LBN or LAO; say which with --submitter CODE" in both.output
    assert snapshot(example_repo.root) == before
    one = run("senders", "remove", VA, "--submitter", "lao", "--note", "shared inbox", "--repo", str(example_repo.root))
    assert one.exit_code == 0, one.output
    assert register(example_repo).count(VA) == 1 and "Removed va.example@example.org for Lao" in one.output


def test_removing_the_last_entry_leaves_a_valid_empty_register_and_a_domain_still_speaks(example_repo: Repo, run: Run) -> None:
    address = "planning@nra.example.la"
    assert run("senders", "add", address, "--submitter", "LAO", "--repo", str(example_repo.root), *TODAY).exit_code == 0
    result = run("senders", "remove", address, "--note", "left the Authority", "--repo", str(example_repo.root))
    assert result.exit_code == 0, result.output
    assert f"Note: {address} still publishes for LAO through the entry for any address at nra.example.la (line " in result.output
    path = example_repo.schema_dir / "senders.yaml"
    path.write_text("senders:\n  - submitter: LAO\n    domain: nra.example.la\n    confirmed: 2026-10-15\n")
    git.Repo(example_repo.root).git.commit("-qam", "One entry")
    assert run("senders", "remove", "@nra.example.la", "--note", "closed", "--repo", str(example_repo.root)).exit_code == 0
    assert path.read_text() == "senders:\n"
    listed = run("senders", "list", "--repo", str(example_repo.root))
    assert listed.exit_code == 0, listed.output
