"""Which texts an e-mail holds, and where each comes from.

The text is the e-mail's body, or, when the body has no header block of the guidance pattern,
the one attachment that has (a note verbale sent as .docx or PDF, a forwarded .eml). Each header
block starts a text of its own: an e-mail with a States-only need and then a project for partners
holds two texts, never one text with a second header block inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from portal.config import ReadLimits
from portal.errors import PortalError
from portal.intake.documents import CONVERTIBLE, document_text
from portal.intake.headerblock import HeaderBlock, split_header_block
from portal.intake.mail import read_mail
from portal.intake.message import MailAttachment, MailError, ParsedMail
from portal.intake.quoted import TextParts, submission_text

if TYPE_CHECKING:  # ingest calls this module; its options are its own
    from portal.intake.options import Options

MESSAGE_TYPES = {".eml": "eml", ".msg": "msg"}


class TextsError(PortalError):
    """The e-mail's texts cannot be told apart as the sender meant them; the message says how to."""


@dataclass(frozen=True)
class Prepared:
    """One text to publish, the header block that describes it, and where each value came from."""

    text: str
    converted: str
    header: dict[str, tuple[str, int]]  # field -> (value, line in the e-mail's text)
    notes: list[str]
    number: int = 1  # which text of the e-mail, counted from 1
    line: int = 1  # where its header block starts in the e-mail's text
    source: str = ""  # the attachment the text came from ('' for the e-mail's body)

    @property
    def title(self) -> str:
        return self.header.get("title", ("", 0))[0]

    def named(self) -> str:
        """How messages name this text: 'text 2 ('Title', line 40)'."""
        title = f"{self.title!r}, " if self.title else ""
        return f"text {self.number} ({title}header block at line {self.line})"


def attachment_names(mail: ParsedMail) -> str:
    return ", ".join(repr(a.original or a.name) for a in mail.attachments) or "none"


def prepare_texts(mail: ParsedMail, options: Options, limits: ReadLimits) -> list[Prepared]:
    """Every text of the e-mail, in order (one per header block), or the one --text chooses.
    What the e-mail holds besides the texts is said in the first text's notes."""
    body, converted, source, notes = _source_text(mail, options, limits)
    parts = submission_text(body, mail.subject, options.keep_quoted, options.keep_signature)
    notes += [f"left out {item}" for item in parts.left_out]
    texts = split_texts(parts, converted, source)
    check_options_fit(texts, options, mail.attachments)
    if options.text_number:
        chosen = texts[options.text_number - 1]
        notes += [f"left out {text.named()}: publish it with --text {text.number}" for text in texts if text is not chosen]
        texts = [chosen]
    texts[0] = replace(texts[0], notes=[*notes, *texts[0].notes])
    for text in texts:
        if not text.text.strip():
            where = f" ({text.named()})" if text.header and (len(texts) > 1 or text.number > 1) else ""
            raise TextsError(f"the text is empty{where}: the message holds no text to publish (below the header block, if any)")
    return texts


def _source_text(mail: ParsedMail, options: Options, limits: ReadLimits) -> tuple[str, str, str, list[str]]:
    """(text, converted from, attachment name or '', notes): the body, the attachment named by
    --body-from, or the one attachment that holds a header block when the body holds none."""
    if options.body_from:
        chosen = next((a for a in mail.attachments if options.body_from in (a.name, a.original)), None)
        if chosen is None:
            raise TextsError(f"--body-from {options.body_from!r}: no such attachment (attachments: {attachment_names(mail)})")
        text, converted = attachment_text(chosen, limits)
        return text, converted, chosen.original or chosen.name, []
    if mail.text is not None and split_header_block(mail.text) is not None:
        return mail.text, mail.converted_from, "", []
    found = _attachments_with_header_block(mail, limits)
    if len(found) > 1:
        names = " and ".join(repr(name) for name, _text, _kind in found)
        raise TextsError(
            f"the e-mail's body has no header block, and {len(found)} attachments have one ({names}); "
            f"say which holds the text with --body-from NAME (e.g. --body-from {found[0][0]!r})"
        )
    if found:
        name, text, kind = found[0]
        body = "the e-mail's body" if mail.text is None or not mail.text.strip() else f"the e-mail's body ({_first_line(mail.text)!r}…)"
        return text, kind, name, [f"took the text from the attachment {name!r}: it holds the header block, {body} does not; the body is left out"]
    if mail.text is None:
        raise TextsError(f"the message has no text part; take the text from an attachment with --body-from NAME (attachments: {attachment_names(mail)})")
    return mail.text, mail.converted_from, "", []


