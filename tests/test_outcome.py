"""`portal outcome`: what became of a text, recorded from an e-mail (its submitter's or the other
party's, options or `Outcome:` reply lines) or by hand, carried on by a replacement, asked for by
the reminders and the follow-ups; and the rules that check recorded outcomes."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import git
import pytest

from portal.checks.validate import validate_repo
from portal.config import ConfigError, Repo, load_settings
from portal.intake.acknowledge import acknowledgement
from portal.outcomes import chain_outcomes, outcomes_of
from portal.trail.actions import Action
from portal.trail.history import retired_ids
from portal.trail.trailers import read_changes

from tests.helpers import ESP, LAO_NEW, LAO_OLD, LBN, MRT, PROJECT, Run, body_of, draft_of, head_message, header_block_of, request_mail, snapshot, submission

TODAY = "2027-01-15"
LBN_SENDER = "Lebanon Mine Action Centre <va.example@example.org>"


def mail(folder: Path, sender: str, message_id: str, body: str) -> Path:
    """A reply to the reminder that asks what became of a text."""
    return request_mail(folder, sender, message_id, body, subject="Re: CCM Cooperation Portal: what became of your text?")


def outcome(run: Run, repo: Repo, *args: str, today: str = TODAY) -> str:
    result = run("outcome", *args, "--repo", str(repo.root), "--today", today)
    assert result.exit_code == 0, result.output
    return result.output


def refused(run: Run, repo: Repo, *args: str, today: str = TODAY) -> str:
    before = snapshot(repo.root)
    result = run("outcome", *args, "--repo", str(repo.root), "--today", today)
    assert result.exit_code != 0 and "Traceback" not in result.output, result.output
    assert snapshot(repo.root) == before
    return " ".join(result.output.split())


# Recording by hand and from an e-mail ----------------------------------------------------------


def test_by_hand_appends_one_entry_and_leaves_every_other_line_and_the_text_as_they_were(example_repo: Repo, run: Run) -> None:
    path = example_repo.root / f"submissions/ESP/{ESP}.md"
    before = path.read_text(encoding="utf-8")
    said = outcome(run, example_repo, ESP, "--status", "contacted", "--with", "IRQ", "--date", "2027-01-10", "--note", "two places asked")
    assert f"Recorded for {ESP}: contacted with IRQ on 2027-01-10 (two places asked); the text is unchanged" in said
    entry = "outcomes:\n- status: contacted\n  with: IRQ\n  date: 2027-01-10\n  note: two places asked\n"
    assert path.read_text(encoding="utf-8") == before.replace("source:\n", entry + "source:\n", 1)
    message = head_message(example_repo)
    [change] = read_changes(message)
    sub = submission(example_repo, ESP)
    assert (change.action, change.submission, change.fingerprint) == ("outcome", ESP, sub.fingerprint)
    assert (change.outcome, change.outcome_from, change.message_id, change.sender) == ("contacted IRQ", "coordinator (by hand, no e-mail)", "", "")
    assert "Portal-Outcome: contacted IRQ\n" in message and "Recorded by the coordinator by hand, without an e-mail." in message
    assert sub.text == before.split("---\n", 2)[2]
    # A second outcome goes at the end of the list.
    outcome(run, example_repo, ESP, "--status", "agreed", "--with", "IRQ", "--date", "2027-01-14")
    after = path.read_text(encoding="utf-8")
    assert after == before.replace("source:\n", entry + "- status: agreed\n  with: IRQ\n  date: 2027-01-14\nsource:\n", 1)
    assert [(o.status, o.with_code, o.date) for o in outcomes_of(submission(example_repo, ESP))] == [
        ("contacted", "IRQ", dt.date(2027, 1, 10)),
        ("agreed", "IRQ", dt.date(2027, 1, 14)),
    ]
    draft = draft_of(example_repo, f"{TODAY}-outcome-{ESP}.eml")
    assert draft["To"] == "cid.example@example.org" and draft["Subject"] == f"CCM Cooperation Portal: what became of {ESP} is recorded"
    assert "Recorded: Agreed with Iraq, 14 January 2027" in " ".join(body_of(draft).split())
    assert git.Repo(example_repo.root).git.status("--porcelain", "--untracked-files=all") == ""
    for command in ("validate", "verify"):
        checked = run(command, "--repo", str(example_repo.root), "--today", TODAY)
        assert checked.exit_code == 0, checked.output
    history = run("history", ESP, "--repo", str(example_repo.root)).output
    assert re.search(r"outcome: agreed IRQ \(told by coordinator \(by hand, no e-mail\)\) +[0-9a-f]{10}", history), history


def test_from_the_submitters_e_mail_the_message_id_is_kept_and_the_acknowledgement_answers_it(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    told = mail(tmp_path, LBN_SENDER, "<lbn-outcome-1@example.org>", "Germany has agreed to fund the second centre.\n")
    said = outcome(run, example_repo, LBN, str(told), "--status", "funded", "--with", "DEU", "--note", "second centre, 2027")
    assert "sender va.example@example.org is in the register for Lebanon" in said
    [entry] = outcomes_of(submission(example_repo, LBN))
    assert (entry.status, entry.with_code, entry.date, entry.note, entry.message_id) == (
        "funded",
        "DEU",
        dt.date(2027, 1, 15),
        "second centre, 2027",
        "<lbn-outcome-1@example.org>",
    )
    [change] = read_changes(head_message(example_repo))
    assert (change.message_id, change.sender, change.outcome, change.outcome_from) == (
        "<lbn-outcome-1@example.org>",
        "va.example@example.org (register)",
        "funded DEU",
        "submitter",
    )
    assert change.authentication.startswith("none")
    draft = draft_of(example_repo, f"{TODAY}-outcome-{LBN}.eml")
    assert draft["In-Reply-To"] == "<lbn-outcome-1@example.org>" and "va.example@example.org" in draft["To"]
    # The e-mail's Message-ID does not stop an update it may also carry, nor an extension it asks for.
    assert run("extend", LBN, str(told), "--repo", str(example_repo.root), "--today", TODAY).exit_code == 0


def test_the_other_party_may_tell_it_and_the_trail_says_who(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    told = mail(tmp_path, "German Humanitarian Mine Action <hma.example@example.org>", "<deu-1@example.org>", "We are in contact with Lebanon.\n")
    outcome(run, example_repo, LBN, str(told), "--status", "contacted", "--with", "DEU")
    [change] = read_changes(head_message(example_repo))
    assert (change.outcome, change.outcome_from, change.sender) == ("contacted DEU", "other party (DEU)", "hma.example@example.org (register)")


def test_a_sender_who_speaks_for_neither_party_is_refused_unless_confirmed_by_hand(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    told = mail(tmp_path, "Someone <someone@elsewhere.example>", "<x-1@elsewhere.example>", "They talked.\n")
    says = refused(run, example_repo, LBN, str(told), "--status", "contacted", "--with", "DEU")
    assert "someone@elsewhere.example is not in the register of senders for Lebanon (LBN) nor for Germany (DEU)" in says
    assert "--submitter LBN or --submitter DEU" in says
    assert "only Lebanon (LBN) or the other party (DEU) can tell" in refused(
        run, example_repo, LBN, str(told), "--status", "contacted", "--with", "DEU", "--submitter", "ESP"
    )
    outcome(run, example_repo, LBN, str(told), "--status", "contacted", "--with", "DEU", "--submitter", "DEU")
    [change] = read_changes(head_message(example_repo))
    assert (change.sender, change.outcome_from) == ("someone@elsewhere.example (confirmed by hand)", "other party (DEU)")


# The reply lines ----------------------------------------------------------------------------------


def test_the_reply_line_says_the_outcome_when_no_option_does(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    reminder = body_of(draft_of_follow_up(example_repo, run))
    quoted = "\n".join("> " + line for line in reminder.splitlines())
    body = f"Outcome: {ESP} agreed GICHD; 10 places in 2027\n\nOn 20 Sep 2026 the coordinator wrote:\n{quoted}\n"
    told = mail(tmp_path, "CID <cid.example@example.org>", "<esp-reply-1@example.org>", body)
    said = outcome(run, example_repo, ESP, str(told), today="2026-09-25")
    assert f"Recorded for {ESP}: agreed with GICHD on 2026-09-25 (10 places in 2027)" in said
    # A line left as the reminder drafted it is the portal's, not an outcome.
    untouched = mail(tmp_path, "CID <cid.example@example.org>", "<esp-reply-2@example.org>", f"Outcome: {ESP} STATUS CODE; NOTE\n")
    assert f"no 'Outcome: STATUS [CODE] [; NOTE]' line about {ESP}" in refused(run, example_repo, ESP, str(untouched), today="2026-09-25")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (f"Outcome: {ESP} contacted IRQ\nOutcome: declined\n", "lines 3, 4 each give an outcome of " + ESP + ", and one command records one; give --status"),
        ("Outcome: maybe later\n", "line 3: 'maybe later' is not an outcome; write 'Outcome: STATUS [CODE] [; NOTE]' with a status of contacted, agreed"),
        ("Outcome: funded Germany and Norway\n", "line 3: 'Germany and Norway' is not one State's or organisation's code"),
        ("We have no news yet.\n", f"no 'Outcome: STATUS [CODE] [; NOTE]' line about {ESP}; give --status"),
        (f"Outcome: {LBN} funded DEU\n", f"(its Outcome: lines name {LBN})"),
    ],
)
def test_a_reply_that_does_not_say_one_outcome_is_refused_naming_the_option(example_repo: Repo, run: Run, tmp_path: Path, body: str, says: str) -> None:
    told = mail(tmp_path, "CID <cid.example@example.org>", "<esp-ambiguous@example.org>", body)
    assert says in refused(run, example_repo, ESP, str(told))


def test_a_reply_line_may_give_a_label_and_no_reference(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    told = mail(tmp_path, "CID <cid.example@example.org>", "<esp-label@example.org>", "Outcome: No longer needed; places filled\n")
    outcome(run, example_repo, ESP, str(told))
    [entry] = outcomes_of(submission(example_repo, ESP))
    assert (entry.status, entry.with_code, entry.note) == ("closed", "", "places filled")


# Refusals ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["esp-2026-offer-demining-trainin", "--status", "closed"], f"no text 'esp-2026-offer-demining-trainin' in submissions/; did you mean {ESP}?"),
        ([MRT, "--status", "closed"], f"{MRT} expired on 2026-10-31 and is no longer on the portal, so no outcome is recorded on it"),
        ([ESP, "--status", "contacted"], "--with: contacted needs the other party; give its code, e.g. --with IRL"),
        ([ESP, "--status", "won"], "--status 'won': is not an outcome; use one of contacted, agreed, funded, declined, closed"),
        (
            [ESP, "--status", "funded", "--with", "IRK"],
            "--with IRK: is not a State's ISO 3166-1 alpha-3 code (schema/states.yaml) nor a registered organisation",
        ),
        ([ESP, "--status", "agreed", "--with", "ESP"], "--with ESP: is the text's own submitter; name the other party"),
        ([ESP, "--status", "closed", "--date", "2027-01-16"], "--date 2027-01-16: is in the future (today is 2027-01-15)"),
        (
            [ESP, "--status", "closed", "--date", "2026-03-09"],
            f"--date 2026-03-09: is before {ESP} was published (2026-03-10); give the day it happened, 2026-03-10 or later",
        ),
        ([ESP, "--status", "closed", "--date", "10/01/2027"], "'10/01/2027' is not a date; write it as YYYY-MM-DD"),
        ([ESP, "--with", "IRQ"], "say what became of the text with --status"),
        ([ESP, "--status", "closed", "--submitter", "ESP"], "--submitter is about the sender of an e-mail; give the e-mail (MESSAGE) too"),
    ],
)
def test_what_cannot_be_recorded_is_refused_and_nothing_changes(example_repo: Repo, run: Run, args: list[str], says: str) -> None:
    assert says in refused(run, example_repo, *args)


def test_the_same_entry_twice_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    outcome(run, example_repo, ESP, "--status", "contacted", "--with", "IRQ", "--date", "2027-01-10")
    assert f"{ESP}: 'contacted IRQ' of 2027-01-10 is already recorded (on {ESP}); nothing was changed" in refused(
        run, example_repo, ESP, "--status", "contacted", "--with", "IRQ", "--date", "2027-01-10"
    )
    told = mail(tmp_path, "CID <cid.example@example.org>", "<esp-twice@example.org>", "Outcome: funded IRQ\n")
    outcome(run, example_repo, ESP, str(told))
    assert "'funded IRQ' of 2027-01-15 is already recorded" in refused(run, example_repo, ESP, str(told), today="2027-01-20")


def test_a_withdrawn_text_is_refused_and_its_history_keeps_its_outcomes(example_repo: Repo, run: Run) -> None:
    outcome(run, example_repo, ESP, "--status", "funded", "--with", "GICHD", "--date", "2027-01-10")
    assert run("withdraw", ESP, "--reason", "Places filled", "--repo", str(example_repo.root), "--today", TODAY).exit_code == 0
    assert f"it was removed earlier: `portal history {ESP}` shows when and why" in refused(run, example_repo, ESP, "--status", "closed")
    history = run("history", ESP, "--repo", str(example_repo.root)).output
    assert "outcome: funded GICHD" in history and "withdrawn" in history
    handle = git.Repo(example_repo.root)
    last = handle.git.log("-1", "--format=%H", "--", f"submissions/ESP/{ESP}.md")
    kept = handle.git.show(f"{last}~1:submissions/ESP/{ESP}.md")
    assert "outcomes:\n- status: funded\n  with: GICHD\n  date: 2027-01-10\n" in kept


# Replacement chains --------------------------------------------------------------------------------


def test_a_replaced_text_has_its_outcome_recorded_on_the_current_text_which_a_replacement_carries_on(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    said = outcome(run, example_repo, LAO_OLD, "--status", "contacted", "--with", "NOR", "--date", "2026-12-01", today="2026-12-10")
    assert f"{LAO_OLD} was replaced by {LAO_NEW}: recorded on {LAO_NEW}, the current text" in said
    # The example text already tells of Germany (carried on from the text it replaced); the new entry comes last.
    assert [o.with_code for o in outcomes_of(submission(example_repo, LAO_NEW))] == ["DEU", "DEU", "NOR"]
    # An update of the current text carries the outcome on.
    current = submission(example_repo, LAO_NEW)
    block = header_block_of(body_of(acknowledgement(example_repo, current, Action.PUBLISH, dt.date(2026, 12, 10), ["planning@nra.example.la"])))
    reply = mail(
        tmp_path, "NRA Planning <planning@nra.example.la>", "<lao-update@nra.example.la>", block + "\nSummary\nClearance continues in Kham district.\n"
    )
    ingested = run("ingest", str(reply), "--repo", str(example_repo.root), "--today", "2026-12-12")
    assert ingested.exit_code == 0, ingested.output
    newest = next(sub for sub in validate_repo(example_repo).submissions if sub.replaces == LAO_NEW)
    assert [(o.status, o.with_code, o.date) for o in outcomes_of(newest)] == [
        ("contacted", "DEU", dt.date(2026, 10, 12)),
        ("funded", "DEU", dt.date(2026, 11, 16)),
        ("contacted", "NOR", dt.date(2026, 12, 1)),
    ]
    assert "- status: contacted\n  with: NOR\n  date: 2026-12-01\nsource:\n" in (example_repo.root / newest.path).read_text(encoding="utf-8")
    # The earlier texts leave submissions/; the outcome stays with the newest, which validates.
    expired = run("expire", "--repo", str(example_repo.root), "--today", "2027-11-03")
    assert expired.exit_code == 0, expired.output
    remaining = validate_repo(example_repo, today=dt.date(2027, 11, 3), retired_ids=retired_ids(example_repo)).submissions
    assert not any(sub.id in (LAO_OLD, LAO_NEW) for sub in remaining)
    assert [o.with_code for o in chain_outcomes(next(s for s in remaining if s.id == newest.id), remaining)] == ["DEU", "DEU", "NOR"]
    checked = run("validate", "--repo", str(example_repo.root), "--today", "2027-11-03")
    assert checked.exit_code == 0, checked.output


# Reminders and follow-ups ------------------------------------------------------------------------------


def draft_of_follow_up(repo: Repo, run: Run, today: str = "2026-09-20") -> email.message.EmailMessage:
    result = run("reminders", "--repo", str(repo.root), "--today", today)
    assert result.exit_code == 0, result.output
    return draft_of(repo, f"{today}-follow-up-ESP.eml")


def test_reminders_ask_what_became_of_each_text_with_its_reply_line(example_repo: Repo, run: Run) -> None:
    result = run("reminders", "--within", "60d", "--repo", str(example_repo.root), "--today", "2027-01-20")
    assert result.exit_code == 0, result.output
    body = body_of(draft_of(example_repo, "2027-01-20-ESP.eml"))
    assert f"\n  Outcome: {ESP} STATUS CODE; NOTE\n" in body
    assert "The statuses: contacted (in contact), agreed, funded, declined, closed (no longer needed)." in body


def test_a_follow_up_asks_once_the_text_is_six_months_on_the_portal_without_an_outcome(example_repo: Repo, run: Run) -> None:
    # ESP was published on 2026-03-10: six months later falls in the window of a run on 2026-09-20 (30 days).
    draft = draft_of_follow_up(example_repo, run)
    assert draft["To"] == "cid.example@example.org" and draft["Subject"] == "CCM Cooperation Portal: what became of your texts?"
    flat = " ".join(body_of(draft).split())
    assert "have been on the portal for 6 months" in flat and f"Outcome: {ESP} STATUS CODE; NOTE" in flat
    summary = (example_repo.root / "outbox" / "2026-09-20-summary.txt").read_text(encoding="utf-8")
    assert f"- 2026-03-10  {ESP}  (Spain)" in summary and "a follow-up asks what became of them" in summary
    # Before the window, after it, and once an outcome is recorded: no follow-up.
    for today in ("2026-09-09", "2026-10-11"):
        assert run("reminders", "--repo", str(example_repo.root), "--today", today).exit_code == 0
        assert not (example_repo.root / "outbox" / f"{today}-follow-up-ESP.eml").exists()
    outcome(run, example_repo, ESP, "--status", "closed", "--date", "2026-09-01", today="2026-09-15")
    assert run("reminders", "--repo", str(example_repo.root), "--today", "2026-09-21").exit_code == 0
    later = body_of(draft_of(example_repo, "2026-09-21-follow-up-ESP.eml"))  # Spain's other text is still asked about
    assert ESP not in later and "esp-2026-how-to-apply-training-places" in later


def test_the_follow_up_months_come_from_the_settings_and_a_bad_value_is_refused_naming_the_line(tmp_path: Path) -> None:
    text = (PROJECT / "schema" / "settings.yaml").read_text(encoding="utf-8")
    assert load_settings(PROJECT / "schema" / "settings.yaml").follow_up_months == 6
    path = tmp_path / "settings.yaml"
    path.write_text(text.replace("follow_up_months: 6", "follow_up_months: half a year"), encoding="utf-8")
    line = next(number for number, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "follow_up_months" in row)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert f"settings.yaml:{line}:" in str(caught.value) and "outcomes.follow_up_months: must be a whole number, not the text 'half a year'" in str(
        caught.value
    )
    path.write_text(re.sub(r"outcomes:\n  follow_up_months: 6\n", "", text), encoding="utf-8")
    assert load_settings(path).follow_up_months == 6


# Rules across files -------------------------------------------------------------------------------


def test_outcomes_written_by_hand_are_checked_with_located_messages(example_repo: Repo, run: Run) -> None:
    path = example_repo.root / f"submissions/ESP/{ESP}.md"
    text = path.read_text(encoding="utf-8")
    entries = (
        "outcomes:\n"
        "- status: funded\n  date: 2026-04-01\n"
        "- status: agreed\n  with: XYZ\n  date: 2026-04-01\n"
        "- status: agreed\n  with: ESP\n  date: 2026-04-01\n"
        "- status: closed\n  date: 2026-03-01\n"
        "- status: closed\n  date: 2027-02-01\n"
    )
    path.write_text(text.replace("source:\n", entries + "source:\n", 1), encoding="utf-8")
    result = run("validate", "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 1
    where = f"submissions/ESP/{ESP}.md"
    first = text[: text.index("source:\n")].count("\n") + 2  # the line of the first entry
    for line, field, says in (
        (first, "outcomes[0].status", "funded needs the other party; add `with: CODE`"),
        (first + 3, "outcomes[1].with", "'XYZ' is not a State's ISO 3166-1 alpha-3 code nor a registered organisation"),
        (first + 6, "outcomes[2].with", "ESP is the text's own submitter; name the other party"),
        (first + 9, "outcomes[3].date", "2026-03-01 is before it was published (2026-03-10); use 2026-03-10 or later"),
        (first + 11, "outcomes[4].date", "2027-02-01 is in the future (today is 2027-01-15)"),
    ):
        severity = "warning" if "future" in says else "error"
        assert re.search(rf"{re.escape(where)}:{line}:\d+: {severity}: {re.escape(field)}: {re.escape(says)}", result.output), (field, result.output)


def test_a_reply_that_only_tells_an_outcome_is_not_published_as_a_text(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    told = mail(tmp_path, LBN_SENDER, "<lbn-only-outcome@example.org>", f"Outcome: {LBN} funded DEU; 2027\n")
    before = snapshot(example_repo.root)
    result = run("ingest", str(told), "--repo", str(example_repo.root), "--today", TODAY)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "this reply only tells what became of a text (its 'Outcome:' lines)" in result.output and "`portal outcome ID MESSAGE`" in result.output
    assert snapshot(example_repo.root) == before
    outcome(run, example_repo, LBN, str(told))


def test_an_outcomes_list_in_flow_style_is_refused_naming_its_line(example_repo: Repo, run: Run) -> None:
    path = example_repo.root / f"submissions/ESP/{ESP}.md"
    text = path.read_text(encoding="utf-8").replace("source:\n", "outcomes: []\nsource:\n", 1)
    path.write_text(text, encoding="utf-8")
    git.Repo(example_repo.root).git.commit("-qam", "An empty list, written by hand")
    line = text.splitlines().index("outcomes: []") + 1
    says = refused(run, example_repo, ESP, "--status", "closed")
    assert f"submissions/ESP/{ESP}.md:{line}:1: error: outcomes: write it as a block list" in says


def test_a_forged_sender_is_refused_unless_confirmed_and_the_verdict_is_recorded(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    told = mail(tmp_path, LBN_SENDER, "<lbn-forged@example.org>", "Outcome: funded DEU\n")
    told.write_bytes(b"Authentication-Results: mx.example.org; dkim=fail header.d=example.org; spf=fail smtp.mailfrom=example.org\r\n" + told.read_bytes())
    assert "the From address may be forged" in refused(run, example_repo, LBN, str(told))
    outcome(run, example_repo, LBN, str(told), "--confirm-sender")
    [change] = read_changes(head_message(example_repo))
    assert change.authentication.endswith("; sender confirmed by hand") and "dkim=fail" in change.authentication
