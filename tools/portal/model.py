"""Plain data of the portal: submissions, submitters and the problems found in them."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The allowed values of the fields and the words readers see for them live in the project's JSON
# Schema only (x-labels beside each enum); a repository's schema/ is a copy of it.
SCHEMA_NAME = Path("schema") / "submission.schema.json"


def schema_path() -> Path:
    """The project's schema, beside the source the portal runs from (make installs it so); an
    installed copy of the package reads the one of the repository it is run in."""
    beside = Path(__file__).resolve().parents[2] / SCHEMA_NAME
    if beside.is_file():
        return beside
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / SCHEMA_NAME).is_file():
            return folder / SCHEMA_NAME
    raise SystemExit(f"the portal needs {SCHEMA_NAME} (its allowed values come from there); run it from a portal repository")


def load_schema(path: Path | None = None) -> dict[str, Any]:
    """The submission schema the portal's lists of allowed values come from."""
    data: dict[str, Any] = json.loads((path or schema_path()).read_text(encoding="utf-8"))
    return data


def field_spec(schema: dict[str, Any], *names: str) -> dict[str, Any]:
    """The schema of a front-matter field ('submitter', 'type'), or of its items for a list."""
    spec = schema
    for name in names:
        spec = spec.get("items", spec)["properties"][name]
    items: dict[str, Any] | None = spec.get("items")
    return items if items is not None else spec


def allowed_values(schema: dict[str, Any], *names: str) -> tuple[str, ...]:
    """The values a field (or each item of a list field) may take, in the schema's order."""
    return tuple(field_spec(schema, *names)["enum"])


def value_labels(schema: dict[str, Any], *names: str, keyword: str = "x-labels") -> dict[str, str]:
    """Each allowed value of a field and its label, in the schema's order. The labels must name
    exactly the allowed values: a value without words, or words for a value that is not allowed,
    is a mistake in the schema."""
    spec = field_spec(schema, *names)
    labels: dict[str, str] = spec.get(keyword, {})
    values = list(spec["enum"])
    if list(labels) != values:
        raise ValueError(
            f"{SCHEMA_NAME}: {'.'.join(names)}: {keyword} must give a label to each of {', '.join(values)}, in that order "
            f"(it gives {', '.join(labels) or 'none'})"
        )
    return dict(labels)


_SCHEMA = load_schema()
KINDS: dict[str, str] = value_labels(_SCHEMA, "kind", keyword="x-plural-labels")
KIND_SINGULAR: dict[str, str] = value_labels(_SCHEMA, "kind")
THEMES: dict[str, str] = value_labels(_SCHEMA, "themes")
ASSISTANCE: dict[str, str] = value_labels(_SCHEMA, "assistance")
SUBMITTER_TYPES: dict[str, str] = value_labels(_SCHEMA, "submitter", "type")
AUDIENCES: dict[str, str] = value_labels(_SCHEMA, "audience")
TEXT_FORMATS: tuple[str, ...] = allowed_values(_SCHEMA, "format")
CONVERSIONS: tuple[str, ...] = allowed_values(_SCHEMA, "source", "converted_from")
OUTCOME_STATUSES: dict[str, str] = value_labels(_SCHEMA, "outcomes", "status")
# The front-matter fields in the guidance pattern's order: the order of the schema's properties.
FIELDS: tuple[str, ...] = tuple(_SCHEMA["properties"])


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
    countries: tuple[Submitter, ...] = ()  # the countries the text is about (`countries`), named as registered
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
