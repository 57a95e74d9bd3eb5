"""Where a submission's attachments may be: only under its own `attachments/<id>/` folder.

One rule, used when ingest writes an attachment and when validation reads one, so a path that
ingest accepts is one that every later build accepts, and a text can never point at another
text's file.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from portal.layout import ATTACHMENTS, attachment_folder

_DRIVE = re.compile(r"^[A-Za-z]:")


def attachment_path_problem(given: str, identifier: str) -> str:
    """'' when `given` (a path as written in a submission's front matter, relative to the
    submission's folder) names a file inside `attachments/<identifier>/`; otherwise what is wrong
    and what would be right."""
    own = attachment_folder(identifier)
    example = f"e.g. {own}/plan.pdf"
    if not given.strip():
        return f"is empty; give the file's path, {example}"
    if "\\" in given:
        return f"{given!r} uses backslashes (a Windows path); write it with '/' inside the submission's own folder, {example}"
    if given.startswith("/") or _DRIVE.match(given):
        return f"{given!r} is an absolute path; give the path relative to the submission's folder, {example}"
    if any(unicodedata.category(char)[0] == "C" for char in given):
        return f"{given!r} holds control characters; rename the file, {example}"
    parts = given.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return f"{given!r} leads outside the submission's own folder; keep its attachments under {own}/ ({example})"
    if len(parts) < 3 or parts[0] != ATTACHMENTS or parts[1] != identifier:
        return f"{given!r} is not in the submission's own folder; keep its attachments under {own}/ ({example})"
    if any(part.startswith(".") for part in parts[2:]):
        return f"{given!r} is a hidden file (its name starts with '.'); rename it, {example}"
    return ""


def attachment_path(identifier: str, name: str) -> str:
    """The front-matter path of an attachment called `name` (already a safe file name)."""
    return str(PurePosixPath(attachment_folder(identifier)) / name)
