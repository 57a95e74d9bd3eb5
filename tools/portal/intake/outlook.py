"""Outlook's saved messages (.msg) -> the same ParsedMail as a saved .eml, under the same rules.

A .msg is an OLE compound file of MAPI properties, not MIME; extract-msg reads it (sender,
subject, date, Message-ID, plain-text or HTML body, attachments) and the transport headers the
receiving server wrote (`transport_headers`).
"""

from __future__ import annotations

import hashlib
import io
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Any

from portal.intake.documents import html_to_text
from portal.intake.mail import MailError, ParsedMail, add_attachment, safe_name

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")


def is_outlook_msg(raw: bytes) -> bool:
    return raw.startswith(OLE_MAGIC)


def parse_outlook_msg(raw: bytes, max_attachment_bytes: int) -> ParsedMail:
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    try:
        message = extract_msg.openMsg(io.BytesIO(raw), delayAttachments=False)
    except (ExMsgBaseException, OSError, ValueError, KeyError, NotImplementedError) as exc:
        raise MailError(f"this Outlook file cannot be read ({type(exc).__name__}); save the message again from Outlook, as .msg or as .eml") from None
    try:
        if not isinstance(message, extract_msg.Message):
            raise MailError(f"this Outlook file is a {type(message).__name__}, not an e-mail; save the e-mail itself (File > Save As > Outlook Message Format)")
        sender_name, sender_email = parseaddr(str(message.sender or ""))
        date = message.date
        text: str | None = None
        converted = ""
        body = message.body
        if body and body.strip():
            text = body.replace("\r\n", "\n").replace("\r", "\n")
        else:
            html = message.htmlBody
            if html:
                text = html_to_text(html.decode("utf-8", errors="replace") if isinstance(html, bytes) else str(html))
                converted = "html"
        parsed = ParsedMail(
            sender_name=sender_name.strip(),
            sender_email=sender_email.strip(),
            subject=str(message.subject or "").strip(),
            date=date.date().isoformat() if date else "",
            message_id=str(message.messageId or "").strip(),
            text=text,
            converted_from=converted,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
        )
        names: set[str] = set()
        for index, attachment in enumerate(message.attachments, 1):
            data: Any = getattr(attachment, "data", None)
            original = str(getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None) or "")
            if not isinstance(data, bytes):
                raise MailError(f"attachment {original or index!r} is an embedded Outlook item; forward it as a separate e-mail")
            name = safe_name(original, f"attachment-{index}.bin")
            add_attachment(parsed, names, name, original, str(getattr(attachment, "mimetype", "") or "application/octet-stream"), data, max_attachment_bytes)
    finally:
        message.close()
    if parsed.text is None and not parsed.attachments:
        raise MailError("the message has no text and no attachment to take the text from")
    return parsed


def transport_headers(raw: bytes, name: str) -> list[str]:
    """The values of header `name` among the transport headers Outlook keeps with a received
    message (none for a message that never went through a server, or a file that cannot be read)."""
    import extract_msg
    from extract_msg.exceptions import ExMsgBaseException

    try:
        message = extract_msg.openMsg(io.BytesIO(raw), delayAttachments=True)
    except (ExMsgBaseException, OSError, ValueError, KeyError, NotImplementedError):
        return []
    try:
        # The raw stream, not `message.header`: where the stream is missing, extract-msg makes up
        # headers from other properties, among them an empty Authentication-Results.
        text = message.headerText if isinstance(message, extract_msg.Message) else None
    finally:
        message.close()
    if not text:
        return []
    text = text.removeprefix("Microsoft Mail Internet Headers Version 2.0").lstrip()
    return [str(value) for value in HeaderParser(policy=compat32).parsestr(text, headersonly=True).get_all(name, [])]
