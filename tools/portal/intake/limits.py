"""Reading what a sender sent within bounds (settings.yaml: limits.document_*).

A document is an attacker's file until read: a few hundred kilobytes of zip can inflate to
gigabytes, a compressed RTF or an HTML body can hold more markup than a parser gets through in
an hour. Before a reader opens a file its sizes are checked; while it reads, a time budget runs.
Past a limit the message is refused with the file, the limit and what to ask the sender for.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TypeVar

from portal.config import ReadLimits
from portal.deadline import TooSlow, within
from portal.intake.message import MailError

ZIP_MAGIC = b"PK\x03\x04"
# An office file may hold another (a spreadsheet in a report); deeper nesting is no office file.
MAX_NESTING = 3
CHUNK = 1 << 16
MARKUP_SUFFIXES = (".xml", ".rels")  # the parts a .docx or .odt reader parses for the text
ASK_SMALLER = "ask the sender for the text in the e-mail, or the document as PDF"

T = TypeVar("T")


def read_within(what: str, limits: ReadLimits, work: Callable[[], T], ask_for: str = ASK_SMALLER) -> T:
    """work(), which reads `what`, refused when it takes more than limits.document_seconds (a
    reading inside another counts as part of the outer one)."""
    try:
        return within(limits.seconds, work)
    except TooSlow:
        raise MailError(f"{what} takes more than {limits.seconds:,} seconds to read (limits.document_seconds); {ask_for}") from None


def check_markup(what: str, size: int, limits: ReadLimits, ask_for: str) -> None:
    """Refuse markup (an HTML body, a .msg's RTF) larger than limits.document_markup_bytes."""
    if size > limits.markup_bytes:
        raise MailError(f"{what} is {size:,} bytes of markup, over the limit of {limits.markup_bytes:,} (limits.document_markup_bytes); {ask_for}")


def check_parts(what: str, count: int, limits: ReadLimits, unit: str, ask_for: str = ASK_SMALLER) -> None:
    """Refuse a document of more parts (zip members, OLE streams, pages) than limits.document_parts."""
    if count > limits.parts:
        raise MailError(f"{what} has {count:,} {unit}, more than {limits.parts:,} (limits.document_parts); {ask_for}")


@dataclass
class _Tally:
    """Bytes inflated so far from one document, all levels of archives inside it together."""

    name: str
    limits: ReadLimits
    inflated: int = 0
    markup: int = 0

    def expect(self, inflated: int, markup: int) -> None:
        """Refuse on what the zip declares, before inflating anything."""
        self._check(self.inflated + inflated, self.markup + markup)

    def add(self, count: int, markup: bool) -> None:
        self.inflated += count
        self.markup += count if markup else 0
        self._check(self.inflated, self.markup)

    def _check(self, inflated: int, markup: int) -> None:
        if inflated > self.limits.inflated_bytes:
            raise MailError(f"{self.name!r} inflates to more than {self.limits.inflated_bytes:,} bytes (limits.document_inflated_bytes); {ASK_SMALLER}")
        if markup > self.limits.markup_bytes:
            raise MailError(
                f"{self.name!r} holds more than {self.limits.markup_bytes:,} bytes of markup to read for its text (limits.document_markup_bytes); {ASK_SMALLER}"
            )


def check_archive(name: str, data: bytes, limits: ReadLimits) -> None:
    """Refuse a .docx or .odt (a zip) that would inflate past the limits, before a reader opens
    it: first the sizes its central directory declares, then every member streamed with a cap,
    since declared sizes can lie; archives inside it are opened the same way. A file that is no
    zip at all is left for the reader to refuse."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    _walk(archive, _Tally(name, limits), 0)


def _walk(archive: zipfile.ZipFile, tally: _Tally, depth: int) -> None:
    members = [member for member in archive.infolist() if not member.is_dir()]
    check_parts(repr(tally.name), len(members), tally.limits, "members in its zip" if depth == 0 else "members in a zip inside it")
    top = depth == 0
    tally.expect(sum(m.file_size for m in members), sum(m.file_size for m in members if top and _is_markup(m.filename)))
    for member in members:
        with archive.open(member) as stream:
            head = stream.read(len(ZIP_MAGIC))
            tally.add(len(head), top and _is_markup(member.filename))
            if head == ZIP_MAGIC:
                _walk_inner(tally, head + _read_capped(stream, tally, False), depth + 1)
            else:
                _read_capped(stream, tally, top and _is_markup(member.filename), keep=False)


def _walk_inner(tally: _Tally, data: bytes, depth: int) -> None:
    if depth > MAX_NESTING:
        raise MailError(f"{tally.name!r} holds archives nested more than {MAX_NESTING} deep, which no office document does; {ASK_SMALLER}")
    try:
        _walk(zipfile.ZipFile(io.BytesIO(data)), tally, depth)
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError, ValueError, zlib.error):
        return  # an embedded file that is no sound archive: its bytes are counted, no reader opens it


def _read_capped(stream: IO[bytes], tally: _Tally, markup: bool, keep: bool = True) -> bytes:
    kept: list[bytes] = []
    while chunk := stream.read(CHUNK):
        tally.add(len(chunk), markup)
        if keep:
            kept.append(chunk)
    return b"".join(kept)


def _is_markup(name: str) -> bool:
    return name.lower().endswith(MARKUP_SUFFIXES)
