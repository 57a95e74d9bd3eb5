"""JSON Schema check of one front matter (or one settings file or register: checks/datafiles),
with messages a coordinator can act on."""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from typing import Any

import fastjsonschema
import jsonschema
from jsonschema import Draft202012Validator

from portal.checks import yamlsafe
from portal.model import Problem

_PATTERN_HINTS = {
    "id": "use lower-case letters, digits and hyphens, starting with the submitter's code, e.g. lao-2026-need-clearance",
    "submitter.code": "use the ISO 3166-1 alpha-3 code of a State (e.g. LAO) or an organisation's code from schema/organisations.yaml (e.g. GICHD)",
    "contact.email": "write one e-mail address, e.g. mine.action@example.org",
    "budget.currency": "use an ISO 4217 code, e.g. USD or EUR",
    "source.sha256": "64 lower-case hexadecimal digits",
    "source.email_sha256": "64 lower-case hexadecimal digits",
    "countries": "use ISO 3166-1 alpha-3 codes in capitals, e.g. [LAO, VNM]",
    "replaces": "the id of the earlier text, e.g. lao-2025-need-clearance",
}
_TYPE_WORDS = {
    "object": "a set of 'field: value' lines",
    "array": "a list, e.g. [a, b]",
    "string": "a text",
    "number": "a number",
    "boolean": "true or false",
    "integer": "a whole number",
}


# Keywords that mean the same in JSON Schema 2020-12 and in the draft the compiled validator
# implements, and that it checks at least as strictly (enum and const only with texts: it compares
# other values with ==, where True == 1). A schema with anything else is checked by jsonschema alone.
_COMPILED_KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "title",
        "description",
        "$comment",
        "examples",
        "type",
        "enum",
        "const",
        "pattern",
        "minLength",
        "maxLength",
        "format",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "items",
        "minItems",
        "maxItems",
        "uniqueItems",
        "properties",
        "required",
        "additionalProperties",
        "minProperties",
        "maxProperties",
        # The labels of the allowed values (portal.model): annotations, ignored by both validators.
        "x-labels",
        "x-plural-labels",
        # What a person reads when a value is refused (the data files' schemas): an annotation too.
        "x-message",
    }
)


# The failures a schema's own `x-message` explains (a type or a missing field keeps the general words).
_OWN_MESSAGE_KINDS = frozenset({"pattern", "format", "oneOf", "enum", "minLength"})


