"""The file layout has one home (portal.layout): where a text and its attachments are, how a
text is found by id, and that every part of the portal agrees with it."""

from __future__ import annotations

import git

from portal import layout
from portal.checks.attachpath import attachment_path, attachment_path_problem
from portal.checks.validate import submission_files, validate_repo
from portal.config import Repo
from portal.trail.history import added_by, text_history

from tests.helpers import Run

IRQ = "irq-2026-need-risk-education-basrah"  # the example with an attachment
ESP = "esp-2026-offer-demining-training"


def test_the_paths_of_a_text_and_its_attachments() -> None:
    text = layout.submission_file("LAO", "lao-2026-need-survey")
    assert text == "submissions/LAO/lao-2026-need-survey.md"
    assert layout.attachments_dir(text, "lao-2026-need-survey") == "submissions/LAO/attachments/lao-2026-need-survey"
    assert layout.attachment_folder("lao-2026-need-survey") == "attachments/lao-2026-need-survey"
    assert layout.identifier_of(text) == "lao-2026-need-survey"
    assert layout.is_submission_file(text) and not layout.is_submission_file("submissions/LAO/attachments/x/plan.pdf")
    assert not layout.is_text_folder(layout.ATTACHMENTS) and not layout.is_text_folder(".git") and layout.is_text_folder("LAO")


def test_an_attachment_path_the_front_matter_writes_is_one_the_checks_accept() -> None:
    written = attachment_path("lao-2026-need-survey", "plan.pdf")
    assert written == "attachments/lao-2026-need-survey/plan.pdf"
    assert attachment_path_problem(written, "lao-2026-need-survey") == ""
    assert "attachments/lao-2026-need-survey/" in attachment_path_problem("attachments/other/plan.pdf", "lao-2026-need-survey")


def test_history_looks_where_the_layout_puts_files() -> None:
    paths = layout.candidate_paths("gichd-2026-offer-training")
    assert "submissions/GICHD/gichd-2026-offer-training.md" in paths
    assert "submissions/GICHD/attachments/gichd-2026-offer-training" in paths
    assert "submissions/GICHD-2026/gichd-2026-offer-training.md" in paths  # a code may hold a hyphen


def test_every_example_is_where_the_layout_says(example_repo: Repo) -> None:
    result = validate_repo(example_repo)
    assert result.ok and result.submissions
    for sub in result.submissions:
        assert sub.path == layout.submission_file(sub.submitter.code, sub.id)
        assert example_repo.root / sub.path == layout.find(example_repo, sub.id)
        for attachment in sub.attachments:
            assert attachment.path.startswith(layout.attachments_dir(sub.path, sub.id) + "/")
    assert layout.ids(example_repo) == sorted(sub.id for sub in result.submissions)
    assert [example_repo.relative(path) for path in submission_files(example_repo)] == sorted(sub.path for sub in result.submissions)
    added = added_by(example_repo)
    assert {layout.identifier_of(path) for path in added} == set(layout.ids(example_repo))


def test_find_takes_an_id_never_a_path_or_a_pattern(example_repo: Repo) -> None:
    assert layout.find(example_repo, ESP) == example_repo.root / layout.submission_file("ESP", ESP)
    for wrong in ("", "*", "esp-2026-*", "[e]sp-2026-offer-demining-training", "ESP/" + ESP, "..", ".hidden", "esp\\x"):
        assert layout.find(example_repo, wrong) is None, wrong


def test_withdrawing_a_pattern_removes_nothing(example_repo: Repo, run: Run) -> None:
    before = git.Repo(example_repo.root).head.commit.hexsha
    result = run("withdraw", "*", "--reason", "a pattern is not an id", "--repo", str(example_repo.root))
    assert result.exit_code == 1
    assert "no submission '*' in submissions/" in result.output
    assert git.Repo(example_repo.root).head.commit.hexsha == before


def test_withdrawal_removes_the_attachments_where_the_layout_puts_them(example_repo: Repo, run: Run) -> None:
    folder = example_repo.root / layout.attachments_dir(layout.submission_file("IRQ", IRQ), IRQ)
    assert any(folder.iterdir())
    result = run("withdraw", IRQ, "--reason", "Funded", "--repo", str(example_repo.root))
    assert result.exit_code == 0, result.output
    assert not folder.exists() and layout.find(example_repo, IRQ) is None
    entries = text_history(example_repo, IRQ)
    assert entries[-1].action == "withdraw"
    assert any(path.startswith(layout.attachments_dir(layout.submission_file("IRQ", IRQ), IRQ)) for path in entries[-1].paths)
