"""Where a portal repository keeps its texts: the one home of the file layout.

    submissions/<CODE>/<id>.md                    a text (CODE: the submitter's code)
    submissions/<CODE>/attachments/<id>/<name>    its attachments, in its own folder
    outbox/                                       drafts of e-mails (not tracked by git)

Paths here are repository-relative with '/' (as git and the front matter write them); `find`
and `ids` look in a repository's working tree.
"""

from __future__ import annotations

import glob
from pathlib import Path, PurePosixPath
from typing import Protocol


class Repo(Protocol):
    """A portal repository as the layout reads it (`config.Repo`, which reads its folders here)."""

    @property
    def submissions(self) -> Path: ...


SUBMISSIONS = "submissions"  # the folder of the texts, at the repository's root
ATTACHMENTS = "attachments"  # the folder of attachments, beside the texts of a submitter
OUTBOX = "outbox"  # drafts of e-mails to send, never committed
SUFFIX = ".md"  # a text's file: its id and this suffix


def submission_file(code: str, identifier: str) -> str:
    """The repository-relative path of a text: submissions/<CODE>/<id>.md."""
    return f"{SUBMISSIONS}/{code}/{identifier}{SUFFIX}"


def attachment_folder(identifier: str) -> str:
    """The folder that holds a text's attachments, relative to the text's own folder (as the
    front matter writes attachment paths): attachments/<id>."""
    return f"{ATTACHMENTS}/{identifier}"


def attachments_dir(submission_path: str, identifier: str) -> str:
    """The repository-relative folder of the attachments of the text at `submission_path`."""
    return str(PurePosixPath(submission_path).parent / attachment_folder(identifier))


def is_submission_file(name: str) -> bool:
    """Whether a file name (or repository-relative path) is that of a text."""
    return name.endswith(SUFFIX)


def identifier_of(path: str | PurePosixPath | Path) -> str:
    """The id of the text at `path` (its file name without the suffix)."""
    return PurePosixPath(path).name.removesuffix(SUFFIX)


def is_text_folder(name: str) -> bool:
    """Whether a folder met under submissions/ may hold texts (not attachments, not hidden)."""
    return name != ATTACHMENTS and not name.startswith(".")


def find(repo: Repo, identifier: str) -> Path | None:
    """The file of the text `identifier` in the working tree, whatever folder it is in; None when
    there is none (or `identifier` could not be an id: a path, or a pattern such as '*', finds
    nothing)."""
    if not identifier or "/" in identifier or "\\" in identifier or identifier.startswith("."):
        return None
    return next(iter(sorted(repo.submissions.glob(f"*/{glob.escape(identifier)}{SUFFIX}"))), None)


def ids(repo: Repo) -> list[str]:
    """The ids of the text files in the working tree (whatever their state), sorted."""
    if not repo.submissions.is_dir():
        return []
    return sorted(identifier_of(path) for path in repo.submissions.glob(f"*/*{SUFFIX}"))


def candidate_paths(identifier: str, longest_code: int = 20) -> list[str]:
    """Where a text's files can be in history without reading the tree: ids start with the
    submitter's code in lower case, so each leading run of the id's words is a possible folder."""
    parts = identifier.split("-")
    paths = []
    for end in range(1, len(parts)):
        code = "-".join(parts[:end]).upper()
        if len(code) > longest_code:
            break
        text = submission_file(code, identifier)
        paths += [text, attachments_dir(text, identifier)]
    return paths
