"""`portal new`: a submission file from a template, with id and dates chosen."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from portal import dates, layout
from portal.config import Repo
from portal.errors import PortalError
from portal.files import write_atomic
from portal.intake.frontmatter import document
from portal.intake.headerblock import template_body
from portal.registry import load_registry


class ScaffoldError(PortalError):
    pass


ID_LENGTH = 60  # the longest id a new text is given (ids already given never change)


def slug(text: str, words: int = 6) -> str:
    parts = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(parts[:words]) or "text"


def choose_id(repo: Repo, code: str, kind: str, title: str, year: int) -> str:
    """A new id: submitter, year, kind and the title's first words, cut after a whole word and at
    most ID_LENGTH characters long, with -2, -3… when the id is taken."""
    prefix = f"{code.lower()}-{year}-{kind}"
    number = 1
    while True:
        suffix = f"-{number}" if number > 1 else ""
        candidate = cut_at_word(f"{prefix}-{slug(title)}", ID_LENGTH - len(suffix), len(prefix)) + suffix
        if layout.find(repo, candidate) is None:
            return candidate
        number += 1


def cut_at_word(text: str, limit: int, keep: int) -> str:
    """`text` (words joined by hyphens) cut after its last whole word within `limit` characters,
    never shorter than its first `keep` characters; a single word longer than that is cut."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1].rpartition("-")[0]
    return head if len(head) > keep else text[:limit].rstrip("-")


def scaffold(
    repo: Repo,
    *,
    kind: str,
    code: str,
    title: str,
    audience: str,
    text_format: str,
    today: dt.date,
    themes: tuple[str, ...] = ("cooperation-and-assistance",),
    assistance: tuple[str, ...] = ("technical",),
    contact_name: str = "",
    contact_email: str = "",
) -> Path:
    registry = load_registry(repo.schema_dir)
    submitter = registry.states.get(code) or registry.organisations.get(code)
    if submitter is None:
        raise ScaffoldError(
            f"--submitter: {code!r} is neither an ISO 3166-1 alpha-3 country code nor a registered organisation{registry.suggestion('state', code)}"
        )
    identifier = choose_id(repo, code, kind, title, today.year)
    path = repo.root / layout.submission_file(code, identifier)
    contact: dict[str, str] = {"name": contact_name or "[name or function of the contact person]"}
    if contact_email:
        contact["email"] = contact_email
    meta = {
        "id": identifier,
        "kind": kind,
        "submitter": {"type": submitter.type, "code": code},
        "title": title,
        "themes": list(themes),
        "assistance": list(assistance),
        "contact": contact,
        "received": today.isoformat(),
        "published": today.isoformat(),
        "expires": dates.add_months(today, repo.settings.default_months).isoformat(),
        "language": "en",
        "audience": audience,
        "format": text_format,
    }
    write_atomic(path, document(meta, template_body(repo.templates, kind, repo.vocabulary.kinds), repo.vocabulary.fields).encode("utf-8"))
    return path
