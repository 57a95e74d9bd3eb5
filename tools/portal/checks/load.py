"""Submission files -> front matter, text and positions, or a located problem."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal.checks import yamlsafe
from portal.model import Problem

BOM = "\ufeff"
_CLOSING = re.compile(r"^(?:---|\.\.\.)[^\S\n]*$", re.MULTILINE)


@dataclass
class LoadedFile:
    path: str  # as reported
    meta: dict[str, Any]
    located: yamlsafe.Located
    text: str  # the text after the front matter, LF line endings
    text_line: int


def text_fingerprint(text: str) -> str:
    """SHA-256 of a text as received: UTF-8, LF line endings, no byte-order mark."""
    return hashlib.sha256(_lf(text.removeprefix(BOM)).encode("utf-8")).hexdigest()


def _lf(text: str) -> str:
    # Most texts have no carriage return: one scan finds that, instead of two copies of the text.
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _decode(raw: bytes, shown: str) -> str | Problem:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return Problem(shown, line, col, "file", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
    return _lf(text.removeprefix(BOM))


def read_submission_file(path: Path, shown: str, max_bytes: int) -> LoadedFile | Problem:
    """Read one file; any problem is returned, never raised."""
    if path.is_symlink():
        return Problem(shown, 1, 1, "file", "is a symbolic link; submissions must be regular files inside the repository")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Problem(
                shown, 1, 1, "file", f"is {size:,} bytes, over the limit of {max_bytes:,} (limits.submission_bytes); send long material as an attachment"
            )
        raw = path.read_bytes()
    except OSError as exc:
        return Problem(shown, 1, 1, "file", f"cannot be read: {exc.strerror}")
    decoded = _decode(raw, shown)
    if isinstance(decoded, Problem):
        return decoded
    return parse_submission(decoded, shown)


def parse_submission(content: str, shown: str) -> LoadedFile | Problem:
    # Found with one search rather than by splitting the whole text into lines: texts are long,
    # front matter is short. A line closes the front matter when it is '---' or '...' followed by
    # nothing but white space (as str.rstrip() sees it).
    first_end = content.find("\n")
    first = content if first_end < 0 else content[:first_end]
    if first.rstrip() != "---":
        return Problem(shown, 1, 1, "front matter", "missing: the file must start with a line '---', the metadata, and another '---' line before the text")
    closing = None if first_end < 0 else _CLOSING.search(content, first_end + 1)
    if closing is None:
        return Problem(shown, 1, 1, "front matter", "not closed: add a line '---' after the metadata, before the text")
    try:
        located = yamlsafe.load(content[first_end + 1 : max(closing.start() - 1, first_end + 1)], line_offset=1)
    except yamlsafe.YamlError as exc:
        return Problem(shown, exc.line, exc.col, exc.field or "front matter", exc.message)
    if not isinstance(located.data, dict):
        return Problem(shown, 2, 1, "front matter", "must be a set of 'field: value' lines")
    text = content[closing.end() + 1 :]
    return LoadedFile(shown, located.data, located, text, content.count("\n", 0, closing.start()) + 2)
