"""The texts of a period, from the git history (the edge of the report).

submissions/ holds only the current texts: a withdrawn or expired one was removed by a commit.
So every text is read from the trail: its last version (the one removed, or the one committed
now, which holds every outcome and extension recorded on it) and the day a commit removed it.
Only what is committed counts; nothing here changes the repository.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from pathlib import PurePosixPath

import git

from portal.checks.load import LoadedFile, parse_submission
from portal.checks.schema import SchemaChecker
from portal.checks.validate import own_problems, to_submission
from portal.config import Repo
from portal.errors import PortalError
from portal.model import Problem
from portal.registry import load_registry
from portal.report.counts import PastText
from portal.trail.store import require_git

# A submission file: submissions/<CODE>/<id>.md (attachments/ folders hold no texts).
_TEXT_PATH = re.compile(r"^submissions/[^/]+/[^/]+\.md$")
# A line of `git log --raw`: ":<mode> <mode> <old blob> <new blob> <status>\t<path>".
_RAW = re.compile(r"^:\d+ \d+ ([0-9a-f]+) ([0-9a-f]+) ([AMDT])\S*\t(.+)$")


class ReportError(PortalError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class _Version:
    path: str
    blob: str  # hex id of the file's last version
    commit: str
    removed: dt.date | None = None


def texts_of_period(repo: Repo, start: dt.date) -> list[PastText]:
    """Every text in the trail that was still in submissions/ on or after `start`: its last
    version, and the day it was removed (None if it is still there). Which of them were on the
    portal in the period is for `counts` to say, from their dates."""
    handle = require_git(repo)
    if not handle.head.is_valid():
        return []
    versions = {identifier: version for identifier, version in _last_versions(handle).items() if version.removed is None or version.removed >= start}
    checker = SchemaChecker(repo.schema)
    registry = load_registry(repo.schema_dir)
    texts: list[PastText] = []
    problems: list[Problem] = []
    for identifier in sorted(versions):
        version = versions[identifier]
        loaded = _read(handle, version.blob, version.path)
        found = [loaded] if isinstance(loaded, Problem) else own_problems(checker, version.path, loaded)
        if found or isinstance(loaded, Problem):
            where = f"the version removed by commit {version.commit[:10]}" if version.removed else f"the version of commit {version.commit[:10]}"
            problems += [replace(problem, message=f"{problem.message} (in {where})") for problem in found]
            continue
        texts.append(PastText(to_submission(repo, repo.root / version.path, loaded, registry), version.removed))
    if problems:
        raise ReportError(
            f"{len({problem.path for problem in problems})} text(s) of the trail cannot be read, so the figures would be wrong; "
            "fix a file still in submissions/ (`portal validate`) and commit it; a removed version cannot be changed, "
            "so only a period that starts after its removal is counted without it",
            sorted(problems, key=Problem.sort_key),
        )
    return texts


def head_commit(repo: Repo) -> str:
    """The commit the report reads the trail from ('' before the first commit)."""
    handle = require_git(repo)
    return handle.head.commit.hexsha if handle.head.is_valid() else ""


def uncommitted(repo: Repo) -> int:
    """How many files under submissions/ differ from what is committed (the report does not see them)."""
    out = require_git(repo).git.status("--porcelain", "--untracked-files=all", "--", "submissions/")
    return len(out.splitlines())


def _last_versions(handle: git.Repo) -> dict[str, _Version]:
    """id -> its last version in the history of submissions/: the version in HEAD, or else the
    one a commit removed (read oldest commit first, so that the latest change wins); a file moved
    to another folder keeps its id."""
    out = handle.git.log("--reverse", "--no-renames", "--raw", "--no-abbrev", "--format=%x1e%H%x1f%aI%x1f", "--", "submissions/")
    versions: dict[str, _Version] = {}
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        commit, date, raw = record.split("\x1f", 2)
        kept: set[str] = set()
        removed: dict[str, _Version] = {}
        for line in raw.splitlines():
            found = _RAW.match(line)
            if not found or not _TEXT_PATH.match(found.group(4)):
                continue
            old, new, status, path = found.groups()
            identifier = PurePosixPath(path).stem
            if status == "D":
                removed[identifier] = _Version(path, old, commit, dt.date.fromisoformat(date[:10]))
            else:
                kept.add(identifier)
                versions[identifier] = _Version(path, new, commit)
        for identifier, version in removed.items():
            if identifier not in kept:  # moved, not removed, when the same commit adds it elsewhere
                versions[identifier] = version
    # What is in submissions/ now is read from HEAD itself: a merge shows no changes in the log.
    head = handle.head.commit.hexsha
    for line in handle.git.ls_tree("-r", "HEAD", "--", "submissions/").splitlines():
        meta, path = line.split("\t", 1)
        if _TEXT_PATH.match(path):
            versions[PurePosixPath(path).stem] = _Version(path, meta.split()[2], head)
    return versions


def _read(handle: git.Repo, blob: str, shown: str) -> LoadedFile | Problem:
    raw = handle.odb.stream(bytes.fromhex(blob)).read()
    try:
        content = raw.decode("utf-8").removeprefix("\ufeff").replace("\r\n", "\n")
    except UnicodeDecodeError:
        return Problem(shown, 1, 1, "file", "not UTF-8 text")
    return parse_submission(content, shown)
