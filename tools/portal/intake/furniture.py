"""What a mail client or a ministry's server adds below the text: a signature (a sign-off such as
"Best regards," or a `-- ` line, then a short name block), a legal disclaimer, a "Sent from my
iPhone" line. It is only ever a tail: the cut is at the first line from which everything down to
the end is furniture, so a sign-off or a "Contact" paragraph in the middle of the text, or
followed by a sentence, stays where it is.

The phrases of many languages come from mail-parser-reply (read in quoted.py, the one place
that knows the library); these rules add the ones it lacks and decide, line by line, where the
tail starts. They never rewrite a line: the text above the cut is kept exactly as received.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    """Regular-expression fragments, matched case-insensitively (a disclaimer anywhere in its paragraph)."""

    sign_offs: tuple[str, ...]
    sent_from: tuple[str, ...]
    disclaimers: tuple[str, ...]


@dataclass(frozen=True)
class Tail:
    line: int  # 0-based line where the furniture starts
    kinds: tuple[str, ...]  # what it holds, in order: "signature", "disclaimer", "'Sent from' line"


# Sign-offs, "Sent from…" lines and disclaimer words the library does not know.
OWN_PHRASES = Phrases(
    sign_offs=(
        "sincerely",
        "yours sincerely",
        "yours faithfully",
        "respectfully",
        "regards",
        "best wishes",
        "warm regards",
        "with thanks",
        "bien à vous",
        "salutations distinguées",
        "meilleures salutations",
        "sincères salutations",
        "saludos cordiales",
        "saludos",
        "un cordial saludo",
        "atenciosamente",
        "cumprimentos",
        "distinti saluti",
        "с уважением",
    ),
    sent_from=("Envoyé de mon", "Enviado do meu", "Sent from Outlook", "Sent from Mail for", "Get Outlook for"),
    disclaimers=(
        r"confidential",
        r"privileged",
        r"intended (?:solely |only )?for",
        r"intended recipient",
        r"disseminat",
        r"received (?:this|it) in error",
        r"notify the sender",
        r"environment before printing",
        r"this (?:e-?mail|message)(?: and any (?:attachments?|files))? (?:is|are|may|contains?)",
        r"(?:ce|le présent) (?:message|courriel)[^\n]* (?:confidentiel|destiné)",
        r"(?:este|el presente) (?:mensaje|correo)[^\n]* (?:confidencial|dirigido)",
    ),
)

# A disclaimer speaks of the message it is attached to; a paragraph that does not is the text's.
_ABOUT_THE_MESSAGE = re.compile(
    r"e-?mail|message|courriel|correo|mensaje|communication|transmission|attachment|pièces? jointes?|printing|imprim", re.IGNORECASE
)
_SIG_DASHES = re.compile(r"--\s*")
_RULE = re.compile(r"(?:_{10,}|-{10,}|={10,}|\*{10,})")
# A closing "Contact" paragraph, a postscript or a note on the annexes is part of the text even
# right after a sign-off.
_TEXT_AGAIN = re.compile(
    r"(?:contacts?|point of contact|contact person|personne de contact|contacto|persona de contacto|p\.?\s?s\b|n\.\s?b\.|annex|annexe|anexo|note)\b",
    re.IGNORECASE,
)
_BULLET = re.compile(r"(?:[-*•·]|\d+[.)])\s")
_SENTENCE_END = re.compile(r"[.!?;:。！？]$")
NAME_LINES = 8  # a name block: name, function, unit, ministry, address, telephone, e-mail, web
NAME_LINE_CHARS = 80
# Furniture is short: a name block, a disclaimer of a few wrapped paragraphs. Only the last lines
# are searched, so a long text costs no more than a short one.
TAIL_LINES = 120


class Rules:
    """The furniture rules over a set of phrases (the library's and OWN_PHRASES together)."""

    def __init__(self, phrases: Phrases) -> None:
        sign_offs = "|".join(f"(?:{fragment.rstrip(',，')})" for fragment in phrases.sign_offs)
        self.sign_off = re.compile(rf"(?:[\w'’]+\s+){{0,2}}?(?:{sign_offs})[\s,，.!。]*", re.IGNORECASE)
        self.sent_from = re.compile(rf"(?:{'|'.join(phrases.sent_from)}).{{0,40}}", re.IGNORECASE)
        self.disclaimer = re.compile("|".join(f"(?:{fragment})" for fragment in phrases.disclaimers), re.IGNORECASE)

    def tail(self, text: str) -> Tail | None:
        """Where the furniture at the end of `text` starts, if there is any and text stays above it."""
        lines = [line.strip() for line in text.split("\n")]
        first_text = next((index for index, line in enumerate(lines) if line), len(lines))
        for start in range(max(first_text + 1, len(lines) - TAIL_LINES), len(lines)):
            if not lines[start] or not self._may_start(lines, start):
                continue
            kinds = self._kinds(lines, start)
            if kinds:
                return Tail(start, kinds)
        return None

    def _may_start(self, lines: list[str], at: int) -> bool:
        line = lines[at]
        return bool(
            self._is_sign_off(line) or _SIG_DASHES.fullmatch(line) or _RULE.fullmatch(line) or self._is_sent_from(line) or self._starts_disclaimer(lines, at)
        )

    def _is_sign_off(self, line: str) -> bool:
        return len(line) <= 40 and bool(self.sign_off.fullmatch(line))

    def _is_sent_from(self, line: str) -> bool:
        return len(line) <= 60 and bool(self.sent_from.fullmatch(line))

    def _kinds(self, lines: list[str], start: int) -> tuple[str, ...]:
        """What lines[start:] holds if it is all furniture; () if any line is the text's."""
        kinds: list[str] = []
        at = start
        while at < len(lines):
            line = lines[at]
            if not line or _RULE.fullmatch(line):
                at += 1
            elif self._is_sent_from(line):
                kinds.append("'Sent from' line")
                at += 1
            elif self._starts_disclaimer(lines, at):
                at = self._disclaimer_end(lines, at)
                if at < 0:
                    return ()
                kinds.append("disclaimer")
            elif self._is_sign_off(line) or _SIG_DASHES.fullmatch(line):
                at = self._name_block_end(lines, at + 1, relaxed=bool(_SIG_DASHES.fullmatch(line)))
                if at < 0:
                    return ()
                kinds.append("signature")
            else:
                return ()
        return tuple(dict.fromkeys(kinds))

    def _starts_disclaimer(self, lines: list[str], at: int) -> bool:
        """Whether a disclaimer paragraph starts at `at` (it begins after a blank line or a rule)."""
        return (at == 0 or not lines[at - 1] or bool(_RULE.fullmatch(lines[at - 1]))) and bool(self.disclaimer.search(_paragraph(lines, at)))

    def _disclaimer_end(self, lines: list[str], at: int) -> int:
        """The line after a run of disclaimer paragraphs starting at `at`, or -1 if the run never
        speaks of the message (then it is the text's own warning, not a disclaimer)."""
        run: list[str] = []
        while at < len(lines):
            paragraph = _paragraph(lines, at)
            if run and not self.disclaimer.search(paragraph):
                break
            run.append(paragraph)
            at += paragraph.count("\n") + 1
            while at < len(lines) and not lines[at]:
                at += 1
        return at if _ABOUT_THE_MESSAGE.search(" ".join(run)) else -1

    def _name_block_end(self, lines: list[str], at: int, relaxed: bool) -> int:
        """The line after the name block below a sign-off, or -1 if what follows is not one."""
        names = 0
        while at < len(lines):
            line = lines[at]
            if not line:
                at += 1
                continue
            if self._is_sent_from(line) or _RULE.fullmatch(line) or self._starts_disclaimer(lines, at):
                break
            if names == NAME_LINES or not _is_name_line(line, relaxed):
                return -1
            names += 1
            at += 1
        return at


def _paragraph(lines: list[str], at: int) -> str:
    """The lines from `at` to the next blank line."""
    end = next((index for index in range(at, len(lines)) if not lines[index]), len(lines))
    return "\n".join(lines[at:end])


def _is_name_line(line: str, relaxed: bool) -> bool:
    """A line of a name block: short, no list item, no "Contact" heading or postscript, and (below a sign-off,
    where a sentence means the text goes on) no sentence."""
    if len(line) > NAME_LINE_CHARS or len(line.split()) > 10 or _BULLET.match(line) or _TEXT_AGAIN.match(line):
        return False
    if relaxed or not _SENTENCE_END.search(line):
        return True
    last = line.split()[-1]
    return last.count(".") > 1  # an abbreviation or an address ("Lao P.D.R.", "example.org.")
