"""Documents -> plain text: an HTML body, or an attached .docx, .odt, .txt or PDF whose text is
the submission. Every word is kept; what cannot be read faithfully is refused with what to ask
the sender for instead.
"""

from __future__ import annotations

import io
import re

from portal.config import ReadLimits
from portal.intake.limits import check_archive, check_markup, check_parts, read_within
from portal.intake.message import MailAttachment, MailError

CONVERTIBLE = {".docx": "docx", ".odt": "odt", ".txt": "txt", ".pdf": "pdf"}
# Formats that cannot give the text, and what to ask for instead.
REFUSED = {
    ".doc": "a legacy Word .doc cannot be read faithfully; ask the sender for the text in the e-mail, or as .docx, .odt or PDF",
    ".rtf": "an .rtf file cannot be read faithfully; ask the sender for the text in the e-mail, or as .docx, .odt or PDF",
}


ASK_OTHER_FORM = {
    "docx": "ask the sender for the text in the e-mail, or the document as PDF",
    "odt": "ask the sender for the text in the e-mail, or the document as PDF",
    "pdf": "ask the sender for the text in the e-mail, or the document as .docx",
}
ASK_PLAIN = "ask the sender to send the text as plain text, or as a .docx, .odt or PDF attachment"


def html_body_text(what: str, markup: str, limits: ReadLimits) -> str:
    """An HTML body as plain text (html_to_text), refused when larger than the markup limit or
    slower than the time budget."""
    check_markup(what, len(markup.encode("utf-8")), limits, ASK_PLAIN)
    return read_within(what, limits, lambda: html_to_text(markup), ASK_PLAIN)


def html_to_text(markup: str) -> str:
    """HTML -> plain text that keeps every word, the links (as 'text (url)') and list structure."""
    import html2text

    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_images = False
    converter.ignore_emphasis = True
    converter.inline_links = True
    converter.protect_links = True
    converter.unicode_snob = True
    converter.images_to_alt = True
    text = converter.handle(markup)
    text = re.sub(r"\[([^\]]*)\]\(<([^>]*)>\)", _link, text)
    text = re.sub(r"<((?:https?|mailto):[^>\s]+)>", lambda m: _unescape_url(m.group(1)), text)
    text = re.sub(r"(?m)^\\([-+#.>*_])", r"\1", text)  # html2text's Markdown escapes mean nothing in plain text
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"


def _unescape_url(url: str) -> str:
    return re.sub(r"\\([()\\_*\[\]])", r"\1", url).replace(" ", "%20")


def _link(match: re.Match[str]) -> str:
    """A link as 'text (address)', or the address alone when the text is the address: the
    address stays whole (parentheses, underscores, spaces) so it can be copied and followed."""
    label, url = match.group(1), _unescape_url(match.group(2))
    if label in (url, url.removeprefix("mailto:")):
        return label
    return f"{label} ({url})"


def document_text(attachment: MailAttachment, limits: ReadLimits) -> tuple[str, str]:
    """The text of an attached .docx, .odt, .txt or PDF, and which it was; a document that would
    inflate, or take, past the limits is refused before (or while) it is read."""
    extension = "." + attachment.name.rpartition(".")[2].lower() if "." in attachment.name else ""
    kind = CONVERTIBLE.get(extension)
    if extension in REFUSED:
        raise MailError(f"--body-from {attachment.name!r}: {REFUSED[extension]}")
    if kind is None:
        raise MailError(f"--body-from {attachment.name!r}: only .docx, .odt, .txt and PDF (with a text layer) attachments can give the text")
    try:
        if kind == "txt":
            try:
                return attachment.data.decode("utf-8-sig").replace("\r\n", "\n"), kind
            except UnicodeDecodeError:
                raise MailError(f"{attachment.name!r} is not UTF-8 text; ask the sender to save it as UTF-8") from None
        return read_within(repr(attachment.name), limits, lambda: _converted(attachment, kind, limits), ASK_OTHER_FORM[kind]), kind
    except MailError:
        raise
    except Exception as exc:
        raise MailError(f"{attachment.name!r} cannot be read as a {kind} document ({type(exc).__name__}); ask the sender for the text in the e-mail") from None


def _converted(attachment: MailAttachment, kind: str, limits: ReadLimits) -> str:
    if kind == "pdf":
        return _pdf_text(attachment.name, attachment.data, limits)
    check_archive(attachment.name, attachment.data, limits)
    if kind == "docx":
        import mammoth

        # Pictures are left out of the HTML (their alt text stays): inlined as data: URLs they
        # would only be converted to text to be dropped.
        without_pictures = mammoth.images.img_element(lambda _image: {"src": ""})
        result = mammoth.convert_to_html(io.BytesIO(attachment.data), convert_image=without_pictures)
        return html_to_text(result.value)
    return _odt_text(attachment.data)


def _odt_text(data: bytes) -> str:
    from odf import teletype, text
    from odf.opendocument import load

    document = load(io.BytesIO(data))
    lines: list[str] = []
    for element in document.text.childNodes:
        tag = getattr(element, "qname", ("", ""))[1]
        if tag in ("h", "p"):
            lines.append(teletype.extractText(element))
        elif tag == "list":
            for item in element.getElementsByType(text.ListItem):
                lines.append("- " + teletype.extractText(item))
    return "\n".join(lines).strip("\n") + "\n"


def _pdf_text(name: str, data: bytes, limits: ReadLimits) -> str:
    """The text layer of a PDF, page by page. A scanned PDF has none: that is said, not guessed."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise MailError(f"{name!r} is a protected PDF; ask the sender for the text in the e-mail, or the PDF without a password")
        check_parts(repr(name), len(reader.pages), limits, "pages", ASK_OTHER_FORM["pdf"])
        pages = [(page.extract_text() or "").replace("\r\n", "\n").replace("\r", "\n") for page in reader.pages]
    except PdfReadError as exc:
        raise MailError(f"{name!r} cannot be read as a PDF ({exc}); ask the sender for the text in the e-mail") from None
    text = "\n\n".join(page.strip("\n") for page in pages if page.strip())
    if not text.strip():
        raise MailError(
            f"{name!r} has no text layer (a scanned PDF: its pages are pictures); the portal publishes texts as sent, "
            "not as guessed by character recognition; ask the sender for the text in the e-mail, or as .docx, .odt or a PDF saved from the document"
        )
    return text.rstrip("\n") + "\n"
