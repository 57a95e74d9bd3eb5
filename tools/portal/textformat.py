"""A submission's text as safe HTML: plain text kept to the character, Markdown rendered, all sanitised."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Sequence
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


# A mail client wraps a paragraph's lines at 72 to 78 characters, an editor at up to 90; a line of
# that length followed by more of the paragraph was broken by the software, not by the sender.
SOFT_BREAK_CLASS = "portal-soft"
_SOFT_LENGTH = range(60, 91)
# What a line that starts a new block begins with: an indent, a list mark, a heading or quote mark,
# a table rule, a signature's "-- ", or a label ("Sent: ", "Budget: ").
_STARTS_BLOCK = re.compile(r"\s|[-*+\u2022\u00b7\u2013\u2014>#|=_]|\(?[0-9]{1,3}[.)]\s|\(?[a-zA-Z][.)]\s|\([ivxIVX]{1,4}\)\s|[A-Z][\w /-]{0,30}:(\s|$)")


def soft_breaks(lines: Sequence[str]) -> list[bool]:
    """For each line of a plain text (with its line ending), whether its line break is a soft wrap
    that a narrow screen may join with the next line: the line is 60 to 90 characters long (after
    trailing spaces) and holds no TAB, ends in LF or CRLF, and the next line is not blank and does
    not start a block (`_STARTS_BLOCK`). Only the page's rendering uses this; the text is unchanged."""
    result: list[bool] = []
    for number, line in enumerate(lines):
        body = line.rstrip("\r\n")
        following = lines[number + 1] if number + 1 < len(lines) else ""
        result.append(
            line.endswith("\n")
            and len(body.rstrip(" ")) in _SOFT_LENGTH
            and "\t" not in body
            and bool(following.strip())
            and not _STARTS_BLOCK.match(following)
        )
    return result


def line_html(line: str, soft: bool) -> str:
    """One line of a plain text as plain_html shows it; a soft line break (soft_breaks) inside a
    span that a narrow screen shows as a space (portal.css), still a line break in the text."""
    if not soft:
        return plain_html(line)
    body = line.rstrip("\r\n")
    return plain_html(body) + f'<span class="{SOFT_BREAK_CLASS}">{line[len(body) :]}</span>'


def wrapped_plain_html(text: str) -> str:
    """plain_html, with soft line breaks marked (line_html)."""
    lines = text.splitlines(keepends=True)
    return "".join(line_html(line, soft) for line, soft in zip(lines, soft_breaks(lines), strict=True))


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
        inner, css = wrapped_plain_html(text), "portal-text portal-plain"
    # On one line, the page's Markdown never sees a blank line (or anything else) inside the text.
    return f'<div class="{css}">' + one_line(inner) + "</div>"
