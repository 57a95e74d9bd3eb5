"""A State's request about a text already on the portal (extend it, withdraw it), read from its
e-mail: who sent it, whether they speak for the text's submitter, and what the trail records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.config import ConfigError, Repo
from portal.errors import PortalError
from portal.intake.mail import read_mail
from portal.intake.message import MailError
from portal.intake.senders import SenderError, load_senders, submitter_for
from portal.model import Submission
from portal.registry import load_registry
from portal.trail.history import message_ids_in_history


class RequestError(PortalError):
    pass


@dataclass(frozen=True)
class Request:
    """The e-mail that asked for a change; empty when the coordinator acts without one."""

    message_id: str = ""
    sender: str = ""  # the From address
    vouched: str = ""  # "register" or "confirmed by hand"
    note: str = ""  # who vouched for the sender, as the commit body and the output say it

    @property
    def trailer(self) -> str:
        """The Portal-Sender value: the address and who vouched for it."""
        return f"{self.sender or 'unknown'} ({self.vouched})" if self.vouched else ""

    @property
    def recipients(self) -> list[str]:
        return [self.sender] if self.sender else []


def read_request(
    repo: Repo, raw: bytes | None, source_name: str, sub: Submission | None, submitter: str = "", ask: Callable[[str, str], str] | None = None
) -> Request:
    """The request e-mail `raw` about `sub` (None: no e-mail). Its sender must speak for the
    text's submitter: by the register of senders, or confirmed by hand with `submitter`."""
    if raw is None:
        if submitter:
            raise RequestError("--submitter confirms the sender of a request e-mail; give the e-mail (MESSAGE) too, or leave --submitter out")
        return Request()
    if sub is None:
        raise RequestError(f"{source_name}: the text it is about is not valid, so its submitter is not known; fix the text first (`portal validate`)")

    try:
        mail = read_mail(raw, repo.settings.attachment_bytes, repo.settings.reading)
    except MailError as exc:
        raise RequestError(f"{source_name}: {exc}") from None
    registry = load_registry(repo.schema_dir)
    try:
        check = submitter_for(mail.sender_email, submitter, registry, load_senders(repo.schema_dir, registry), sub, ask)
    except (SenderError, ConfigError) as exc:
        raise RequestError(f"{source_name}: {exc}") from None
    if check.code != sub.submitter.code:
        raise RequestError(
            f"{source_name}: {sub.id} is a text of {sub.submitter.name} ({sub.submitter.code}), not of {check.code}; "
            "only its submitter can ask for it to be extended or withdrawn"
        )
    earlier = message_ids_in_history(repo).get(mail.message_id) if mail.message_id else None
    if earlier:
        raise RequestError(
            f"{source_name}: this e-mail (Message-ID {mail.message_id}) is already recorded for {earlier} (`portal history {earlier}` shows it); nothing was changed"
        )
    vouched = "register" if check.how == "register" else "confirmed by hand"
    return Request(mail.message_id, mail.sender_email, vouched, check.record(mail.sender_email, sub.submitter.name))
