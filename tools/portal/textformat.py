"""A submission's text as safe HTML: plain text kept to the character, Markdown rendered, all sanitised."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import cache

import markdown
import nh3

from portal.errors import PortalError

_TAGS = {
    "p",
    "br",
    "hr",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "a",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "code",
    "pre",
    "blockquote",
    "del",
    "ins",
    "sup",
    "sub",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "div",
    "span",
    "abbr",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
_EXTENSIONS = ["tables", "sane_lists", "def_list", "toc"]


ID_PREFIX = "text-"


class UnrenderableText(PortalError):
    """A text the renderer cannot follow; `portal validate` names the limit it goes past."""

    why = "Markdown cannot follow its structure within the limits of a text; publish it as plain text (`format: plain`) or withdraw it; nothing was built"


def sanitise(fragment: str) -> str:
    """Only plain structure survives: no script, style, iframe, object, form, event handler,
    image, `name`, or URL other than http(s) and mailto. Every id is put behind ID_PREFIX, so no
    text can take the id of anything the theme or the portal looks up (`__config`, `portal-…`)."""
    return nh3.clean(
        fragment,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        id_prefix=ID_PREFIX,
    )


def plain_html(text: str) -> str:
    """Every character and line break as sent; nothing is interpreted. A character that shows
    nothing (a control or format character) stays in the page, in a span that shows a symbol for
    it beside (portal.css), so what is read and copied is still the text as sent. (Line breaks
    are LF: a text is read with its CRs as line breaks, as its fingerprint counts them.)"""
    return _invisible().sub(_marked, html.escape(text, quote=True))


# Shown by their effect on the letters around them (Persian, emoji sequences), not as a symbol.
_JOINERS = {"\u200c", "\u200d"}


@cache
def _invisible() -> re.Pattern[str]:
    characters = [chr(code) for code in range(0x10000) if unicodedata.category(chr(code)) in ("Cc", "Cf", "Zl", "Zp")]
    wanted = "".join(re.escape(char) for char in characters if char not in ("\t", "\n", "\r", *_JOINERS))
    return re.compile(f"[{wanted}]")


def _marked(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    symbol = chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else f"U+{code:04X}"
    return f'<span class="portal-char" data-symbol="{symbol}">{_reference(char)}</span>'


def _reference(char: str) -> str:
    """A character as the page can carry it: C0 controls as references, since the page's Markdown
    deletes STX and ETX (its own markers); C1 controls as they are, since a reference to one
    reads as a Windows-1252 letter."""
    return f"&#{ord(char)};" if ord(char) < 0x20 else char


def one_line(inner: str) -> str:
    """A text's HTML on one line that the page's Markdown passes on untouched: line breaks and
    TABs as character references (Markdown expands TABs to spaces from the start of the line)."""
    return inner.replace("\r", "").replace("\n", "&#10;").replace("\t", "&#9;")


def markdown_html(text: str) -> str:
    # Headings inside a text start at level 2: the page's own title is the only h1.
    renderer = markdown.Markdown(extensions=_EXTENSIONS, extension_configs={"toc": {"baselevel": 2, "slugify": _slug}}, output_format="html")
    return sanitise(renderer.convert(text))


def page_slug(value: str, separator: str) -> str:
    """Heading ids of the generated pages (mkdocs.yml, toc): behind "p-", so a title such as
    "__config" cannot take the id of anything the theme or the portal looks up."""
    from markdown.extensions.toc import slugify

    return "p-" + slugify(value, separator)


def _slug(value: str, separator: str) -> str:
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^\w]+", separator, value.lower()).strip(separator) or "section"  # sanitise adds ID_PREFIX


def text_block(text: str, text_format: str) -> str:
    """One line of raw HTML that Markdown leaves alone, whatever the text holds."""
    if text_format == "markdown":
        inner, css = markdown_html(text), "portal-text portal-markdown"
    else:
        inner, css = plain_html(text), "portal-text portal-plain"
    # On one line, the page's Markdown never sees a blank line (or anything else) inside the text.
    return f'<div class="{css}">' + one_line(inner) + "</div>"
