"""The same problems as compiler-style text, JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from portal.model import Problem


def as_text(problems: Sequence[Problem]) -> str:
    return "\n".join(f"{p.path}:{p.line}:{p.col}: {p.severity}: {p.field}: {p.message}" for p in problems)


def as_json(problems: Sequence[Problem], files: int, submissions: int) -> str:
    return json.dumps(
        {
            "files": files,
            "valid": submissions,
            "errors": sum(p.severity == "error" for p in problems),
            "warnings": sum(p.severity == "warning" for p in problems),
            "problems": [{"path": p.path, "line": p.line, "column": p.col, "severity": p.severity, "field": p.field, "message": p.message} for p in problems],
        },
        indent=2,
        ensure_ascii=False,
    )


def _escape(value: str, property_value: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if property_value:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def as_github(problems: Sequence[Problem]) -> str:
    """Workflow commands that GitHub shows as annotations on the changed files."""
    return "\n".join(
        f"::{p.severity} file={_escape(p.path, True)},line={p.line},col={p.col},title={_escape(p.field or 'file', True)}::{_escape(p.message)}"
        for p in problems
    )


def summary(files: int, errors: int, warnings: int) -> str:
    def count(number: int, word: str) -> str:
        return f"{number} {word}{'' if number == 1 else 's'}"

    state = "all valid" if not errors else "not valid"
    return f"{count(files, 'submission')} checked: {count(errors, 'error')}, {count(warnings, 'warning')} ({state})"
