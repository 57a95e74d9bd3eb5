"""A plain text's soft-wrapped lines (a mail client's or an editor's hard wrap inside a paragraph)
are marked so that a phone joins them on screen; the text itself, its fingerprint and what the
page holds stay as received."""

from __future__ import annotations

import email
import email.policy
import html
import re

import pytest

from portal.examples import examples_root
from portal.publish.render.sections import plain_block
from portal.textformat import SOFT_BREAK_CLASS, soft_breaks, text_block

from tests.helpers import MAIL

PARAGRAPH = "Since 2024 our Victim Assistance Unit records every survivor in one national database,\nshared with health and social services.\n"


def joined(text: str) -> list[tuple[str, str]]:
    """(end of the line, start of the next) for each soft line break of `text`."""
    lines = text.splitlines(keepends=True)
    return [(line.rstrip()[-12:], lines[n + 1][:12]) for n, (line, soft) in enumerate(zip(lines, soft_breaks(lines), strict=True)) if soft]


def shown_text(block: str) -> str:
    """What a block of HTML holds as text: its tags dropped, its references read."""
    return html.unescape(re.sub(r"<[^>]+>", "", block))


@pytest.mark.parametrize(
    ("text", "soft"),
    [
        (PARAGRAPH, [True, False]),
        (PARAGRAPH.replace("\n", "\r\n"), [True, False]),  # CRLF as LF
        ("x" * 59 + "\nnext\n", [False, False]),  # too short: a line the sender ended
        ("x" * 60 + "\nnext\n", [True, False]),
        ("x" * 90 + "\nnext\n", [True, False]),
        ("x" * 91 + "\nnext\n", [False, False]),  # longer than any wrap: the sender's line
        ("x" * 58 + "   \nnext\n", [False, False]),  # trailing spaces do not count
        ("x" * 70 + "\n\nnext\n", [False, False, False]),  # a blank line ends a paragraph
        ("x" * 70 + "\n- item\n", [False, False]),
        ("x" * 70 + "\n2. item\n", [False, False]),
        ("x" * 70 + "\n(b) item\n", [False, False]),
        ("x" * 70 + "\n  indented\n", [False, False]),
        ("x" * 70 + "\n\tindented\n", [False, False]),
        ("x" * 70 + "\n> quoted\n", [False, False]),
        ("x" * 70 + "\n# Heading\n", [False, False]),
        ("x" * 70 + "\nBudget: 12,000 USD\n", [False, False]),  # a label starts a line of its own
        ("x" * 70 + "\n-- \nsignature\n", [False, False, False]),
        ("Detectors\t12\t24000" + "x" * 50 + "\nnext\n", [False, False]),  # a table row
        ("x" * 70 + "\x0cnext\n", [False, False]),  # a form feed is not a wrap
        ("x" * 70, [False]),  # the last line
    ],
)
def test_the_rule(text: str, soft: list[bool]) -> None:
    assert soft_breaks(text.splitlines(keepends=True)) == soft


def test_the_example_texts_join_their_paragraphs_and_keep_lists_and_headings() -> None:
    texts = {path.stem: path.read_text(encoding="utf-8").split("---\n", 2)[2] for path in examples_root().glob("*/*.md")}
    assert len(texts) > 10
    project = joined(texts["lao-2026-project-survivor-information-system"])
    assert project == [("al database,", "shared with "), ("l hospitals,", "and internat"), ("ns to design", "the question")]
    need = texts["lao-2026-need-survey-clearance-xiengkhouang"]
    lines = need.splitlines(keepends=True)
    for line, soft in zip(lines, soft_breaks(lines), strict=True):
        if re.match(r"\d+\. |- ", line) or line.strip() in ("Summary", "What is needed", ""):
            continue
        if soft:
            assert 60 <= len(line.rstrip()) <= 90
    # A numbered list keeps its items on their own lines, however long each is.
    numbered = [n for n, line in enumerate(lines) if re.match(r"\d+\. ", line)]
    assert numbered and all(not soft_breaks(lines)[n - 1] for n in numbered)
    # Every example text with a paragraph longer than one line joins it.
    assert sum(1 for text in texts.values() if joined(text)) >= len(texts) - 2


def mail_bodies() -> dict[str, str]:
    bodies = {}
    for path in sorted(MAIL.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        part = message.get_body(preferencelist=("plain",))
        if part is not None and part.get_content_type() == "text/plain":
            try:
                bodies[path.name] = str(part.get_content())  # type: ignore[attr-defined]
            except LookupError:
                continue  # an unknown charset: refused by the intake
    return bodies


def test_the_fixture_mails_keep_their_header_blocks_lists_and_signatures() -> None:
    bodies = mail_bodies()
    assert len(bodies) > 20
    for name, body in bodies.items():
        lines = body.splitlines(keepends=True)
        for n, soft in enumerate(soft_breaks(lines)):
            following = lines[n + 1] if n + 1 < len(lines) else ""
            if re.match(r"[A-Z][\w /-]*: |\d+\. |-- ", following):
                assert not soft, f"{name}:{n + 1}: a header line, list item or signature was joined to the line before"
    # The reply to a reminder: every line of its header block and of the quoted reminder stays.
    assert joined(bodies["30-outlook-reply-to-reminder.eml"]) == []
    # The short lines of the ordinary e-mails are the sender's own.
    assert joined(bodies["01-plain-utf8.eml"]) == [] and joined(bodies["13-signature.eml"]) == []


@pytest.mark.parametrize("render", [lambda text: text_block(text, "plain"), lambda text: plain_block(text, ["Summary"])], ids=["text_block", "plain_block"])
def test_the_page_holds_the_text_as_received(render: object) -> None:
    text = "Summary\n" + PARAGRAPH + "\n" + "y" * 65 + "\r\nlast line\n"
    block = render(text)  # type: ignore[operator]
    assert block.count(f'<span class="{SOFT_BREAK_CLASS}">') == 2
    assert "\n" not in block  # one line of the page's Markdown
    assert shown_text(block) == text.replace("\r", "")
