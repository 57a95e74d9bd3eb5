"""`portal extend` and `portal withdraw` at a State's request, and the e-mails the coordinator
sends back unedited: acknowledgements that thread with the request and reminders that say a
"keep unchanged" reply is enough."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from email.message import EmailMessage
from pathlib import Path

import git
import pytest

from portal.checks.validate import validate_repo
from portal.config import ConfigError, Repo, load_settings
from portal.intake.acknowledge import acknowledgement
from portal.intake.scaffold import ID_LENGTH, choose_id
from portal.publish.render.site import readable_namer, render_tier
from portal.trail.actions import Action
from portal.trail.trailers import read_changes
from portal.upkeep.reminders import draft_message

from tests.helpers import (
    ESP,
    LAO_NEW,
    LAO_OLD,
    LBN,
    MRT,
    PROJECT,
    Run,
    body_of,
    draft_of,
    head_message,
    header_block_of,
    request_mail,
    snapshot,
    submission,
    tier_input,
)

TODAY = "2027-01-15"


# Extending -------------------------------------------------------------------------------------


def test_extend_by_hand_keeps_the_text_and_its_fingerprint_and_moves_only_the_expiry(example_repo: Repo, run: Run) -> None:
    path = example_repo.root / f"submissions/ESP/{ESP}.md"
    before = path.read_text(encoding="utf-8")
    result = run("extend", ESP, "--until", "2027-12-31", "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    assert f"Extended {ESP} until 2027-12-31 (it was to expire on 2027-03-10); the text is unchanged" in result.output
    after = path.read_text(encoding="utf-8")
    assert after == before.replace("expires: 2027-03-10\n", "expires: 2027-12-31\nextended: 2027-01-15\n")
    [change] = read_changes(head_message(example_repo))
    extended = submission(example_repo, ESP)
    assert (change.action, change.submission, change.expires) == ("extend", ESP, "2027-12-31")
    assert change.fingerprint == extended.fingerprint and not change.message_id and not change.sender
    assert "without a request e-mail" in head_message(example_repo)
    assert git.Repo(example_repo.root).git.status("--porcelain", "--untracked-files=all") == ""


@pytest.mark.slow
def test_an_extended_text_passes_validate_verify_and_its_history_says_so(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    mail = request_mail(tmp_path, "Lebanon Mine Action Centre <va.example@example.org>", "<keep-lbn-1@example.org>")
    assert run("extend", LBN, str(mail), "--until", "2027-12-31", "--repo", str(example_repo.root), "--today", TODAY).exit_code == 0
    for command in ("validate", "verify"):
        result = run(command, "--repo", str(example_repo.root), "--today", TODAY)
        assert result.exit_code == 0, result.output
    history = run("history", LBN, "--repo", str(example_repo.root))
    assert re.search(r"extended until 2027-12-31 +[0-9a-f]{10}", history.output), history.output
    assert "Message-ID <keep-lbn-1@example.org>" in history.output
    assert "requested by va.example@example.org (register)" in history.output
    as_json = run("history", LBN, "--format", "json", "--repo", str(example_repo.root))
    assert '"expires": "2027-12-31"' in as_json.output


@pytest.mark.slow
def test_verify_finds_an_expiry_moved_by_hand_after_or_without_an_extension(example_repo: Repo, run: Run) -> None:
    assert run("extend", ESP, "--until", "2027-12-31", "--repo", str(example_repo.root), "--today", TODAY).exit_code == 0
    path = example_repo.root / f"submissions/ESP/{ESP}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("expires: 2027-12-31", "expires: 2028-01-10"), encoding="utf-8")
    moved = run("verify", "--repo", str(example_repo.root), "--today", TODAY)
    assert moved.exit_code == 1
    assert re.search(
        rf"{ESP}\.md:15:1: error: expires: 2028-01-10 is not the expiry that commit [0-9a-f]{{10}} \(`portal extend`\) set \(2027-12-31\)", moved.output
    )
    lbn = example_repo.root / f"submissions/LBN/{LBN}.md"
    lbn.write_text(lbn.read_text(encoding="utf-8").replace("expires: 2027-09-05\n", "expires: 2027-12-01\nextended: 2027-01-10\n"), encoding="utf-8")
    forged = run("verify", "--repo", str(example_repo.root), "--today", TODAY)
    assert f"error: extended: no `portal extend` commit records an extension of {LBN}" in forged.output


def test_extend_from_a_request_records_it_and_the_acknowledgement_answers_it(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    mail = request_mail(tmp_path, "Lebanon Mine Action Centre <va.example@example.org>", "<keep-lbn-2@example.org>")
    result = run("extend", LBN, str(mail), "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    # No --until: today + validity.default_months (12).
    assert f"Extended {LBN} until 2028-01-15 (it was to expire on 2027-09-05)" in result.output
    assert "sender va.example@example.org is in the register for Lebanon" in result.output
    [change] = read_changes(head_message(example_repo))
    assert (change.message_id, change.sender, change.expires) == ("<keep-lbn-2@example.org>", "va.example@example.org (register)", "2028-01-15")
    draft = draft_of(example_repo, f"{TODAY}-extend-{LBN}.eml")
    assert draft["In-Reply-To"] == "<keep-lbn-2@example.org>" and draft["References"] == "<keep-lbn-2@example.org>"
    assert "va.example@example.org" in draft["To"]
    assert draft["Subject"] == f"CCM Cooperation Portal: your need {LBN} is extended"
    body = " ".join(body_of(draft).split())
    assert "your need stays on the cooperation portal of the Convention on Cluster Munitions at https://ccm-portal.example.org/, unchanged" in body
    assert "it now expires on 15 January 2028" in body
    # The same e-mail cannot be used twice.
    again = run("extend", LBN, str(mail), "--until", "2028-01-10", "--repo", str(example_repo.root), "--today", "2027-01-20")
    assert again.exit_code == 1 and "is already recorded for" in again.output


def test_a_request_from_someone_who_does_not_speak_for_the_submitter_is_refused_unless_confirmed(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    mail = request_mail(tmp_path, "someone@elsewhere.example", "<keep-esp-1@elsewhere.example>")
    before = snapshot(example_repo.root)
    refused = run("extend", ESP, str(mail), "--repo", str(example_repo.root), "--today", TODAY)
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert "someone@elsewhere.example is not in the register of senders for Spain" in refused.output
    assert "--submitter ESP" in refused.output
    assert snapshot(example_repo.root) == before
    other = run("extend", ESP, str(mail), "--submitter", "LBN", "--repo", str(example_repo.root), "--today", TODAY)
    assert other.exit_code == 1 and f"{ESP} is a text of Spain (ESP), not of LBN" in other.output
    assert snapshot(example_repo.root) == before
    confirmed = run("extend", ESP, str(mail), "--submitter", "ESP", "--repo", str(example_repo.root), "--today", TODAY)
    assert confirmed.exit_code == 0, confirmed.output
    [change] = read_changes(head_message(example_repo))
    assert change.sender == "someone@elsewhere.example (confirmed by hand)"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--until", "2028-01-16"], "--until 2028-01-16: is more than 12 months after today (2027-01-15)"),
        (["--until", "2028-01-16"], "use 2028-01-15 or earlier"),
        (["--until", "2027-03-01"], f"{ESP} already expires on 2027-03-10, not before 2027-03-01; give a later date with --until (at most 2028-01-15)"),
        (["--until", "31/12/2027"], "'31/12/2027' is not a date; write it as YYYY-MM-DD"),
        (["--submitter", "ESP"], "--submitter confirms the sender of a request e-mail; give the e-mail (MESSAGE) too"),
    ],
)
def test_an_extension_beyond_the_maximum_or_not_later_is_refused_with_what_is_allowed(example_repo: Repo, run: Run, args: list[str], says: str) -> None:
    before = snapshot(example_repo.root)
    result = run("extend", ESP, *args, "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert says in result.output
    assert snapshot(example_repo.root) == before


@pytest.mark.parametrize(
    ("identifier", "today", "says"),
    [
        (MRT, TODAY, f"{MRT} expired on 2026-10-31 and is no longer on the portal, so it cannot be extended"),
        (LAO_OLD, TODAY, f"was replaced by {LAO_NEW} on 2026-11-02 and is no longer on the portal; extend the current text: `portal extend {LAO_NEW}`"),
        ("esp-2026-offer-demining-trainin", TODAY, f"did you mean {ESP}?"),
    ],
)
def test_a_text_that_is_not_on_the_portal_cannot_be_extended(example_repo: Repo, run: Run, identifier: str, today: str, says: str) -> None:
    before = snapshot(example_repo.root)
    result = run("extend", identifier, "--repo", str(example_repo.root), "--today", today)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert says in result.output
    assert snapshot(example_repo.root) == before


def test_a_withdrawn_text_cannot_be_extended_and_the_refusal_says_how_to_bring_it_back(example_repo: Repo, run: Run) -> None:
    assert run("withdraw", ESP, "--reason", "Places filled", "--repo", str(example_repo.root), "--today", TODAY).exit_code == 0
    before = snapshot(example_repo.root)
    result = run("extend", ESP, "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 1
    assert f"it was removed earlier: `portal history {ESP}` shows when and why" in result.output
    assert "its submitter sends it again (`portal ingest MESSAGE`)" in result.output
    assert snapshot(example_repo.root) == before


def test_the_expiry_limit_is_counted_from_the_extension(example_repo: Repo, run: Run) -> None:
    path = example_repo.root / f"submissions/ESP/{ESP}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("expires: 2027-03-10\n", "expires: 2028-02-01\nextended: 2027-01-15\n"), encoding="utf-8")
    result = run("validate", "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 1
    assert f"submissions/ESP/{ESP}.md:15:1: error: expires: 2028-02-01 is more than 12 months after extended (2027-01-15); use 2028-01-15 or earlier" in (
        result.output
    )
    path.write_text(text.replace("expires: 2027-03-10\n", "expires: 2027-03-10\nextended: 2026-01-01\n"), encoding="utf-8")
    result = run("validate", "--repo", str(example_repo.root), "--today", TODAY)
    assert "extended: 2026-01-01 is before published (2026-03-10)" in result.output


def test_the_page_of_an_extended_text_says_so_in_its_provenance(example_repo: Repo, run: Run) -> None:
    assert run("extend", ESP, "--until", "2027-12-31", "--repo", str(example_repo.root), "--today", TODAY).exit_code == 0
    sub = submission(example_repo, ESP)
    pages = render_tier(tier_input([sub], dt.date(2027, 1, 15)), readable_namer).pages
    page = next(md for md in pages.values() if "Provenance" in md)
    assert "<dt>Extended</dt><dd>Extended on 15 January 2027 at the submitter's request, until 31 December 2027</dd>" in html.unescape(page)
    unextended = next(md for md in render_tier(tier_input([submission(example_repo, LBN)]), readable_namer).pages.values() if "Provenance" in md)
    assert "<dt>Extended</dt>" not in unextended


# Withdrawing at a request ----------------------------------------------------------------------


def test_withdraw_records_the_request_and_answers_its_sender(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    mail = request_mail(tmp_path, "NRA Planning <planning@nra.example.la>", "<withdraw-1@nra.example.la>", "Please withdraw our project: it is funded.\n")
    target = "lao-2026-project-survivor-information-system"
    result = run("withdraw", target, str(mail), "--reason", "Funded", "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 0, result.output
    [change] = read_changes(head_message(example_repo))
    assert (change.action, change.message_id, change.sender) == ("withdraw", "<withdraw-1@nra.example.la>", "planning@nra.example.la (register)")
    draft = draft_of(example_repo, f"{TODAY}-withdraw-{target}.eml")
    assert "planning@nra.example.la" in draft["To"] and draft["In-Reply-To"] == "<withdraw-1@nra.example.la>"
    assert "your project below has been withdrawn from the cooperation portal" in " ".join(body_of(draft).split())
    history = run("history", target, "--repo", str(example_repo.root))
    assert "requested by planning@nra.example.la (register)" in history.output and "reason: Funded" in history.output


def test_withdraw_refuses_a_request_from_another_submitter(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    mail = request_mail(tmp_path, "va.example@example.org", "<withdraw-2@example.org>", "Please withdraw it.\n")
    before = snapshot(example_repo.root)
    result = run("withdraw", ESP, str(mail), "--reason", "x", "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 1 and "is not in the register of senders for Spain" in result.output
    assert snapshot(example_repo.root) == before


# Acknowledgements and reminders ------------------------------------------------------------------


def test_acknowledgements_name_the_kind_in_prose_and_say_how_the_text_was_taken(example_repo: Repo) -> None:
    subs = {sub.id: sub for sub in validate_repo(example_repo).submissions}
    today = dt.date(2026, 11, 20)
    how_to = acknowledgement(example_repo, subs["esp-2026-how-to-apply-training-places"], Action.PUBLISH, today, ["a@example.org"])
    assert how_to["Subject"] == "CCM Cooperation Portal: your how-to-apply text esp-2026-how-to-apply-training-places is published"
    plain = " ".join(body_of(how_to).split())
    assert "Your how-to-apply text is published on the cooperation portal of the Convention on Cluster Munitions at https://ccm-portal.example.org/" in plain
    assert "exactly as you sent it" in plain and "In-Reply-To" not in how_to
    offer = subs[ESP]
    converted = dataclasses.replace(offer, meta={**offer.meta, "source": {**offer.meta["source"], "converted_from": "html"}})
    html_body = " ".join(body_of(acknowledgement(example_repo, converted, Action.PUBLISH, today, ["a@example.org"])).split())
    assert "Your offer is published" in html_body and "converted from HTML as you sent it, every word kept" in html_body
    assert "exactly as you sent it" not in html_body
    project = acknowledgement(example_repo, subs["col-2026-project-community-liaison-antioquia"], Action.PUBLISH, today, ["a@example.org"], "<m@x.example>")
    assert project["Subject"].startswith("CCM Cooperation Portal: your project ") and project["In-Reply-To"] == "<m@x.example>"


def test_the_header_block_of_an_acknowledgement_reads_back_as_every_field(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    old = submission(example_repo, LAO_NEW)  # regions, budget, period, contact and a replaced text
    ack = acknowledgement(example_repo, old, Action.PUBLISH, dt.date(2026, 11, 20), ["planning@nra.example.la"])
    block = header_block_of(body_of(ack))
    for line in ("Regions: Xiengkhouang; Kham district; Pek district", "Budget: 2900000 USD", "Period: 2027-01-01 to 2028-12-31", f"Replaces: {LAO_NEW}"):
        assert f"\n{line}\n" in block
    reply = EmailMessage()
    reply["From"] = "NRA Planning <planning@nra.example.la>"
    reply["To"] = "coordinator@example.org"
    reply["Subject"] = "Re: " + str(ack["Subject"])
    reply["Message-ID"] = "<reply-1@nra.example.la>"
    reply["In-Reply-To"] = str(ack["Message-ID"])
    reply.set_content(block + "\nSummary\nClearance continues in Kham district; the survey is complete.\n")
    path = tmp_path / "reply.eml"
    path.write_bytes(bytes(reply))
    result = run("ingest", str(path), "--repo", str(example_repo.root), "--today", "2026-11-25")
    assert result.exit_code == 0, result.output
    new = next(sub for sub in validate_repo(example_repo).submissions if sub.replaces == LAO_NEW)
    for field in ("kind", "title", "themes", "assistance", "audience", "contact", "regions", "budget", "period"):
        assert new.meta[field] == old.meta[field], field
    assert new.text == "Summary\nClearance continues in Kham district; the survey is complete.\n"
    answer = draft_of(example_repo, f"2026-11-25-replace-{new.id}.eml")
    assert answer["In-Reply-To"] == "<reply-1@nra.example.la>" and answer["References"] == "<reply-1@nra.example.la>"


def test_reminders_say_that_keep_unchanged_is_enough_and_give_the_full_header_block(example_repo: Repo) -> None:
    lao = submission(example_repo, LAO_NEW)
    body = body_of(draft_message(example_repo, "Lao PDR", [lao], ["planning@nra.example.la"], dt.date(2027, 10, 20)))
    flat = " ".join(body.split())
    assert 'a reply saying "keep unchanged" is enough' in flat and "we then extend it by 12 months" in flat
    assert "on the cooperation portal of the Convention on Cluster Munitions at https://ccm-portal.example.org/ will expire" in flat
    assert "\nBudget: 2900000 USD\nPeriod: 2027-01-01 to 2028-12-31\nReplaces: " + LAO_NEW + "\n----\n(your updated text here)\n" in body


# Settings and ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [("ccm-portal.example.org", "is not a web address; write it as https://"), ("https://user:secret@portal.example.org/", "holds a user name or password")],
)
def test_a_portal_address_that_cannot_be_opened_is_refused_naming_the_line(tmp_path: Path, value: str, says: str) -> None:
    text = (PROJECT / "schema" / "settings.yaml").read_text(encoding="utf-8")
    path = tmp_path / "settings.yaml"
    path.write_text(re.sub(r"portal_url: \S+", f"portal_url: {value}", text), encoding="utf-8")
    line = next(number for number, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "portal_url" in row)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"settings.yaml:{line}:" in str(caught.value) and "coordinator.portal_url" in str(caught.value) and says in str(caught.value)


def test_new_ids_are_cut_after_a_whole_word_and_at_most_60_characters(example_repo: Repo) -> None:
    title = "Rehabilitation services for survivors of cluster munitions in the southern governorates"
    identifier = choose_id(example_repo, "LBN", "how-to-apply", title, 2027)
    assert identifier == "lbn-2027-how-to-apply-rehabilitation-services-for-survivors"
    assert len(identifier) <= ID_LENGTH
    (example_repo.submissions / "LBN" / f"{identifier}.md").write_text("taken", encoding="utf-8")
    second = choose_id(example_repo, "LBN", "how-to-apply", title, 2027)
    assert second == "lbn-2027-how-to-apply-rehabilitation-services-for-2" and len(second) <= ID_LENGTH
    one_word = choose_id(example_repo, "LBN", "need", "Supercalifragilisticexpialidociouslylongwordwithoutanybreakatall", 2027)
    assert one_word.startswith("lbn-2027-need-supercalifragilistic") and len(one_word) == ID_LENGTH
