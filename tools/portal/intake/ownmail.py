"""The portal's own mail, recognised when it comes back: a reply quotes the reminder or the
acknowledgement, and none of that is ever the sender's text.

This module is the home of the words those drafts carry (upkeep/reminders.py and
intake/acknowledge.py write them): the reminder's placeholder, which a sender replaces with the
updated text, and the lines of both drafts, fixed or with a value in them. A text to publish that
still holds the placeholder, or holds nothing but these lines, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from portal.intake.headerblock import HEADER_FIELDS, HEADER_LINE
from portal.intake.message import MailError
from portal.outcomes import REPLY_KEY, is_reply_line

# Where the reminder asks for the updated text; it is never published.
PLACEHOLDER = "(your updated text here)"
# Above the coordinator's name at the end of every draft.
SIGN_OFF = "With best regards,"

# The lines of the reminder and the acknowledgement, as drafted; `{}` stands for a value (a name,
# a title, a reference, a date).
OWN_LINES = (
    "Dear colleague,",
    "The following text{} of {} on the cooperation portal of the Convention on Cluster Munitions will expire:",
    "({}, reference {}, published {}, expires {})",
    "To keep a text on the portal, send an updated version by replying to this message. Please put the",
    "header block below at the top of your text (with 'Replaces:' giving the reference above); the",
    "text itself is published exactly as you send it.",
    "If we receive no answer, the text will be removed from the portal on its expiry date. You can",
    "send a new text at any time.",
    "Thank you. Your {} is published on the cooperation portal of the Convention on Cluster Munitions",
    "exactly as you sent it:",
    "As you asked, the following {} of {} has been withdrawn from the cooperation portal",
    "of the Convention on Cluster Munitions. It leaves the portal with its next publication.",
    "Title: {}",
    "Reference: {}",
    "On the portal: {}",
    "Readers: {}",
    "Expires: {}",
    "Replaces: {}, which leaves the portal",
    "To update it, reply to this message with the new text below this header block (keep 'Replaces:'):",
    "To withdraw it before it expires, reply asking us to withdraw reference {}.",
    "You can send a new text at any time.",
    # The reminder's and the acknowledgements' wording since they name the portal's address, a
    # 'keep unchanged' reply, an extension, and every text of an e-mail that held several.
    "The following text{} of {} on the cooperation portal of the Convention on Cluster Munitions{} will expire:",
    'To keep a text on the portal as it is, a reply saying "keep unchanged" is enough (name its reference',
    "if you keep only some of them): we then extend it by {} months.",
    "To update a text instead, send the updated version by replying to this message. Please put the",
    "Thank you. Your {} is published on the cooperation portal of the Convention on Cluster Munitions{}",
    "As you asked, your {} below has been withdrawn from the cooperation portal of the Convention on Cluster Munitions{}",
    "It leaves the portal with its next publication.",
    "As you asked, your {} stays on the cooperation portal of the Convention on Cluster Munitions{}",
    "it now expires on {}:",
    "Thank you. Your e-mail held {} texts, each with its own header block; each is published on",
    "the cooperation portal of the Convention on Cluster Munitions{} as a text of its own, {}:",
    "{}. Your {}",
    "exactly as you sent it{}",
    "converted from {} as you sent it, every word kept{}",
    # What became of a text: the reminder's and the follow-up's question with its reply lines
    # (a line left as drafted, 'STATUS CODE; NOTE', is never read as an outcome), and the
    # acknowledgement of a recorded outcome.
    "We would also like to know what became of {}: were you contacted, was support agreed or",
    "funded, or is it no longer needed? A reply with one line per text is enough, each line with its",
    "status, the code of the other State or organisation, and a short note after ';' if you wish:",
    "Outcome: {} STATUS CODE; NOTE",
    "The statuses: {}.",
    "The following text{} of {} on the cooperation portal of the Convention on Cluster Munitions{} been",
    "on the portal for {} months:",
    "{}We have recorded what became of this {} of {} on the cooperation portal of the Convention on Cluster Munitions{}:",
    "Recorded: {}",
    "It is kept with the text on the portal. If it changes, a reply with a line such as",
    "'Outcome: {} funded CODE; NOTE' is enough.",
    # The header block the drafts give to reply with, and its line of dashes.
    "Kind: {}",
    "Themes: {}",
    "Assistance: {}",
    "Audience: {}",
    "Contact: {}",
    "Regions: {}",
    "Budget: {}",
    "Period: {}",
    "Countries: {}",
    "Replaces: {}",
    "----",
    SIGN_OFF,
    PLACEHOLDER,
)


def _line_pattern(line: str) -> str:
    return r"\s*".join(".*?".join(re.escape(piece) for piece in word.split("{}")) for word in line.split())


_OWN = re.compile("|".join(f"(?:{_line_pattern(line)})" for line in OWN_LINES))
# What a reply holds around the quoted mail besides its text: the reply header of a mail client.
_REPLY_HEADER = re.compile(r"(?:(?:from|sent|to|cc|subject|date|de|envoyé|à|objet|para|enviado|asunto)\s*:.*|on .* wrote:|le .* a écrit\s*:)", re.IGNORECASE)
_LIST_ITEM = re.compile(r"- \S.*")
# The greeting of a reply that says nothing but its `Outcome:` lines.
_GREETING = re.compile(r"(?:dear|hello|hi|good (?:morning|afternoon)|bonjour|cher|chère|estimad[oa]s?)\b.{0,60},?", re.IGNORECASE)


class OwnMailError(MailError):
    """The text to publish is the portal's own mail, or still holds the reminder's placeholder."""


def unquoted(line: str) -> str:
    """A line without the '>' marks of a quoting mail client and without surrounding space."""
    return re.sub(r"^(?:\s*>)+", "", line).strip()


def is_own_line(line: str) -> bool:
    """Whether a line (quoted or not) is one of the portal's own mail."""
    return bool(_OWN.fullmatch(unquoted(line)))


