"""Hostile attachments, built at run time, and how fast and lean the portal refuses them.

Each bomb is an e-mail a registered sender could send; `portal ingest` must refuse it (exit 1)
naming the file and the limit, in seconds. The table shows, per bomb, the refusal's wall time
and the peak memory of the process that read it (each in a process of its own), and the first
words of the refusal.

Usage: python -m bench.bombs [--only NAME]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

CHUNK = 1 << 20
SENDER = "Victim Assistance Unit <va.example@example.org>"  # registered for LBN (examples/senders.yaml)
CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
PARAGRAPH = b"<w:p><w:r><w:t>We need support for survivors.</w:t></w:r></w:p>"
DOCUMENT_START = f'<?xml version="1.0"?><w:document xmlns:w="{W}"><w:body>'.encode()
DOCUMENT_END = b"</w:body></w:document>"


def _stream_member(archive: zipfile.ZipFile, name: str, start: bytes, filler: bytes, size: int, end: bytes) -> None:
    """One member of `size` bytes (start, filler repeated, end), written without holding it."""
    block = filler * max(1, CHUNK // len(filler))
    info = zipfile.ZipInfo(name, (2026, 11, 16, 9, 30, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as member:
        member.write(start)
        left = size - len(start) - len(end)
        while left > 0:
            member.write(block[:left])
            left -= len(block)
        member.write(end)


def docx(paragraphs: int = 1, extra: Callable[[zipfile.ZipFile], None] | None = None, document_bytes: int = 0) -> bytes:
    """A .docx as Word writes its skeleton: `paragraphs` paragraphs, or a document.xml of
    `document_bytes` bytes of them; `extra` adds members (embedded files, pictures)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        if document_bytes:
            _stream_member(archive, "word/document.xml", DOCUMENT_START, PARAGRAPH, document_bytes, DOCUMENT_END)
        else:
            archive.writestr("word/document.xml", DOCUMENT_START + PARAGRAPH * paragraphs + DOCUMENT_END)
        if extra:
            extra(archive)
    return buffer.getvalue()


def docx_bomb(inflated: int) -> bytes:
    """The issue's bomb: a few hundred KB whose word/document.xml inflates to `inflated` bytes."""
    return docx(document_bytes=inflated)


