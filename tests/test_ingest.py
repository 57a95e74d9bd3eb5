"""The coordinator's workflow on real git repositories: ingest, replace, withdraw, history, verify."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import git
import pytest
from click.testing import Result

from portal.config import Repo

from tests.helpers import BAD, DEMO_DATE, FIXTURES, GOOD, MAIL, META, MakeRepo, Run, corpus, snapshot, text_of

LBN = ["--submitter", "LBN", "--today", DEMO_DATE]


def published(repo: Repo, name: str) -> str:
    return (repo.root / name).read_text(encoding="utf-8")


def test_the_corpus_covers_what_mail_clients_send() -> None:
    assert len(list(MAIL.glob("*.eml"))) >= 25
    assert set(GOOD) | set(BAD) <= {p.name for p in MAIL.glob("*.eml")}  # test_intake covers the rest


@pytest.mark.parametrize("name", corpus(sorted(GOOD)))  # each message without a repository: tests/unit/intake/test_mail.py
def test_ingest_publishes_the_text_as_decoded_in_one_commit(name: str, example_repo: Repo, run: Run) -> None:
    extra, kept = GOOD[name]
    handle = git.Repo(example_repo.root)
    before = handle.head.commit.hexsha
    result = run("ingest", str(MAIL / name), "--repo", str(example_repo.root), *LBN, *extra)
    assert result.exit_code == 0, result.output
    commit = handle.head.commit
    assert commit.parents[0].hexsha == before
    added = [str(path) for path in commit.stats.files]
    submission = next(path for path in added if path.endswith(".md"))
    content = published(example_repo, submission)
    assert kept in text_of(content)
    golden = MAIL / "published" / f"{Path(name).stem}.md"  # the whole file: front matter and text
    if os.environ.get("PORTAL_UPDATE_CASES") == "1":
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(content, encoding="utf-8")
    assert content == golden.read_text(encoding="utf-8"), f"{name}: the published file differs from {golden.name}"
    assert f"Portal-Submission: {Path(submission).stem}" in commit.message
    assert "Portal-Action: publish" in commit.message
    assert f"Portal-Message-Id: <corpus-{name[:2]}@example.org>" in commit.message
    assert handle.git.status("--porcelain") == ""
    assert run("validate", "--repo", str(example_repo.root)).exit_code == 0
    assert run("verify", "--repo", str(example_repo.root), "--today", DEMO_DATE).exit_code == 0


def test_header_block_and_headers_fill_the_metadata(example_repo: Repo, run: Run) -> None:
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 0, result.output
    path = example_repo.root / "submissions/LBN/lbn-2026-need-rehabilitation-services-for-survivors-in-the.md"
    content = path.read_text()
    for line in (
        "kind: need",
        "title: Rehabilitation services for survivors in the south",
        "themes: [victim-assistance]",
        "assistance: [material, financial]",
        "audience: states-and-partners",
        "  name: Head of Victim Assistance",
        "  email: va.example@example.org",
        "regions: [Nabatieh, Tyre]",
        "  amount: 250000",
        "  currency: USD",
        "  start: 2027-01-01",
        "received: 2026-11-16",
        "published: 2026-11-20",
        "expires: 2027-11-20",
        "  message_id: <corpus-01@example.org>",
    ):
        assert line + "\n" in content, line
    assert text_of(content).startswith("Dear coordinator,\n")
    assert "Kind: need" not in text_of(content)


def test_options_win_over_the_header_block(example_repo: Repo, run: Run) -> None:
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN, "--title", "Another title", "--audience", "states")
    assert result.exit_code == 0, result.output
    content = published(example_repo, "submissions/LBN/lbn-2026-need-another-title.md")
    assert "title: Another title\n" in content and "audience: states\n" in content


def test_html_only_mail_is_converted_and_marked(example_repo: Repo, run: Run) -> None:
    result = run("ingest", str(MAIL / "03-html-only.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 0, result.output
    assert "text converted from html" in result.output
    content = published(example_repo, "submissions/LBN/lbn-2026-offer-training-places-in-clearance.md")
    assert "converted_from: html" in content
    assert "alert(1)" not in content


def test_attachments_are_kept_with_safe_names_inside_the_folder(example_repo: Repo, run: Run) -> None:
    result = run("ingest", str(MAIL / "29-hostile-attachment-names.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 0, result.output
    folder = example_repo.root / "submissions/LBN/attachments/lbn-2026-need-rehabilitation-services-for-survivors-in-the"
    assert sorted(p.name for p in folder.iterdir()) == ["badname.pdf", "hidden.pdf", "passwd", "path.pdf"]
    assert not (example_repo.root / "etc").exists()
    content = published(example_repo, "submissions/LBN/lbn-2026-need-rehabilitation-services-for-survivors-in-the.md")
    assert "title: ../../../../etc/passwd" in content  # the sender's name is kept as the title, never as a path


@pytest.mark.parametrize("name", corpus(sorted(BAD)))
def test_bad_mail_is_refused_and_changes_nothing(name: str, example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    result = run("ingest", str(MAIL / name), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 1
    assert BAD[name] in result.output
    assert f"{MAIL / name}:" in result.output
    assert "Traceback" not in result.output
    assert snapshot(example_repo.root) == before


@pytest.mark.slow
def test_an_attachment_over_the_limit(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "a@example.org"
    message["Message-ID"] = "<big@example.org>"
    message.set_content((MAIL / "01-plain-utf8.eml").read_text().split("\n\n", 1)[1])
    message.add_attachment(b"x" * (example_repo.settings.attachment_bytes + 1), maintype="application", subtype="pdf", filename="huge.pdf")
    (tmp_path / "big.eml").write_bytes(message.as_bytes())
    before = snapshot(example_repo.root)
    result = run("ingest", str(tmp_path / "big.eml"), "--repo", str(example_repo.root), *LBN, *META)
    assert result.exit_code == 1
    assert "attachment 'huge.pdf' is 10,000,001 bytes, over the limit of 10,000,000" in result.output
    assert snapshot(example_repo.root) == before


def test_missing_metadata_is_named(example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    result = run("ingest", str(MAIL / "20-no-header-block.eml"), "--repo", str(example_repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1
    assert "missing: kind (give --kind or 'Kind:'); title (give --title or 'Title:'); themes (give --theme or 'Themes:')" in result.output
    assert snapshot(example_repo.root) == before


def test_invalid_metadata_is_reported_like_validate_and_nothing_is_written(example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), "--submitter", "LTU", "--today", DEMO_DATE)
    assert result.exit_code == 1
    assert "error: submitter.code: Lithuania is withdrawn from the Convention" in result.output
    assert "the submission would not be valid; nothing was written" in result.output
    assert snapshot(example_repo.root) == before


def test_the_same_message_twice_is_refused(example_repo: Repo, run: Run) -> None:
    assert run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN).exit_code == 0
    before = snapshot(example_repo.root)
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 1
    assert "was already published as lbn-2026-need-rehabilitation-services-for-survivors-in-the" in result.output
    assert snapshot(example_repo.root) == before


def test_from_standard_input(example_repo: Repo, run: Run) -> None:
    result = run("ingest", "-", "--repo", str(example_repo.root), *LBN, input=(MAIL / "07-iso-8859-1.eml").read_bytes())
    assert result.exit_code == 0, result.output
    assert "Señora Peña" in published(example_repo, "submissions/LBN/lbn-2026-need-rehabilitation-services-for-survivors-in-the.md")


def test_other_changes_in_the_working_tree_are_left_alone(example_repo: Repo, run: Run) -> None:
    root = example_repo.root
    handle = git.Repo(root)
    (root / "notes.txt").write_text("coordinator's notes\n")
    handle.git.add("notes.txt")  # staged, not committed
    readme = root / "schema" / "templates" / "need.md"
    readme.write_text(readme.read_text() + "local edit\n")  # unstaged
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(root), *LBN)
    assert result.exit_code == 0, result.output
    assert set(handle.head.commit.stats.files) == {"submissions/LBN/lbn-2026-need-rehabilitation-services-for-survivors-in-the.md"}
    status = handle.git.status("--porcelain").splitlines()
    assert "A  notes.txt" in status and " M schema/templates/need.md" in status and len(status) == 2


def test_not_a_git_repository(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base", commit=False)
    before = {path: path.read_bytes() for path in repo.root.rglob("*") if path.is_file()}
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(repo.root), *LBN)
    assert result.exit_code == 1
    assert "is not a git repository; the portal keeps its audit trail in git" in result.output
    assert not (repo.submissions / "LBN").exists()  # nothing written, not even the submitter's folder
    assert {path: path.read_bytes() for path in repo.root.rglob("*") if path.is_file()} == before


def test_replace_supersedes_and_history_follows_both(example_repo: Repo, run: Run) -> None:
    old = "lbn-2026-need-rehabilitation-south-lebanon"
    result = run("replace", old, str(MAIL / "02-multipart-alternative.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 0, result.output
    assert f"replaces {old}, which leaves the portal at the next build" in result.output
    new = "lbn-2026-need-rehabilitation-services-for-survivors-in-the"
    assert f"replaces: {old}\n" in published(example_repo, f"submissions/LBN/{new}.md")
    assert (example_repo.root / f"submissions/LBN/{old}.md").exists()  # history keeps it; the site does not show it
    trail = json.loads(run("history", old, "--repo", str(example_repo.root), "--format", "json").output)["history"]
    assert [entry["action"] for entry in trail] == ["publish", "replaced-by"]
    assert trail[1]["other"] == new
    text = run("history", new, "--repo", str(example_repo.root)).output
    assert f"published (replacing {old})" in text


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("lbn-2024-need-gone", "'lbn-2024-need-gone' is not the id of a submission in submissions/"),
        ("deu-2026-offer-clearance-victim-assistance-funding", "is a text of Germany, not of Lebanon; a text can only replace one of the same submitter"),
    ],
)
def test_replace_refuses_unknown_or_foreign_texts(example_repo: Repo, run: Run, target: str, message: str) -> None:
    before = snapshot(example_repo.root)
    result = run("replace", target, str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 1
    assert message in result.output
    assert snapshot(example_repo.root) == before


def test_withdraw_removes_text_and_attachments_in_one_commit(example_repo: Repo, run: Run) -> None:
    target = "irq-2026-need-risk-education-basrah"
    result = run("withdraw", target, "--reason", "Funded by a bilateral agreement", "--repo", str(example_repo.root))
    assert result.exit_code == 0, result.output
    handle = git.Repo(example_repo.root)
    commit = handle.head.commit
    assert set(commit.stats.files) == {f"submissions/IRQ/{target}.md", f"submissions/IRQ/attachments/{target}/work-plan.csv"}
    assert "Reason: Funded by a bilateral agreement" in commit.message
    assert not (example_repo.root / "submissions/IRQ").exists()
    trail = json.loads(run("history", target, "--repo", str(example_repo.root), "--format", "json").output)["history"]
    assert [entry["action"] for entry in trail] == ["publish", "withdraw"]
    assert trail[1]["reason"] == "Funded by a bilateral agreement"
    again = run("withdraw", target, "--reason", "again", "--repo", str(example_repo.root))
    assert again.exit_code == 1 and f"no submission {target!r} in submissions/" in again.output


def test_withdraw_refuses_a_file_with_uncommitted_edits(example_repo: Repo, run: Run) -> None:
    path = example_repo.root / "submissions/TCD/tcd-2026-need-national-implementation-law.md"
    path.write_text(path.read_text() + "edit\n")
    before = snapshot(example_repo.root)
    result = run("withdraw", "tcd-2026-need-national-implementation-law", "--reason", "x", "--repo", str(example_repo.root))
    assert result.exit_code == 1
    assert "has uncommitted changes; commit or remove them first (nothing was changed)" in result.output
    assert snapshot(example_repo.root) == before


def test_verify_catches_an_edit_after_receipt(example_repo: Repo, run: Run) -> None:
    assert run("verify", "--repo", str(example_repo.root), "--today", DEMO_DATE).exit_code == 0
    path = example_repo.root / "submissions/CHE/che-2026-offer-stockpile-destruction-expertise.md"
    path.write_text(path.read_text().replace("lend cutting equipment", "lend some cutting equipment"))
    result = run("verify", "--repo", str(example_repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1
    assert "submissions/CHE/che-2026-offer-stockpile-destruction-expertise.md:" in result.output
    assert "source.sha256: does not match the text" in result.output


def test_verify_catches_a_fingerprint_rewritten_to_match(example_repo: Repo, run: Run) -> None:
    from portal.checks.load import text_fingerprint

    path = example_repo.root / "submissions/CHE/che-2026-offer-stockpile-destruction-expertise.md"
    content = path.read_text()
    old_text = content.split("\n---\n", 1)[1]
    new_text = old_text.replace("lend cutting equipment", "lend some cutting equipment")
    content = content.replace(text_fingerprint(old_text), text_fingerprint(new_text)).replace(old_text, new_text)
    path.write_text(content)
    git.Repo(example_repo.root).git.commit("-qam", "Edit quietly")
    result = run("verify", "--repo", str(example_repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1
    # The commit that published it recorded the fingerprint of the text as received: the quiet
    # edit is named at the fingerprint's line, with what was recorded.
    location = "submissions/CHE/che-2026-offer-stockpile-destruction-expertise.md:20:3: error: source.sha256: differs from the fingerprint in commit "
    assert location in result.output
    assert f"(sha256:{text_fingerprint(old_text)}); the text or its fingerprint was changed after publication" in result.output


def test_history_of_an_unknown_id(example_repo: Repo, run: Run) -> None:
    result = run("history", "nothing-here", "--repo", str(example_repo.root))
    assert result.exit_code == 1
    assert "no commit mentions 'nothing-here'" in result.output


LBN_NEED = "submissions/LBN/lbn-2026-need-rehabilitation-services-for-survivors-in-the.md"


def test_the_texts_format_is_given_with_text_format(example_repo: Repo, run: Callable[..., Result]) -> None:
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN, "--text-format", "markdown")
    assert result.exit_code == 0, result.output
    assert "\nformat: markdown\n" in published(example_repo, LBN_NEED)
    assert "deprecated" not in result.output


def test_format_still_gives_the_texts_format_for_one_release_with_a_notice(example_repo: Repo, run: Callable[..., Result]) -> None:
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN, "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert "\nformat: markdown\n" in published(example_repo, LBN_NEED)
    assert result.stderr.splitlines() == ["portal ingest: --format is deprecated here and goes in the next release; use --text-format markdown"]
    assert "--format" not in run("ingest", "--help").output.replace("--text-format", "")

    made = run(
        "new",
        *["--kind", "need", "--submitter", "LAO", "--title", "Survey", "--theme", "transparency", "--assistance", "technical"],
        *["--format", "markdown", "--repo", str(example_repo.root), "--today", DEMO_DATE],
    )
    assert made.exit_code == 0, made.output
    assert "\nformat: markdown\n" in published(example_repo, "submissions/LAO/lao-2026-need-survey.md")
    assert made.stderr.splitlines() == ["portal new: --format is deprecated here and goes in the next release; use --text-format markdown"]


def test_text_format_and_format_that_disagree_are_refused(example_repo: Repo, run: Callable[..., Result]) -> None:
    before = snapshot(example_repo.root)
    result = run("ingest", str(MAIL / "01-plain-utf8.eml"), "--repo", str(example_repo.root), *LBN, "--text-format", "plain", "--format", "markdown")
    assert result.exit_code == 2
    assert "--text-format plain and --format markdown disagree; give --text-format only" in result.output
    assert snapshot(example_repo.root) == before
