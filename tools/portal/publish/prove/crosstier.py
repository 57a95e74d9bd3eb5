"""The word scan of a published folder, second line of the leak check: what each reader can read
of texts that are not theirs. Anyone reads the file names (and the readable parts of the files,
scanned by sealcheck with the needles found here); each tier reads its opened pages and files,
which must not hold the texts or attachments of submissions that tier may not read.

The proof of sealing (sealcheck) opens every file of a tier with that tier's key and hands the
opened pages and files to this scan; the needles and how words are read are in leaks.py.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from portal.config import Settings
from portal.model import Submission
from portal.publish.prove.leaks import APART, Leak, Needles, distinct_views, hidden_needles, markup_views, needles_for, words


@dataclass
class Prepared:
    """The needles of a leak check, which depend on the submissions alone and so can be made
    before the folder exists (a build makes them while its tiers are generated): those of every
    submission, for file names and readable parts, and for each tier those of the texts it may
    not read, less what it may show (None when it may read every text)."""

    every: Needles
    hidden: dict[str, Needles | None]


def prepare(
    settings: Settings,
    themes: Mapping[str, str],
    submissions: Sequence[Submission],
    canaries: Sequence[str],
    build_wording: Sequence[str],
    boilerplate: Sequence[str],
) -> Prepared:
    """Every needle of a check of a folder built from `submissions` (see Prepared); `themes`: the
    labels of the repository's themes."""
    return Prepared(
        every=every_needles(submissions, themes, canaries, build_wording),
        hidden={entry.id: tier_needles(settings, entry.id, submissions, boilerplate) for entry in settings.tiers},
    )


def every_needles(submissions: Sequence[Submission], themes: Mapping[str, str], canaries: Sequence[str], build_wording: Sequence[str]) -> Needles:
    """The needles of every submission. `build_wording`: what the build itself writes in the
    clear, no evidence."""
    needles = needles_for(submissions, themes, canaries)
    for fixed in build_wording:
        for tokens in markup_views(fixed):
            needles.discard_found_in(tokens)
    return needles.ready()


def name_findings(site: Path, paths: Sequence[Path], needles: Needles) -> dict[str, list[tuple[str, str]]]:
    """What each file's name holds of the needles: file -> (what, submission)."""
    names: dict[str, list[tuple[str, str]]] = {}
    for path in paths:
        rel = path.relative_to(site).as_posix()
        names[rel] = [(f"{what} in a file name", submission) for what, submission, _needle in needles.scan(words(rel.replace("/", " ")))]
    return names


def tier_needles(settings: Settings, tier: str, submissions: Sequence[Submission], boilerplate: Sequence[str]) -> Needles | None:
    """The needles of the texts `tier` may not read (None if there is none). What the tier may
    legitimately show (its own texts with every field, and the wording of its pages) is no
    evidence, even where a hidden text says the same."""
    audiences = {entry.id: set(entry.audiences) for entry in settings.tiers}
    hidden = [sub for sub in submissions if sub.audience not in audiences[tier]]
    if not hidden:
        return None
    shown = [sub for sub in submissions if sub.audience in audiences[tier]]
    needles = hidden_needles(hidden, shown)
    # What the tier may show, read every way a page may show it (markup removed, read as
    # spaces, or shown as text), all at once: no run of words spans two of them.
    legitimate = [
        token
        for text in (*boilerplate, *(value for sub in shown for value in _strings(sub)))
        for tokens in distinct_views(text, as_text=True)
        for token in (*tokens, APART)
    ]
    needles.discard_found_in(legitimate)
    return needles.ready()


def scan_tier(
    settings: Settings,
    tier: str,
    pages: Sequence[tuple[str, str]],
    files: Sequence[tuple[str, str, bytes]],
    submissions: Sequence[Submission],
    attachments: dict[str, list[str]],
    needles: Needles | None,
) -> list[Leak]:
    """A tier's opened pages and files must not hold the texts or attachments of submissions it
    may not read (`needles`: tier_needles). `pages`: (path, opened page); `files`: (path,
    SHA-256, opened file); `attachments`: SHA-256 -> submissions."""
    if needles is None:
        return []
    audiences = {entry.id: set(entry.audiences) for entry in settings.tiers}
    hidden_ids = {sub.id for sub in submissions if sub.audience not in audiences[tier]}
    shown_ids = {sub.id for sub in submissions if sub.audience in audiences[tier]}
    leaks: list[Leak] = []
    made_here: list[tuple[str, str]] = []  # files the build made (exports; decoys read as noise)
    for rel, digest, opened in files:
        owners = attachments.get(digest, [])
        if owners and set(owners) <= hidden_ids:
            leaks.append(Leak(rel, f"an attachment the {tier} tier may not read", owners[0]))
        elif not set(owners) & shown_ids:
            made_here.append((rel, _file_text(opened)))
    found: dict[tuple[str, str], None] = {}
    for rel, _what, submission in needles.scan_many([*pages, *made_here]):
        found[rel, submission] = None
    for rel, submission in found:
        leaks.append(Leak(rel, f"a text the {tier} tier may not read, in one of its pages or files", submission))
    return leaks


def _file_text(data: bytes) -> str:
    """The words of a file the build made: the strings of a JSON document (the JSON export holds
    every field of every text the spreadsheet and CSV exports are made from, so those two are not
    read again), or the text of any other file."""
    if data[:4] == b"PK\x03\x04" or data[:4] == b'\xef\xbb\xbf"':
        return ""
    text = data.decode("utf-8", "replace")
    try:
        document = json.loads(text)
    except ValueError:
        return text
    found: list[str] = []
    _collect(document, found)
    return "\n".join(found)


def _collect(value: object, found: list[str]) -> None:
    if isinstance(value, str):
        found.append(value)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)


def _strings(sub: Submission) -> list[str]:
    """Every piece of text of a submission: its text, every value of its front matter and the
    names the portal gives its codes (its submitter, the countries it is about)."""
    found = [sub.text, sub.title, sub.contact_name, sub.contact_email, sub.submitter.name, *(country.name for country in sub.countries)]
    _collect(sub.meta, found)
    return found


def readable_text(data: bytes) -> str:
    """A file's text as a reader could get it: compressed files opened."""
    if data[:2] == b"\x1f\x8b":
        try:
            return readable_text(gzip.decompress(data))
        except (OSError, EOFError, zlib.error):
            pass
    return data.decode("utf-8", "replace")
