"""The leak scanner: does any published file (or file name) hold plaintext of a submission?

Needles are taken from every submission of every tier: its title, id, contact name and e-mail,
the name of its submitter, the labels of its themes, runs of eight words of its text, and the
per-build canary string placed in every page. Matching is on lower-cased words, so a needle is
found whatever the case, punctuation or markup around it.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .model import THEMES, Submission

SHINGLE = 8
_WORD = re.compile(rb"[a-z0-9]+")
_MIN_NEEDLE_CHARS = 4


@dataclass(frozen=True)
class Leak:
    path: str  # relative to the scanned folder
    what: str  # which kind of needle
    needle: str
    submission: str


def words(data: bytes) -> list[bytes]:
    return _WORD.findall(data.lower())


class Needles:
    """Needles indexed by their first two words (one-word needles by that word), so scanning
    costs one or two dictionary look-ups per word of the published files, whatever their number."""

    def __init__(self) -> None:
        self.single: dict[bytes, tuple[str, str]] = {}
        self.by_pair: dict[tuple[bytes, bytes], list[tuple[tuple[bytes, ...], str, str]]] = defaultdict(list)
        self.shingles: dict[tuple[bytes, ...], str] = {}

    def add(self, text: str, what: str, submission: str) -> None:
        tokens = tuple(words(text.encode("utf-8")))
        if not tokens or len(" ".join(t.decode() for t in tokens)) < _MIN_NEEDLE_CHARS:
            return
        if len(tokens) == 1:
            self.single.setdefault(tokens[0], (what, submission))
        else:
            self.by_pair[tokens[0], tokens[1]].append((tokens, what, submission))

    def add_text(self, text: str, submission: str) -> None:
        tokens = words(text.encode("utf-8"))
        if len(tokens) < SHINGLE:
            self.add(text, "text", submission)
            return
        for start in range(len(tokens) - SHINGLE + 1):
            self.shingles.setdefault(tuple(tokens[start : start + SHINGLE]), submission)

    def scan(self, tokens: Sequence[bytes]) -> Iterable[tuple[str, str, str]]:
        single, by_pair, shingles = self.single, self.by_pair, self.shingles
        count = len(tokens)
        for index, token in enumerate(tokens):
            if token in single:
                what, submission = single[token]
                yield what, token.decode(), submission
            if index + 1 < count:
                for needle, what, submission in by_pair.get((token, tokens[index + 1]), ()):
                    if tuple(tokens[index : index + len(needle)]) == needle:
                        yield what, b" ".join(needle).decode(), submission
            if shingles and index + SHINGLE <= count:
                window = tuple(tokens[index : index + SHINGLE])
                if window in shingles:
                    yield "text", b" ".join(window).decode(), shingles[window]


def needles_for(submissions: Iterable[Submission], canaries: Iterable[str] = ()) -> Needles:
    needles = Needles()
    for canary in canaries:
        needles.add(canary, "canary", "(every page)")
    for sub in submissions:
        needles.add(sub.title, "title", sub.id)
        needles.add(sub.id, "id", sub.id)
        needles.add(sub.contact_name, "contact", sub.id)
        if sub.contact_email:
            needles.add(sub.contact_email, "contact e-mail", sub.id)
        needles.add(sub.submitter.name, "submitter", sub.id)
        for theme in sub.themes:
            needles.add(THEMES[theme], "theme", sub.id)
        for attachment in sub.attachments:
            needles.add(attachment.name, "attachment name", sub.id)
        needles.add_text(sub.text, sub.id)
    return needles


_PAYLOAD = re.compile(rb'(<script type="application/octet-stream" id="portal-data">)([^<]*)(</script>)')
_BASE64 = re.compile(rb"[A-Za-z0-9+/]*={0,2}")


def scannable(data: bytes) -> bytes:
    """What of a file can hold readable text. Ciphertext is random: read as words it would now and
    then spell a short needle (a four-letter country name) by chance, so it is set aside -- but
    only when it really is ciphertext: a page's payload must be pure base64, and a binary file
    must look random; compressed data is opened and read."""
    if data[:2] == b"\x1f\x8b":
        try:
            return scannable(gzip.decompress(data))
        except (OSError, EOFError, zlib.error):
            pass
    if _PAYLOAD.search(data):
        return _PAYLOAD.sub(lambda m: m.group(1) + (b"" if _BASE64.fullmatch(m.group(2)) else m.group(2)) + m.group(3), data)
    if looks_random(data):
        return b""
    return data


def looks_random(data: bytes) -> bool:
    """Byte entropy near 8 bits: ciphertext (or already-compressed media), never text."""
    if len(data) < 64:
        return False
    counts = Counter(data)
    total = len(data)
    entropy = -sum(n / total * math.log2(n / total) for n in counts.values())
    return entropy > min(7.0, math.log2(total) - 1.0)


def scan_folder(folder: Path, needles: Needles, limit: int = 50, attachments: dict[str, str] | None = None) -> list[Leak]:
    """Every hit (up to `limit`) in the files and the names of files and folders under `folder`.
    `attachments`: SHA-256 of each attachment's bytes -> submission, to catch one copied as is."""
    leaks: list[Leak] = []
    attachments = attachments or {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        for what, needle, submission in needles.scan(words(rel.replace("/", " ").encode("utf-8"))):
            leaks.append(Leak(rel, f"{what} in a file name", needle, submission))
        if path.is_file() and not path.is_symlink():
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
            if digest in attachments:
                leaks.append(Leak(rel, "attachment copied in the clear", digest[:16], attachments[digest]))
            for what, needle, submission in needles.scan(words(scannable(data))):
                leaks.append(Leak(rel, what, needle, submission))
                if len(leaks) >= limit:
                    return leaks
    return leaks
