"""The guidance pattern: templates States fill in, and the header block at the top of an e-mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .model import KINDS

SEPARATOR = re.compile(r"^-{4,}\s*$")
HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z -]{1,30}):\s*(.*)$")
HEADER_FIELDS = ("kind", "title", "themes", "assistance", "audience", "contact", "regions", "budget", "period", "replaces")


@dataclass(frozen=True)
class HeaderBlock:
    fields: dict[str, tuple[str, int]]  # field -> (value, line in the text, 1-based)
    body: str
    body_line: int


def template_path(templates: Path, kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return templates / f"{kind}.md"


def split_header_block(text: str) -> HeaderBlock | None:
    """The 'Field: value' block that opens a text and ends with a line of dashes, if there is one.

    Only a block whose lines are all known fields (or blank) counts, so a text that merely
    starts with 'Subject: …' is left whole.
    """
    lines = text.split("\n")
    fields: dict[str, tuple[str, int]] = {}
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    for index in range(start, min(len(lines), start + 40)):
        line = lines[index]
        if SEPARATOR.match(line):
            if not fields:
                return None
            body_start = index + 1
            while body_start < len(lines) and not lines[body_start].strip():
                body_start += 1
            return HeaderBlock(fields, "\n".join(lines[body_start:]), body_start + 1)
        if not line.strip():
            continue
        match = HEADER_LINE.match(line.strip())
        if not match:
            return None
        name = match.group(1).strip().lower().replace(" ", "-")
        if name not in HEADER_FIELDS:
            return None
        value = match.group(2).strip()
        if value.startswith("[") and value.endswith("]"):
            value = ""  # the template's placeholder, left as it was
        fields[name] = (value, index + 1)
    return None


def template_body(templates: Path, kind: str) -> str:
    """The suggested headings of a kind's template, without its header block."""
    text = template_path(templates, kind).read_text(encoding="utf-8")
    block = split_header_block(text)
    return block.body if block else text
