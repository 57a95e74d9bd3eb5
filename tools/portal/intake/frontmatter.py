"""Writing front matter: the fields in the guidance pattern's order, dates unquoted."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import yaml

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _dates_unquoted(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _dates_unquoted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates_unquoted(item) for item in value]
    if isinstance(value, str) and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


class _Dumper(yaml.SafeDumper):
    """Mappings as indented blocks; lists of plain values on one line: [a, b]."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flat = all(not isinstance(item, (dict, list)) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flat)


_Dumper.add_representer(list, _represent_list)


def dump(meta: dict[str, Any], order: Sequence[str]) -> str:
    """The front matter in `order` (the guidance pattern's: `Vocabulary.fields`), then any other field."""
    ordered = {key: meta[key] for key in order if key in meta}
    ordered.update({key: value for key, value in meta.items() if key not in ordered})
    return yaml.dump(_dates_unquoted(ordered), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False)


def document(meta: dict[str, Any], text: str, order: Sequence[str]) -> str:
    """A whole submission file, its fields in `order` (`Vocabulary.fields`)."""
    return f"---\n{dump(meta, order)}---\n{text}"


def list_item_lines(key: str, entry: dict[str, Any]) -> list[str]:
    """The lines of a one-item block list `key:` holding `entry` (the key's own line first), as
    `dump` writes them; a line edit appends the items to an existing list without its first line."""
    return dump({key: [entry]}, (key,)).splitlines(keepends=True)
