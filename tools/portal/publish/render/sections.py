"""A plain text that follows the guidance pattern, shown with its section headings as headings.

Nothing is added, removed or reordered: the heading line itself becomes an <h3> inside the text's
block, so the block's text content is still the text as received, character for character.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.textformat import line_html, one_line, plain_html, soft_breaks

HEADING_CLASS = "portal-text-heading"


def heading_key(line: str) -> str:
    """'  WHAT IS NEEDED: ' -> 'what is needed': how a line is compared with the pattern's headings."""
    return " ".join(line.strip().rstrip(":").split()).casefold()


def sectioned_plain_html(text: str, headings: Iterable[str]) -> str:
    """The escaped text, with each line that is one of `headings` (any case, an optional colon)
    and that starts the text or follows a blank line wrapped in an <h3>. The heading keeps its
    own line break, so white-space: pre-wrap shows the text exactly as before, only scannable.
    Soft line breaks are marked for a narrow screen (textformat.soft_breaks)."""
    wanted = {heading_key(heading) for heading in headings}
    parts: list[str] = []
    previous_blank = True
    lines = text.splitlines(keepends=True)
    soft = soft_breaks(lines)
    for number, line in enumerate(lines):
        content = line.rstrip("\r\n")
        following = lines[number + 1].strip() if number + 1 < len(lines) else ""
        if previous_blank and content.strip() and following and heading_key(content) in wanted:
            parts.append(f'<h3 class="{HEADING_CLASS}">{plain_html(line)}</h3>')
        else:
            parts.append(line_html(line, soft[number]))
        previous_blank = not content.strip()
    return "".join(parts)


def plain_block(text: str, headings: Iterable[str]) -> str:
    """One line of raw HTML, like textformat.text_block for a plain text, with headings shown."""
    inner = sectioned_plain_html(text, headings)
    return '<div class="portal-text portal-plain">' + one_line(inner) + "</div>"
