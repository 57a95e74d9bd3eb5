"""Plain data of the portal: submissions, submitters, the problems found in them, and the
vocabulary of allowed values.

The allowed values of the fields and the words readers see for them live in ONE place: the JSON
Schema of the repository a command runs in (`schema/submission.schema.json`, `x-labels` and
`x-plural-labels` beside each `enum`). There is no copy in the package and no module constant:

    vocabulary = repo.vocabulary          # portal.config.Repo: read and checked once per run
    vocabulary.themes["victim-assistance"]  # -> 'Victim assistance'

Code that has no `Repo` at hand takes a `Vocabulary` as an argument (the pages reach it through
`TierInput.vocabulary`). `Vocabulary.from_schema` builds one from any schema dict (tests, the
benchmarks); `Repo.vocabulary` also refuses a schema whose labels do not match its values, with
a located message. The old names (`model.THEMES`, `model.KINDS`, ...) are gone: using one raises
an AttributeError that says what to use instead.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA_NAME = Path("schema") / "submission.schema.json"


def load_schema(path: Path) -> dict[str, Any]:
    """A submission schema read from `path` (a repository's is `Repo.schema`, which also checks it)."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
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


class LabelMismatch(ValueError):
    """Labels of a field that do not name exactly its allowed values; says which field and keyword."""

    def __init__(self, names: tuple[str, ...], keyword: str, message: str) -> None:
        super().__init__(f"{SCHEMA_NAME.as_posix()}: {'.'.join(names)}: {message}")
        self.names = names
        self.keyword = keyword
        self.message = message


def value_labels(schema: dict[str, Any], *names: str, keyword: str = "x-labels") -> dict[str, str]:
    """Each allowed value of a field and its label, in the schema's order. The labels must name
    exactly the allowed values: a value without words, or words for a value that is not allowed,
    is a mistake in the schema (LabelMismatch)."""
    spec = field_spec(schema, *names)
    labels = spec.get(keyword, {})
    values = list(spec["enum"])
    if not isinstance(labels, dict) or list(labels) != values:
        given = list(labels) if isinstance(labels, dict) else []
        missing = [value for value in values if value not in given]
        extra = [value for value in given if value not in values]
        why = "; ".join(
            part
            for part in (
                f"no label for {', '.join(missing)}" if missing else "",
                f"a label for {', '.join(extra)}, which is not an allowed value" if extra else "",
                "the labels are not in the order of the allowed values" if not missing and not extra else "",
            )
            if part
        )
        raise LabelMismatch(names, keyword, f"{keyword} must give a label to each of {', '.join(values)}, in that order ({why})")
    return dict(labels)


# The fields whose allowed values have labels, and where their labels are, in the schema.
LABELLED: dict[str, tuple[tuple[str, ...], str]] = {
    "kinds": (("kind",), "x-plural-labels"),
    "kind_singular": (("kind",), "x-labels"),
    "themes": (("themes",), "x-labels"),
    "assistance": (("assistance",), "x-labels"),
    "submitter_types": (("submitter", "type"), "x-labels"),
    "audiences": (("audience",), "x-labels"),
    "outcome_statuses": (("outcomes", "status"), "x-labels"),
}


@dataclass(frozen=True)
class Vocabulary:
    """The allowed values of one repository's schema and the words readers see for them, each
    in the schema's order: what pages, options, intake and upkeep of a run use."""

    kinds: dict[str, str]  # kind -> plural label ('Needs for assistance')
    kind_singular: dict[str, str]  # kind -> label ('Need for assistance')
    themes: dict[str, str]
    assistance: dict[str, str]
    submitter_types: dict[str, str]
    audiences: dict[str, str]
    outcome_statuses: dict[str, str]
    formats: tuple[str, ...]  # how a text is shown (plain, markdown)
    conversions: tuple[str, ...]  # what a text may have been converted from
    fields: tuple[str, ...]  # the front-matter fields in the guidance pattern's order

    @classmethod
    def from_schema(cls, schema: dict[str, Any]) -> Vocabulary:
        """The vocabulary of `schema`; LabelMismatch when a field's labels do not match its values."""
        labelled = {name: value_labels(schema, *names, keyword=keyword) for name, (names, keyword) in LABELLED.items()}
        return cls(
            **labelled,
            formats=allowed_values(schema, "format"),
            conversions=allowed_values(schema, "source", "converted_from"),
            fields=tuple(schema["properties"]),
        )


_GONE = {
    "KINDS": "kinds",
    "KIND_SINGULAR": "kind_singular",
    "THEMES": "themes",
    "ASSISTANCE": "assistance",
    "SUBMITTER_TYPES": "submitter_types",
    "AUDIENCES": "audiences",
    "TEXT_FORMATS": "formats",
    "CONVERSIONS": "conversions",
    "OUTCOME_STATUSES": "outcome_statuses",
    "FIELDS": "fields",
}


def __getattr__(name: str) -> Any:
    if name in _GONE:
        raise AttributeError(
            f"portal.model.{name} is gone: the allowed values come from the repository's schema; "
            f"use repo.vocabulary.{_GONE[name]} (portal.config.Repo) or a Vocabulary passed in"
        )
    raise AttributeError(f"module 'portal.model' has no attribute {name!r}")


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
