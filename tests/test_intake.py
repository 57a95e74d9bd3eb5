"""The coordinator's path with e-mails as States really write them: one command for the common
cases (`portal ingest message.eml`), a clear question or refusal for the rest."""

from __future__ import annotations

import email
import email.policy
import json
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import git
import pytest
from click.testing import Result

from portal.checks.attachpath import attachment_path_problem
from portal.config import Repo
from portal.intake.ingest import IngestError, Options, ingest_message
from portal.intake.metadata import parse_contact

from tests.helpers import BAD, DEMO_DATE, GOOD, MAIL, Run, snapshot, text_of

TODAY = ["--today", DEMO_DATE]
LAO_CHAIN_OLD = "lao-2025-need-survey-clearance-xiengkhouang"
LAO_CHAIN_NEW = "lao-2026-need-survey-clearance-xiengkhouang"
INTAKE = {
    "30-outlook-reply-to-reminder.eml",
    "31-greeting-first.eml",
    "32-forwarded-by-mission.eml",
    "33-outlook-html-only.eml",
    "34-same-text-again.eml",
    "35-unknown-sender.eml",
    "36-pdf-body.eml",
    "37-scanned-pdf-body.eml",
    "38-legacy-doc-body.eml",
    "39-attachment-windows-path.eml",
    "40-outlook.msg",
}


def ingest(run: Run, repo: Repo, name: str, *extra: str) -> Result:
    return run("ingest", str(MAIL / name), "--repo", str(repo.root), *TODAY, *extra)


def added_text(repo: Repo) -> tuple[str, str]:
    """(path, content) of the submission file the last commit added."""
    commit = git.Repo(repo.root).head.commit
    path = next(str(name) for name in commit.stats.files if str(name).endswith(".md"))
    return str(path), (repo.root / path).read_text(encoding="utf-8")


def test_the_corpus_covers_every_message(example_repo: Repo) -> None:
    names = {p.name for p in MAIL.iterdir() if p.suffix in (".eml", ".msg")}
    assert set(GOOD) | set(BAD) | INTAKE == names


def test_a_reply_to_a_reminder_publishes_with_one_command(example_repo: Repo, run: Run) -> None:
    """The template filled in by a State, replying in Outlook to the portal's reminder: the
    submitter from the register, the contact with commas, the signature and the reminder's quoted
    history left out."""
    result = ingest(run, example_repo, "30-outlook-reply-to-reminder.eml")
    assert result.exit_code == 0, result.output
    path, content = added_text(example_repo)
    assert path == "submissions/LAO/lao-2026-need-survey-of-cluster-munition-remnants-in.md"
    assert "  name: Director, Planning and Cooperation Unit, NRA\n  email: planning@nra.example.la\n" in content
    assert f"replaces: {LAO_CHAIN_NEW}\n" in content
    text = text_of(content)
    assert text.startswith("The National Regulatory Authority needs support")
    assert text.endswith("Two survey teams for nine months, and vehicles.\n")
    assert "Best regards" not in text and "Executive Coordinator" not in text and "(your updated text here)" not in text
    assert "left out the signature, from line 15 ('Best regards,') to the quoted history; give --keep-signature to publish it" in result.output
    assert "left out the quoted history of the reply, from line 18 ('From: Executive Coordinator" in result.output
    assert "sender planning@nra.example.la is in the register for Lao PDR (any address at nra.example.la, confirmed 2026-10-15)" in result.output
    message = git.Repo(example_repo.root).head.commit.message
    assert "Portal-Sender: planning@nra.example.la (register)" in message
    draft = example_repo.root / f"outbox/{DEMO_DATE}-replace-lao-2026-need-survey-of-cluster-munition-remnants-in.eml"
    assert f"Acknowledgement drafted for the sender: outbox/{draft.name}" in result.output
    parsed = email.message_from_bytes(draft.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "planning@nra.example.la" and parsed["X-Unsent"] == "1"
    receipt = parsed.get_content()
    for line in (
        "Reference:  lao-2026-need-survey-of-cluster-munition-remnants-in",
        'On the portal: CCM Cooperation Portal, page of Lao PDR, section "Needs"',
        "Expires:    20 November 2027",
        f"Replaces:   {LAO_CHAIN_NEW}, which leaves the portal",
        "Replaces: lao-2026-need-survey-of-cluster-munition-remnants-in",
        "reply asking us to withdraw reference lao-2026-need-survey-of-cluster-munition-remnants-in",
    ):
        assert line in receipt, line
    assert git.Repo(example_repo.root).git.status("--porcelain", "--untracked-files=all") == ""  # outbox/ is never committed
    assert run("verify", "--repo", str(example_repo.root), *TODAY).exit_code == 0


def test_email_option_alone_keeps_the_contact_name(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "30-outlook-reply-to-reminder.eml", "--email", "survey@nra.example.la")
    assert result.exit_code == 0, result.output
    _path, content = added_text(example_repo)
    assert "  name: Director, Planning and Cooperation Unit, NRA\n  email: survey@nra.example.la\n" in content


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Director, Planning and Cooperation Unit, NRA <planning@nra.gov.la>", ("Director, Planning and Cooperation Unit, NRA", "planning@nra.gov.la")),
        ('"Head, Victim Assistance" <va@example.org>', ("Head, Victim Assistance", "va@example.org")),
        ("Head of Victim Assistance, va@example.org", ("Head of Victim Assistance", "va@example.org")),
        ("va@example.org", ("", "va@example.org")),
        ("Director, Planning Unit", ("Director, Planning Unit", "")),
        ("NRA <planning@nra.gov.la (mailto:planning@nra.gov.la)>", ("NRA", "planning@nra.gov.la")),
    ],
)
def test_contact_lines_as_people_write_them(line: str, expected: tuple[str, str]) -> None:
    assert parse_contact(line) == expected


