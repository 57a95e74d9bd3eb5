"""The words the theme itself shows on every page ("Skip to content", "Back to top", "Copy to
clipboard"...), read from its translations: the one place that leans on how Material keeps them
(templates/partials/languages/<language>.html, a Jinja macro around a JSON object)."""

from __future__ import annotations

import json
import re
from functools import cache

from portal.publish.seal.protect import theme_root

_OBJECT = re.compile(r"\{\{\s*(\{.*\})\s*\[key\]\s*\}\}", re.DOTALL)


class ThemeWordsError(RuntimeError):
    """The theme keeps its translations in a form this module does not know (after an upgrade)."""


@cache
def theme_wording(language: str = "en") -> tuple[str, ...]:
    """Every phrase the theme shows in `language`: a title that says the same is no evidence."""
    path = theme_root() / "partials" / "languages" / f"{language}.html"
    try:
        found = _OBJECT.search(path.read_text(encoding="utf-8"))
        phrases = json.loads(found.group(1)) if found else None
    except (OSError, ValueError) as exc:
        raise ThemeWordsError(f"the theme's translations could not be read from {path}: {exc}") from exc
    if not isinstance(phrases, dict) or not phrases:
        raise ThemeWordsError(f"the theme's translations are no longer a JSON object in {path}; update publish/prove/themewords.py")
    return tuple(str(value) for key, value in phrases.items() if key not in ("language", "direction"))
