"""`portal ingest` and `portal replace`: a saved e-mail -> a validated, committed submission.

Metadata comes from three places, later ones winning: the header block at the top of the text
(the guidance pattern's template), the e-mail's own headers (sender, date, Message-ID), and the
command-line options. Whatever is still missing is asked for in a terminal, or reported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import PurePosixPath
from typing import Any

from . import audit, dates
from .config import Repo
from .frontmatter import document
from .load import parse_submission, text_fingerprint
from .mail import ParsedMail, document_text
from .model import ASSISTANCE, KINDS, THEMES, Problem, Submission
from .pattern import split_header_block
from .registry import load_registry
from .scaffold import choose_id
from .schemacheck import SchemaChecker
from .validate import check_across, to_submission, validate_repo

Ask = Callable[[str, str], str]  # (field, question) -> answer ("" when none)


class IngestError(Exception):
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
    author: str = ""


@dataclass
class Ingested:
    submission: Submission
    commit: str
    attachments: list[str]
    converted_from: str


def _words(value: str) -> list[str]:
    return [word.strip().lower().replace(" ", "-") for word in re.split(r"[,;]", value) if word.strip()]


def build_metadata(mail: ParsedMail, options: Options, ask: Ask | None, today: dt.date) -> tuple[dict[str, Any], str, str]:
    """Front matter (without id) and the text to publish, or an IngestError naming what is missing."""
    converted = mail.converted_from
    text = mail.text
    if options.body_from:
        chosen = next((a for a in mail.attachments if options.body_from in (a.name, a.original)), None)
        if chosen is None:
            names = ", ".join(a.original or a.name for a in mail.attachments) or "none"
            raise IngestError(f"--body-from {options.body_from!r}: no such attachment (attachments: {names})")
        text, converted = document_text(chosen)
    if text is None:
        names = ", ".join(a.original or a.name for a in mail.attachments)
        raise IngestError(f"the message has no text part; take the text from an attachment with --body-from NAME (attachments: {names})")
    block = split_header_block(text)
    header = {name: value for name, (value, _line) in (block.fields.items() if block else [])}
    if block:
        text = block.body
    if not text.strip():
        raise IngestError("the text is empty: the message holds no text to publish (below the header block, if any)")
    contact_name, contact_email = parseaddr(header.get("contact", ""))
    if header.get("contact") and not contact_email and "@" not in header["contact"]:
        contact_name = header["contact"]
    values: dict[str, Any] = {
        "submitter": (options.submitter or header.get("submitter", "")).upper(),
        "kind": options.kind or header.get("kind", "").lower(),
        "title": options.title or header.get("title", "") or "",
        "themes": list(options.themes) or _words(header.get("themes", "")),
        "assistance": list(options.assistance) or _words(header.get("assistance", "")),
        "audience": options.audience or header.get("audience", "").lower() or "states",
        "contact_name": options.contact_name or contact_name or mail.sender_name,
        "contact_email": options.contact_email or contact_email or mail.sender_email,
    }
    questions = {
        "submitter": "Submitter (ISO 3166-1 alpha-3 code of the State, e.g. LAO, or an organisation's code)",
        "kind": f"Kind ({', '.join(KINDS)})",
        "title": "Title",
        "themes": f"Themes, separated by commas ({', '.join(THEMES)})",
        "assistance": f"Assistance, separated by commas ({', '.join(ASSISTANCE)})",
        "contact_name": "Contact (name or function)",
    }
    missing = [name for name in questions if not values[name]]
    if missing and ask is not None:
        for name in missing:
            answer = ask(name, questions[name]).strip()
            values[name] = _words(answer) if name in ("themes", "assistance") else (answer.upper() if name == "submitter" else answer)
        missing = [name for name in questions if not values[name]]
    if missing:
        hints = {"submitter": "--submitter", "kind": "--kind or 'Kind:'", "title": "--title or 'Title:'", "themes": "--theme or 'Themes:'", "assistance": "--assistance or 'Assistance:'", "contact_name": "--contact or 'Contact:'"}
        raise IngestError("missing: " + "; ".join(f"{name.replace('_name', '')} (give {hints[name]})" for name in missing))
    received = mail.date or today.isoformat()
    if received > today.isoformat():
        received = today.isoformat()
    meta: dict[str, Any] = {
        "kind": values["kind"],
        "submitter": {"type": "", "code": values["submitter"]},
        "title": values["title"].strip(),
        "themes": values["themes"],
        "assistance": values["assistance"],
        "contact": {"name": values["contact_name"], **({"email": values["contact_email"]} if values["contact_email"] else {})},
        "received": received,
        "published": today.isoformat(),
        "expires": "",
        "language": "en",
        "audience": values["audience"],
        "format": options.text_format or "plain",
    }
    if header.get("regions"):
        meta["regions"] = [region.strip() for region in header["regions"].split(",") if region.strip()]
    budget = re.fullmatch(r"\s*([\d][\d,. ]*)\s*([A-Za-z]{3})\s*", header.get("budget", ""))
    if budget:
        amount = float(re.sub(r"[, ]", "", budget.group(1)))
        meta["budget"] = {"amount": int(amount) if amount.is_integer() else amount, "currency": budget.group(2).upper()}
    period = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*(?:to|-|–)\s*(\d{4}-\d{2}-\d{2})\s*", header.get("period", ""))
    if period:
        meta["period"] = {"start": period.group(1), "end": period.group(2)}
    replaces = options.replaces or header.get("replaces", "")
    if replaces:
        meta["replaces"] = replaces.strip()
    return meta, text, converted


def ingest_message(repo: Repo, raw: bytes, options: Options, today: dt.date, ask: Ask | None = None) -> Ingested:
    """Validate, write and commit one e-mailed text. Nothing is written unless all of it is valid."""
    from .mail import parse_message

    settings = repo.settings
    audit.require_git(repo)
    mail = parse_message(raw, settings.attachment_bytes)
    meta, text, converted = build_metadata(mail, options, ask, today)
    meta["expires"] = dates.add_months(today, settings.default_months).isoformat()
    registry = load_registry(repo.schema_dir)
    code = meta["submitter"]["code"]
    known = registry.states.get(code) or registry.organisations.get(code)
    meta["submitter"]["type"] = known.type if known else "state"
    retired = audit.retired_ids(repo)
    existing = validate_repo(repo, retired_ids=retired, registry=registry)
    if mail.message_id:
        for sub in existing.submissions:
            if sub.meta.get("source", {}).get("message_id") == mail.message_id:
                raise IngestError(f"this e-mail (Message-ID {mail.message_id}) was already published as {sub.id} ({sub.path}); use `portal replace {sub.id}` for an update")
        earlier = audit.message_ids_in_history(repo).get(mail.message_id)
        if earlier:
            raise IngestError(f"this e-mail (Message-ID {mail.message_id}) was already published as {earlier} (see `portal history {earlier}`)")
    if options.replaces:
        old = next((sub for sub in existing.submissions if sub.id == options.replaces), None)
        if old is None:
            raise IngestError(f"{options.replaces!r} is not the id of a submission in submissions/; `portal history {options.replaces}` shows what became of it")
        if old.submitter.code != code:
            raise IngestError(f"{options.replaces!r} is a text of {old.submitter.name}, not of {known.name if known else code}; a text can only replace one of the same submitter")
    identifier = choose_id(repo, code, meta["kind"] if meta["kind"] in KINDS else "text", meta["title"], today.year)
    folder = PurePosixPath("submissions") / code
    written: dict[str, bytes] = {}
    if mail.attachments:
        meta["attachments"] = []
    for attachment in mail.attachments:
        if options.body_from and options.body_from in (attachment.name, attachment.original):
            continue
        rel = f"attachments/{identifier}/{attachment.name}"
        written[str(folder / rel)] = attachment.data
        meta["attachments"].append({"path": rel, "title": attachment.original or attachment.name})
    if not meta.get("attachments"):
        meta.pop("attachments", None)
    meta["source"] = {"sha256": text_fingerprint(text), "email_sha256": mail.raw_sha256}
    if mail.message_id:
        meta["source"]["message_id"] = mail.message_id
    if converted:
        meta["source"]["converted_from"] = converted
    meta = {"id": identifier, **meta}
    content = document(meta, text)
    path = str(folder / f"{identifier}.md")
    problems = _check(repo, path, content, existing.submissions, registry, retired, set(written), today)
    if problems:
        raise IngestError(f"the submission would not be valid; nothing was written ({len(problems)} problem(s))", problems)
    written[path] = content.encode("utf-8")
    loaded = parse_submission(content, path)
    assert not isinstance(loaded, Problem)
    submission = _resolved(to_submission(repo, repo.root / path, loaded), registry)
    action = "replace" if meta.get("replaces") else "publish"
    change = audit.Change(action, identifier, meta["source"]["sha256"], mail.message_id, meta.get("replaces", ""))
    verb = "Replace" if action == "replace" else "Publish"
    subject = f"{verb} {meta['kind']} of {submission.submitter.name}: {meta['title']}"
    body = f"Received {meta['received']} from {mail.sender_name or mail.sender_email or 'an unknown sender'}" + (f", converted from {converted}" if converted else "") + "."
    if meta.get("replaces"):
        body += f"\nReplaces {meta['replaces']}, which leaves the portal."
    commit = audit.commit_files(repo, write=written, message=audit.commit_message(subject, body, [change]), author=options.author or None)
    return Ingested(submission, commit, [name for name in written if name != path], converted)


def _resolved(submission: Submission, registry: Any) -> Submission:
    from dataclasses import replace

    known = registry.lookup(submission.submitter.type, submission.submitter.code)
    return replace(submission, submitter=known) if known else submission


def _check(repo: Repo, path: str, content: str, existing: list[Submission], registry: Any, retired: set[str], planned: set[str], today: dt.date) -> list[Problem]:
    loaded = parse_submission(content, path)
    if isinstance(loaded, Problem):
        return [loaded]
    problems = SchemaChecker(repo.schema).check(path, loaded.located)
    if problems:
        return problems
    new = to_submission(repo, repo.root / path, loaded)
    subs = [*existing, new]
    found = check_across(repo, subs, registry, retired, today, planned=planned)
    return [p for p in found if p.path == path and p.severity == "error"]
