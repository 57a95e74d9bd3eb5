"""The seam with mail-parser-reply: the one module that reads its internals.

The library's public API parses a whole e-mail and hands back normalised text, but the portal
must cut the text exactly as received. So it takes two things from inside the library:

- `EmailMessage(text, languages).HEADER_REGEX`: the compiled pattern of the reply headers of
  the common mail clients ("On … wrote:", "Le … a écrit :", Outlook's "From: … Sent: …");
- `constants.MAIL_LANGUAGES[language]`, whose keys "signatures", "sent_from" and "disclaimers"
  hold the sign-offs, "Sent from…" lines and disclaimer words (a '|'-joined string or a list).

tests/test_seams.py (test_seam_mail_parser_reply_*) fails by name when an upgrade moves or
renames either; `pyproject.toml` keeps the library below its next major version.
"""

from __future__ import annotations

import functools
import re

PHRASE_KEYS = ("signatures", "sent_from", "disclaimers")


@functools.cache
def reply_header(languages: tuple[str, ...]) -> re.Pattern[str]:
    """The library's pattern of the reply headers in `languages`."""
    from mailparser_reply.parser import EmailMessage

    pattern: re.Pattern[str] = EmailMessage(text="", languages=list(languages)).HEADER_REGEX
    return pattern


def phrases(languages: tuple[str, ...], key: str) -> tuple[str, ...]:
    """The library's fragments of one kind (`key`: one of PHRASE_KEYS) in `languages`, as regular
    expression fragments, in the library's order."""
    from mailparser_reply.constants import MAIL_LANGUAGES

    found: list[str] = []
    for language in languages:
        value = MAIL_LANGUAGES[language].get(key) or []
        found += value.split("|") if isinstance(value, str) else list(value)
    return tuple(found)
