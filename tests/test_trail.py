"""The commit trailers: one writer, one parser, and the trail read back from real git repositories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import git
import pytest
from click.testing import Result

from portal.checks.load import text_fingerprint
from portal.config import Repo
from portal.trail import trailers
from portal.trail.history import added_by, change_events, message_ids_in_history, text_history
from portal.trail.store import commit_files
from portal.trail.trailers import Change, commit_message, read_changes, read_reason

from tests.helpers import DEMO_DATE, FIXTURES

FINGERPRINT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
OTHER = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

# A commit message exactly as `portal ingest` has written it since senders were recorded:
# the parser must go on reading repositories written by earlier versions.
PUBLISHED = f"""\
Replace need of Lao PDR: Survey and clearance: Xiengkhouang (update 2027)

Received 2026-11-02 from National Regulatory Authority.
Sender planning@nra.example.la is in the register for Lao PDR.
Replaces lao-2025-need-survey-clearance, which leaves the portal.

Portal-Action: replace
Portal-Submission: lao-2026-need-survey-clearance
Portal-Fingerprint: sha256:{FINGERPRINT}
Portal-Message-Id: <2026-11-02.a:b@nra.example.la>
Portal-Replaces: lao-2025-need-survey-clearance
Portal-Sender: planning@nra.example.la (register)
"""


def test_the_writer_writes_what_earlier_versions_wrote_and_the_parser_reads_it_back() -> None:
    change = Change(
        "replace",
        "lao-2026-need-survey-clearance",
        FINGERPRINT,
        "<2026-11-02.a:b@nra.example.la>",
        "lao-2025-need-survey-clearance",
        sender="planning@nra.example.la (register)",
    )
    body = (
        "Received 2026-11-02 from National Regulatory Authority.\n"
        "Sender planning@nra.example.la is in the register for Lao PDR.\n"
        "Replaces lao-2025-need-survey-clearance, which leaves the portal."
    )
    message = commit_message("Replace need of Lao PDR: Survey and clearance: Xiengkhouang (update 2027)", body, [change])
    assert message == PUBLISHED
    assert read_changes(PUBLISHED) == [change]


def test_several_submissions_in_one_commit_are_one_block_each_in_order() -> None:
    changes = [
        Change("expire", "mrt-2025-need-survivor-data", FINGERPRINT),
        Change("expire", "lao-2025-need-survey-clearance", OTHER),
        Change("expire", "nor-2026-how-to-apply-grants"),
    ]
    message = commit_message("Remove 3 expired texts", "Texts past their expiry date on 2027-01-01:\n- mrt-2025-need-survivor-data: need", changes)
    assert message.endswith(
        "\n\nPortal-Action: expire\nPortal-Submission: mrt-2025-need-survivor-data\n"
        f"Portal-Fingerprint: sha256:{FINGERPRINT}\n"
        "Portal-Action: expire\nPortal-Submission: lao-2025-need-survey-clearance\n"
        f"Portal-Fingerprint: sha256:{OTHER}\n"
        "Portal-Action: expire\nPortal-Submission: nor-2026-how-to-apply-grants\n"
    )
    assert read_changes(message) == changes


@pytest.mark.parametrize(
    "change",
    [
        Change("publish", "che-2026-offer-expertise", message_id="<x:y:z@mail.admin.ch>", sender="a@b.ch (confirmed by hand)"),
        Change("register-sender", "LAO"),
        Change("rotate-passcode"),
        Change("publish", "col-2026-project-liaison", FINGERPRINT, other=(("Portal-Batch", "7: of 9"), ("Portal-Signed-Off", "Coordinator <c@example.org>"))),
    ],
)
def test_every_change_survives_the_round_trip(change: Change) -> None:
    assert read_changes(commit_message("Subject: with a colon", "Body: with one too.", [change])) == [change]


def test_unknown_trailers_are_kept_in_their_block_and_written_after_the_known_ones() -> None:
    message = (
        "Publish offer of Japan: Detection equipment\n\n"
        "Portal-Action: publish\nPortal-Review: second reader: yes\nPortal-Submission: jpn-2026-offer-detection\n"
        "Portal-Action: publish\nPortal-Submission: jpn-2026-offer-training\n"
    )
    first, second = read_changes(message)
    assert first == Change("publish", "jpn-2026-offer-detection", other=(("Portal-Review", "second reader: yes"),))
    assert second == Change("publish", "jpn-2026-offer-training")
    assert first.trailers() == ["Portal-Action: publish", "Portal-Submission: jpn-2026-offer-detection", "Portal-Review: second reader: yes"]


def test_a_rotation_without_a_submission_is_written_as_before() -> None:
    assert (
        commit_message("Rotate the passcode of States", "", [Change("rotate-passcode")]) == "Rotate the passcode of States\n\nPortal-Action: rotate-passcode\n"
    )


def test_the_reason_of_a_withdrawal_is_a_body_line_written_and_read_back() -> None:
    message = commit_message("Withdraw need of Iraq: Risk education", "", [Change("withdraw", "irq-2026-need-risk")], reason=" Funded: by a grant ")
    assert message == "Withdraw need of Iraq: Risk education\n\nReason: Funded: by a grant\n\nPortal-Action: withdraw\nPortal-Submission: irq-2026-need-risk\n"
    assert read_reason(message) == "Funded: by a grant"
    assert read_reason(PUBLISHED) == ""


def test_the_parser_reads_hand_written_trailers_as_earlier_versions_did() -> None:
    message = (
        "Fix by hand\n\n"
        "Portal-Submission: before-any-action\n"  # belongs to no block
        "Portal-Action: edit\n"
        "Portal-Submission:   lbn-2026-need-rehabilitation   \r\n"
        "Portal-Submission: a-second-one\n"  # a key repeated in a block keeps its first value
        "Portal-Fingerprint: 60303ae2\n"  # no algorithm: read as written
        "Not-Portal: ignored\n"
    )
    assert read_changes(message) == [Change("edit", "lbn-2026-need-rehabilitation", "60303ae2")]
    assert read_changes("Set up the cooperation portal\n") == []


def test_a_line_break_in_a_value_cannot_add_a_trailer() -> None:
    # A Message-ID header can decode to several lines; each trailer stays one line.
    change = Change("publish", "lao-2026-need-survey", message_id="<x@mail.example>\nPortal-Submission: deu-2026-offer-funding")
    message = commit_message("Publish need of Lao PDR: Survey", "", [change])
    assert "\nPortal-Submission: deu-2026-offer-funding" not in message
    assert read_changes(message) == [Change("publish", "lao-2026-need-survey", message_id="<x@mail.example> Portal-Submission: deu-2026-offer-funding")]


def test_git_log_options_select_the_commits_with_the_trailer(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    commit_files(repo, write={"notes.txt": b"a\n"}, message=commit_message("One", "", [Change("publish", "lao-2026-need-a-b", message_id="<m@x>")]))
    commit_files(repo, write={"notes.txt": b"b\n"}, message=commit_message("Two", "", [Change("publish", "lao-2026-need-a", replaces="lao-2026-need-a-b")]))
    handle = git.Repo(repo.root)
    assert handle.git.log("--format=%s", trailers.grep_key(trailers.MESSAGE_ID)).splitlines() == ["One"]
    assert handle.git.log("--format=%s", *trailers.grep_naming("lao-2026-need-a-b")).splitlines() == ["Two", "One"]
    assert handle.git.log("--format=%s", *trailers.grep_naming("lao-2026-need-a")).splitlines() == ["Two"]


def test_one_commit_for_two_submissions_is_read_back_by_every_reader_of_the_trail(make_repo: Callable[..., Repo]) -> None:
    repo = make_repo()
    first, second = "lao-2026-need-survey", "khm-2026-need-clearance"
    changes = [
        Change("publish", first, FINGERPRINT, "<first:1@nra.example.la>", sender="planning@nra.example.la (register)"),
        Change("publish", second, OTHER, "<second:2@cmaa.example.kh>", sender="cmaa@cmaa.example.kh (confirmed by hand)"),
    ]
    written = {f"submissions/LAO/{first}.md": b"first\n", f"submissions/KHM/{second}.md": b"second\n"}
    commit = commit_files(repo, write=written, message=commit_message("Publish two texts", "Received: 2026-11-02.", changes), date="2026-11-02T10:00:00")

    assert [(event.date, event.action, event.submission) for event in change_events(repo)] == [
        (dt.date(2026, 11, 2), "publish", first),
        (dt.date(2026, 11, 2), "publish", second),
    ]
    assert message_ids_in_history(repo) == {"<first:1@nra.example.la>": first, "<second:2@cmaa.example.kh>": second}
    added = added_by(repo)
    assert {path: (entry.commit, entry.change) for path, entry in added.items()} == {
        f"submissions/LAO/{first}.md": (commit, changes[0]),
        f"submissions/KHM/{second}.md": (commit, changes[1]),
    }
    (entry,) = text_history(repo, second)
    assert (entry.commit, entry.action, entry.fingerprint, entry.message_id, entry.paths) == (
        commit,
        "publish",
        OTHER,
        "<second:2@cmaa.example.kh>",
        (f"submissions/KHM/{second}.md",),
    )


BASE_TEXT = "submissions/LAO/lao-2026-need-base.md"


def fingerprinted_base_text() -> tuple[bytes, str]:
    """The base need of Lao PDR, with the fingerprint of its text recorded (line 20, column 3)."""
    content = (FIXTURES / "base" / BASE_TEXT).read_text(encoding="utf-8")
    fingerprint = text_fingerprint(content.split("\n---\n", 1)[1])
    return content.replace("format: plain\n", f"format: plain\nsource:\n  sha256: {fingerprint}\n").encode(), fingerprint


@pytest.mark.parametrize(
    ("submission", "recorded", "problem"),
    [
        ("lao-2026-need-base", "right", ""),
        ("lao-2026-need-base", OTHER, f"{BASE_TEXT}:20:3: error: source.sha256: differs from the fingerprint in commit {{short}} (sha256:{OTHER}); "),
        ("lao-2026-need-base", "", f"{BASE_TEXT}:20:3: error: source.sha256: differs from the fingerprint in commit {{short}} (none); "),
        (
            "lao-2026-need-other",
            "right",
            f"{BASE_TEXT}:1:1: error: file: commit {{short}} that added it has no 'Portal-Submission: lao-2026-need-base' trailer; ",
        ),
    ],
)
def test_verify_reads_the_trailers_of_the_commit_that_added_each_text(
    make_repo: Callable[..., Repo], run: Callable[..., Result], submission: str, recorded: str, problem: str
) -> None:
    repo = make_repo()
    content, fingerprint = fingerprinted_base_text()
    change = Change("publish", submission, fingerprint if recorded == "right" else recorded)
    commit = commit_files(repo, write={BASE_TEXT: content}, message=commit_message("Publish need of Lao PDR: Clearance", "", [change]))
    result = run("verify", "--repo", str(repo.root), "--today", DEMO_DATE)
    if not problem:
        assert result.exit_code == 0, result.output
        assert "All 1 texts on the portal match their fingerprints and publishing commits" in result.output
    else:
        assert result.exit_code == 1
        assert problem.format(short=commit[:10]) in result.output


def test_verify_names_a_text_committed_by_hand(make_repo: Callable[..., Repo], run: Callable[..., Result]) -> None:
    repo = make_repo()
    content, _ = fingerprinted_base_text()
    (repo.root / BASE_TEXT).parent.mkdir(parents=True)
    (repo.root / BASE_TEXT).write_bytes(content)
    handle = git.Repo(repo.root)
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "Add a text by hand")
    result = run("verify", "--repo", str(repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1
    short = handle.head.commit.hexsha[:10]
    assert f"{BASE_TEXT}:1:1: error: file: commit {short} that added it has no 'Portal-Submission: lao-2026-need-base' trailer; " in result.output