def odt_bomb(inflated: int) -> bytes:
    """An .odt whose content.xml inflates to `inflated` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        start = b'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        _stream_member(
            archive,
            "content.xml",
            start,
            b"<text:p>We need support for survivors.</text:p>",
            inflated,
            b"</office:text></office:body></office:document-content>",
        )
    return buffer.getvalue()


def nested_zip(depth: int, payload: bytes = b"We need support for survivors.\n") -> bytes:
    """A zip inside a zip, `depth` times over."""
    data = payload
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"level-{level}.zip" if level else "need.txt", data)
        data = buffer.getvalue()
    return data


def docx_embedding(data: bytes, name: str = "word/embeddings/Microsoft_Excel_Worksheet.xlsx") -> bytes:
    """A one-paragraph .docx with `data` embedded (as Word embeds a spreadsheet)."""
    return docx(extra=lambda archive: archive.writestr(name, data))


def docx_many_members(count: int) -> bytes:
    """A one-paragraph .docx with `count` empty members besides."""

    def add(archive: zipfile.ZipFile) -> None:
        for number in range(count):
            archive.writestr(f"customXml/item{number}.bin", b"")

    return docx(extra=add)


def lying_docx(inflated: int, declared: int) -> bytes:
    """A .docx whose document.xml says, in the central directory readers trust, that it
    inflates to `declared` bytes."""
    data = bytearray(docx_bomb(inflated))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    central = data.find(b"PK\x01\x02", archive.start_dir)
    while central != -1:
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_length] == b"word/document.xml":
            struct.pack_into("<I", data, central + 24, declared)
        central = data.find(b"PK\x01\x02", central + 46)
    return bytes(data)


def blank_pdf(pages: int) -> bytes:
    """A PDF of `pages` blank pages (each small: the cost is in their number)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(612, 792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def lzfu_bomb(groups: int, declared: int) -> bytes:
    """A compressed RTF stream (MS-OXRTFCP) of `groups` runs of 8 longest references: each 17
    bytes inflate to 136; its header says it inflates to `declared` bytes."""
    from compressed_rtf.compressed_rtf import INIT_DICT_SIZE
    from compressed_rtf.crc32 import crc32

    tokens, write = [], INIT_DICT_SIZE
    for _ in range(4096):  # the write position comes back after 4096 references of 17 bytes
        tokens.append(struct.pack(">H", (((write + 2048) % 4096) << 4) | 15))
        write = (write + 17) % 4096
    period = b"".join(b"\xff" + b"".join(tokens[i * 8 : i * 8 + 8]) for i in range(512))
    content = period * (groups // 512) + period[: 17 * (groups % 512)]
    return struct.pack("<II", len(content) + 12, declared) + b"LZFu" + struct.pack("<I", crc32(content)) + content


def outlook_msg(compressed_rtf: bytes, attachments: int = 0) -> bytes:
    """An Outlook .msg with no plain-text or HTML body: its text only in the compressed RTF."""
    from extract_msg.ole_writer import OleWriter

    writer = OleWriter()
    filetime = int((dt.datetime(2026, 11, 16, 9, 30, tzinfo=dt.UTC) - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10**7)
    properties = b"\0" * 8 + struct.pack("<IIII", 1, attachments, 1, attachments) + b"\0" * 8
    properties += struct.pack("<IIQ", 0x00390040, 6, filetime) + struct.pack("<IIQ", 0x0E060040, 6, filetime)
    writer.addEntry("__properties_version1.0", properties)
    headers = "From: Victim Assistance Unit <va.example@example.org>\r\nSubject: Need\r\nMessage-ID: <bomb@example.org>\r\n"
    for tag, value in {"001A": "IPM.Note", "0037": "Need", "0C1F": "va.example@example.org", "007D": headers, "1035": "<bomb@example.org>"}.items():
        writer.addEntry(f"__substg1.0_{tag}001F", value.encode("utf-16-le"))
    if compressed_rtf:
        writer.addEntry("__substg1.0_10090102", compressed_rtf)
    for index in range(attachments):
        folder = f"__attach_version1.0_#{index:08X}"
        writer.addEntry(folder, storage=True)
        writer.addEntry(f"{folder}/__properties_version1.0", b"\0" * 8 + struct.pack("<IIQ", 0x37050003, 6, 1))
        writer.addEntry(f"{folder}/__substg1.0_3707001F", f"a{index}.txt".encode("utf-16-le"))
        writer.addEntry(f"{folder}/__substg1.0_37010102", b"x")
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def mail(body: str | None = "Please publish the attached text.\n", attachment: tuple[str, bytes] | None = None, html: str | None = None) -> bytes:
    """An e-mail from a registered sender (LBN) with a plain or HTML body and one attachment."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = "Coordinator <coordinator@example.org>"
    message["Subject"] = "Text for the cooperation portal"
    message["Date"] = "Mon, 16 Nov 2026 09:30:00 +0000"
    message["Message-ID"] = "<bomb@example.org>"
    if html is not None:
        message.set_content(html, subtype="html", cte="base64")
    elif body is not None:
        message.set_content(body)
    if attachment:
        name, data = attachment
        kind = {"docx": "vnd.openxmlformats-officedocument.wordprocessingml.document", "odt": "vnd.oasis.opendocument.text", "pdf": "pdf"}
        message.add_attachment(data, maintype="application", subtype=kind.get(name.rpartition(".")[2], "octet-stream"), filename=name)
    return message.as_bytes()


def forwarded_chain(depth: int) -> bytes:
    """A message that forwards a message that forwards ... `depth` deep, each as an attached .eml
    (written out by hand: the email package's own writer recurses too deep to write it)."""
    inner = f"From: {SENDER}\r\nSubject: Need\r\n\r\nWe need support for survivors.\r\n".encode()
    for level in range(depth):
        boundary = f"level{level}"
        inner = (
            (
                f"From: {SENDER}\r\nSubject: Fwd: Need\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary={boundary}\r\n\r\n"
                f"--{boundary}\r\nContent-Type: text/plain\r\n\r\nForwarded.\r\n"
                f"--{boundary}\r\nContent-Type: message/rfc822\r\nContent-Disposition: attachment; filename=fwd.eml\r\n\r\n"
            ).encode()
            + inner
            + f"\r\n--{boundary}--\r\n".encode()
        )
    return b"To: Coordinator <coordinator@example.org>\r\nMessage-ID: <bomb@example.org>\r\n" + inner


META = ["--kind", "need", "--title", "Support for survivors", "--theme", "victim-assistance", "--assistance", "technical"]

# name -> (what it is, a builder of the message's bytes and its file name, extra options)
BOMBS: dict[str, tuple[str, Callable[[], tuple[bytes, str]], list[str]]] = {
    "docx-400mb": ("a 400 MB document.xml in a .docx", lambda: (mail(attachment=("need.docx", docx_bomb(400_000_000))), "m.eml"), ["--body-from", "need.docx"]),
    "docx-lying-sizes": (
        "a .docx saying 1 KB, inflating to 100 MB",
        lambda: (mail(attachment=("need.docx", lying_docx(100_000_000, 1000))), "m.eml"),
        ["--body-from", "need.docx"],
    ),
    "docx-markup-11mb": (
        "11 MB of paragraphs in a .docx",
        lambda: (mail(attachment=("need.docx", docx(document_bytes=11_000_000))), "m.eml"),
        ["--body-from", "need.docx"],
    ),
    "docx-nested-zip": (
        "a zip 10 deep inside a .docx",
        lambda: (mail(attachment=("need.docx", docx_embedding(nested_zip(10)))), "m.eml"),
        ["--body-from", "need.docx"],
    ),
    "docx-5000-members": ("a .docx of 5,000 members", lambda: (mail(attachment=("need.docx", docx_many_members(5000))), "m.eml"), ["--body-from", "need.docx"]),
    "odt-400mb": ("a 400 MB content.xml in an .odt", lambda: (mail(attachment=("need.odt", odt_bomb(400_000_000))), "m.eml"), ["--body-from", "need.odt"]),
    "pdf-5000-pages": ("a PDF of 5,000 blank pages", lambda: (mail(attachment=("need.pdf", blank_pdf(5000))), "m.eml"), ["--body-from", "need.pdf"]),
    "msg-rtf-400mb": ("a .msg whose RTF says 400 MB", lambda: (outlook_msg(lzfu_bomb(60_000, 400_000_000)), "m.msg"), []),
    "msg-rtf-lying": ("a .msg whose RTF says 9 MB, inflates to 16 MB", lambda: (outlook_msg(lzfu_bomb(120_000, 9_000_000)), "m.msg"), []),
    "msg-5000-attachments": ("a .msg of 5,000 attachments", lambda: (outlook_msg(b"", attachments=5000), "m.msg"), []),
    "html-30mb": ("an HTML body of 30 MB", lambda: (mail(html="<p>We need support for survivors.</p>\n" * 780_000), "m.eml"), []),
    "eml-forwarded-200-deep": ("a .eml forwarded 200 deep", lambda: (forwarded_chain(200), "m.eml"), []),
}


def measure(name: str) -> dict[str, object]:
    """Build bomb `name`, run `portal ingest` on it in this process, and report how it ended."""
    from click.testing import CliRunner

    from portal.cli import main
    from portal.config import Repo
    from portal.examples import create_example_repo

    from tests.helpers import DEMO_DATE, PROJECT

    _what, build, extra = BOMBS[name]
    with tempfile.TemporaryDirectory() as folder:
        repo = create_example_repo(Repo(PROJECT), Path(folder) / "portal")
        data, file_name = build()
        path = Path(folder) / file_name
        path.write_bytes(data)
        started = time.perf_counter()
        result = CliRunner().invoke(main, ["ingest", str(path), "--repo", str(repo.root), "--submitter", "LBN", "--today", DEMO_DATE, *META, *extra])
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"bomb": name, "bytes": len(data), "exit": result.exit_code, "seconds": seconds, "peak_mb": peak, "message": result.output.strip().splitlines()[-1:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="measure one bomb in this process and print it as JSON")
    args = parser.parse_args()
    if args.only:
        print(json.dumps(measure(args.only)))
        return
    print(f"{'bomb':24} {'sent':>10} {'exit':>4} {'refused in':>10} {'peak MB':>8}  refusal")
    worst = 0.0
    for name in BOMBS:
        done = subprocess.run([sys.executable, "-m", "bench.bombs", "--only", name], capture_output=True, text=True, check=True)
        row = json.loads(done.stdout.strip().splitlines()[-1])
        worst = max(worst, row["seconds"])
        message = (row["message"] or [""])[0]
        print(f"{name:24} {row['bytes']:>10,} {row['exit']:>4} {row['seconds']:>9.2f}s {row['peak_mb']:>8.0f}  {message[:150]}")
    print(f"worst case: {worst:.2f} s")


if __name__ == "__main__":
    main()
