"""The front matter of an e-mailed text: from the options, the header block of the guidance
pattern and the e-mail's own headers (in that order of precedence), with what is still missing
asked for in a terminal, or reported. Each value's origin is kept for messages that name it. A
header line whose value cannot be read (or that is no field) is refused naming its line and the
option that sets it: nothing the sender wrote there is left out in silence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from portal.intake.headerblock import HEADER_FIELDS
from portal.intake.message import ParsedMail
from portal.intake.options import IngestError
from portal.intake.values import Unreadable, country_names, country_of_region, plain, read_amount, read_choice, read_country, read_kind, read_list, read_period
from portal.model import Problem, Vocabulary
from portal.registry import Registry

if TYPE_CHECKING:  # ingest calls this module; these are its types
    from portal.intake.options import Ask, Options
    from portal.intake.texts import Prepared


def _words(value: str) -> list[str]:
    return [plain(word) for word in read_list(value)]


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


def questions(vocabulary: Vocabulary) -> dict[str, str]:
    """What the coordinator is asked for each field still missing, with the schema's values."""
    return {
        "kind": f"Kind ({', '.join(vocabulary.kinds)})",
        "title": "Title",
        "themes": f"Themes, separated by commas ({', '.join(vocabulary.themes)})",
        "assistance": f"Assistance, separated by commas ({', '.join(vocabulary.assistance)})",
        "contact_name": "Contact (name or function)",
    }


HINTS = {
    "kind": "--kind or 'Kind:'",
    "title": "--title or 'Title:'",
    "themes": "--theme or 'Themes:'",
    "assistance": "--assistance or 'Assistance:'",
    "contact_name": "--contact or 'Contact:'",
}


# The option (with an example) that sets each field whose header line cannot be read as written.
FIXES = {
    "kind": "--kind need",
    "audience": "--audience states",
    "themes": "--theme THEME (repeatable)",
    "assistance": "--assistance TYPE (repeatable)",
    "budget": '--budget "275000 EUR"',
    "period": "--period 2027-01-01..2027-12-31",
    "countries": "--country CODE (repeatable)",
}


class _Sources:
    """The header block and the options, where each top-level field's value came from (for
    messages that name it), and the header lines that cannot be read (each a located problem)."""

    def __init__(self, prepared: Prepared, options: Options, vocabulary: Vocabulary, registry: Registry) -> None:
        self.prepared = prepared
        self.vocabulary = vocabulary
        self.registry = registry
        self.header = {name: value for name, (value, _line) in prepared.header.items()}
        self.origins: dict[str, str] = {}
        self.source = options.source_name
        self.problems: list[Problem] = []
        self.notes: list[str] = []  # what was read in a way the coordinator should know

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

    def refuse(self, name: str, why: str) -> None:
        """A header line that cannot be used as written, named with the option that sets it."""
        _value, line = self.prepared.header[name]
        advice = ", or give" if "; write" in why else "; write it as the guidance pattern shows, or give"  # the reader may already say how to write it
        self.problems.append(Problem(self.source, line, 1, name, f"{why}{advice} {FIXES[name]}"))

    def read(self, name: str, reader: Callable[[str], Any]) -> Any:
        """The header block's value of `name` read by `reader`, or None (none, or refused)."""
        written = self.from_header(name)
        if not written:
            return None
        try:
            return reader(written)
        except Unreadable as exc:
            self.refuse(name, str(exc))
            return None

    def unknown_labels(self) -> None:
        """Refuse a 'Label:' line of the header block that is no field of the guidance pattern,
        or a field given twice."""
        for name, (value, line) in self.prepared.header.items():
            if name.lower() in HEADER_FIELDS and name not in HEADER_FIELDS:
                first = self.prepared.header[name.lower()][1]
                why = f"'{name}:' is given twice in the header block (lines {first} and {line}); keep the one that is meant"
            elif name not in HEADER_FIELDS:
                why = f"'{name}:' is not a field of the guidance pattern ('{name}: {value}'); write it in the text below the line of dashes"
            else:
                continue
            self.problems.append(Problem(self.source, line, 1, name, why))

    def joined(self) -> None:
        """Say which values were wrapped over several lines and joined."""
        for name, entry in self.prepared.header.items():
            continued = getattr(entry, "continued", ())
            if continued:
                lines = f"line {continued[0]}" if len(continued) == 1 else f"lines {continued[0]}-{continued[-1]}"
                self.notes.append(f"joined {lines} to the {name.capitalize()}: on line {entry[1]} (the value continued on the next line)")


def build_metadata(
    mail: ParsedMail, prepared: Prepared, options: Options, code: str, ask: Ask | None, today: dt.date, vocabulary: Vocabulary, registry: Registry
) -> tuple[dict[str, Any], dict[str, str]]:
    """Front matter (without id), and where each top-level field came from (for messages).
    A header line that cannot be used is refused (with every other one); whatever is still
    missing is then asked for (in a terminal) or reported. `vocabulary` and `registry` are the
    repository's: the values a header line may take and the countries it may name."""
    sources = _Sources(prepared, options, vocabulary, registry)
    sources.unknown_labels()
    values = _described_values(sources, options)
    values.update(_contact(sources, mail, options))
    optional = _optional_fields(sources, options, code)
    if sources.problems:
        raise IngestError(f"the header block cannot be used as written; nothing was written ({len(sources.problems)} problem(s))", sources.problems)
    sources.joined()
    prepared.notes.extend(sources.notes)  # the command prints them with what was left out of the e-mail
    _complete(values, sources.origins, ask, sources.vocabulary)
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
    meta.update(optional)
    return meta, sources.origins


