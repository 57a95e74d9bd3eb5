"""Saved e-mails (.eml) -> the text to publish, its attachments and its fingerprints.

The text is the plain-text body exactly as decoded. Nothing is guessed silently: a charset that
is unknown or does not fit the bytes, broken MIME, or a message with nothing readable is an error
that says what to ask the sender for.
"""

from __future__ import annotations

import codecs
import email
import email.policy
import hashlib
import re
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr, parsedate_to_datetime
from typing import TYPE_CHECKING

from portal.intake.authenticity import HEADER, Authentication, judge
from portal.intake.documents import html_body_text
from portal.intake.message import MailError, ParsedMail, add_attachment, safe_name
from portal.intake.outlook import is_outlook_msg, parse_outlook_msg, transport_headers

if TYPE_CHECKING:
    from portal.config import ReadLimits

MAX_PARTS = 200
MAX_DEPTH = 20
MAX_HEADER = 16_384
_SERIOUS_DEFECTS = (
    "StartBoundaryNotFoundDefect",
    "CloseBoundaryNotFoundDefect",
    "MissingHeaderBodySeparatorDefect",
    "InvalidBase64PaddingDefect",
    "InvalidBase64CharactersDefect",
    "InvalidBase64LengthDefect",
    "MultipartInvariantViolationDefect",
)


def parse_message(raw: bytes, max_attachment_bytes: int, limits: ReadLimits) -> ParsedMail:
    """A saved e-mail read into its text and attachments; an HTML body is read within `limits`."""
    if not raw.strip():
        raise MailError("the message is empty")
    if b"\x00" in raw[:4096]:
        raise MailError("this is not an e-mail: it holds binary data (save the message as .eml from the mail client)")
    _check_headers(_parsed(raw, email.policy.compat32))
    message = _parsed(raw, email.policy.default)
    _check_is_mail(message)
    _check_structure(message)
    sender_name, sender_email = parseaddr(_header(message, "From"))
    parsed = ParsedMail(
        sender_name=sender_name.strip(),
        sender_email=sender_email.strip(),
        subject=_header(message, "Subject").strip(),
        date=_date(message),
        message_id=_header(message, "Message-ID").strip(),
        text=None,
        raw_sha256=hashlib.sha256(raw).hexdigest(),
    )
    plain, html = _find_bodies(message)
    if plain is not None:
        parsed.text = _decode(plain, "the text part")
    elif html is not None:
        parsed.text = html_body_text("the HTML part", _decode(html, "the HTML part"), limits)
        parsed.converted_from = "html"
    names: set[str] = set()
    for index, part in enumerate(_attachments(message, plain, html), 1):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            data = inner[0].as_bytes() if isinstance(inner, list) and inner and isinstance(inner[0], Message) else b""
        elif part.is_multipart():
            data = part.as_bytes()
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
        original = part.get_filename() or ""
        if part.get_content_type() == "message/rfc822" and not original:
            original = "forwarded-message.eml"
        name = safe_name(original, f"attachment-{index}{_extension(part.get_content_type())}")
        add_attachment(parsed, names, name, original, part.get_content_type(), data, max_attachment_bytes)
    if parsed.text is None and not parsed.attachments:
        raise MailError("the message has no text and no attachment to take the text from")
    if parsed.text is None and all(a.name.lower() == "winmail.dat" or a.content_type == "application/ms-tnef" for a in parsed.attachments):
        raise MailError(
            "the message holds only winmail.dat (Outlook rich text, TNEF), which cannot be read; ask the sender to send plain text, or the text as a .docx"
        )
    return parsed


def _parsed(raw: bytes, policy: email.policy.Policy) -> Message:
    """The parsed message; the parser recurses once per level of attached messages, so a
    message nested hundreds deep ends its stack: that is said, as for any other too deep."""
    try:
        return email.message_from_bytes(raw, policy=policy)
    except RecursionError:
        raise MailError(f"the message nests parts more than {MAX_DEPTH} deep; it is not a normal e-mail") from None


def _check_headers(message: Message) -> None:
    """Headers are parsed lazily and some take time that grows fast with their length: refuse
    absurd ones before anything reads them (read raw, as the compat32 policy keeps them)."""
    for part in message.walk() if message.is_multipart() else [message]:
        for name, value in part.items():
            if len(str(value)) > MAX_HEADER:
                raise MailError(f"the header {name!r} is {len(str(value)):,} characters long (at most {MAX_HEADER:,}); this is not a normal e-mail")


