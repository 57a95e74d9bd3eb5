"""Which part of an e-mail's text is the submission.

A reply carries the history it answers (often the coordinator's own reminder, header block and
all): that history is left out. A forwarded message is the opposite: what was forwarded is the
text, and the forwarding note above it is not. Whatever is kept is a slice of the text exactly
as received; nothing inside it is rewritten.

Where the quoted history starts is found by mail-parser-reply, which knows the reply headers
of the common mail clients in many languages ("On … wrote:", "Le … a écrit :", Outlook's
"From: … Sent: …" block). It normalises the text it reads, so only the line where the history
starts is taken from it; the cut is made in the text as received.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from portal.intake.headerblock import HeaderBlock, split_header_block

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
def _reply_header() -> re.Pattern[str]:
    from mailparser_reply.parser import EmailMessage

    return EmailMessage(text="", languages=list(REPLY_LANGUAGES)).HEADER_REGEX


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
        for match in _reply_header().finditer(chunk):
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


def submission_text(body: str, subject: str, keep_quoted: bool = False) -> TextParts:
    """The text to publish and the header block that describes it."""
    left_out: list[str] = []
    forwarded = is_forward(subject, body)
    region = body
    if not forwarded and not keep_quoted:
        cut = quoted_history_line(body)
        if cut > 0:
            lines = body.split("\n")
            region = "\n".join(lines[:cut]).rstrip() + "\n"
            left_out.append(f"the quoted history of the reply, from line {cut + 1} ({lines[cut].strip()[:60]!r}) to the end; give --keep-quoted to publish it")
    block = split_header_block(region)
    if block is None:
        return TextParts(region, None, left_out, forwarded)
    before = [line for line in region.split("\n")[: block.start_line - 1] if line.strip()]
    if before:
        what = "forwarding note and headers" if forwarded else "greeting"
        left_out.insert(0, f"{len(before)} line(s) before the header block ({what}: {before[0].strip()[:60]!r})")
    return TextParts(block.body, block, left_out, forwarded)
