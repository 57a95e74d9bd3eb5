"""The limits within which a Markdown text is rendered, so that no text can stop a build.

Python-Markdown recurses once per level of nested lists and quotes (a few hundred levels end in
RecursionError) and scans ahead from every bracket, parenthesis or angle bracket left open, so
some shapes cost time that grows with the square of the text or worse. The static limits below
are checked in one pass over the text and name the line past them (validation, ingest); the
render itself has a time budget, for any shape they do not foresee (ingest, and the build's render
stage, which names the text by its id). bench/markdown_bench.py measures the worst shapes known.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from portal.deadline import TooSlow, within
from portal.model import Problem

MAX_CHARS = 50_000  # a Markdown text (about 8,000 words); a plain text may fill the whole file (limits.submission_bytes)
MAX_DEPTH = 16  # lists and quotes nested in each other
MAX_OPEN = 32  # brackets, parentheses and angle brackets open at once in one paragraph
MAX_SPLITS = 200  # headings, rules and definitions in one run of lines with no blank line between
RENDER_SECONDS = 5.0  # per text, at ingest and in the build (bench: no accepted shape takes 1 s)

_AS_PLAIN = "or publish it as plain text (`format: plain` in the front matter; `portal ingest --text-format plain`)"
_NESTED = re.compile(r"^(?P<indent>[ \t]*)(?P<quotes>(?:>[ \t]*)*)(?P<marker>(?:[-*+]|\d{1,9}[.)])(?=[ \t]))?", re.MULTILINE)
_PAIRS = re.compile(r"\\.|[\[\]()]|<(?=[A-Za-z/!?])|>|\n[ \t]*\n", re.DOTALL)
# A line Markdown splits its block at: a heading, an underline, a rule, a definition.
_SPLIT = re.compile(r"^ {0,3}(?:#|=+[ \t]*$|-+[ \t]*$|(?:[-*_][ \t]*){3,}$|:[ \t])", re.MULTILINE)
_BLANK = re.compile(r"\n[ \t]*\n")
_CLOSING = {"]": "[", ")": "(", ">": "<"}


@dataclass(frozen=True)
class Excess:
    """Where a text goes past a limit: its line (1 = the text's first line) and what to do."""

    line: int
    message: str


def markdown_problems(shown: str, text: str, text_line: int, render: bool) -> list[Problem]:
    """The problem of a Markdown text past a limit, at its line of the file `shown`. With
    `render`, the text is also rendered within its time budget (ingest, `portal validate`)."""
    excess = markdown_excess(text)
    if excess is None and render:
        from portal.textformat import markdown_html

        excess = render_excess(text, markdown_html)
    return [] if excess is None else [Problem(shown, text_line + excess.line - 1, 1, "text", excess.message)]


def markdown_excess(text: str) -> Excess | None:
    """The first limit a Markdown text goes past, checked without rendering it."""
    if len(text) > MAX_CHARS:
        return Excess(1, f"is {len(text):,} characters, over the limit of {MAX_CHARS:,} for a Markdown text; send long material as an attachment, {_AS_PLAIN}")
    return _too_deep(text) or _too_open(text) or _too_split(text)


def render_excess(text: str, render: Callable[[str], object], seconds: float = RENDER_SECONDS) -> Excess | None:
    """Render the text within `seconds`: whether it could not be rendered, and why."""
    try:
        within(seconds, lambda: render(text))
    except RecursionError:
        return Excess(1, f"nests too deeply for Markdown to render; flatten its lists, quotes or definitions, {_AS_PLAIN}")
    except TooSlow:
        return Excess(1, f"takes more than {seconds:g} s to render as Markdown (the limit per text); simplify its structure, {_AS_PLAIN}")
    return None


def _too_deep(text: str) -> Excess | None:
    for match in _NESTED.finditer(text):
        if not match.group("quotes") and not match.group("marker"):
            continue
        indent = len(match.group("indent").expandtabs(4)) // 4
        depth = indent + match.group("quotes").count(">")
        if depth > MAX_DEPTH:
            line = text.count("\n", 0, match.start()) + 1
            return Excess(line, f"nests lists or quotes {depth} deep, past the limit of {MAX_DEPTH} for a Markdown text; flatten them, {_AS_PLAIN}")
    return None


def _too_open(text: str) -> Excess | None:
    """Brackets, parentheses and tags left open in one paragraph (each makes Markdown look ahead)."""
    open_marks: list[str] = []
    for match in _PAIRS.finditer(text):
        mark = match.group(0)
        if mark[0] == "\\":
            continue
        if mark[0] == "\n":
            open_marks.clear()
        elif mark in _CLOSING:
            if _CLOSING[mark] in open_marks:
                del open_marks[len(open_marks) - 1 - open_marks[::-1].index(_CLOSING[mark]) :]
        else:
            open_marks.append(mark)
            if len(open_marks) > MAX_OPEN:
                line = text.count("\n", 0, match.start()) + 1
                return Excess(
                    line,
                    f"has more than {MAX_OPEN} brackets, parentheses or tags open at once in one paragraph, past the limit for a Markdown text; "
                    f"close them, {_AS_PLAIN}",
                )
    return None


def _too_split(text: str) -> Excess | None:
    """Markdown copies the rest of a block at each heading, rule or definition in it."""
    blanks = list(_BLANK.finditer(text))
    starts = [0, *(blank.end() for blank in blanks)]
    ends = [*(blank.start() for blank in blanks), len(text)]
    for start, end in zip(starts, ends, strict=True):
        splits = _SPLIT.findall(text, start, end)
        if len(splits) > MAX_SPLITS:
            line = text.count("\n", 0, start) + 1
            return Excess(
                line,
                f"has {len(splits):,} headings, rules or definitions in one run of lines, past the limit of {MAX_SPLITS} for a Markdown text; "
                f"put blank lines between them, {_AS_PLAIN}",
            )
    return None
