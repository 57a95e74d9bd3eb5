"""Which part of an e-mail's text is the submission.

A reply carries the history it answers (often the coordinator's own reminder, header block and
all): that history is left out. A forwarded message is the opposite: what was forwarded is the
text, and the forwarding note above it is not. Whatever is kept is a slice of the text exactly
as received; nothing inside it is rewritten.

Where the quoted history starts is found by mail-parser-reply, which knows the reply headers
of the common mail clients in many languages ("On … wrote:", "Le … a écrit :", Outlook's
"From: … Sent: …" block), read through the one module that knows its internals (replyparser.py).
It normalises the text it reads, so only the line where the history
starts is taken from it; the cut is made in the text as received. Its sign-offs, "Sent from…"
lines and disclaimer words are read here too, for the furniture below the text (furniture.py).

The text kept is then checked to be the sender's: never the portal's own reminder or
acknowledgement coming back in a reply, nor the reminder's placeholder (ownmail.py).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from portal.intake import replyparser
from portal.intake.furniture import OWN_PHRASES, Phrases, Rules
from portal.intake.headerblock import HeaderBlock, split_header_block
from portal.intake.ownmail import check_text_is_the_senders

# Languages whose reply headers are recognised (the library's whole list: States write in many).
REPLY_LANGUAGES = ("en", "fr", "es", "de", "it", "nl", "pl", "cs", "da", "sv", "ja", "ko", "zh")
FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:re|aw|sv|ref|rif|r)\s*:\s*)*(?:fwd?|fw|tr|rv|wg|enc|i|vs|doorst|pd)\s*:", re.IGNORECASE)
FORWARD_MARKER = re.compile(
    r"^[\s>-]*(?:-+\s*)?(?:forwarded message|begin forwarded message|message transféré|mensaje reenviado|weitergeleitete nachricht|messaggio inoltrato|doorgestuurd bericht)",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class TextParts:
    text: str  # what is published, exactly as received
    header: HeaderBlock | None
    left_out: list[str] = field(default_factory=list)  # what was not taken, said for the coordinator
    forwarded: bool = False


def is_forward(subject: str, text: str) -> bool:
    """A forwarded message: 'Fwd:'/'TR:'/'RV:'… in the subject, or a mail client's forwarding line."""
    return bool(FORWARD_SUBJECT.match(subject) or FORWARD_MARKER.search(text))


@functools.cache
def library_phrases() -> Phrases:
    """The library's sign-offs, "Sent from…" lines and disclaimer words, in every language read."""

    def fragments(key: str) -> tuple[str, ...]:
        found = replyparser.phrases(REPLY_LANGUAGES, key)
        return tuple(fragment for fragment in found if not fragment.startswith("/"))  # not its "/name" (sv): a path, not a sign-off

    return Phrases(fragments("signatures"), fragments("sent_from"), tuple(f"^(?:{fragment})" for fragment in fragments("disclaimers")))


@functools.cache
def furniture_rules() -> Rules:
    """The furniture rules over the library's phrases and the portal's own additions."""
    library = library_phrases()
    return Rules(
        Phrases(
            library.sign_offs + OWN_PHRASES.sign_offs,
            library.sent_from + OWN_PHRASES.sent_from,
            library.disclaimers + OWN_PHRASES.disclaimers,
        )
    )


# A reply header holds a colon ("wrote:", "From:", "De :", "发件人：") or a line of dashes
# ("-----Original Message-----"); only the lines around those are searched, so a long text costs
# little (the library's patterns take seconds over a megabyte).
_MAYBE_HEADER = re.compile(r"[:：]|-{5,}")


def quoted_history_line(text: str) -> int:
    """The 0-based line where the quoted history of a reply starts, or -1 if there is none."""
    lines = [line.strip() for line in text.split("\n")]  # as the library reads them
    near: set[int] = set()
    for index, line in enumerate(lines):
        if _MAYBE_HEADER.search(line):
            near.update(range(max(0, index - 3), min(len(lines), index + 8)))
    for first, last in _ranges(sorted(near)):
        chunk = "\n".join(lines[first : last + 1])
        for match in replyparser.reply_header(REPLY_LANGUAGES).finditer(chunk):
            at = first + chunk.count("\n", 0, match.start())
            while at < last and not lines[at]:
                at += 1  # a match may begin with the blank lines before the header
            if at > 0 and any(lines[:at]):  # history below some text of the reply itself
                return at
    return -1


def _ranges(indices: list[int]) -> list[tuple[int, int]]:
    """Contiguous runs of sorted line numbers, as (first, last)."""
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and index == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def submission_text(body: str, subject: str, keep_quoted: bool = False, keep_signature: bool = False) -> TextParts:
    """The text to publish and the header block that describes it; refused (OwnMailError) when it
    is the portal's own mail or holds the reminder's placeholder, whatever is kept."""
    left_out: list[str] = []
    forwarded = is_forward(subject, body)
    region = body if forwarded or keep_quoted else _without_quoted_history(body, left_out)
    block = split_header_block(region)
    text, first = (block.body, block.body_line) if block else (region, 1)
    if block is not None:
        before = [line for line in region.split("\n")[: block.start_line - 1] if line.strip()]
        if before:
            what = "forwarding note and headers" if forwarded else "greeting"
            left_out.insert(0, f"{len(before)} line(s) before the header block ({what}: {before[0].strip()[:60]!r})")
    if not keep_signature:
        text = _without_furniture(text, first, left_out)
    check_text_is_the_senders(text, first)
    return TextParts(text, block, left_out, forwarded)


def _without_quoted_history(body: str, left_out: list[str]) -> str:
    cut = quoted_history_line(body)
    if cut <= 0:
        return body
    lines = body.split("\n")
    left_out.append(f"the quoted history of the reply, from line {cut + 1} ({lines[cut].strip()[:60]!r}) to the end; give --keep-quoted to publish it")
    return _lines_above(lines, cut)


def _without_furniture(text: str, first: int, left_out: list[str]) -> str:
    """`text` (starting on line `first` of the e-mail's text) without the furniture at its end."""
    tail = furniture_rules().tail(text)
    if tail is None:
        return text
    lines = text.split("\n")
    quoted = bool(left_out) and left_out[-1].startswith("the quoted history")
    note = (
        f"the {' and '.join(tail.kinds)}, from line {first + tail.line} ({lines[tail.line].strip()[:60]!r}) "
        f"to {'the quoted history' if quoted else 'the end'}; give --keep-signature to publish it"
    )
    left_out.insert(len(left_out) - quoted, note)  # the notes go in the order of the lines
    return _lines_above(lines, tail.line)


def _lines_above(lines: list[str], cut: int) -> str:
    """The lines above `cut` as received, without the blank lines that separated them from it."""
    kept = lines[:cut]
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept) + "\n"
