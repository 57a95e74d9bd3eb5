"""Submission files -> front matter, text and positions, or a located problem."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import yamlsafe
from .model import Problem

BOM = "\ufeff"


@dataclass
class LoadedFile:
    path: str  # as reported
    meta: dict[str, Any]
    located: yamlsafe.Located
    text: str  # the text after the front matter, LF line endings
    text_line: int


def text_fingerprint(text: str) -> str:
    """SHA-256 of a text as received: UTF-8, LF line endings, no byte-order mark."""
    normal = text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def _decode(raw: bytes, shown: str) -> str | Problem:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return Problem(shown, line, col, "file", f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
    return text.removeprefix(BOM).replace("\r\n", "\n").replace("\r", "\n")


def read_submission_file(path: Path, shown: str, max_bytes: int) -> LoadedFile | Problem:
    """Read one file; any problem is returned, never raised."""
    if path.is_symlink():
        return Problem(shown, 1, 1, "file", "is a symbolic link; submissions must be regular files inside the repository")
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return Problem(shown, 1, 1, "file", f"is {size:,} bytes, over the limit of {max_bytes:,} (limits.submission_bytes); send long material as an attachment")
        raw = path.read_bytes()
    except OSError as exc:
        return Problem(shown, 1, 1, "file", f"cannot be read: {exc.strerror}")
    decoded = _decode(raw, shown)
    if isinstance(decoded, Problem):
        return decoded
    return parse_submission(decoded, shown)


def parse_submission(content: str, shown: str) -> LoadedFile | Problem:
    lines = content.split("\n")
    if not lines or lines[0].rstrip() != "---":
        return Problem(shown, 1, 1, "front matter", "missing: the file must start with a line '---', the metadata, and another '---' line before the text")
    end = next((index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "...")), None)
    if end is None:
        return Problem(shown, 1, 1, "front matter", "not closed: add a line '---' after the metadata, before the text")
    try:
        located = yamlsafe.load("\n".join(lines[1:end]), line_offset=1)
    except yamlsafe.YamlError as exc:
        return Problem(shown, exc.line, exc.col, exc.field or "front matter", exc.message)
    if not isinstance(located.data, dict):
        return Problem(shown, 2, 1, "front matter", "must be a set of 'field: value' lines")
    text = "\n".join(lines[end + 1 :])
    return LoadedFile(shown, located.data, located, text, end + 2)


