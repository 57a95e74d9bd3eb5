"""A Markdown extension: the portal's one-line HTML blocks (a text, a listing's table, a card of
fields) are handed to the page as they are, without Markdown's HTML parser reading them character
by character first.

Markdown would pass those lines through unchanged anyway: each is a complete block of raw HTML on
a line of its own, made by the portal with every value from a submission escaped or sanitised
(textformat.text_block, sections.plain_block, templating.html_table, the templates). Reading
them was most of what the generator spent on a text's page. The page's HTML is the same with or without this
extension but for blank lines between blocks; only the time differs.
"""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

# A block the portal makes: an element of one of its classes, opened and closed on one line of the
# page's Markdown (a text, a listing, a card of fields, a byline, the reader's marker).
_START = tuple(f'<{tag} class="portal-' for tag in ("div", "table", "dl", "details", "p"))
_BLOCK = re.compile(r'<(div|table|dl|details|p) class="portal-[a-z -]+"[^>]*>.*</(div|table|dl|details|p)>\Z')


def _whole(line: str) -> bool:
    """The line is one element, opened at its start and closed at its end (as the portal writes
    its blocks): anything else is left to Markdown's own reader."""
    match = _BLOCK.match(line)
    if match is None or match.group(1) != match.group(2):
        return False
    tag = match.group(1)
    return len(re.findall(rf"<{tag}[\s>]", line)) == line.count(f"</{tag}>")


class _RawBlocks(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            if line.startswith(_START) and _whole(line):
                # As Markdown's own HTML block reader does: the block in the stash, a paragraph of
                # its placeholder in the page, which the stash's HTML replaces at the end.
                out.extend(("", self.md.htmlStash.store(line), ""))
            else:
                out.append(line)
        return out


class RawBlocksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # the name Markdown calls
        # After whitespace is normalised (30), before Markdown's HTML block reader (20).
        md.preprocessors.register(_RawBlocks(md), "portal_raw_blocks", 25)


def makeExtension(**kwargs: object) -> RawBlocksExtension:  # the name Markdown looks up
    return RawBlocksExtension(**kwargs)
