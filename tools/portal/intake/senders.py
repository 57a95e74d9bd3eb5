"""Who may publish for whom: sender addresses and domains per State and organisation.

The register (schema/senders.yaml) is what other treaty mechanisms check by note verbale: the
coordinator confirms once that an address or a whole domain speaks for a State or an
organisation, with the date, and from then on a text from that sender is published for that
submitter without being asked. A sender that is not in it publishes for no one until the
coordinator names the submitter for that message by hand (the commit records that) or adds
the sender here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portal.checks.datafiles import load_checked, located_error
from portal.config import Repo
from portal.errors import PortalError
from portal.model import Submission
from portal.registry import Registry, load_registry
from portal.trail.store import commit_files
from portal.trail.trailers import Change, commit_message

SENDERS_FILE = "senders.yaml"
ADDRESS = re.compile(r"^[^@\s<>,;]+@([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
DOMAIN = re.compile(r"^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
# Mail services anyone can sign up to: a whole domain of them speaks for no one.
PUBLIC_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.fr",
        "ymail.com",
        "aol.com",
        "icloud.com",
        "me.com",
        "gmx.net",
        "gmx.de",
        "web.de",
        "proton.me",
        "protonmail.com",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "126.com",
        "orange.fr",
        "laposte.net",
    ]
)
HEADER = """# Who may publish for whom: the sender addresses and domains that speak for each State and
# organisation, with the date the coordinator confirmed each (e.g. by note verbale).
# `portal ingest` takes the submitter from this register; a sender that is not here publishes for
# no one until the coordinator names the submitter for that message (--submitter) or adds the
# sender with `portal senders add`.
# address: one sender; domain: every address of that domain and its subdomains.
senders:
"""


class SenderError(PortalError):
    """A sender that cannot be registered, or a register that cannot be read."""


@dataclass(frozen=True)
class Sender:
    submitter: str  # code of the State or organisation
    address: str  # one address, lower case; "" for a domain entry
    domain: str  # lower case; "" for an address entry
    confirmed: str  # YYYY-MM-DD
    note: str = ""
    line: int = 0  # where it is in the register

    @property
    def label(self) -> str:
        return self.address or f"any address at {self.domain}"


@dataclass(frozen=True)
class SenderCheck:
    code: str
    how: str  # "register" or "by hand"
    entry: Sender | None = None

    def record(self, address: str, name: str) -> str:
        """How the commit and the coordinator are told who vouched for the sender."""
        who = address or "an unknown sender"
        if self.how == "register" and self.entry is not None:
            return f"sender {who} is in the register for {name} ({self.entry.label}, confirmed {self.entry.confirmed})"
        return f"sender {who} confirmed by hand as speaking for {name} (not in the register of senders)"


def register_path(schema_dir: Path) -> Path:
    return schema_dir / SENDERS_FILE


def load_senders(schema_dir: Path, registry: Registry) -> list[Sender]:
    """The register; a missing file is an empty register. It is checked by the portal's schema
    (data/senders.schema.json), then each submitter against the registry and each domain against
    the public mail services; every mistake names file, line and field."""
    path = register_path(schema_dir)
    if not path.exists():
        return []
    located = load_checked(path, "senders.schema.json")
    found: list[Sender] = []
    for index, item in enumerate(located.data["senders"] or []):
        code = item["submitter"]
        if code not in registry.states and code not in registry.organisations:
            raise located_error(
                path,
                located,
                ("senders", index, "submitter"),
                f"{code!r} is neither a State's ISO 3166-1 alpha-3 code nor a registered organisation{registry.suggestion('state', code)}",
            )
        address = str(item.get("address", "")).strip().lower()
        domain = str(item.get("domain", "")).strip().lower()
        if domain in PUBLIC_MAIL_DOMAINS:
            raise located_error(path, located, ("senders", index, "domain"), _domain_problem(domain))
        line, _col = located.position(("senders", index))
        found.append(Sender(code, address, domain, str(item["confirmed"]), str(item.get("note", "") or ""), line))
    return found


def _domain_problem(domain: str) -> str:
    if domain in PUBLIC_MAIL_DOMAINS:
        return f"{domain} is a public mail service anyone can use; register the sender's own address instead"
    return f"{domain!r} is not a mail domain, e.g. nra.gov.la"


def senders_for(address: str, senders: list[Sender]) -> list[Sender]:
    """The entries that speak for `address`: its own entries if it has any, else its domain's
    (the closest domain first)."""
    address = address.strip().lower()
    own = [sender for sender in senders if sender.address and sender.address == address]
    if own:
        return own
    domain = address.rpartition("@")[2]
    matching = [sender for sender in senders if sender.domain and (domain == sender.domain or domain.endswith("." + sender.domain))]
    return sorted(matching, key=lambda sender: -len(sender.domain))


def entry_text(sender: Sender) -> str:
    key = f"address: {sender.address}" if sender.address else f"domain: {sender.domain}"
    lines = [f"  - submitter: {sender.submitter}", f"    {key}", f"    confirmed: {sender.confirmed}"]
    if sender.note:
        lines.append(f"    note: {_quoted(sender.note)}")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def new_sender(who: str, submitter: str, confirmed: dt.date, note: str, registry: Registry) -> Sender:
    """A register entry for `who` (an address, or a domain such as nra.gov.la or @nra.gov.la)."""
    who = who.strip().lower()
    if submitter not in registry.states and submitter not in registry.organisations:
        raise SenderError(
            f"--submitter: {submitter!r} is neither a State's ISO 3166-1 alpha-3 code nor a registered organisation{registry.suggestion('state', submitter)}"
        )
    if "@" in who and not who.startswith("@"):
        if not ADDRESS.match(who):
            raise SenderError(f"{who!r} is not an e-mail address, e.g. planning@nra.gov.la")
        return Sender(submitter, who, "", confirmed.isoformat(), note.strip())
    domain = who.removeprefix("@")
    if not DOMAIN.match(domain) or domain in PUBLIC_MAIL_DOMAINS:
        raise SenderError(_domain_problem(domain))
    return Sender(submitter, "", domain, confirmed.isoformat(), note.strip())


def register_with(current: str, sender: Sender) -> str:
    """The register's text with `sender` added at the end (comments and order kept)."""
    if not current.strip():
        current = HEADER
    if re.search(r"^senders:\s*\[\]\s*$", current, re.MULTILINE):
        current = re.sub(r"^senders:\s*\[\]\s*$", "senders:", current, flags=re.MULTILINE)
    if not current.endswith("\n"):
        current += "\n"
    return current + entry_text(sender)


