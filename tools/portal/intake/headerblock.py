"""The guidance pattern: templates States fill in, and the header block at the top of an e-mail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from portal.model import KINDS

SEPARATOR = re.compile(r"^(?:-{4,}|[-‐‑‒–—―]{3,}|\* \* \*)\s*$")  # dashes as typed, as a word processor turns them, or a rule from HTML
HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z -]{1,30}):\s*(.*)$")
HEADER_FIELDS = ("kind", "title", "themes", "assistance", "audience", "contact", "regions", "budget", "period", "replaces")


@dataclass(frozen=True)
class HeaderBlock:
    fields: dict[str, tuple[str, int]]  # field -> (value, line in the text, 1-based)
    body: str
    body_line: int
    start_line: int = 1  # where the block starts: lines before it are a greeting or a forwarding note


def template_path(templates: Path, kind: str) -> Path:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    return templates / f"{kind}.md"


def split_header_block(text: str, search_lines: int = 60) -> HeaderBlock | None:
    """The 'Field: value' block of the guidance pattern, ending with a line of dashes, if there is one.

    It may start after a few lines of something else (a greeting, the header lines of a forwarded
    message) within the first `search_lines` lines. Only a block whose lines are all known fields
    (or blank) counts, so a text that merely starts with 'Subject: …' is left whole.
    """
    lines = text.split("\n")
    for start in range(min(len(lines), search_lines)):
        match = HEADER_LINE.match(lines[start].strip())
        if match and _field_name(match.group(1)) in HEADER_FIELDS:
            block = _block_at(lines, start)
            if block is not None:
                return block
    return None


def _field_name(label: str) -> str:
    return label.strip().lower().replace(" ", "-")


def _block_at(lines: list[str], start: int) -> HeaderBlock | None:
    fields: dict[str, tuple[str, int]] = {}
    for index in range(start, min(len(lines), start + 40)):
        line = lines[index].strip()
        if SEPARATOR.match(line):
            if not fields:
                return None
            body_start = index + 1
            while body_start < len(lines) and not lines[body_start].strip():
                body_start += 1
            return HeaderBlock(fields, "\n".join(lines[body_start:]), body_start + 1, start + 1)
        if not line:
            continue
        match = HEADER_LINE.match(line)
        if not match or _field_name(match.group(1)) not in HEADER_FIELDS:
            return None
        value = match.group(2).strip()
        if value.startswith("[") and value.endswith("]"):
            value = ""  # the template's placeholder, left as it was
        fields[_field_name(match.group(1))] = (value, index + 1)
    return None


def template_body(templates: Path, kind: str) -> str:
    """The suggested headings of a kind's template, without its header block."""
    text = template_path(templates, kind).read_text(encoding="utf-8")
    block = split_header_block(text)
    return block.body if block else text
