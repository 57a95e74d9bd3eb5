"""The guidance pattern page, made from the schema and the templates so it never drifts."""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from portal.model import Vocabulary


def _values(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return ", ".join(f"`{value}`" for value in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    items = spec.get("items", {})
    if "enum" in items:
        return "one or more of " + ", ".join(f"`{value}`" for value in items["enum"])
    if spec.get("format") == "date":
        return "a date, YYYY-MM-DD"
    if spec.get("type") == "object":
        return "fields: " + ", ".join(f"`{name}`" for name in spec.get("properties", {}))
    return spec.get("type", "")


def guide_markdown(schema: dict[str, Any], vocabulary: Vocabulary, templates: Path) -> str:
    """The guidance pattern page: the template of each kind and the schema's fields."""
    required = set(schema.get("required", []))
    rows = ["| Field | Required | What it says | Values |", "|---|---|---|---|"]
    for name, spec in schema["properties"].items():
        description = html.escape(spec.get("description", "")).replace("|", "\\|")
        rows.append(f"| `{name}` | {'yes' if name in required else 'no'} | {description} | {_values(spec).replace('|', '/')} |")
    parts = [
        "# Guidance pattern",
        "",
        "The guidance pattern gives the portal a common order while the text itself stays free. Copy the "
        "template of your kind of text into an e-mail to the coordinator, fill in the header block (above the "
        "line of dashes) and write your text below it, organised as suits you. The headings are suggestions.",
        "",
    ]
    for kind, label in vocabulary.kind_singular.items():
        template = (templates / f"{kind}.md").read_text(encoding="utf-8")
        parts += [f"## {label}", "", "```text", template.rstrip("\n"), "```", ""]
    parts += [
        "## Fields",
        "",
        "The coordinator records these fields with each text (from the header block and the e-mail). "
        "They are checked by the portal's schema, the same one shown here.",
        "",
        *rows,
        "",
    ]
    return "\n".join(parts)


def pattern_headings(templates: Path, kinds: Iterable[str]) -> tuple[str, ...]:
    """The section headings the templates suggest (Summary, Background, What is needed, …), in
    the templates' order, each once. A heading is a line below the header block that is followed
    by a bracketed hint. `kinds`: the kinds of text, whose templates are read in this order."""
    found: list[str] = []
    for kind in kinds:
        lines = (templates / f"{kind}.md").read_text(encoding="utf-8").split("----", 1)[-1].splitlines()
        for line, following in itertools.pairwise(lines):
            heading = line.strip()
            if heading and not heading.startswith("[") and following.strip().startswith("[") and heading not in found:
                found.append(heading)
    return tuple(found)