def test_an_invalid_contact_is_reported_in_the_message_not_in_an_unwritten_file(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    raw = (
        (MAIL / "31-greeting-first.eml")
        .read_text()
        .replace("Contact: Head of Victim Assistance <va.example@example.org>", "Contact: Head <va.example@@example.org>")
    )
    (tmp_path / "bad.eml").write_text(raw.replace("<corpus-31@", "<bad-contact@"))
    before = snapshot(example_repo.root)
    result = run("ingest", str(tmp_path / "bad.eml"), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad.eml'}:11:1: error: contact.email" in result.output
    assert "(from the header block, line 11 of the e-mail's text: 'Contact: Head <va.example@@example.org>')" in result.output
    assert "submissions/LBN/" not in result.output  # no file was written, so none is named
    assert snapshot(example_repo.root) == before


def test_a_greeting_before_the_header_block(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "31-greeting-first.eml")
    assert result.exit_code == 0, result.output
    _path, content = added_text(example_repo)
    assert "title: Rehabilitation services for survivors in the south\n" in content
    assert text_of(content).startswith("Dear coordinator,\n\nPlease publish the following need")
    assert "left out 3 line(s) before the header block (greeting: 'Dear Coordinator, please publish the text below.')" in result.output


def test_a_mission_forwarding_its_ministrys_email(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "32-forwarded-by-mission.eml")
    assert result.exit_code == 0, result.output
    path, content = added_text(example_repo)
    assert path.startswith("submissions/LBN/lbn-2026-need-rehabilitation-services")
    assert text_of(content).startswith("Dear colleagues,\n\nPlease publish the following need")
    assert "(forwarding note and headers: 'Dear Coordinator,')" in result.output
    assert "mission.example@example.org is in the register for Lebanon" in result.output


def test_outlook_html_only_mail(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "33-outlook-html-only.eml")
    assert result.exit_code == 0, result.output
    _path, content = added_text(example_repo)
    assert "  name: Director, Planning and Cooperation Unit, NRA\n  email: planning@nra.example.la\n" in content
    assert "converted_from: html" in content
    text = text_of(content)
    assert text.startswith("The National Regulatory Authority needs support to survey 1,200\xa0hectares.")
    # The link stays whole and usable, parentheses and underscore included.
    assert "our survey plan (https://nra.example.la/survey_plan(2027).pdf)." in text


def test_the_same_text_sent_again_is_refused_naming_it(example_repo: Repo, run: Run) -> None:
    assert ingest(run, example_repo, "01-plain-utf8.eml").exit_code == 0
    first = "lbn-2026-need-rehabilitation-services-for-survivors-in-the"
    before = snapshot(example_repo.root)
    result = ingest(run, example_repo, "34-same-text-again.eml")
    assert result.exit_code == 1
    assert f"this text is the same as {first} (submissions/LBN/{first}.md), already published for LBN on 2026-11-20" in result.output
    assert f"an update goes with `portal replace {first} MESSAGE`; to publish it again on purpose, give --allow-duplicate" in result.output
    assert snapshot(example_repo.root) == before
    again = ingest(run, example_repo, "34-same-text-again.eml", "--allow-duplicate")
    assert again.exit_code == 0, again.output
    assert added_text(example_repo)[0] == f"submissions/LBN/{first}-2.md"


def lao_message(tmp_path: Path, text: str, message_id: str) -> Path:
    message = EmailMessage()
    message["From"] = "NRA <nra.example@example.org>"
    message["Subject"] = "Need"
    message["Message-ID"] = message_id
    message.set_content(text)
    path = tmp_path / "lao.eml"
    path.write_bytes(message.as_bytes())
    return path


def test_advice_names_the_current_text_of_a_replacement_chain(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    old = (example_repo.submissions / "LAO" / f"{LAO_CHAIN_OLD}.md").read_text(encoding="utf-8")
    same_text = lao_message(tmp_path, text_of(old), "<new-copy@example.org>")
    result = run("ingest", str(same_text), "--repo", str(example_repo.root), *TODAY, "--kind", "need", "--title", "Survey")
    assert result.exit_code == 1
    assert f"the current text of that chain is {LAO_CHAIN_NEW}; an update goes with `portal replace {LAO_CHAIN_NEW} MESSAGE`" in result.output
    same_id = lao_message(tmp_path, "Another text.\n", f"<{LAO_CHAIN_OLD}@example.org>")
    result = run("ingest", str(same_id), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 1
    assert f"was already published as {LAO_CHAIN_OLD}" in result.output
    assert f"use `portal replace {LAO_CHAIN_NEW}` with the updated text ({LAO_CHAIN_OLD} was replaced since by {LAO_CHAIN_NEW})" in result.output
    replaced = run("replace", LAO_CHAIN_OLD, str(MAIL / "33-outlook-html-only.eml"), "--repo", str(example_repo.root), *TODAY)
    assert replaced.exit_code == 1
    assert f"{LAO_CHAIN_OLD} was already replaced by {LAO_CHAIN_NEW}; replace the current text: `portal replace {LAO_CHAIN_NEW} MESSAGE`" in replaced.output


def test_replace_takes_the_submitter_from_the_id_and_refusals_come_before_questions(example_repo: Repo, run: Run) -> None:
    result = run("replace", "lbn-2026-need-rehabilitation-south-lebanon", str(MAIL / "02-multipart-alternative.eml"), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 0, result.output
    assert "replaces lbn-2026-need-rehabilitation-south-lebanon" in result.output
    asked: list[str] = []

    def ask(field: str, _question: str) -> str:
        asked.append(field)
        return "x"

    raw = (MAIL / "20-no-header-block.eml").read_bytes().replace(b"<corpus-20@", b"<corpus-02@")  # already published, and nothing in it
    with pytest.raises(IngestError, match="was already published as lbn-2026-need-rehabilitation-services-for-survivors-in-the"):
        ingest_message(example_repo, raw, Options(), __import__("datetime").date(2026, 11, 20), ask=ask)
    assert asked == []


def test_an_unknown_sender_publishes_for_no_one_until_confirmed(example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    refused = ingest(run, example_repo, "35-unknown-sender.eml")
    assert refused.exit_code == 1
    assert "health.example@ministry.example.net is not in the register of senders (schema/senders.yaml), so it publishes for no one" in refused.output
    assert "`portal senders add health.example@ministry.example.net --submitter CODE`" in refused.output
    assert snapshot(example_repo.root) == before
    by_hand = ingest(run, example_repo, "35-unknown-sender.eml", "--submitter", "LBN")
    assert by_hand.exit_code == 0, by_hand.output
    message = git.Repo(example_repo.root).head.commit.message
    assert "Sender health.example@ministry.example.net confirmed by hand as speaking for Lebanon (not in the register of senders)." in message
    assert "Portal-Sender: health.example@ministry.example.net (confirmed by hand)" in message


def test_senders_add_then_the_sender_publishes_with_one_command(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    added = run(
        "senders", "add", "ministry.example.net", "--submitter", "LBN", "--note", "note verbale of 3 November 2026", "--repo", str(example_repo.root), *TODAY
    )
    assert added.exit_code == 0, added.output
    assert "Registered any address at ministry.example.net for Lebanon (LBN), confirmed 2026-11-20" in added.output
    assert str(git.Repo(example_repo.root).head.commit.message).startswith("Register sender any address at ministry.example.net for Lebanon")
    register = (example_repo.schema_dir / "senders.yaml").read_text()
    assert register.endswith('  - submitter: LBN\n    domain: ministry.example.net\n    confirmed: 2026-11-20\n    note: "note verbale of 3 November 2026"\n')
    listed = run("senders", "list", "--submitter", "LBN", "--repo", str(example_repo.root))
    assert "any address at ministry.example.net" in listed.output
    result = ingest(run, example_repo, "35-unknown-sender.eml")
    assert result.exit_code == 0, result.output
    assert "is in the register for Lebanon (any address at ministry.example.net, confirmed 2026-11-20)" in result.output
    for wrong, message in [("gmail.com", "gmail.com is a public mail service anyone can use"), ("ministry.example.net", "already in the register for LBN")]:
        refused = run("senders", "add", wrong, "--submitter", "LBN", "--repo", str(example_repo.root), *TODAY)
        assert refused.exit_code == 1 and message in refused.output


def test_a_broken_register_names_file_line_and_field(example_repo: Repo, run: Run) -> None:
    path = example_repo.schema_dir / "senders.yaml"
    path.write_text(path.read_text() + "  - submitter: LOA\n    address: someone@example.org\n    confirmed: 2026-01-01\n")
    git.Repo(example_repo.root).git.commit("-qam", "Register by hand")
    result = ingest(run, example_repo, "01-plain-utf8.eml")
    assert result.exit_code == 1
    lines = path.read_text().count("\n")
    assert f"senders.yaml:{lines - 2}:" in result.output
    assert (
        "senders[" in result.output
        and "'LOA' is neither a State's ISO 3166-1 alpha-3 code nor a registered organisation; did you mean LAO (Lao PDR)" in result.output
    )


def test_outlook_msg_files_follow_the_same_rules(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "40-outlook.msg")
    assert result.exit_code == 0, result.output
    path, content = added_text(example_repo)
    assert path == "submissions/LAO/lao-2026-need-survey-of-cluster-munition-remnants-in.md"
    assert "  name: Director, Planning and Cooperation Unit, NRA\n" in content
    assert "received: 2026-11-16\n" in content and "message_id: <corpus-40@example.org>" in content
    assert text_of(content).startswith("The National Regulatory Authority needs support")
    assert "\r" not in text_of(content)
    assert "left out 1 line(s) before the header block (greeting: 'Dear Coordinator,')" in result.output
    folder = example_repo.root / "submissions/LAO/attachments/lao-2026-need-survey-of-cluster-munition-remnants-in"
    assert [p.name for p in folder.iterdir()] == ["Survey plan.pdf"]
    again = ingest(run, example_repo, "40-outlook.msg")
    assert again.exit_code == 1 and "was already published as lao-2026-need-survey-of-cluster-munition-remnants-in" in again.output


def test_a_broken_msg_is_refused_cleanly(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    data = (MAIL / "40-outlook.msg").read_bytes()
    (tmp_path / "cut.msg").write_bytes(data[:1500])
    before = snapshot(example_repo.root)
    result = run("ingest", str(tmp_path / "cut.msg"), "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 1
    assert "this Outlook file cannot be read" in result.output and "Traceback" not in result.output
    assert snapshot(example_repo.root) == before


META = ["--kind", "need", "--title", "Support for survivors", "--theme", "victim-assistance", "--assistance", "technical", "--contact", "Unit"]


def test_body_from_a_pdf_with_a_text_layer(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "36-pdf-body.eml", "--body-from", "need.pdf", *META)
    assert result.exit_code == 0, result.output
    _path, content = added_text(example_repo)
    assert text_of(content) == "Summary\nWe need support for survivors.\n"
    assert "converted_from: pdf" in content


@pytest.mark.parametrize(
    ("name", "attachment", "message"),
    [
        ("37-scanned-pdf-body.eml", "scan.pdf", "'scan.pdf' has no text layer (a scanned PDF: its pages are pictures)"),
        (
            "38-legacy-doc-body.eml",
            "need.doc",
            "a legacy Word .doc cannot be read faithfully; ask the sender for the text in the e-mail, or as .docx, .odt or PDF",
        ),
    ],
)
def test_body_from_a_scan_or_a_legacy_doc_is_refused_with_what_to_do(example_repo: Repo, run: Run, name: str, attachment: str, message: str) -> None:
    before = snapshot(example_repo.root)
    result = ingest(run, example_repo, name, "--body-from", attachment, *META)
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert snapshot(example_repo.root) == before


def test_an_attachment_named_like_a_windows_path_stays_in_its_own_folder(example_repo: Repo, run: Run) -> None:
    result = ingest(run, example_repo, "39-attachment-windows-path.eml")
    assert result.exit_code == 0, result.output
    assert "attachment '..\\\\..\\\\submissions\\\\evil.txt' saved as 'evil.txt'" in result.output
    commit = git.Repo(example_repo.root).head.commit
    identifier = "lbn-2026-need-rehabilitation-services-for-survivors-in-the"
    assert set(commit.stats.files) == {f"submissions/LBN/{identifier}.md", f"submissions/LBN/attachments/{identifier}/evil.txt"}
    assert not (example_repo.submissions / "evil.txt").exists()
    assert f"- path: attachments/{identifier}/evil.txt\n" in (example_repo.submissions / "LBN" / f"{identifier}.md").read_text()
    assert run("validate", "--repo", str(example_repo.root)).exit_code == 0


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        ("attachments/lao-x/plan.pdf", ""),
        ("attachments/lao-x/annex/plan.pdf", ""),
        ("..\\..\\submissions\\evil.txt", "uses backslashes (a Windows path)"),
        ("attachments\\lao-x\\plan.pdf", "uses backslashes (a Windows path)"),
        ("/etc/passwd", "is an absolute path"),
        ("C:/Users/plan.pdf", "is an absolute path"),
        ("attachments/lao-x/../lao-y/plan.pdf", "leads outside the submission's own folder"),
        ("attachments/lao-y/plan.pdf", "is not in the submission's own folder; keep its attachments under attachments/lao-x/"),
        ("plan.pdf", "is not in the submission's own folder"),
        ("attachments/lao-x/.plan.pdf.abc.tmp", "is a hidden file"),
        ("attachments/lao-x/", "leads outside"),
        ("", "is empty"),
    ],
)
def test_the_one_attachment_path_rule(given: str, problem: str) -> None:
    found = attachment_path_problem(given, "lao-x")
    assert (problem in found) if problem else found == ""


def test_ingest_refuses_an_attachment_the_path_rule_refuses_and_commits_nothing(example_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ingest checks the path it writes with the same rule as validation: a name that its
    cleaning would let through (here made to) is refused before anything is written."""
    import portal.intake.mail

    monkeypatch.setattr(portal.intake.mail, "safe_name", lambda name, fallback: name)
    before = snapshot(example_repo.root)
    with pytest.raises(IngestError, match=r"attachment '\.\.\\\\\.\.\\\\submissions\\\\evil\.txt': .* uses backslashes .*; nothing was written"):
        ingest_message(example_repo, (MAIL / "39-attachment-windows-path.eml").read_bytes(), Options(), __import__("datetime").date(2026, 11, 20))
    assert snapshot(example_repo.root) == before


def test_list_shows_the_texts_and_counts_agree_between_commands(example_repo: Repo, run: Run) -> None:
    result = run("list", "--repo", str(example_repo.root), *TODAY)
    assert result.exit_code == 0, result.output
    assert (
        f"{LAO_CHAIN_OLD}\n    Lao PDR (LAO), need: Survey and clearance of cluster munition remnants in Xiengkhouang Province\n    expires 2026-12-03; replaced by {LAO_CHAIN_NEW}"
        in result.output
    )
    summary = result.output.strip().splitlines()[-1]
    data = json.loads(run("list", "--repo", str(example_repo.root), *TODAY, "--format", "json").output)
    assert data["counts"] == summary
    on_portal = sum(row["state"] == "active" for row in data["texts"])
    assert summary.startswith(f"{len(data['texts'])} files, {on_portal} on the portal, ")
    validate = run("validate", "--repo", str(example_repo.root), *TODAY)
    assert validate.output.strip().splitlines()[-1].endswith(f"(all valid); {summary}")
    verify = run("verify", "--repo", str(example_repo.root), *TODAY)
    assert f"All {on_portal} texts on the portal match their fingerprints and publishing commits ({summary})." in verify.output
    only = json.loads(run("list", "--repo", str(example_repo.root), *TODAY, "--submitter", "lao", "--state", "active", "--format", "json").output)
    assert {row["id"] for row in only["texts"]} == {LAO_CHAIN_NEW, "lao-2026-project-survivor-information-system"}


def test_ids_and_codes_that_do_not_exist_get_close_suggestions(example_repo: Repo, run: Run) -> None:
    typo = "lao-2026-need-survey-clearance-xiengkhuang"
    for command in (["withdraw", typo, "--reason", "x"], ["history", typo], ["replace", typo, str(MAIL / "33-outlook-html-only.eml"), *TODAY]):
        result = run(*command, "--repo", str(example_repo.root))
        assert result.exit_code == 1
        assert f"did you mean {LAO_CHAIN_NEW}" in result.output, command
    for code, meant in [("LOA", "did you mean LAO (Lao PDR)"), ("HALOTRUST", "did you mean HALO (The HALO Trust)")]:
        result = ingest(run, example_repo, "35-unknown-sender.eml", "--submitter", code)
        assert result.exit_code == 1 and meant in result.output
        assert "Latvia" not in result.output


def test_history_hints_work_when_followed(example_repo: Repo, run: Run) -> None:
    target = "tcd-2026-need-national-implementation-law"
    withdrawn = run("withdraw", target, "--reason", "Funded", "--repo", str(example_repo.root), *TODAY)
    assert withdrawn.exit_code == 0
    assert f"Acknowledgement drafted for the submitter: outbox/{DEMO_DATE}-withdraw-{target}.eml" in withdrawn.output
    draft = email.message_from_bytes((example_repo.root / f"outbox/{DEMO_DATE}-withdraw-{target}.eml").read_bytes(), policy=email.policy.default)
    assert "has been withdrawn from the cooperation portal" in draft.get_content()
    again = run("withdraw", target, "--reason", "again", "--repo", str(example_repo.root))
    assert f"`portal history {target}` shows when and why" in again.output
    followed = run("history", target, "--repo", str(example_repo.root))
    assert followed.exit_code == 0 and "withdrawn" in followed.output
    unknown = run("history", "nothing-here", "--repo", str(example_repo.root))
    assert unknown.exit_code == 1 and "`portal list` shows the ids of the texts" in unknown.output
    listed = run("list", "--repo", str(example_repo.root), *TODAY)
    assert listed.exit_code == 0 and target not in listed.output


@pytest.mark.parametrize("command", ["ingest", "replace", "new", "list", "expire", "withdraw"])
def test_help_shows_no_empty_choice(run: Run, command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "[|" not in result.output and "||" not in result.output and "|]" not in result.output


def test_a_stray_temporary_file_of_an_interrupted_write_is_removed(example_repo: Repo, run: Run) -> None:
    """The state a kill leaves while the files of a committed change are written: the journal,
    and the temporary file of an atomic write beside its target. The next command finishes it."""
    mail = MAIL / "14-attachment-pdf.eml"
    assert ingest(run, example_repo, mail.name, "--submitter", "LBN").exit_code == 0
    handle = git.Repo(example_repo.root)
    files = sorted(str(name) for name in handle.head.commit.stats.files)
    pdf = next(example_repo.root / name for name in files if name.endswith(".pdf"))
    stray = pdf.parent / f".{pdf.name}.k2x9_1q.tmp"
    stray.write_bytes(pdf.read_bytes()[:10])
    pdf.unlink()
    journal = Path(handle.git_dir) / "portal-pending.json"
    journal.write_text(json.dumps({"commit": handle.head.commit.hexsha, "head": handle.head.commit.parents[0].hexsha, "write": files, "remove": []}))
    result = run("validate", "--repo", str(example_repo.root))
    assert result.exit_code == 0
    assert "Note: finished the change of commit" in result.output
    assert not stray.exists() and pdf.is_file()
    assert handle.git.status("--porcelain", "--untracked-files=all") == ""


@pytest.mark.slow
def test_serve_prints_its_address(example_repo: Repo, tmp_path: Path) -> None:
    import os
    import socket

    from tests.helpers import ENV

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    portal = str(Path(sys.executable).with_name("portal"))
    process = subprocess.Popen(
        [portal, "serve", "--port", str(port), *TODAY, "--repo", str(example_repo.root)],
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.startswith("Serving"):
                break
        assert f"Serving http://127.0.0.1:{port}/ (enter a passcode there; Ctrl+C stops)\n" in lines, lines
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()


def test_an_unknown_sender_is_a_question_in_a_terminal(example_repo: Repo) -> None:
    import datetime as dt

    asked: list[str] = []

    def ask(field: str, question: str) -> str:
        asked.append(question)
        return "lbn" if field == "submitter" else ""

    done = ingest_message(example_repo, (MAIL / "35-unknown-sender.eml").read_bytes(), Options(), dt.date(2026, 11, 20), ask=ask)
    assert asked == [
        "health.example@ministry.example.net is not in the register of senders. Publish for which State or organisation (code; confirmed by hand, recorded in the commit)?"
    ]
    assert done.submission.submitter.code == "LBN"
    assert "Portal-Sender: health.example@ministry.example.net (confirmed by hand)" in git.Repo(example_repo.root).head.commit.message


def test_a_sender_name_folded_over_two_lines_reads_as_one_line(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """Some mail programs encode a long display name with a line break in it, which Python's own
    parser refuses in an address: the name is read with the break as a space, never a traceback."""
    raw = (
        "From: =?utf-8?q?National_Regulatory_Authority=0A_for_UXO?= <nra.example@example.org>\n"
        "Subject: =?utf-8?q?Need_for=0Asurvey?=\n"
        "Message-ID: <folded-name@example.org>\n"
        "Date: Fri, 20 Nov 2026 10:00:00 +0000\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Support for a non-technical survey in two districts.\n"
    )
    path = tmp_path / "folded.eml"
    path.write_bytes(raw.encode("ascii"))
    result = run(
        "ingest",
        str(path),
        "--repo",
        str(example_repo.root),
        *TODAY,
        "--kind",
        "need",
        "--title",
        "Survey support",
        "--theme",
        "transparency",
        "--assistance",
        "technical",
    )
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    _, text = added_text(example_repo)
    assert "contact:\n  name: National Regulatory Authority for UXO\n  email: nra.example@example.org\n" in text
    assert "Received 2026-11-20 from National Regulatory Authority for UXO" in git.Repo(example_repo.root).head.commit.message