def _header(message: Message, name: str) -> str:
    """A header's decoded value on one line. Some mail programs fold a long sender name into an
    encoded word that decodes to a line break, which the standard parser refuses in an address:
    such a value is decoded from the raw header instead, line breaks read as spaces."""
    try:
        value = str(message.get(name, ""))
    except ValueError:
        raw = next((str(v) for k, v in message.raw_items() if k.lower() == name.lower()), "")
        try:
            value = str(make_header(decode_header(raw)))
        except (ValueError, LookupError):
            value = raw
    return re.sub(r"[\r\n]+\s*", " ", value)


def _check_is_mail(message: Message) -> None:
    known = ("From", "Date", "Message-ID", "Subject", "To", "MIME-Version", "Content-Type")
    if not any(_header(message, name) for name in known):
        raise MailError("this is not an e-mail: it has none of the headers From, Date, Message-ID, Subject, To (save the message as .eml from the mail client)")
    if any(type(defect).__name__ == "MissingHeaderBodySeparatorDefect" for defect in message.defects):
        raise MailError("the headers of the message are broken (a header line without a name); the file may be cut or edited")


def _check_structure(message: Message) -> None:
    count = 0

    def walk(part: Message, depth: int) -> None:
        nonlocal count
        count += 1
        if count > MAX_PARTS:
            raise MailError(f"the message has more than {MAX_PARTS} MIME parts; it is not a normal e-mail")
        if depth > MAX_DEPTH:
            raise MailError(f"the message nests parts more than {MAX_DEPTH} deep; it is not a normal e-mail")
        for defect in part.defects:
            if type(defect).__name__ in _SERIOUS_DEFECTS:
                raise MailError(
                    f"the message's MIME structure is broken ({_defect_words(defect)}) in a {part.get_content_type()} part; the file may be truncated"
                )
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                for child in payload:
                    if isinstance(child, Message):
                        walk(child, depth + 1)

    walk(message, 0)


def _defect_words(defect: object) -> str:
    words = re.sub(r"(?<!^)([A-Z])", r" \1", type(defect).__name__.removesuffix("Defect")).lower()
    return words


def _date(message: Message) -> str:
    value = _header(message, "Date")
    if not value:
        return ""
    try:
        return parsedate_to_datetime(str(value)).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def _is_attachment(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return (
        disposition == "attachment"
        or (part.get_filename() is not None and part.get_content_maintype() != "text")
        or (part.get_filename() is not None and disposition == "attachment")
    )


def _find_bodies(message: Message) -> tuple[Message | None, Message | None]:
    plain: Message | None = None
    html: Message | None = None
    for part in _leaves(message):
        if _is_attachment(part) or part.get_filename():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and plain is None:
            plain = part
        elif kind == "text/html" and html is None:
            html = part
    return plain, html


def _leaves(message: Message) -> list[Message]:
    """Leaf parts in order, not descending into attached messages."""
    found: list[Message] = []

    def walk(part: Message) -> None:
        if part.get_content_type() == "message/rfc822":
            found.append(part)
            return
        if part.is_multipart():
            payload = part.get_payload()
            if isinstance(payload, list):
                for child in payload:
                    if isinstance(child, Message):
                        walk(child)
            return
        found.append(part)

    walk(message)
    return found


def _attachments(message: Message, plain: Message | None, html: Message | None) -> list[Message]:
    return [
        part
        for part in _leaves(message)
        if part is not plain and part is not html and (part.get_content_maintype() != "text" or _is_attachment(part) or part.get_filename())
    ]


def _decode(part: Message, what: str) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset() or "us-ascii"
    try:
        codecs.lookup(charset)
    except LookupError:
        raise MailError(f"{what} is in an unknown character set {charset!r}; ask the sender to send it again as UTF-8") from None
    try:
        text = data.decode(charset)
    except UnicodeDecodeError as exc:
        raise MailError(
            f"{what} says it is {charset} but byte 0x{data[exc.start]:02x} at position {exc.start} is not valid {charset}; "
            "the text would be changed by reading it, so ask the sender to send it again as UTF-8"
        ) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _extension(content_type: str) -> str:
    import mimetypes

    return mimetypes.guess_extension(content_type) or ".bin"


def read_mail(raw: bytes, settings_limit: int, limits: ReadLimits) -> ParsedMail:
    """A saved e-mail: .eml (MIME) or Outlook's .msg, read within `limits`."""
    if is_outlook_msg(raw):
        return parse_outlook_msg(raw, settings_limit, limits)
    return parse_message(raw, settings_limit, limits)


def read_authentication(raw: bytes, sender_email: str, trusted: str = "") -> Authentication:
    """The verdict on a saved e-mail (.eml, or Outlook's .msg with its transport headers)."""
    return judge(header_values(raw), sender_email, trusted)


def header_values(raw: bytes) -> list[str]:
    """The message's Authentication-Results values, topmost (the last server's) first."""
    if is_outlook_msg(raw):
        return transport_headers(raw, HEADER)
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
    return [str(value) for value in headers.get_all(HEADER, [])]