def _described_values(sources: _Sources, options: Options) -> dict[str, Any]:
    """Kind, title, themes, assistance and audience: each option wins over the header block."""
    vocabulary = sources.vocabulary
    return {
        "kind": sources.option("kind", "--kind", options.kind) or sources.read("kind", lambda text: read_kind(text, vocabulary)) or "",
        "title": sources.option("title", "--title", options.title) or sources.from_header("title"),
        "themes": sources.option("themes", "--theme", list(options.themes)) or sources.read("themes", lambda text: _choices(text, vocabulary.themes)) or [],
        "assistance": sources.option("assistance", "--assistance", list(options.assistance))
        or sources.read("assistance", lambda text: _choices(text, vocabulary.assistance))
        or [],
        "audience": sources.option("audience", "--audience", options.audience)
        or sources.read("audience", lambda text: read_choice(text, vocabulary.audiences))
        or "states",
    }


def _choices(text: str, labels: Mapping[str, str]) -> list[str]:
    """Each listed value read as an allowed one; every value that is none is named at once."""
    chosen, wrong = [], []
    for item in read_list(text):
        try:
            chosen.append(read_choice(item, labels))
        except Unreadable:
            wrong.append(repr(item))
    if wrong:
        raise Unreadable(f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not one of {', '.join(labels)}")
    return list(dict.fromkeys(chosen))


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


def _complete(values: dict[str, Any], origins: dict[str, str], ask: Ask | None, vocabulary: Vocabulary) -> None:
    """Ask for what is still missing (when there is someone to ask), or refuse naming it."""
    asked = questions(vocabulary)
    missing = [name for name in asked if not values[name]]
    if missing and ask is not None:
        for name in missing:
            answer = ask(name, asked[name]).strip()
            values[name] = _words(answer) if name in ("themes", "assistance") else answer
            origins[name.removesuffix("_name")] = "answered at the prompt"
        missing = [name for name in asked if not values[name]]
    if missing:
        raise IngestError("missing: " + "; ".join(f"{name.replace('_name', '')} (give {HINTS[name]})" for name in missing))


def _received(mail: ParsedMail, today: dt.date) -> str:
    """The e-mail's date, or today when it has none or says a later day."""
    received = mail.date or today.isoformat()
    return min(received, today.isoformat())


def _optional_fields(sources: _Sources, options: Options, code: str) -> dict[str, Any]:
    """Regions, countries, budget, period and replaces, from the command or the header block;
    a header value in a form that cannot be read is refused (by `sources`), never left out."""
    fields: dict[str, Any] = {}
    regions = sources.read("regions", read_list) or []
    if regions:
        fields["regions"] = regions
    countries = _countries(sources, options, code, regions)
    if countries:
        fields["countries"] = countries
    budget = _option_value("budget", options.budget, read_amount) if options.budget else sources.read("budget", read_amount)
    if budget:
        sources.option("budget", "--budget", options.budget)
        fields["budget"] = {"amount": budget[0], "currency": budget[1]}
    period = _option_value("period", options.period, _period_option) if options.period else sources.read("period", read_period)
    if period:
        sources.option("period", "--period", options.period)
        fields["period"] = {"start": period[0], **({"end": period[1]} if period[1] else {})}
    replaces = sources.option("replaces", "portal replace", options.replaces) or sources.from_header("replaces")
    if replaces:
        fields["replaces"] = replaces.strip()
    return fields


def _countries(sources: _Sources, options: Options, code: str, regions: list[str]) -> list[str]:
    """The countries the text is about: --country, else the header's Countries: and every region
    that is a country other than the submitter ('Lao PDR (Savannakhet Province…)')."""
    names = _country_names(sources.registry)
    if options.countries:
        sources.option("countries", "--country", options.countries)
        return list(dict.fromkeys(_option_value("countries", given, lambda text: read_country(text, names)) for given in options.countries))
    countries = sources.read("countries", lambda text: _country_list(text, names, sources.registry)) or []
    for region in regions:
        found = country_of_region(region, names)
        if found and found != code and found not in countries:
            countries.append(found)
            sources.notes.append(
                f"country {found} added from the region {region!r} (line {sources.prepared.header['regions'][1]}); give --country to set the countries"
            )
    return countries


def _country_list(text: str, names: Mapping[str, str], registry: Registry) -> list[str]:
    codes, wrong = [], []
    for item in read_list(text):
        try:
            codes.append(read_country(item, names))
        except Unreadable:
            wrong.append(repr(item) + registry.suggestion("state", item))
    if wrong:
        raise Unreadable(
            f"{', '.join(wrong)} {'is not a country' if len(wrong) == 1 else 'are not countries'} the portal knows (by name or ISO 3166-1 alpha-3 code)"
        )
    return codes


def _country_names(registry: Registry) -> dict[str, str]:
    return country_names({code: who.name for code, who in registry.states.items()})


def _period_option(text: str) -> tuple[str, str]:
    """--period START..END (END may be left out: '2027-01-01..')."""
    start, _dots, end = text.partition("..")
    if not _dots or not start.strip():
        raise Unreadable(f"{text!r} is not START..END")
    if not end.strip():
        return read_period(start)[0], ""
    last = read_period(end)
    return read_period(start)[0], last[1] or last[0]


def _option_value(name: str, given: str, reader: Callable[[str], Any]) -> Any:
    """An option read like the header line it replaces; a mistake in it ends the command."""
    try:
        return reader(given)
    except Unreadable as exc:
        flag = FIXES[name].split()[0]
        raise IngestError(f"{flag} {given!r}: {exc}; give it like {FIXES[name]}") from None
