"""A received message as the portal holds it: its parts, its attachments and the error that
names a problem in it. Every reader of messages (`mail` for .eml, `outlook` for .msg, `documents`
for what is attached) shares these, so none of them imports another's reader."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from portal.errors import PortalError
from portal.intake.authenticity import Authentication


class MailError(PortalError):
    """A problem with the message; the text names the part or header."""


@dataclass(frozen=True)
class MailAttachment:
    name: str  # safe file name
    original: str  # as the sender's mail client named it
    content_type: str
    data: bytes


@dataclass
class ParsedMail:
    sender_name: str
    sender_email: str
    subject: str
    date: str  # YYYY-MM-DD, or "" when the message has no usable Date
    message_id: str
    text: str | None  # the body as decoded (None when the message has no text part)
    converted_from: str = ""  # "html" when the body came from an HTML-only message
    attachments: list[MailAttachment] = field(default_factory=list)
    raw_sha256: str = ""
    authentication: Authentication = field(default_factory=Authentication)  # the receiving server's verdict on the sender


def safe_name(name: str, fallback: str) -> str:
    """A file name that stays in its folder: no path, no control characters, no leading dot."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]  # a Windows path ('..\\..\\evil.txt') keeps only its last part
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"[<>:\"|?*]", "_", name).strip().lstrip(".").strip()
    if not name or name in {".", ".."}:
        name = fallback
    stem, dot, ext = name.rpartition(".")
    if len(name) > 120:
        name = (stem[: 110 - len(ext)] + "." + ext) if dot else name[:120]
    return name


def add_attachment(parsed: ParsedMail, names: set[str], name: str, original: str, content_type: str, data: bytes, max_attachment_bytes: int) -> None:
    """Keep one attachment of a message, under a name no other attachment of it has (case aside)."""
    base, dot, ext = name.rpartition(".")
    number = 2
    while name.lower() in names:
        name = f"{base}-{number}.{ext}" if dot else f"{name}-{number}"
        number += 1
    names.add(name.lower())
    if len(data) > max_attachment_bytes:
        raise MailError(
            f"attachment {original or name!r} is {len(data):,} bytes, over the limit of {max_attachment_bytes:,} (limits.attachment_bytes); ask the sender for a smaller file or a link"
        )
    parsed.attachments.append(MailAttachment(name, original, content_type, data))
