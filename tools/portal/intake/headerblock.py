"""The guidance pattern: templates States fill in, and the header block at the top of an e-mail."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

SEPARATOR = re.compile(r"^(?:-{4,}|[-‐‑‒–—―]{3,}|\* \* \*)\s*$")  # dashes as typed, as a word processor turns them, or a rule from HTML
HEADER_LINE = re.compile(r"^([A-Za-z][A-Za-z -]{1,30}):\s*(.*)$")
LABEL_LINE = re.compile(r"^([A-Z][\w ()/.&'-]{0,40}?):(?!//)\s*(.*)$")  # 'Duration (months): 12', a label of no field
HEADER_FIELDS = ("kind", "title", "themes", "assistance", "audience", "contact", "regions", "countries", "budget", "period", "replaces")
_WRAPPED_AT_HYPHEN = re.compile(r"[^\W\d_]-$")  # 'co-' + 'operation', '<hum-' + 'disarmament@mfa.no>'


class FieldValue(tuple[str, int]):
    """(value, line) of a header line, and the lines after it that continued its value (text
    from a PDF or a word processor wraps long lines)."""

    continued: tuple[int, ...]

    def __new__(cls, value: str, line: int, continued: tuple[int, ...] = ()) -> FieldValue:
        made = super().__new__(cls, (value, line))
        made.continued = continued
        return made


@dataclass(frozen=True)
class HeaderBlock:
    # field -> (value, line in the text, 1-based); a 'Label:' that is no field keeps its label as written
    fields: dict[str, tuple[str, int]]
    body: str
    body_line: int
    start_line: int = 1  # where the block starts: lines before it are a greeting or a forwarding note


def template_path(templates: Path, kind: str, kinds: Collection[str]) -> Path:
    """The template of `kind`, one of `kinds` (the repository's)."""
    if kind not in kinds:
        raise ValueError(f"unknown kind {kind!r}; use one of {', '.join(kinds)}")
    return templates / f"{kind}.md"


def split_header_block(text: str, search_lines: int = 60) -> HeaderBlock | None:
    """The 'Field: value' block of the guidance pattern, ending with a line of dashes, if there is one.

    It may start after a few lines of something else (a greeting, the header lines of a forwarded
    message) within the first `search_lines` lines. It starts with a field of the pattern; a line
    without a label continues the value above it (a long line wrapped by a PDF or word processor),
    and a 'Label:' that is no field is kept (by its label as written) for intake to refuse. A text
    that merely starts with 'Subject: …', or has one field among other labels, is left whole.
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
    """The block starting at `start`: 'Field: value' lines (each may continue on the lines after
    it) up to a line of dashes; None if something else comes first."""
    found: list[tuple[str, list[str], int, list[int]]] = []  # (field, pieces, line, continued lines)
    previous_blank = True
    for index in range(start, min(len(lines), start + 40)):
        line = lines[index].strip()
        if SEPARATOR.match(line):
            return _finished(lines, start, index, found)
        if not line:
            previous_blank = True
            continue
        labelled = _labelled(line, found[-1][1] if found and not previous_blank else None)
        if labelled is not None:
            found.append((labelled[0], [labelled[1]], index + 1, []))
        elif found and not previous_blank:
            found[-1][1].append(line)
            found[-1][3].append(index + 1)
        else:
            return None
        previous_blank = False
    return None


def _labelled(line: str, continuing: list[str] | None) -> tuple[str, str] | None:
    """(field, value) of a 'Label: value' line (a label that is no field kept as written), or
    None when the line continues the value above it: it has no label, its 'label' starts in lower
    case (a URL, a wrapped sentence), or the value above left a parenthesis open."""
    known = HEADER_LINE.match(line)
    if known and _field_name(known.group(1)) in HEADER_FIELDS:
        return _field_name(known.group(1)), known.group(2).strip()
    other = LABEL_LINE.match(line)
    if other is None:
        return None
    opened = " ".join(continuing or [])
    if opened.count("(") > opened.count(")") or opened.count("<") > opened.count(">"):
        return None
    return other.group(1).strip(), (other.group(2) or "").strip()


def _finished(lines: list[str], start: int, separator: int, found: list[tuple[str, list[str], int, list[int]]]) -> HeaderBlock | None:
    known = [name for name, *_rest in found if name in HEADER_FIELDS]
    if not known or (len(known) < 2 and len(known) < len(found)):
        return None  # one field among other labels is a text that starts with 'Title: …', not the pattern
    fields: dict[str, tuple[str, int]] = {}
    for name, pieces, line, continued in found:
        value = _joined(pieces)
        if name in fields:
            name = name.capitalize()  # a field given twice: kept apart, so that it is refused, not overwritten
        if value.startswith("[") and value.endswith("]"):
            value = ""  # the template's placeholder, left as it was
        fields[name] = FieldValue(value, line, tuple(continued))
    body_start = separator + 1
    while body_start < len(lines) and not lines[body_start].strip():
        body_start += 1
    return HeaderBlock(fields, "\n".join(lines[body_start:]), body_start + 1, start + 1)


def _joined(pieces: list[str]) -> str:
    """A value wrapped over lines: joined with a space, or with nothing after a hyphen that
    follows a letter (the break came at a hyphen of the word or address itself)."""
    value = pieces[0]
    for piece in pieces[1:]:
        value += piece if _WRAPPED_AT_HYPHEN.search(value) else (" " + piece if value else piece)
    return value


def template_body(templates: Path, kind: str, kinds: Collection[str]) -> str:
    """The suggested headings of a kind's template, without its header block."""
    text = template_path(templates, kind, kinds).read_text(encoding="utf-8")
    block = split_header_block(text)
    return block.body if block else text