@dataclass(frozen=True)
class Registered:
    """A sender added to the register, and the commit that did it."""

    sender: Sender
    name: str  # of the State or organisation it speaks for
    also: tuple[str, ...]  # other submitters the same address or domain speaks for
    commit: str


def register_sender(repo: Repo, who: str, code: str, confirmed: dt.date, note: str = "", author: str | None = None) -> Registered:
    """Add an address or a domain to the register for a submitter, in one commit."""
    registry = load_registry(repo.schema_dir)
    current = load_senders(repo.schema_dir, registry)
    entry = new_sender(who, code, confirmed, note, registry)
    same = [item for item in current if (item.address, item.domain) == (entry.address, entry.domain)]
    if any(item.submitter == entry.submitter for item in same):
        raise SenderError(f"{entry.label} is already in the register for {entry.submitter} (schema/senders.yaml line {same[0].line}); nothing was changed")
    path = register_path(repo.schema_dir)
    text = register_with(path.read_text(encoding="utf-8") if path.exists() else "", entry)
    name = (registry.states.get(entry.submitter) or registry.organisations[entry.submitter]).name
    message = commit_message(
        f"Register sender {entry.label} for {name}",
        f"Confirmed {entry.confirmed}" + (f": {entry.note}" if entry.note else "") + ".",
        [Change("register-sender", entry.submitter)],
    )
    commit = commit_files(repo, write={repo.relative(path): text.encode("utf-8")}, message=message, author=author)
    return Registered(entry, name, tuple(item.submitter for item in same), commit)


def submitter_for(
    address: str, given: str, registry: Registry, senders: list[Sender], replaced: Submission | None, ask: Callable[[str, str], str] | None
) -> SenderCheck:
    """Who the text is published for: the register speaks for the sender; the coordinator may
    name the submitter for this one message instead (recorded as confirmed by hand)."""
    entries = senders_for(address, senders) if address else []
    codes = sorted({entry.submitter for entry in entries})
    sender = address or "the sender (the message has no From address)"
    code = given.strip().upper()
    if not code and replaced is not None:
        code = replaced.submitter.code
        if code not in codes:
            raise SenderError(
                f"{sender} is not in the register of senders for {replaced.submitter.name} (schema/senders.yaml), "
                f"so it cannot update {replaced.id}; if it may, add it with `portal senders add {address or 'ADDRESS'} --submitter {code}`, "
                f"or confirm this one message by hand with --submitter {code}"
            )
    if not code:
        if len(codes) > 1:
            raise SenderError(f"{sender} is in the register of senders for {' and '.join(codes)}; say which with --submitter CODE")
        if codes:
            code = codes[0]
        elif ask is not None:
            code = (
                ask(
                    "submitter",
                    f"{sender} is not in the register of senders. Publish for which State or organisation (code; confirmed by hand, recorded in the commit)?",
                )
                .strip()
                .upper()
            )
            if not code:
                raise SenderError(f"{sender} is not in the register of senders (schema/senders.yaml); nothing was published")
            return _known(code, registry, SenderCheck(code, "by hand"))
        else:
            raise SenderError(
                f"{sender} is not in the register of senders (schema/senders.yaml), so it publishes for no one; "
                f"if it speaks for a State or organisation, add it: `portal senders add {address or 'ADDRESS'} --submitter CODE`, "
                "or confirm this one message by hand with --submitter CODE"
            )
    entry = next((item for item in entries if item.submitter == code), None)
    return _known(code, registry, SenderCheck(code, "register" if entry else "by hand", entry))


