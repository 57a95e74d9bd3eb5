"""What the coordinator says about a message on the command line (`Options`), how intake asks
for what is missing (`Ask`), and the error every step of intake raises (`IngestError`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from portal.errors import PortalError
from portal.model import Problem

Ask = Callable[[str, str], str]  # (field, question) -> answer ("" when none)


class IngestError(PortalError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Options:
    """What the coordinator says on the command line; empty means 'not given'."""

    submitter: str = ""
    kind: str = ""
    title: str = ""
    themes: tuple[str, ...] = ()
    assistance: tuple[str, ...] = ()
    audience: str = ""
    contact_name: str = ""
    contact_email: str = ""
    body_from: str = ""
    text_format: str = ""
    replaces: str = ""
    budget: str = ""  # '275000 EUR', read like the header block's Budget:
    period: str = ""  # 'START..END', read like the header block's Period:
    countries: tuple[str, ...] = ()
    author: str = ""
    allow_duplicate: bool = False
    keep_quoted: bool = False
    text_number: int = 0  # publish only this text of an e-mail that holds several (0: every text)
    attachments_with: int | None = None  # which text of several the attachments go with (0: none)
    keep_signature: bool = False
    confirm_sender: bool = False  # the coordinator confirmed by another channel a sender the receiving server could not verify
    source_name: str = "the message"  # how errors name the message (its file name)

    def describing(self) -> list[tuple[str, object]]:
        """The options that describe one text, as (flag, value): with several texts in one
        e-mail they cannot say which text they are for."""
        return [
            ("--kind", self.kind),
            ("--title", self.title),
            ("--theme", self.themes),
            ("--assistance", self.assistance),
            ("--audience", self.audience),
            ("--contact", self.contact_name),
            ("--email", self.contact_email),
            ("--budget", self.budget),
            ("--period", self.period),
            ("--country", self.countries),
            ("portal replace", self.replaces),
        ]
