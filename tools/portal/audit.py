"""Git as the audit trail: what was published, replaced, expired and withdrawn, by whom and when."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import git

from .config import Repo
from .model import ChangeEvent

TRAILER = re.compile(r"^(Portal-[A-Za-z-]+):\s*(.*)$", re.MULTILINE)
ACTIONS = ("publish", "replace", "withdraw", "expire")


class AuditError(Exception):
    pass


@dataclass(frozen=True)
class Change:
    """One submission's part in one commit."""

    action: str
    submission: str
    fingerprint: str = ""
    message_id: str = ""
    replaces: str = ""
    reason: str = ""

    def trailers(self) -> list[str]:
        lines = [f"Portal-Action: {self.action}", f"Portal-Submission: {self.submission}"]
        if self.fingerprint:
            lines.append(f"Portal-Fingerprint: sha256:{self.fingerprint}")
        if self.message_id:
            lines.append(f"Portal-Message-Id: {self.message_id}")
        if self.replaces:
            lines.append(f"Portal-Replaces: {self.replaces}")
        return lines


def open_git(repo: Repo) -> git.Repo | None:
    try:
        return git.Repo(repo.root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None


def require_git(repo: Repo) -> git.Repo:
    handle = open_git(repo)
    if handle is None:
        raise AuditError(f"{repo.root} is not a git repository; the portal keeps its audit trail in git (run `git init` there first)")
    return handle


def retired_ids(repo: Repo) -> set[str]:
    """Ids of submissions that were removed from submissions/ at some point in history."""
    handle = open_git(repo)
    if handle is None:
        return set()
    try:
        if not handle.head.is_valid():
            return set()
        out = handle.git.log("--diff-filter=D", "--name-only", "--pretty=format:", "--", "submissions/")
    except git.GitCommandError:
        return set()
    return {PurePosixPath(line).stem for line in out.splitlines() if line.endswith(".md")}


def commit_message(subject: str, body: str, changes: Sequence[Change]) -> str:
    trailer_lines: list[str] = []
    for change in changes:
        trailer_lines.extend(change.trailers())
    parts = [subject.strip()]
    if body.strip():
        parts.append(body.strip())
    parts.append("\n".join(trailer_lines))
    return "\n\n".join(parts) + "\n"


def commit_paths(
    repo: Repo,
    *,
    added: Sequence[Path] = (),
    removed: Sequence[Path] = (),
    message: str,
    author: str | None = None,
    date: str | None = None,
) -> str:
    """Commit exactly these paths (other staged or unstaged changes stay as they are).

    On failure the index entries of these paths are put back; the caller restores files.
    """
    handle = require_git(repo)
    rel_added = [repo.relative(path) for path in added]
    rel_removed = [repo.relative(path) for path in removed]
    paths = rel_added + rel_removed
    if not paths:
        raise AuditError("nothing to commit")
    env: dict[str, str] = {}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as note:
        note.write(message)
    args = ["--quiet", "--no-verify", "--cleanup=verbatim", "-F", note.name, "--only"]
    if author:
        args.append(f"--author={author}")
    try:
        if rel_added:
            handle.git.add("--", *rel_added)
        if rel_removed:
            handle.git.rm("--quiet", "--cached", "--ignore-unmatch", "--", *rel_removed)
        handle.git.commit(*args, "--", *paths, env=env)
    except git.GitCommandError as exc:
        _unstage(handle, paths)
        detail = str(exc.stderr or exc).strip().removeprefix("stderr: ").strip("'")
        raise AuditError(f"git could not commit: {detail}") from None
    finally:
        Path(note.name).unlink(missing_ok=True)
    return str(handle.head.commit.hexsha)


def _unstage(handle: git.Repo, paths: list[str]) -> None:
    try:
        if handle.head.is_valid():
            handle.git.reset("--quiet", "HEAD", "--", *paths)
        else:
            handle.git.rm("--quiet", "--cached", "--ignore-unmatch", "-r", "--", *paths)
    except git.GitCommandError:
        pass


def change_events(repo: Repo, limit: int = 500) -> list[ChangeEvent]:
    """The portal's changes, newest first, from the trailers of its commits."""
    handle = open_git(repo)
    if handle is None:
        return []
    try:
        if not handle.head.is_valid():
            return []
        out = handle.git.log(f"--max-count={limit}", "--grep=^Portal-Action:", "--format=%x1e%aI%x1f%an%x1f%B", "--", "submissions/")
    except git.GitCommandError:
        return []
    events: list[ChangeEvent] = []
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        date, author, body = record.split("\x1f", 2)
        action = ""
        for key, value in TRAILER.findall(body):
            if key == "Portal-Action":
                action = value.strip()
            elif key == "Portal-Submission" and action:
                events.append(ChangeEvent(dt.date.fromisoformat(date[:10]), action, value.strip(), author))
    return events
