"""The cross-tier scan, the part of the word scan run inside each tier: what a tier's opened pages
and files hold of the texts and attachments of submissions that tier may not read.

The proof of sealing (sealcheck) opens every file of a tier with that tier's key and hands the
opened pages and files to this scan; the needles and how words are read are in leaks.py.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from portal.config import Settings
from portal.model import Submission
from portal.publish.leaks import APART, Needles, distinct_views, hidden_needles

if TYPE_CHECKING:
    from portal.publish.sealcheck import OpenedTier, Report


def _scan_tier(
    settings: Settings,
    tier: OpenedTier,
    submissions: Sequence[Submission],
    attachments: dict[str, list[str]],
    boilerplate: Sequence[str],
    report: Report,
) -> None:
    """A tier's opened pages and files must not hold the texts or attachments of submissions it
    may not read. What the tier may legitimately show (its own texts with every field, and the
    wording of its pages) is no evidence, even where a hidden text says the same."""
    audiences = {entry.id: set(entry.audiences) for entry in settings.tiers}
    hidden = [sub for sub in submissions if sub.audience not in audiences[tier.tier]]
    if not hidden:
        return
    shown = [sub for sub in submissions if sub.audience in audiences[tier.tier]]
    hidden_ids = {sub.id for sub in hidden}
    shown_ids = {sub.id for sub in shown}
    made_here: list[tuple[str, str]] = []  # files the build made (exports; decoys read as noise)
    for rel, digest, opened in tier.files:
        owners = attachments.get(digest, [])
        if owners and set(owners) <= hidden_ids:
            report.add(rel, f"an attachment the {tier.tier} tier may not read", owners[0])
        elif not set(owners) & shown_ids:
            made_here.append((rel, _file_text(opened)))
    needles: Needles = hidden_needles(hidden, shown)
    # What the tier may show, read every way a page may show it (markup removed, read as
    # spaces, or shown as text), all at once: no run of words spans two of them.
    legitimate = [
        token
        for text in (*boilerplate, *(value for sub in shown for value in _strings(sub)))
        for tokens in distinct_views(text, as_text=True)
        for token in (*tokens, APART)
    ]
    needles.discard_found_in(legitimate)
    found: dict[tuple[str, str], None] = {}
    for rel, _what, submission in needles.scan_many([*tier.pages, *made_here]):
        found[rel, submission] = None
    for rel, submission in found:
        report.add(rel, f"a text the {tier.tier} tier may not read, in one of its pages or files", submission)


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
    """Every piece of text of a submission: its text and every value of its front matter."""
    found = [sub.text, sub.title, sub.contact_name, sub.contact_email, sub.submitter.name]
    _collect(sub.meta, found)
    return found
