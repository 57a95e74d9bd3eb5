"""The word scan, second line of the leak check: does readable material hold words of a submission?

The first line (sealcheck) proves that every file of a tier is ciphertext that opens with that
tier's key. This module holds the needles and the matching; sealcheck runs them over what is left
readable (page shells, public pages, the keys file) and crosstier over file names and, inside each
tier, the opened pages for texts that tier may not read.

Needles are taken from every submission: its title, id, contact name and e-mail, the name of its
submitter, its regions and the names of the countries it is about, the labels of its themes, the
names of its attachments, runs of eight words of its text, and the per-build canary placed in
every page. Both sides are normalised the same way:
HTML entities decoded, tags removed (and, separately, read as spaces), Unicode decomposed and
stripped of accents, invisible characters dropped, case folded. Words are runs of letters and
digits in any script; in scripts written without spaces (Lao, Thai, Khmer, Burmese, Chinese,
Japanese, Korean) each character is a word, so eight characters make a run.

Runs of a text's words are looked up by a 64-bit fingerprint (numpy keeps millions of them in a
few bytes each), and a fingerprint that matches counts only once the words themselves are
compared: the result is exactly what comparing words would give.

A leak names the file, the kind of match and the submission, never the words matched: messages
end up in CI logs.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from portal.model import Submission

SHINGLE = 8
_MIN_NEEDLE_CHARS = 4
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u0f00-\u0fff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_UNSPACED}]|[^\W_{_UNSPACED}]+")
_ASCII_WORD = re.compile(r"[a-z0-9]+")
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
    text = normalise(text)
    # An ASCII text, lower-cased, has no other letters or digits than these (and reads faster).
    return (_ASCII_WORD if text.isascii() else _WORD).findall(text)


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


# One odd multiplier per word of a run: a run's fingerprint is the sum of its words' hashes, each
# times the multiplier of its place (modulo 2**64). Python keys its string hashes anew in every
# process (forked workers inherit the key), so no text can be written to collide with another;
# a fingerprint that matches is still only a candidate until the words themselves are compared.
_PLACES = np.array(
    [
        0x5ED34FE53A096533,
        0x6018366CF658F7A7,
        0x317017A6205738D1,
        0x0B3510B0B46EE1DB,
        0x230824D215CEB3A1,
        0xCFAF00103F584AD5,
        0x81A0D5B3FFC6E35D,
        0x6694F229359B1549,
    ],
    dtype=np.uint64,
)


def fingerprints(tokens: Sequence[str], size: int = SHINGLE) -> npt.NDArray[np.uint64]:
    """The fingerprint of every run of `size` words of `tokens`, in order (made in C)."""
    count = len(tokens) - size + 1
    if count <= 0:
        return np.empty(0, dtype=np.uint64)
    hashes = np.fromiter(map(hash, tokens), dtype=np.int64, count=len(tokens)).view(np.uint64)
    runs = hashes[:count] * _PLACES[0]
    for place in range(1, size):
        runs += hashes[place : place + count] * _PLACES[place]
    return runs


def _present(sorted_prints: npt.NDArray[np.uint64], prints: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
    """The places in `prints` of the fingerprints that `sorted_prints` holds. Looked up in sorted
    order, so each look-up starts where the last ended (a look-up at random in a large array
    waits on memory each time)."""
    if not len(sorted_prints) or not len(prints):
        return np.empty(0, dtype=np.intp)
    ordered = np.sort(prints)
    places = np.minimum(np.searchsorted(sorted_prints, ordered), len(sorted_prints) - 1)
    common = np.unique(ordered[sorted_prints[places] == ordered])
    if not len(common):
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.isin(prints, common))


class _Runs:
    """Every run of SHINGLE words of many texts, held as fingerprints sorted for look-up (a few
    bytes a run, where a set of word tuples took hundreds): each match of a fingerprint is then
    confirmed word for word, so the result is what comparing the words would give."""

    def __init__(self) -> None:
        self.owners: list[str] = []  # the submission of each text
        self.texts: list[str] = []
        self.pending: list[npt.NDArray[np.uint64]] = []  # fingerprints of texts added since the last look-up
        self.prints = np.empty(0, dtype=np.uint64)  # sorted
        self.text = np.empty(0, dtype=np.int32)  # which text each run is of
        self.start = np.empty(0, dtype=np.int32)  # where in that text's words it starts
        self.alive = np.empty(0, dtype=bool)  # False once discarded
        self.words: dict[int, list[str]] = {}  # a text's words, read again when a run of it matches
        self.left = 0  # runs not discarded

    def add(self, tokens: Sequence[str], text: str, submission: str) -> None:
        self.owners.append(submission)
        self.texts.append(text)
        self.pending.append(fingerprints(tokens))
        self.left += len(self.pending[-1])

    def __bool__(self) -> bool:
        return self.left > 0

    def _ready(self) -> None:
        if not self.pending:
            return
        first = len(self.texts) - len(self.pending)
        prints = np.concatenate([self.prints, *self.pending])
        text = np.concatenate([self.text, *(np.full(len(made), first + index, dtype=np.int32) for index, made in enumerate(self.pending))])
        start = np.concatenate([self.start, *(np.arange(len(made), dtype=np.int32) for made in self.pending)])
        alive = np.concatenate([self.alive, np.ones(len(prints) - len(self.alive), dtype=bool)])
        order = np.argsort(prints)
        self.prints, self.text, self.start, self.alive = prints[order], text[order], start[order], alive[order]
        self.pending = []

    def _run(self, entry: int) -> tuple[str, ...]:
        index = int(self.text[entry])
        tokens = self.words.get(index)
        if tokens is None:
            tokens = self.words[index] = words(self.texts[index])
        begin = int(self.start[entry])
        return tuple(tokens[begin : begin + SHINGLE])

    def matches(self, tokens: Sequence[str]) -> dict[tuple[str, ...], list[int]]:
        """Each run of `tokens` that is a run of a text: the runs (entries) it is, of the text that
        came first first."""
        self._ready()
        found: dict[tuple[str, ...], list[int]] = {}
        if not len(self.prints) or len(tokens) < SHINGLE:
            return found
        prints = fingerprints(tokens)
        tried: set[tuple[str, ...]] = set()  # each window is looked up once, wherever it recurs
        for position in _present(self.prints, prints).tolist():
            window = tuple(tokens[position : position + SHINGLE])
            if window in tried:
                continue
            tried.add(window)
            entries = []
            entry = int(np.searchsorted(self.prints, prints[position]))
            while entry < len(self.prints) and self.prints[entry] == prints[position]:
                if self.alive[entry] and self._run(entry) == window:
                    entries.append(entry)
                entry += 1
            if entries:
                found[window] = sorted(entries, key=lambda entry: int(self.text[entry]))
        return found

    def owner(self, entry: int) -> str:
        return self.owners[int(self.text[entry])]

    def discard(self, entries: Iterable[int]) -> None:
        """Forget these runs (compact() then drops them from the arrays)."""
        for entry in entries:
            self.left -= bool(self.alive[entry])
            self.alive[entry] = False

    def compact(self) -> None:
        """Drop the forgotten runs, so that no later look-up walks them again."""
        if len(self.alive) and not self.alive.all():
            keep = self.alive
            self.prints, self.text, self.start, self.alive = self.prints[keep], self.text[keep], self.start[keep], self.alive[keep]


class Needles:
    """Needles indexed by their first two words (one-word needles by that word), so scanning
    costs one or two dictionary look-ups per word read, whatever their number; runs of a text's
    words as fingerprints (_Runs)."""

    def __init__(self) -> None:
        self.single: dict[str, tuple[str, str]] = {}
        self.by_pair: dict[tuple[str, str], list[tuple[tuple[str, ...], str, str]]] = defaultdict(list)
        self.pair_prints: npt.NDArray[np.uint64] | None = None  # of by_pair's keys, sorted (made when first needed)
        self.runs = _Runs()

    def add(self, text: str, what: str, submission: str) -> None:
        tokens = tuple(words(text))
        if not tokens or len("".join(tokens)) < _MIN_NEEDLE_CHARS:
            return
        if len(tokens) == 1:
            self.single.setdefault(tokens[0], (what, submission))
        else:
            self.by_pair[tokens[0], tokens[1]].append((tokens, what, submission))
            self.pair_prints = None

    def add_text(self, text: str, submission: str) -> None:
        tokens = words(text)
        if len(tokens) < SHINGLE:
            self.add(text, "text", submission)
            return
        # Every run of SHINGLE words; a run that another text has too belongs to the first.
        self.runs.add(tokens, text, submission)

    def add_submission(self, sub: Submission) -> None:
        """What is this submission's own: its id, title, contact, regions, the names of the
        countries it is about, the names and titles of its attachments and links, and its text."""
        for value, what in ((sub.id, "id"), (sub.title, "title"), (sub.contact_name, "contact"), (sub.contact_email, "contact e-mail")):
            if value:
                self.add(value, what, sub.id)
        for region in sub.meta.get("regions") or []:
            self.add(str(region), "region", sub.id)
        for country in sub.countries:
            self.add(country.name, "country", sub.id)
        for attachment in sub.attachments:
            self.add(attachment.name, "attachment name", sub.id)
            self.add(attachment.title, "attachment title", sub.id)
        for link in sub.meta.get("links") or []:
            self.add(str(link.get("title", "")), "link title", sub.id)
        self.add_text(sub.text, sub.id)

    def scan(self, tokens: Sequence[str]) -> Iterable[tuple[str, str, tuple[str, ...]]]:
        """(kind, submission, the needle's words) for every needle found in `tokens`, once each.
        Sets of words and pairs are intersected with the needles' (in C), and runs looked up by
        fingerprint, so a page costs a few passes over its words, whatever the number of needles."""
        yield from self._named(tokens)
        if len(tokens) >= SHINGLE and self.runs:
            for window, entries in self.runs.matches(tokens).items():
                yield "text", self.runs.owner(entries[0]), window

    def _named(self, tokens: Sequence[str]) -> Iterable[tuple[str, str, tuple[str, ...]]]:
        """The one-word and many-word needles (names, titles, short texts) found in `tokens`."""
        if self.single:
            for token in self.single.keys() & set(tokens):
                what, submission = self.single[token]
                yield what, submission, (token,)
        if self.by_pair and len(tokens) > 1:
            positions: dict[tuple[str, str], list[int]] = defaultdict(list)
            for index in _present(self._pair_prints(), fingerprints(tokens, 2)).tolist():
                pair = (tokens[index], tokens[index + 1])
                if pair in self.by_pair:
                    positions[pair].append(index)
            for pair in positions:
                # Each run that starts with the pair is cut once per length of its needles,
                # however many needles start with the pair.
                entries = self.by_pair[pair]
                wanted = {needle for needle, _what, _submission in entries}
                sizes = {len(needle) for needle in wanted}
                hits = {run for start in positions[pair] for size in sizes if (run := tuple(tokens[start : start + size])) in wanted}
                for needle, what, submission in entries:
                    if needle in hits:
                        yield what, submission, needle

    def ready(self) -> Needles:
        """Sorted for look-up now (before worker processes start with a copy of it)."""
        if self.by_pair:
            self._pair_prints()
        self.runs.matches(())
        return self

    def _pair_prints(self) -> npt.NDArray[np.uint64]:
        if self.pair_prints is None:
            self.pair_prints = np.sort(np.concatenate([fingerprints(pair, 2) for pair in self.by_pair]))
        return self.pair_prints

    def discard_found_in(self, tokens: Sequence[str]) -> None:
        """Forget every needle that `tokens` (the portal's own fixed wording) holds: a contact
        called "Name" or a title "Passcode" is no evidence of a leak on the start page."""
        for _what, _submission, needle in list(self._named(tokens)):
            if len(needle) == 1:
                self.single.pop(needle[0], None)
            else:
                pair = self.by_pair[needle[0], needle[1]]
                pair[:] = [entry for entry in pair if entry[0] != needle]
        if len(tokens) >= SHINGLE and self.runs:
            for entries in self.runs.matches(tokens).values():
                self.runs.discard(entries)
            self.runs.compact()

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


def needles_for(submissions: Iterable[Submission], themes: Mapping[str, str], canaries: Iterable[str] = ()) -> Needles:
    """The needles of the texts: each text, its submitter's name and its themes' labels (`themes`:
    the repository's, `Vocabulary.themes`)."""
    needles = Needles()
    for canary in canaries:
        needles.add(canary, "canary", "(every page)")
    for sub in submissions:
        needles.add_submission(sub)
        needles.add(sub.submitter.name, "submitter", sub.id)
        for theme in sub.themes:
            needles.add(themes[theme], "theme", sub.id)
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
