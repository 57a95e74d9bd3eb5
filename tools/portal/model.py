"""Plain data of the portal: submissions, submitters and the problems found in them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KINDS: dict[str, str] = {
    "need": "Needs",
    "offer": "Offers",
    "how-to-apply": "How to apply",
    "project": "Projects",
}
KIND_SINGULAR: dict[str, str] = {
    "need": "Need",
    "offer": "Offer",
    "how-to-apply": "How to apply",
    "project": "Project",
}
THEMES: dict[str, str] = {
    "stockpile-destruction": "Stockpile destruction (Article 3)",
    "clearance-and-risk-education": "Clearance and risk reduction education (Article 4)",
    "victim-assistance": "Victim assistance (Article 5)",
    "cooperation-and-assistance": "International cooperation and assistance (Article 6)",
    "transparency": "Transparency measures (Article 7)",
    "national-implementation": "National implementation measures (Article 9)",
    "universalisation": "Universalisation",
}
ASSISTANCE: dict[str, str] = {
    "technical": "Technical",
    "material": "Material",
    "financial": "Financial",
}
SUBMITTER_TYPES: dict[str, str] = {
    "state": "State",
    "international-organisation": "International organisation",
    "ngo": "Non-governmental organisation",
}
AUDIENCES: dict[str, str] = {
    "states": "States only",
    "states-and-partners": "States and partner organisations",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in one file, with where it is."""

    path: str
    line: int
    col: int
    field: str
    message: str
    severity: str = "error"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.field)


@dataclass(frozen=True)
class Submitter:
    type: str
    code: str
    name: str
    status: str = ""  # convention status for a State; empty for an organisation


@dataclass(frozen=True)
class Attachment:
    given: str  # as written in the front matter, relative to the submission's folder
    path: str  # relative to the repository root, POSIX separators, normalised
    name: str  # file name as shown to readers
    title: str


@dataclass(frozen=True)
class Submission:
    """A submission whose front matter passed the schema."""

    path: str  # relative to the repository root, POSIX separators
    id: str
    kind: str
    submitter: Submitter
    title: str
    themes: tuple[str, ...]
    assistance: tuple[str, ...]
    contact_name: str
    contact_email: str
    received: dt.date
    published: dt.date
    expires: dt.date
    audience: str
    format: str
    text: str
    text_line: int  # line of the file where the text starts
    replaces: str = ""
    fingerprint: str = ""
    example: bool = False
    attachments: tuple[Attachment, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    positions: Mapping[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict, compare=False, hash=False, repr=False)

    def position(self, *keys: str | int) -> tuple[int, int]:
        """Line and column of a front-matter field (or of its nearest parent)."""
        path = tuple(keys)
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


@dataclass(frozen=True)
class ChangeEvent:
    """One submission's part in one commit of the audit trail."""

    date: dt.date
    action: str  # publish, replace, withdraw, expire
    submission: str
    author: str
