"""The front matter of an e-mailed text: from the options, the header block of the guidance
pattern and the e-mail's own headers (in that order of precedence), with what is still missing
asked for in a terminal, or reported. Each value's origin is kept for messages that name it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from portal.intake.mail import ParsedMail
from portal.model import ASSISTANCE, KINDS, THEMES

if TYPE_CHECKING:  # ingest calls this module; these are its types
    from portal.intake.ingest import Ask, Options, Prepared


def _words(value: str) -> list[str]:
    return [word.strip().lower().replace(" ", "-") for word in re.split(r"[,;]", value) if word.strip()]


_ANGLE = re.compile(r"(?P<name>.*?)\s*<\s*(?P<email>[^<>\s@]+@[^<>\s]+?)\s*(?:\(mailto:[^)]*\))?\s*>\s*")
_BARE = re.compile(r"[^<>\s@,;]+@[^<>\s@,;]+")
_TRAILING = re.compile(r"(?P<name>.*?)[\s,;]+(?P<email>[^<>\s@,;]+@[^<>\s@,;]+)\s*")


def parse_contact(value: str) -> tuple[str, str]:
    """(name or function, e-mail) from a 'Contact:' line as people write it: the name may hold
    commas ('Director, Planning and Cooperation Unit, NRA <planning@nra.gov.la>')."""
    value = value.strip()
    for pattern in (_ANGLE, _TRAILING):
        match = pattern.fullmatch(value)
        if match:
            return match.group("name").strip().strip('"').strip().rstrip(",;").strip(), match.group("email")
    if _BARE.fullmatch(value):
        return "", value
    return value, ""


QUESTIONS = {
    "kind": f"Kind ({', '.join(KINDS)})",
    "title": "Title",
    "themes": f"Themes, separated by commas ({', '.join(THEMES)})",
    "assistance": f"Assistance, separated by commas ({', '.join(ASSISTANCE)})",
    "contact_name": "Contact (name or function)",
}
HINTS = {
    "kind": "--kind or 'Kind:'",
    "title": "--title or 'Title:'",
    "themes": "--theme or 'Themes:'",
    "assistance": "--assistance or 'Assistance:'",
    "contact_name": "--contact or 'Contact:'",
}


class _Sources:
    """The header block and the options, and where each top-level field's value came from (for
    messages that name it)."""

    def __init__(self, prepared: Prepared) -> None:
        self.prepared = prepared
        self.header = {name: value for name, (value, _line) in prepared.header.items()}
        self.origins: dict[str, str] = {}

    def from_header(self, name: str) -> str:
        """The header block's value of `name` ('' if none), noting where it came from."""
        if not self.header.get(name):
            return ""
        value, line = self.prepared.header[name]
        self.origins[name] = f"from the header block, line {line} of the e-mail's text: '{name.capitalize()}: {value}'"
        return value

    def option(self, name: str, flag: str, given: Any) -> Any:
        """The option when given (it wins), else None."""
        if given:
            self.origins[name] = f"given with {flag}"
            return given
        return None


def build_metadata(mail: ParsedMail, prepared: Prepared, options: Options, code: str, ask: Ask | None, today: dt.date) -> tuple[dict[str, Any], dict[str, str]]:
    """Front matter (without id), and where each top-level field came from (for messages).
    Whatever is still missing is asked for (in a terminal) or reported."""
    sources = _Sources(prepared)
    values = _described_values(sources, options)
    values.update(_contact(sources, mail, options))
    _complete(values, sources.origins, ask)
    meta: dict[str, Any] = {
        "kind": values["kind"],
        "submitter": {"type": "", "code": code},
        "title": values["title"].strip(),
        "themes": values["themes"],
        "assistance": values["assistance"],
        "contact": {"name": values["contact_name"], **({"email": values["contact_email"]} if values["contact_email"] else {})},
        "received": _received(mail, today),
        "published": today.isoformat(),
        "expires": "",
        "language": "en",
        "audience": values["audience"],
        "format": options.text_format or "plain",
    }
    meta.update(_optional_fields(sources, options))
    return meta, sources.origins