def check_text_is_the_senders(text: str, first_line: int) -> None:
    """Refuse a text that holds no text of the sender's own, or still holds the placeholder.

    `first_line` is the line of the e-mail's text where `text` starts, to name the line.
    """
    lines = text.split("\n")
    if text.strip() and not _has_own_words(lines):  # an empty text is refused as empty
        raise OwnMailError(
            "this reply holds no text of its own, only the portal's own reminder or acknowledgement that it answers; "
            "ask the sender for the text (below the header block)"
        )
    if text.strip() and any(is_reply_line(unquoted(line)) for line in lines) and not _has_own_words(lines, _outcome_or_greeting):
        raise OwnMailError(
            f"this reply only tells what became of a text (its '{REPLY_KEY}:' lines), which is not a text to publish; "
            "record it with `portal outcome ID MESSAGE`"
        )
    for index, line in enumerate(lines):
        if PLACEHOLDER in line:
            raise OwnMailError(
                f"the text holds the reminder's placeholder {PLACEHOLDER!r} on line {first_line + index}: the sender's text must replace it; "
                "ask for the text (no option publishes it)"
            )


def _outcome_or_greeting(line: str) -> bool:
    return is_reply_line(line) or _GREETING.fullmatch(line) is not None


def _has_own_words(lines: list[str], ignore: Callable[[str], bool] = lambda _line: False) -> bool:
    """Whether any line is the sender's: not blank, not the portal's, not a reply header, not a
    field of a header block (the values of a quoted reminder's block are the portal's too), not
    a line `ignore` knows."""
    previous = ""
    for index, raw in enumerate(lines):
        line = unquoted(raw)
        if not line:
            continue
        signer = previous == SIGN_OFF  # the coordinator's name, from the settings
        if not (signer or _is_the_portals(line) or ignore(line) or (_LIST_ITEM.fullmatch(line) and _next_is_reference(lines, index))):
            return True
        previous = line
    return False


def _is_the_portals(line: str) -> bool:
    return bool(is_own_line(line) or _REPLY_HEADER.fullmatch(line) or _is_field(line) or line.startswith("----"))


def _next_is_reference(lines: list[str], index: int) -> bool:
    """Whether the next line is the reminder's "(need, reference …)" line under its "- Title"."""
    following = next((bare for bare in (unquoted(line) for line in lines[index + 1 :]) if bare), "")
    return following.startswith("(") and is_own_line(following)


def _is_field(line: str) -> bool:
    match = HEADER_LINE.match(line)
    return match is not None and match.group(1).strip().lower().replace(" ", "-") in HEADER_FIELDS
