"""The word scan, second line of the leak check: does readable material hold words of a submission?

The first line (sealcheck) proves that every file of a tier is ciphertext that opens with that
tier's key. This module holds the needles and the matching; sealcheck runs them over what is left
readable (page shells, public pages, the keys file) and crosstier over file names and, inside each
tier, the opened pages for texts that tier may not read.

Needles are taken from every submission: its title, id, contact name and e-mail, the name of its
submitter, the labels of its themes, the names of its attachments, runs of eight words of its
text, and the per-build canary placed in every page. Both sides are normalised the same way:
HTML entities decoded, tags removed (and, separately, read as spaces), Unicode decomposed and
stripped of accents, invisible characters dropped, case folded. Words are runs of letters and
digits in any script; in scripts written without spaces (Lao, Thai, Khmer, Burmese, Chinese,
Japanese, Korean) each character is a word, so eight characters make a run.

A leak names the file, the kind of match and the submission, never the words matched: messages
end up in CI logs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

from portal.model import THEMES, Submission

SHINGLE = 8
_MIN_NEEDLE_CHARS = 4
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\W_{_UNSPACED}]+")
_TAG = re.compile(r"<[^>]*>")
_INVISIBLE = {"Cf", "Mn", "Me", "Cc"}
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
APART = "\x00"  # a word no text has (control characters are removed): no needle spans it


@dataclass(frozen=True)
class Leak:
    path: str  # relative to the scanned folder
    what: str  # which kind of match, or what the proof found wrong
    submission: str = ""  # whose text, when known

    def message(self) -> str:
        whose = f" of {self.submission}" if self.submission else ""
        return f"{self.path}: leak: {self.what}{whose}"


def normalise(text: str) -> str:
    """What a reader would see, reduced to comparable letters: entities decoded (twice, for
    double-escaped ones), decomposed, accents and invisible characters removed, case folded."""
    if "&" in text:
        text = html.unescape(html.unescape(text))
    if text.isascii():  # most texts: only control characters can be invisible
        return _CONTROL.sub("", text).lower()
    text = _CONTROL.sub("", unicodedata.normalize("NFKD", text))
    # Only the runs of other characters are looked up one by one: most pages are mostly ASCII.
    return _NON_ASCII.sub(lambda run: run.group().translate(_invisible()), text).casefold()


@cache
def _invisible() -> dict[int, None]:
    """Every character that shows nothing (format characters, combining marks), for
    str.translate."""
    blocks = (range(0x80, 0x30000), range(0xE0000, 0xE01F0))
    return {code: None for block in blocks for code in block if unicodedata.category(chr(code)) in _INVISIBLE}


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def markup_views(text: str) -> tuple[list[str], list[str]]:
    """The words of an HTML text read twice: tags removed (a word split by a tag is whole again)
    and tags read as spaces (words in neighbouring cells stay apart)."""
    return words(_TAG.sub("", text)), words(_TAG.sub(" ", text))


def distinct_views(text: str, as_text: bool = False) -> list[list[str]]:
    """markup_views (and, with `as_text`, the words of the text read as it is), each distinct one
    once: a text without a tag reads the same every way, and a scan of the same words twice finds
    nothing new."""
    if "<" not in text:
        return [words(text)]
    views = [*markup_views(text), *([words(text)] if as_text else [])]
    return [view for index, view in enumerate(views) if view not in views[:index]]


class Needles:
    """Needles indexed by their first two words (one-word needles by that word), so scanning
    costs one or two dictionary look-ups per word read, whatever their number."""

    def __init__(self) -> None:
        self.single: dict[str, tuple[str, str]] = {}
        self.by_pair: dict[tuple[str, str], list[tuple[tuple[str, ...], str, str]]] = defaultdict(list)
        self.shingles: dict[tuple[str, ...], str] = {}

    def add(self, text: str, what: str, submission: str) -> None:
        tokens = tuple(words(text))
        if not tokens or len("".join(tokens)) < _MIN_NEEDLE_CHARS:
            return
        if len(tokens) == 1:
            self.single.setdefault(tokens[0], (what, submission))
        else:
            self.by_pair[tokens[0], tokens[1]].append((tokens, what, submission))

    def add_text(self, text: str, submission: str) -> None:
        tokens = words(text)
        if len(tokens) < SHINGLE:
            self.add(text, "text", submission)
            return
        # Every run of SHINGLE words (made in C); a run that another text has too keeps its first owner.
        add = self.shingles.setdefault
        for run in zip(*(tokens[offset:] for offset in range(SHINGLE)), strict=False):
            add(run, submission)

    def add_submission(self, sub: Submission) -> None:
        """What is this submission's own: its id, title, contact, regions, the names and titles of
        its attachments and links, and its text."""
        for value, what in ((sub.id, "id"), (sub.title, "title"), (sub.contact_name, "contact"), (sub.contact_email, "contact e-mail")):
            if value:
                self.add(value, what, sub.id)
        for region in sub.meta.get("regions") or []:
            self.add(str(region), "region", sub.id)
        for attachment in sub.attachments:
            self.add(attachment.name, "attachment name", sub.id)
            self.add(attachment.title, "attachment title", sub.id)
        for link in sub.meta.get("links") or []:
            self.add(str(link.get("title", "")), "link title", sub.id)
        self.add_text(sub.text, sub.id)

    def scan(self, tokens: Sequence[str]) -> Iterable[tuple[str, str, tuple[str, ...]]]:
        """(kind, submission, the needle's words) for every needle found in `tokens`, once each.
        Sets of words, pairs and runs are intersected with the needles' (in C), so a page costs
        a few passes over its words, whatever the number of needles."""
        if self.single:
            for token in self.single.keys() & set(tokens):
                what, submission = self.single[token]
                yield what, submission, (token,)
        if self.by_pair and len(tokens) > 1:
            present = self.by_pair.keys() & set(pairwise(tokens))
            if present:
                positions: dict[tuple[str, str], list[int]] = defaultdict(list)
                for index, pair in enumerate(pairwise(tokens)):
                    if pair in present:
                        positions[pair].append(index)
                for pair in present:
                    # Each run that starts with the pair is cut once per length of its needles,
                    # however many needles start with the pair.
                    entries = self.by_pair[pair]
                    wanted = {needle for needle, _what, _submission in entries}
                    sizes = {len(needle) for needle in wanted}
                    hits = {run for start in positions[pair] for size in sizes if (run := tuple(tokens[start : start + size])) in wanted}
                    for needle, what, submission in entries:
                        if needle in hits:
                            yield what, submission, needle
        if self.shingles and len(tokens) >= SHINGLE:
            runs = zip(*(tokens[offset:] for offset in range(SHINGLE)), strict=False)
            for window in self.shingles.keys() & set(runs):
                yield "text", self.shingles[window], window

    def discard_found_in(self, tokens: Sequence[str]) -> None:
        """Forget every needle that `tokens` (the portal's own fixed wording) holds: a contact
        called "Name" or a title "Passcode" is no evidence of a leak on the start page."""
        for _what, _submission, needle in list(self.scan(tokens)):
            if len(needle) == 1:
                self.single.pop(needle[0], None)
            elif len(needle) == SHINGLE and needle in self.shingles:
                del self.shingles[needle]
            pair = self.by_pair.get((needle[0], needle[1])) if len(needle) > 1 else None
            if pair is not None:
                pair[:] = [entry for entry in pair if entry[0] != needle]

    def scan_markup(self, text: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for tokens in distinct_views(text):
            for what, submission, _needle in self.scan(tokens):
                if (what, submission) not in found:
                    found.append((what, submission))
        return found

    def scan_many(self, texts: Sequence[tuple[str, str]]) -> list[tuple[str, str, str]]:
        """(name, kind, submission) for the needles in many (name, markup) texts. One scan of all
        of them together says whether there is anything at all (no run can span two texts);
        only then is each read on its own, to say where."""
        # Pages repeat one another (a text on its page, its printable page, its listings): each
        # distinct line is read once. A text is one line of its page (textformat.text_block).
        lines = dict.fromkeys(line for _name, text in texts for line in text.splitlines())
        together = [token for line in lines for tokens in distinct_views(line) for token in (*tokens, APART)]
        if not any(True for _found in self.scan(together)):
            return []
        return [(name, what, submission) for name, text in texts for what, submission in self.scan_markup(text)]


def needles_for(submissions: Iterable[Submission], canaries: Iterable[str] = ()) -> Needles:
    needles = Needles()
    for canary in canaries:
        needles.add(canary, "canary", "(every page)")
    for sub in submissions:
        needles.add_submission(sub)
        needles.add(sub.submitter.name, "submitter", sub.id)
        for theme in sub.themes:
            needles.add(THEMES[theme], "theme", sub.id)
    return needles


def hidden_needles(hidden: Iterable[Submission], shown: Iterable[Submission]) -> Needles:
    """Needles of the texts a tier may not read (not their submitters or themes, which the tier's
    own texts share), less the ids of the tier's own texts."""
    needles = Needles()
    for sub in hidden:
        needles.add_submission(sub)
    for sub in shown:
        needles.discard_found_in(words(sub.id))
    return needles