def _described_values(sources: _Sources, options: Options) -> dict[str, Any]:
    """Kind, title, themes, assistance and audience: each option wins over the header block."""
    return {
        "kind": sources.option("kind", "--kind", options.kind) or sources.from_header("kind").lower(),
        "title": sources.option("title", "--title", options.title) or sources.from_header("title"),
        "themes": sources.option("themes", "--theme", list(options.themes)) or _words(sources.from_header("themes")),
        "assistance": sources.option("assistance", "--assistance", list(options.assistance)) or _words(sources.from_header("assistance")),
        "audience": sources.option("audience", "--audience", options.audience) or sources.from_header("audience").lower() or "states",
    }


def _contact(sources: _Sources, mail: ParsedMail, options: Options) -> dict[str, str]:
    """The contact's name and e-mail: the options, else the header block's 'Contact:', else the
    sender of the e-mail (for whichever of the two the header block does not give)."""
    contact_name, contact_email = parse_contact(sources.header.get("contact", ""))
    if options.contact_name or options.contact_email:
        sources.origins["contact"] = "given with " + " and ".join(
            name for name, value in (("--contact", options.contact_name), ("--email", options.contact_email)) if value
        )
    elif not sources.from_header("contact"):
        sources.origins["contact"] = f"the sender of the e-mail ({mail.sender_name} <{mail.sender_email}>)"
    return {
        "contact_name": options.contact_name or contact_name or (mail.sender_name if not contact_email or contact_email == mail.sender_email else ""),
        "contact_email": options.contact_email or contact_email or (mail.sender_email if not contact_name else ""),
    }


def _complete(values: dict[str, Any], origins: dict[str, str], ask: Ask | None) -> None:
    """Ask for what is still missing (when there is someone to ask), or refuse naming it."""
    missing = [name for name in QUESTIONS if not values[name]]
    if missing and ask is not None:
        for name in missing:
            answer = ask(name, QUESTIONS[name]).strip()
            values[name] = _words(answer) if name in ("themes", "assistance") else answer
            origins[name.removesuffix("_name")] = "answered at the prompt"
        missing = [name for name in QUESTIONS if not values[name]]
    if missing:
        from portal.intake.ingest import IngestError  # ingest imports this module

        raise IngestError("missing: " + "; ".join(f"{name.replace('_name', '')} (give {HINTS[name]})" for name in missing))


def _received(mail: ParsedMail, today: dt.date) -> str:
    """The e-mail's date, or today when it has none or says a later day."""
    received = mail.date or today.isoformat()
    return min(received, today.isoformat())


def _optional_fields(sources: _Sources, options: Options) -> dict[str, Any]:
    """Regions, budget, period and replaces, when the header block (or the command) gives them
    in a form that can be read; a budget or period in another form is left out."""
    fields: dict[str, Any] = {}
    if sources.from_header("regions"):
        fields["regions"] = [region.strip() for region in sources.header["regions"].split(",") if region.strip()]
    budget = re.fullmatch(r"\s*([\d][\d,. ]*)\s*([A-Za-z]{3})\s*", sources.from_header("budget"))
    if budget:
        amount = float(re.sub(r"[, ]", "", budget.group(1)))
        fields["budget"] = {"amount": int(amount) if amount.is_integer() else amount, "currency": budget.group(2).upper()}
    period = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*(?:to|-|–)\s*(\d{4}-\d{2}-\d{2})\s*", sources.from_header("period"))
    if period:
        fields["period"] = {"start": period.group(1), "end": period.group(2)}
    replaces = sources.option("replaces", "portal replace", options.replaces) or sources.from_header("replaces")
    if replaces:
        fields["replaces"] = replaces.strip()
    return fields