def attachment_text(attachment: MailAttachment, limits: ReadLimits) -> tuple[str, str]:
    """The text of an attachment that can give one: a document, or an attached e-mail's body."""
    extension = "." + attachment.name.rpartition(".")[2].lower() if "." in attachment.name else ""
    if attachment.content_type == "message/rfc822" or extension in MESSAGE_TYPES:
        try:
            inner = read_mail(attachment.data, max(len(attachment.data), 1), limits)
        except MailError as exc:
            raise MailError(f"{attachment.original or attachment.name!r}: {exc}") from None
        if inner.text is None:
            raise MailError(f"{attachment.original or attachment.name!r}: the attached e-mail has no text part")
        return inner.text, inner.converted_from
    return document_text(attachment, limits)


def _attachments_with_header_block(mail: ParsedMail, limits: ReadLimits) -> list[tuple[str, str, str]]:
    """(name, text, kind) of each attachment whose text has a header block. One that cannot be
    read is passed over here: it gives no text unless named with --body-from, which reads it again
    and says why it cannot."""
    found: list[tuple[str, str, str]] = []
    for attachment in mail.attachments:
        extension = "." + attachment.name.rpartition(".")[2].lower() if "." in attachment.name else ""
        if extension not in CONVERTIBLE and extension not in MESSAGE_TYPES and attachment.content_type != "message/rfc822":
            continue
        try:
            text, kind = attachment_text(attachment, limits)
        except MailError:
            continue
        if split_header_block(text) is not None:
            found.append((attachment.original or attachment.name, text, kind))
    return found


def split_texts(parts: TextParts, converted: str, source: str) -> list[Prepared]:
    """One text for each header block: a text ends where the next header block starts."""
    block = parts.header
    if block is None:
        return [Prepared(parts.text, converted, {}, [], source=source)]
    # What quoted.py kept below the header block (furniture and quoted history left out) is the
    # first text's body, and every later text lies inside it.
    block = HeaderBlock(block.fields, parts.text, block.body_line, block.start_line)
    texts: list[Prepared] = []
    while True:
        lines = block.body.split("\n")
        following = split_header_block(block.body, search_lines=len(lines))
        number = len(texts) + 1
        if following is None:
            texts.append(Prepared(block.body, converted, dict(block.fields), [], number, block.start_line, source))
            return texts
        following = _shifted(following, block.body_line - 1)
        kept = "\n".join(lines[: following.start_line - block.body_line]).rstrip("\n")
        note = f"text {number} ends at line {following.start_line - 1}: a second header block starts text {number + 1} at line {following.start_line}"
        texts.append(Prepared(kept + "\n" if kept.strip() else "", converted, dict(block.fields), [note], number, block.start_line, source))
        block = following


def _shifted(block: HeaderBlock, offset: int) -> HeaderBlock:
    """A header block found in a later part of the text, its lines counted in the whole text."""
    fields = {name: (value, line + offset) for name, (value, line) in block.fields.items()}
    return HeaderBlock(fields, block.body, block.body_line + offset, block.start_line + offset)


def _count(texts: Sequence[Prepared]) -> str:
    return f"{len(texts)} text{'s' if len(texts) != 1 else ''}: " + "; ".join(text.named() for text in texts)


def check_options_fit(texts: Sequence[Prepared], options: Options, attachments: Sequence[MailAttachment]) -> None:
    """With several texts, an option that describes one text, or an attachment, cannot say which
    text it belongs to: refuse, naming the texts and how to publish each."""
    if options.text_number and options.text_number > len(texts):
        raise TextsError(f"--text {options.text_number}: the e-mail holds {_count(texts)}")
    if options.attachments_with is not None and options.attachments_with > len(texts):
        raise TextsError(f"--attachments-with {options.attachments_with}: the e-mail holds {_count(texts)}")
    if len(texts) < 2:
        return
    how = " or ".join(f"--text {text.number}" for text in texts)
    given = [flag for flag, value in options.describing() if value]
    if given and not options.text_number:
        raise TextsError(
            f"the e-mail holds {_count(texts)}; {', '.join(given)} cannot say which of them {'it is' if len(given) == 1 else 'they are'} for: "
            f"publish one at a time with {how} and the options, or leave the options out to publish each text with its own header block"
        )
    kept = [a for a in attachments if not (options.body_from and options.body_from in (a.name, a.original))]
    if kept and options.attachments_with is None:
        names = ", ".join(repr(a.original or a.name) for a in kept)
        raise TextsError(
            f"the e-mail holds {_count(texts)} and attachments ({names}) that may belong to any of them; their readers differ, "
            f"so say which text the attachments go with: --attachments-with N (1 to {len(texts)}; 0 for none)"
        )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.split("\n") if line.strip()), "")[:60]
