"""What an e-mail holds besides the text is left out and said so: the signature, the disclaimer and
the "Sent from my iPhone" line below it (with --keep-signature to publish them), and the portal's
own reminder or acknowledgement coming back in a reply, which is never published."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from portal.checks.validate import validate_repo
from portal.config import ReadLimits, Repo
from portal.intake.acknowledge import acknowledgement
from portal.intake.mail import read_mail
from portal.intake.options import Options
from portal.intake.ownmail import PLACEHOLDER, OwnMailError, check_text_is_the_senders
from portal.intake.quoted import furniture_rules, library_phrases, submission_text
from portal.intake.texts import TextsError, prepare_texts
from portal.trail.actions import Action
from portal.upkeep.reminders import draft_message, follow_up_message

from tests.helpers import BAD, DEMO_DATE, FIXTURES, GOOD, MAIL, Run, snapshot, text_of

# Every e-mail of the corpora that gives a text -> the line of its text where the furniture cut
# starts (1-based, as the coordinator is told), or None when nothing is cut. A change to the
# rules that moves any cut, or cuts anything new, fails here by fixture.
CUTS: dict[str, tuple[int, str] | str | None] = {
    "mail/01-plain-utf8.eml": (23, "Best regards,"),
    "mail/02-multipart-alternative.eml": (23, "Best regards,"),
    "mail/03-html-only.eml": None,
    "mail/04-quoted-printable.eml": None,  # a long line after the name: the sign-off is not the end
    "mail/05-base64.eml": None,  # a sentence after the name
    "mail/06-windows-1252.eml": None,
    "mail/07-iso-8859-1.eml": None,
    "mail/08-shift-jis.eml": None,
    "mail/09-inline-image.eml": (23, "Best regards,"),
    "mail/10-forwarded-inline.eml": (28, "Best regards,"),
    "mail/11-forwarded-attached.eml": None,
    "mail/12-reply-quoted.eml": None,
    "mail/13-signature.eml": (23, "Best regards,"),
    "mail/14-attachment-pdf.eml": (23, "Best regards,"),
    "mail/15-attachment-xlsx.eml": (23, "Best regards,"),
    "mail/16-attachment-image.eml": (23, "Best regards,"),
    "mail/17-docx-body.eml": None,
    "mail/18-odt-body.eml": None,
    "mail/19-txt-body.eml": None,
    "mail/20-no-header-block.eml": (12, "Best regards,"),
    "mail/21-format-flowed.eml": None,
    "mail/29-hostile-attachment-names.eml": (23, "Best regards,"),
    "mail/30-outlook-reply-to-reminder.eml": (15, "Best regards,"),
    "mail/31-greeting-first.eml": (28, "Best regards,"),
    "mail/32-forwarded-by-mission.eml": (36, "Best regards,"),
    "mail/33-outlook-html-only.eml": (21, "Best regards,"),
    "mail/34-same-text-again.eml": (23, "Best regards,"),
    "mail/35-unknown-sender.eml": (23, "Best regards,"),
    "mail/36-pdf-body.eml": None,
    "mail/37-scanned-pdf-body.eml": None,
    "mail/38-legacy-doc-body.eml": None,
    "mail/39-attachment-windows-path.eml": (23, "Best regards,"),
    "mail/40-outlook.msg": (16, "Best regards,"),
    "intake/furniture-contact-paragraph-last/message.eml": None,
    "intake/furniture-gmail-sent-from-iphone/message.eml": (12, "Sent from my iPhone"),
    "intake/furniture-only-the-quoted-reminder/message.eml": "refused",
    "intake/furniture-outlook-html-disclaimer/message.eml": (19, "Best regards,"),
    "intake/furniture-reminder-placeholder-kept/message.eml": (12, "Best regards,"),
    "intake/furniture-windows-1252-cordialement/message.eml": (12, "Cordialement,"),
    "intake/greeting-before-header-block/message.eml": (28, "Best regards,"),
    "intake/auth-dkim-verified/message.eml": (16, "Best regards,"),
    "intake/auth-forged-confirmed/message.eml": (16, "Best regards,"),
    "intake/auth-forged-refused/message.eml": (16, "Best regards,"),
    "intake/extend-keep-unchanged-outlook-reply/message.eml": (5, "Kind regards,"),
    "intake/extend-request-from-another-state/message.eml": None,
    "intake/extend-withdraw-request-gmail/message.eml": (8, "--"),
    "intake/header-budget-european/message.eml": (25, "Kind regards,"),
    "intake/header-lao-region-countries/message.eml": None,
    "intake/header-pdf-wrapped/message.eml": None,
    "intake/header-period-ambiguous/message.eml": None,
    "intake/header-unknown-label/message.eml": None,
    "intake/texts-attachments-with-beyond-the-texts/message.eml": None,
    "intake/texts-in-attached-email/message.eml": None,
    "intake/texts-in-docx-attachment/message.eml": None,
    "intake/texts-in-pdf-attachment/message.eml": None,
    "intake/texts-in-two-attachments/message.eml": "refused",  # which attachment holds the text is asked
    "intake/texts-missing-fields-names-attachments/message.eml": None,
    "intake/texts-two-header-blocks/message.eml": (31, "Best regards,"),
    "intake/texts-two-header-blocks-attachment/message.eml": "refused",  # which text the attachment goes with is asked
    "intake/texts-two-header-blocks-attachment-with-2/message.eml": "refused",  # the same, answered with an option
    "intake/texts-two-header-blocks-project-first/message.eml": None,
    "intake/texts-two-header-blocks-text-2/message.eml": (31, "Best regards,"),
    "intake/texts-two-header-blocks-title-option/message.eml": (31, "Best regards,"),
}
FURNITURE_NOTE = re.compile(r"left out the .+?, from line (\d+) \('(.*)'\) to .*; give --keep-signature to publish it")


def corpus() -> list[Path]:
    mail = [path for path in MAIL.iterdir() if path.suffix in (".eml", ".msg") and path.name not in BAD]
    return sorted(mail) + sorted((FIXTURES / "intake").glob("*/message.*"))


def test_the_table_names_every_e_mail_of_the_corpora() -> None:
    assert sorted(path.relative_to(FIXTURES).as_posix() for path in corpus()) == sorted(CUTS)


@pytest.mark.parametrize("name", sorted(CUTS))
def test_exactly_the_furniture_is_cut_from_each_e_mail(name: str) -> None:
    path = FIXTURES / name
    extra = GOOD.get(path.name, ([], ""))[0]
    body_from = extra[extra.index("--body-from") + 1] if "--body-from" in extra else ""
    try:
        limits = ReadLimits(inflated_bytes=10**8, markup_bytes=10**8, parts=1000, seconds=60)
        texts = prepare_texts(read_mail(path.read_bytes(), 10**8, limits), Options(body_from=body_from), limits)
    except (OwnMailError, TextsError):
        assert CUTS[name] == "refused"
        return
    cuts = [found for text in texts for note in text.notes if (found := FURNITURE_NOTE.search(note))]
    assert len(cuts) <= 1
    assert ((int(cuts[0].group(1)), cuts[0].group(2)) if cuts else None) == CUTS[name]


def test_a_signature_is_left_out_and_said_so_unless_kept(example_repo: Repo, run: Run) -> None:
    left = run("ingest", str(MAIL / "13-signature.eml"), "--repo", str(example_repo.root), "--today", DEMO_DATE)
    assert left.exit_code == 0, left.output
    assert "left out the signature, from line 23 ('Best regards,') to the end; give --keep-signature to publish it" in left.output
    path = example_repo.root / "submissions/LBN/lbn-2026-need-rehabilitation-services-for-survivors-in-the.md"
    assert text_of(path.read_text(encoding="utf-8")).endswith("What is needed\n1. 400 prosthetic component sets\n2. Six physiotherapists for 12 months\n")
    assert "Victim Assistance Unit" not in text_of(path.read_text(encoding="utf-8"))  # kept with --keep-signature: GOOD in helpers.py


TEXT = "Kind: need\nTitle: T\n----\n\nWe need two survey teams.\n\n"


@pytest.mark.parametrize(
    ("tail", "cut"),
    [
        ("Best regards,\nJohn Smith\nDirector, NRA\n", "Best regards,"),
        ("Kind regards\n\nJohn Smith\n\nTel: +856 21 000 000\n", "Kind regards"),
        ("-- \nJohn Smith\nVientiane, Lao P.D.R.\n", "--"),
        ("Sent from my iPhone\n", "Sent from my iPhone"),
        ("Envoyé de mon iPhone\n", "Envoyé de mon iPhone"),
        ("Get Outlook for Android\n", "Get Outlook for Android"),
        ("Saludos,\nDirección de Desminado\n", "Saludos,"),
        ("Mit freundlichen Grüßen\nAbteilung 3\n", "Mit freundlichen Grüßen"),
        (
            "This e-mail and any attachments are confidential.\nIf you are not the intended recipient, delete it.\n",
            "This e-mail and any attachments are confidential.",
        ),
        ("Best regards,\nJohn\n\n______________\nDisclaimer: this message is for its addressee only.\n", "Best regards,"),
        # the text's own, not furniture
        ("Best regards,\nContact: Head of Victim Assistance, va@example.org\n", None),
        ("Thanks,\n- two vehicles\n- one ambulance\n", None),
        ("Best regards,\nNRA\n\nPS: the map of the sites is attached\n", None),
        ("Best regards,\nNRA\n\nAnnex: list of the 14 villages\n", None),
        ("Best regards to the donors of 2026,\nwe could not have done it without them.\n", None),
        ("Sincerely,\nThe Survivors' Association\n\nWhat is needed\nTraining for 20 peer supporters.\n", None),
        ("Warning: the road to the site is closed in the rainy season.\n", None),
        ("Best regards,\n" + "\n".join(f"Line {n}" for n in range(9)) + "\n", None),
    ],
)
def test_only_furniture_at_the_end_is_cut(tail: str, cut: str | None) -> None:
    parts = submission_text(TEXT + tail, "Need")
    expected = "We need two survey teams.\n" if cut else "We need two survey teams.\n\n" + tail
    assert parts.text == expected
    assert any(f"({cut!r})" in note for note in parts.left_out) if cut else not parts.left_out


def test_a_cut_that_would_leave_no_text_is_not_made() -> None:
    assert submission_text("Kind: need\n----\n\nBest regards,\nJohn Smith\n", "Need").text == "Best regards,\nJohn Smith\n"
    assert furniture_rules().tail("Sent from my iPhone\n") is None


def test_mail_parser_reply_still_gives_its_phrases() -> None:
    """quoted.py reads the library's tables (mailparser_reply.constants.MAIL_LANGUAGES): an
    upgrade that renames them fails here, by name, before any text is published wrong."""
    phrases = library_phrases()
    assert "Best regards" in phrases.sign_offs and "cordialement" in phrases.sign_offs
    assert "Sent from my" in phrases.sent_from
    assert any("Disclaimer" in fragment for fragment in phrases.disclaimers)


def drafts_of_the_portal(repo: Repo) -> list[str]:
    """The texts of the reminder, the follow-up and each kind of acknowledgement, as the portal drafts them."""
    today = dt.date.fromisoformat(DEMO_DATE)
    subs = [sub for sub in validate_repo(repo).submissions if sub.submitter.code == "LAO"]
    texts = [draft_message(repo, "Lao PDR", subs, ["planning@nra.example.la"], today).get_content()]
    replacing = next(sub for sub in subs if sub.replaces)
    for action in (Action.PUBLISH, Action.REPLACE, Action.WITHDRAW):
        texts.append(acknowledgement(repo, replacing, action, today, ["planning@nra.example.la"]).get_content())
    for answering in ("", "<m@nra.example.la>"):  # by hand, and answering an e-mail
        texts.append(
            acknowledgement(repo, replacing, Action.OUTCOME, today, ["planning@nra.example.la"], answering, "Funded with Norway, 1 December 2026").get_content()
        )
    texts.append(follow_up_message(repo, "Lao PDR", subs, ["planning@nra.example.la"], today).get_content())
    texts.append(follow_up_message(repo, "Lao PDR", subs[:1], ["planning@nra.example.la"], today).get_content())
    return texts


def test_every_line_the_portal_drafts_is_known_as_its_own(example_repo: Repo) -> None:
    """ownmail.py is the home of the drafts' words: a draft that says something it does not know
    fails here, before a reply quoting it could be published as a text."""
    for text in drafts_of_the_portal(example_repo):
        quoted = "\n".join("> " + line for line in text.split("\n"))
        for shown in (text, quoted):
            with pytest.raises(OwnMailError, match="this reply holds no text of its own"):
                check_text_is_the_senders(shown, 1)
    assert PLACEHOLDER in drafts_of_the_portal(example_repo)[0]


def test_a_sentence_of_the_sender_is_the_senders_own_text() -> None:
    check_text_is_the_senders("Dear colleague,\n\nWe need two survey teams.\n\nWith best regards,\nNRA\n", 1)


def test_the_placeholder_is_refused_whatever_the_options(example_repo: Repo, run: Run) -> None:
    before = snapshot(example_repo.root)
    result = run(
        "ingest", str(MAIL / "30-outlook-reply-to-reminder.eml"), "--repo", str(example_repo.root), "--today", DEMO_DATE, "--keep-quoted", "--keep-signature"
    )
    assert result.exit_code == 1
    assert "30-outlook-reply-to-reminder.eml: the text holds the reminder's placeholder '(your updated text here)' on line 38" in result.output
    assert "Traceback" not in result.output
    assert snapshot(example_repo.root) == before


def test_the_text_above_the_cut_is_kept_as_received() -> None:
    """Only the blank lines before the furniture go: the last line keeps its trailing space."""
    assert submission_text("We need two survey teams. \n \n\nSent from my iPhone\n", "Need").text == "We need two survey teams. \n"
