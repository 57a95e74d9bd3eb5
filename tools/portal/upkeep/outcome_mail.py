"""The e-mail that tells what became of a text: who may tell it (the text's submitter or the
other party), what its `Outcome:` reply lines say, and what the trail records of it."""

from __future__ import annotations

from dataclasses import dataclass

from portal.config import ConfigError, Repo
from portal.errors import PortalError
from portal.intake.authenticity import FAILED
from portal.intake.mail import read_authentication, read_mail
from portal.intake.message import MailError, ParsedMail
from portal.intake.ownmail import is_own_line
from portal.intake.senders import load_senders, senders_for
from portal.model import Submission
from portal.outcomes import REPLY_KEY, ReplyError, reply_lines
from portal.registry import Registry


class OutcomeError(PortalError):
    pass


@dataclass(frozen=True)
class Teller:
    """Who told the coordinator; empty when the coordinator records it by hand, with no e-mail."""

    message_id: str = ""
    sender: str = ""  # the From address
    speaks_for: str = ""  # the code of the party the sender speaks for
    vouched: str = ""  # "register" or "confirmed by hand"
    authentication: str = ""  # the Portal-Authentication trailer

    @property
    def trailer(self) -> str:
        """The Portal-Sender value: the address and who vouched for it."""
        return f"{self.sender or 'unknown'} ({self.vouched})" if self.vouched else ""

    @property
    def recipients(self) -> list[str]:
        return [self.sender] if self.sender else []

    def told_by(self, sub: Submission) -> str:
        """The Portal-Outcome-From value."""
        if not self.vouched:
            return "coordinator (by hand, no e-mail)"
        return "submitter" if self.speaks_for == sub.submitter.code else f"other party ({self.speaks_for})"


@dataclass(frozen=True)
class Said:
    """What the outcome is: from the options, or else from the reply's `Outcome:` line."""

    status: str = ""
    with_code: str = ""
    note: str = ""


def read_outcome_mail(repo: Repo, raw: bytes, source_name: str, confirm_sender: bool) -> ParsedMail:
    """The e-mail, refused when the receiving server found its From address forged (unless the
    coordinator confirmed the sender by another channel)."""
    try:
        mail = read_mail(raw, repo.settings.attachment_bytes, repo.settings.reading)
    except MailError as exc:
        raise OutcomeError(f"{source_name}: {exc}") from None
    found = read_authentication(raw, mail.sender_email, repo.settings.authserv_id)
    if found.verdict == FAILED and not confirm_sender:
        raise OutcomeError(f"{source_name}: {found.refusal()}")
    mail.authentication = found.confirmed_by_hand() if confirm_sender else found
    return mail


def said_in_reply(mail: ParsedMail, source_name: str, chain: list[str], statuses: dict[str, str]) -> Said:
    """The one `Outcome:` line of the reply about a text of `chain` (the text and those it
    replaced); none, or more than one, is refused, naming the options that say it instead."""
    try:
        found = reply_lines(mail.text or "", statuses, is_own_line)
    except ReplyError as exc:
        raise OutcomeError(f"{source_name}: {exc}; or give --status (and --with) instead") from None
    about = [line for line in found if not line.reference or line.reference in chain]
    if not about:
        others = f" (its {REPLY_KEY}: lines name {', '.join(sorted({line.reference for line in found}))})" if found else ""
        raise OutcomeError(
            f"{source_name}: no '{REPLY_KEY}: STATUS [CODE] [; NOTE]' line about {chain[0]}{others}; give --status (and --with, --note) to record what it says"
        )
    if len(about) > 1:
        lines = ", ".join(str(line.line) for line in about)
        raise OutcomeError(
            f"{source_name}: lines {lines} each give an outcome of {chain[0]}, and one command records one; give --status (and --with, --note) to say which"
        )
    line = about[0]
    return Said(line.status, line.with_code, line.note)


def teller(repo: Repo, mail: ParsedMail, source_name: str, sub: Submission, with_code: str, confirmed_for: str, registry: Registry) -> tuple[Teller, str]:
    """Who the e-mail's sender speaks for: the text's submitter or the party in --with, by the
    register of senders or confirmed by hand (`confirmed_for`, from --submitter); and the line
    that says so."""
    try:
        entries = senders_for(mail.sender_email, load_senders(repo.schema_dir, registry)) if mail.sender_email else []
    except ConfigError as exc:
        raise OutcomeError(f"{source_name}: {exc}") from None
    parties = [code for code in (sub.submitter.code, with_code) if code]
    sender = mail.sender_email or "the sender (the message has no From address)"
    given = confirmed_for.strip().upper()
    if given and given not in parties:
        raise OutcomeError(
            f"{source_name}: --submitter {given}: only {sub.submitter.name} ({sub.submitter.code})"
            + (f" or the other party ({with_code})" if with_code else "")
            + f" can tell what became of {sub.id}"
        )
    entry = next((item for code in ([given] if given else parties) for item in entries if item.submitter == code), None)
    auth = mail.authentication.trailer()
    if entry is not None:
        name = _name(registry, entry.submitter)
        line = f"sender {sender} is in the register for {name} ({entry.label}, confirmed {entry.confirmed})"
        return Teller(mail.message_id, mail.sender_email, entry.submitter, "register", auth), line
    if given:
        line = f"sender {sender} confirmed by hand as speaking for {_name(registry, given)} (not in the register of senders)"
        return Teller(mail.message_id, mail.sender_email, given, "confirmed by hand", auth), line
    who = " nor for ".join(f"{_name(registry, code)} ({code})" for code in parties)
    raise OutcomeError(
        f"{source_name}: {sender} is not in the register of senders for {who} (schema/senders.yaml), so it cannot tell what became of {sub.id}; "
        f"if it speaks for one of them, confirm this one message by hand with --submitter {' or --submitter '.join(parties)}"
    )


def _name(registry: Registry, code: str) -> str:
    found = registry.states.get(code) or registry.organisations.get(code)
    return found.name if found else code