class SchemaChecker:
    """Checks front matter against the schema. Most files are valid: a compiled validator answers
    for them; a file it refuses is checked again by jsonschema, whose errors make the messages."""

    def __init__(self, schema: dict[str, Any], missing_hint: str = "see the template in schema/templates/") -> None:
        self.schema = schema
        self.missing_hint = missing_hint
        self.validator, self.quick = _validators(json.dumps(schema, sort_keys=True))

    def check(self, path: str, located: yamlsafe.Located) -> list[Problem]:
        if self._quickly_valid(located.data):
            return []
        return [problem for error in self.validator.iter_errors(located.data) for problem in self._problems(path, located, error)]

    def _quickly_valid(self, data: Any) -> bool:
        if self.quick is None:
            return False
        try:
            self.quick(data)
        except Exception:  # refused, or could not tell: jsonschema decides and explains
            return False
        return True

    def _problems(self, path: str, located: yamlsafe.Located, error: jsonschema.ValidationError) -> Iterator[Problem]:
        where = tuple(error.absolute_path)
        field = yamlsafe.dotted(where)
        generic_field = yamlsafe.dotted(tuple(part for part in where if isinstance(part, str)))
        line, col = located.position(where)
        value = error.instance
        kind = error.validator
        if kind == "required":
            for name in error.validator_value:
                if isinstance(value, dict) and name not in value:
                    yield Problem(path, line, col, yamlsafe.dotted((*where, name)), f"missing; add a line '{name}: …' ({self.missing_hint})")
            return
        if kind == "additionalProperties" and isinstance(value, dict):
            known = list(error.schema.get("properties", {}))
            for name in value:
                if name not in known:
                    close = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
                    hint = f"did you mean '{close[0]}'?" if close else f"known fields here: {', '.join(known)}"
                    key_line, key_col = located.position((*where, name))
                    yield Problem(path, key_line, key_col, yamlsafe.dotted((*where, name)), f"unknown field; {hint}")
            return
        if kind in _OWN_MESSAGE_KINDS and isinstance(error.schema, dict) and "x-message" in error.schema:
            yield Problem(path, line, col, field, str(error.schema["x-message"]).replace("{value}", repr(value)))
            return
        if kind == "minimum":
            whole = isinstance(error.schema, dict) and error.schema.get("type") == "integer"
            least = error.validator_value
            yield Problem(path, line, col, field, f"{value!r} is not a whole number of at least {least}" if whole else f"{value!r} is less than {least}")
            return
        if kind == "enum":
            options = [str(option) for option in error.validator_value]
            close = difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            yield Problem(path, line, col, field, f"{value!r} is not one of: {', '.join(options)}{hint}")
            return
        if kind == "const":
            yield Problem(path, line, col, field, f"{value!r} is not allowed; use {error.validator_value!r} (English is the working language of the portal)")
            return
        if kind == "format" and error.validator_value == "date":
            yield Problem(path, line, col, field, f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2026-11-26")
            return
        if kind == "type":
            expected = error.validator_value
            words = " or ".join(_TYPE_WORDS.get(name, name) for name in ([expected] if isinstance(expected, str) else expected))
            yield Problem(path, line, col, field, f"must be {words}, not {_describe(value)}")
            return
        if kind == "pattern":
            hint = _PATTERN_HINTS.get(generic_field, "")
            if generic_field == "title":
                yield Problem(path, line, col, field, "is blank; give the text a title")
                return
            yield Problem(path, line, col, field, f"{value!r} is not in the expected form" + (f"; {hint}" if hint else ""))
            return
        if kind == "uniqueItems":
            yield Problem(path, line, col, field, "lists the same value twice")
            return
        if kind in ("minItems", "minLength"):
            yield Problem(path, line, col, field, "is empty; give at least one value" if kind == "minItems" else f"is too short: {error.message}")
            return
        yield Problem(path, line, col, field, error.message)


@lru_cache(maxsize=32)
def _validators(schema_text: str) -> tuple[Draft202012Validator, Callable[[Any], Any] | None]:
    """The schema checked against its meta-schema, then its two validators. Checking and compiling
    cost far more than a check of a file, so a schema met again in the same process (a command
    that validates twice, a long-running test session) is prepared once, keyed by its content."""
    schema = json.loads(schema_text)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER), _compiled(schema)


def _compiled(schema: dict[str, Any]) -> Callable[[Any], Any] | None:
    """A compiled validator that accepts only what jsonschema accepts, or None for a schema that
    uses keywords outside `_COMPILED_KEYWORDS`. Its patterns are Python regular expressions, as
    jsonschema's are; its formats are jsonschema's own checks."""
    formats: set[str] = set()
    if not _plain_keywords(schema, formats):
        return None
    checker = Draft202012Validator.FORMAT_CHECKER
    try:
        return fastjsonschema.compile(schema, formats={name: partial(checker.conforms, format=name) for name in formats}, use_default=False)  # type: ignore[no-any-return]
    except Exception:  # e.g. a pattern it rewrites into one Python cannot compile
        return None


def _plain_keywords(schema: Any, formats: set[str]) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict) or not set(schema) <= _COMPILED_KEYWORDS:
        return False
    if "format" in schema:
        formats.add(schema["format"])
    if not all(isinstance(value, str) for value in [*schema.get("enum", []), *([schema["const"]] if "const" in schema else [])]):
        return False
    subschemas = list(schema.get("properties", {}).values())
    for keyword in ("items", "additionalProperties"):
        if keyword in schema:
            subschemas.append(schema[keyword])
    return all(_plain_keywords(sub, formats) for sub in subschemas)


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{value!r}".lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a set of fields"