def _known(code: str, registry: Registry, check: SenderCheck) -> SenderCheck:
    if code not in registry.states and code not in registry.organisations:
        raise SenderError(
            f"--submitter: {code!r} is neither a State's ISO 3166-1 alpha-3 code nor a registered organisation{registry.suggestion('state', code)}"
        )
    return check


@dataclass(frozen=True)
class Removed:
    """A sender taken out of the register, and the commit that did it."""

    sender: Sender
    name: str  # of the State or organisation it spoke for
    commit: str
    still: tuple[Sender, ...]  # entries through which the address still speaks (its domain's)


def remove_sender(repo: Repo, who: str, code: str, note: str, author: str | None = None) -> Removed:
    """Take an address or a domain out of the register (for `code`, when it is there for several
    submitters), in one commit whose message says what was removed and why."""
    if not note.strip():
        raise SenderError("--note: say why the sender is removed (e.g. 'the Mission's address changed'); it is kept in the commit")
    registry = load_registry(repo.schema_dir)
    current = load_senders(repo.schema_dir, registry)
    entry = _entry_to_remove(current, who, code.strip().upper())
    path = register_path(repo.schema_dir)
    text = register_without(path.read_text(encoding="utf-8"), entry)
    left = [item for item in current if item is not entry]
    _check_still_valid(text, left, registry)
    name = (registry.states.get(entry.submitter) or registry.organisations[entry.submitter]).name
    message = commit_message(
        f"Remove sender {entry.label} for {name}",
        f"Reason: {note.strip()}.\nIt was confirmed {entry.confirmed}" + (f" ({entry.note})" if entry.note else "") + ".",
        [Change("remove-sender", entry.submitter)],
    )
    commit = commit_files(repo, write={repo.relative(path): text.encode("utf-8")}, message=message, author=author)
    return Removed(entry, name, commit, tuple(senders_for(entry.address, left)) if entry.address else ())


def _entry_to_remove(current: list[Sender], who: str, code: str) -> Sender:
    wanted = who.strip().lower()
    if wanted.startswith("@") or "@" not in wanted:
        matching = [item for item in current if item.domain and item.domain == wanted.removeprefix("@")]
    else:
        matching = [item for item in current if item.address == wanted]
    chosen = [item for item in matching if not code or item.submitter == code]
    if len(chosen) == 1:
        return chosen[0]
    if len(chosen) > 1:
        codes = " or ".join(item.submitter for item in chosen)
        raise SenderError(f"{chosen[0].label} is in the register for {codes}; say which with --submitter CODE; nothing was changed")
    if matching:
        codes = ", ".join(item.submitter for item in matching)
        raise SenderError(f"{matching[0].label} is in the register for {codes}, not for {code}; nothing was changed")
    raise SenderError(f"{wanted or repr(who)} is not in the register of senders (schema/senders.yaml); nothing was changed{_closest(wanted, current)}")


def _closest(wanted: str, current: list[Sender]) -> str:
    """The register's entries that look like `wanted`, to name in a refusal."""
    import difflib

    keys = {item.address or item.domain: item for item in current}
    domain = wanted.rpartition("@")[2].removeprefix("@")
    close = difflib.get_close_matches(wanted, list(keys), n=3, cutoff=0.6)
    close += [key for key, item in keys.items() if key not in close and domain and domain in (item.domain, item.address.rpartition("@")[2])]
    if not close:
        return "; `portal senders list` shows who is in it"
    return "; the closest entries are " + ", ".join(f"{key} ({keys[key].submitter}, line {keys[key].line})" for key in close[:5])


def register_without(current: str, entry: Sender) -> str:
    """The register's text without `entry`'s lines (every other line, comments included, kept)."""
    lines = current.splitlines(keepends=True)
    start = entry.line - 1
    dash = lines[start].find("-") if 0 <= start < len(lines) else -1
    if dash < 0 or lines[start][:dash].strip():
        raise SenderError(f"schema/senders.yaml:{entry.line}: the entry for {entry.label} is not where the register says; nothing was changed")
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > dash):
        end += 1
    return "".join(lines[:start] + lines[end:])


def _check_still_valid(text: str, expected: list[Sender], registry: Registry) -> None:
    """Read the new register back: it must be valid and hold exactly the other entries."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        register_path(Path(folder)).write_text(text, encoding="utf-8")
        try:
            left = load_senders(Path(folder), registry)
        except PortalError as exc:
            raise SenderError(f"schema/senders.yaml would no longer be valid without this entry ({exc.text()}); nothing was changed") from None
    if [(item.submitter, item.address, item.domain) for item in left] != [(item.submitter, item.address, item.domain) for item in expected]:
        raise SenderError("schema/senders.yaml: the entry's lines could not be told apart from the others'; remove it by hand; nothing was changed")
