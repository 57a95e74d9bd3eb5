"""Outlook's saved messages (.msg) -> the same ParsedMail as a saved .eml, under the same rules.

A .msg is an OLE compound file of MAPI properties, not MIME; extract-msg reads it (sender,
subject, date, Message-ID, plain-text or HTML body, attachments) and the transport headers the
receiving server wrote (`transport_headers`).
"""

from __future__ import annotations

import hashlib
import io
import struct
from email.parser import HeaderParser
from email.policy import compat32
from email.utils import parseaddr
from typing import Any

from portal.config import ReadLimits
from portal.intake.documents import html_body_text
from portal.intake.limits import check_markup, check_parts, read_within
from portal.intake.message import MailError, ParsedMail, add_attachment, safe_name

OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
ATTACHMENT_STORAGE = "__attach_version1.0_#"
RTF_STREAM = "__substg1.0_10090102"  # PR_RTF_COMPRESSED
PLAIN_BODY_STREAMS = ("__substg1.0_1000001F", "__substg1.0_1000001E")  # PR_BODY, Unicode or not
DICTIONARY_START = 207  # LZFu's dictionary starts with 207 bytes of RTF preamble
ASK_EML = "ask the sender to forward the message again, or save it from Outlook as .eml"


def is_outlook_msg(raw: bytes) -> bool:
    return raw.startswith(OLE_MAGIC)


def parse_outlook_msg(raw: bytes, max_attachment_bytes: int, limits: ReadLimits) -> ParsedMail:
    """A saved Outlook message read into the same ParsedMail as an .eml, within `limits`: its
    attachments counted and its compressed RTF measured before extract-msg opens it (opening
    inflates and parses the RTF when there is no plain-text body), all of it within the time budget."""
    _check_attachment_names(raw, limits)

    def read() -> ParsedMail:
        _check_compound_file(raw, limits)
        return _parse(raw, max_attachment_bytes, limits)

    return read_within("the Outlook message", limits, read, ASK_EML)


def _check_attachment_names(raw: bytes, limits: ReadLimits) -> None:
    """olefile's time grows with the square of the streams: count the attachments' storages by
    their names (UTF-16 in the directory) before it reads the directory."""
    count = raw.count(ATTACHMENT_STORAGE.encode("utf-16-le"))
    check_parts("the Outlook message", count, limits, "attachments (counting those of messages inside it)", ASK_EML)


def _check_compound_file(raw: bytes, limits: ReadLimits) -> None:
    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(raw)) as ole:
            storages = ole.listdir(streams=False, storages=True)
            rtf = ole.openstream(RTF_STREAM).read() if ole.exists(RTF_STREAM) else b""
            plain_body = any(ole.exists(name) for name in PLAIN_BODY_STREAMS)
    except (OSError, ValueError, RecursionError, struct.error):
        return  # extract-msg says what is wrong with the file
    attachments = sum(1 for path in storages if path[-1].startswith(ATTACHMENT_STORAGE))
    check_parts("the Outlook message", attachments, limits, "attachments (counting those of messages inside it)", ASK_EML)
    _check_rtf(rtf, plain_body, limits)


def _check_rtf(compressed: bytes, plain_body: bool, limits: ReadLimits) -> None:
    """The compressed RTF (where Outlook keeps the formatted text) inflates in pure Python (about
    1 MB/s) and is parsed slower still (about 10 s per 100 KB): refuse one that says it inflates
    to more markup than the limit, or is larger than what it says allows (LZFu grows data by at
    most 9/8). When the text must come from it, what it really inflates to is counted first."""
    if len(compressed) < 16:
        return
    what = "the Outlook message's rich text (compressed RTF)"
    declared = struct.unpack("<I", compressed[4:8])[0]
    check_markup(what, declared, limits, ASK_EML)
    if len(compressed) > declared * 9 // 8 + 64:
        raise MailError(f"{what} is {len(compressed):,} bytes but says it inflates to {declared:,}; the file is damaged or forged; {ASK_EML}")
    if not plain_body and compressed[8:12] == b"LZFu" and lzfu_inflates_past(compressed[16:], declared):
        raise MailError(f"{what} inflates to more than the {declared:,} bytes it says; the file is damaged or forged; {ASK_EML}")


def lzfu_inflates_past(content: bytes, limit: int) -> bool:
    """True when LZFu data (MS-OXRTFCP 2.2.3.1) inflates to more than `limit` bytes: its tokens
    are walked and their lengths added up, no byte is copied (about 20 times faster)."""
    size, at, write = 0, 0, DICTIONARY_START
    while at < len(content):
        control, at = content[at], at + 1
        for bit in range(8):
            if not control >> bit & 1:
                size, at, write = size + 1, at + 1, (write + 1) % 4096
            elif at + 2 > len(content) or (content[at] << 4 | content[at + 1] >> 4) == write:
                return size > limit  # the end of the data (a reference to the write position)
            else:
                length = (content[at + 1] & 0x0F) + 2
                size, at, write = size + length, at + 2, (write + length) % 4096
            if size > limit:
                return True
            if at >= len(content):
                break
    return size > limit


def _body(message: Any, limits: ReadLimits) -> tuple[str | None, str]:
    """The plain-text body, else the HTML body as text ("html"); either may come from the RTF."""
    try:
        body = message.body
        html = None if body and body.strip() else message.htmlBody
    except Exception as exc:  # the RTF readers (compressed_rtf, RTFDE) raise their own kinds
        raise MailError(f"the Outlook message's text cannot be read from its rich text ({type(exc).__name__}); {ASK_EML}") from None
    if body and body.strip():
        return body.replace("\r\n", "\n").replace("\r", "\n"), ""
    if html:
        markup = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else str(html)
        return html_body_text("the Outlook message's HTML body", markup, limits), "html"
    return None, ""


def _parse(raw: bytes, max_attachment_bytes: int, limits: ReadLimits) -> ParsedMail:
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
        text, converted = _body(message, limits)
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
