"""Git as the audit trail: what was published, replaced, expired and withdrawn, by whom and when."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from glob import escape as glob_escape
from pathlib import Path, PurePosixPath

import git

from portal.checks.validate import Result, validate_repo
from portal.config import Repo
from portal.errors import PortalError
from portal.files import write_atomic
from portal.model import ChangeEvent
from portal.registry import Registry

TRAILER = re.compile(r"^(Portal-[A-Za-z-]+):\s*(.*)$", re.MULTILINE)


class AuditError(PortalError):
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
    sender: str = ""  # who sent it, and whether the register or the coordinator by hand vouched for them

    def trailers(self) -> list[str]:
        lines = [f"Portal-Action: {self.action}", f"Portal-Submission: {self.submission}"]
        if self.fingerprint:
            lines.append(f"Portal-Fingerprint: sha256:{self.fingerprint}")
        if self.message_id:
            lines.append(f"Portal-Message-Id: {self.message_id}")
        if self.replaces:
            lines.append(f"Portal-Replaces: {self.replaces}")
        if self.sender:
            lines.append(f"Portal-Sender: {self.sender}")
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


def validate_with_history(
    repo: Repo,
    paths: Sequence[Path] = (),
    today: dt.date | None = None,
    registry: Registry | None = None,
) -> Result:
    """`validate_repo`, told which ids git history has retired, so that a text replacing one
    that was removed since (withdrawn, expired) stays valid."""
    return validate_repo(repo, paths, today=today, retired_ids=retired_ids(repo), registry=registry)


def commit_message(subject: str, body: str, changes: Sequence[Change]) -> str:
    trailer_lines: list[str] = []
    for change in changes:
        trailer_lines.extend(change.trailers())
    parts = [subject.strip()]
    if body.strip():
        parts.append(body.strip())
    parts.append("\n".join(trailer_lines))
    return "\n\n".join(parts) + "\n"


def commit_files(
    repo: Repo,
    *,
    write: dict[str, bytes] | None = None,
    remove: Sequence[str] = (),
    message: str,
    author: str | None = None,
    date: str | None = None,
) -> str:
    """Commit exactly these changes (repository-relative POSIX paths), then put them in the
    working tree. Other staged or unstaged changes stay exactly as they are.

    The commit is made first, in a private index, so a failure (or a kill) before it leaves the
    working tree and index untouched; after it, each file is renamed into place atomically.
    """
    write = write or {}
    handle = require_git(repo)
    recover(repo)
    paths = [*write, *remove]
    if not paths:
        raise AuditError("nothing to commit")
    _refuse_local_changes(handle, paths)
    git_dir = Path(handle.git_dir)
    index = git_dir / f"portal-index-{os.getpid()}"
    env: dict[str, str] = {"GIT_INDEX_FILE": str(index)}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    if author:
        name, address = parseaddr(author)
        if not name or not address:
            raise AuditError(f"--author {author!r}: write it as 'Name <address>'")
        env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=address)
    head = handle.head.commit.hexsha if handle.head.is_valid() else None
    try:
        if head:
            handle.git.read_tree(head, env=env)
        for path, data in write.items():
            blob = _store_blob(handle, git_dir, data)
            handle.git.update_index("--add", "--cacheinfo", f"100644,{blob},{path}", env=env)
        for path in remove:
            handle.git.update_index("--force-remove", "--", path, env=env)
        tree = handle.git.write_tree(env=env)
        note = git_dir / f"portal-message-{os.getpid()}"
        note.write_text(message, encoding="utf-8")
        try:
            commit = handle.git.commit_tree(tree, *(["-p", head] if head else []), "-F", str(note), env=env)
        finally:
            note.unlink(missing_ok=True)
        # From here a kill is repaired by recover(): the journal says what to finish.
        journal = git_dir / JOURNAL
        journal.write_text(json.dumps({"commit": commit, "head": head, "write": list(write), "remove": list(remove)}), encoding="utf-8")
        _move_branch(handle, str(commit), head, message.splitlines()[0][:200])
    except git.GitCommandError as exc:
        (git_dir / JOURNAL).unlink(missing_ok=True)
        detail = str(exc.stderr or exc).strip().removeprefix("stderr: ").strip("'\n ")
        raise AuditError(f"git could not commit: {detail}") from None
    finally:
        index.unlink(missing_ok=True)
    _finish(repo, handle, list(write), list(remove), write)
    return str(commit)


JOURNAL = "portal-pending.json"


def _branch(handle: git.Repo) -> git.SymbolicReference:
    return handle.head if handle.head.is_detached else handle.head.reference


def _move_branch(handle: git.Repo, commit: str, head: str | None, subject: str) -> None:
    """Point the branch at the new commit from this process, not from a git child: a child
    outlives a kill and could move the branch after the next command has looked and forgotten
    the change. Here the move (a lock file renamed over the ref) is done or not done."""
    current = handle.head.commit.hexsha if handle.head.is_valid() else None
    if current != head:
        raise AuditError("another change was committed at the same time; nothing was changed, run the command again")
    try:
        _branch(handle).set_commit(commit, logmsg="portal: " + subject)
    except (OSError, ValueError) as exc:
        raise git.GitCommandError(["update-ref"], 1, str(exc)) from None


def _forget_branch_lock(handle: git.Repo, commit: str) -> None:
    """The lock file of a branch move that a kill interrupted (it holds nothing, or the commit
    the journal names): remove it so the next commit can take the lock."""
    lock = Path(f"{_branch(handle).abspath}.lock")
    try:
        content = lock.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return
    if content in ("", commit):
        lock.unlink(missing_ok=True)


def _reset_index(handle: git.Repo, paths: list[str]) -> None:
    """`git reset HEAD -- paths`. A git child of a killed command may still hold the index lock
    for the same reset: wait for it a little, as git itself waits for locks."""
    for attempt in range(100):
        try:
            handle.git.reset("--quiet", "HEAD", "--", *paths)
            return
        except git.GitCommandError as exc:
            if "index.lock" not in str(exc.stderr) or attempt == 99:
                raise
            time.sleep(0.05)


def _finish(repo: Repo, handle: git.Repo, written: list[str], removed: list[str], data: dict[str, bytes] | None = None) -> None:
    """Bring the working tree and index in line with a commit that is already on HEAD.

    A command killed while doing this may have left the temporary file of an atomic write
    (`.<name>.<random>.tmp`) beside a file: those are removed, as every file is written anew."""
    for path in written:
        content = data[path] if data is not None else handle.git.show(f"HEAD:{path}", stdout_as_string=False, strip_newline_in_stdout=False)
        target = repo.root / path
        _remove_partial_writes(target)
        write_atomic(target, content)
    for path in removed:
        _remove_partial_writes(repo.root / path)
    for path in removed:
        target = repo.root / path
        target.unlink(missing_ok=True)
        _prune_empty(target.parent, repo.submissions)
    if written or removed:
        _reset_index(handle, [*written, *removed])
    (Path(handle.git_dir) / JOURNAL).unlink(missing_ok=True)


def _remove_partial_writes(target: Path) -> None:
    if target.parent.is_dir():
        for stale in target.parent.glob(f".{glob_escape(target.name)}.*.tmp"):
            stale.unlink(missing_ok=True)


def recover(repo: Repo) -> str:
    """Finish or forget a change that a killed command left half done; '' when there was none."""
    handle = open_git(repo)
    if handle is None:
        return ""
    git_dir = Path(handle.git_dir)
    for stale in git_dir.glob("portal-[ibm]*-*"):
        stale.unlink(missing_ok=True)  # private index, blob and message files of a killed command
    journal = git_dir / JOURNAL
    if not journal.exists():
        return ""
    try:
        pending = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        journal.unlink(missing_ok=True)
        return ""
    if handle.head.is_valid() and handle.head.commit.hexsha == pending["commit"]:
        _finish(repo, handle, pending["write"], pending["remove"])
        return f"finished the change of commit {pending['commit'][:10]} that an interrupted command had committed"
    _forget_branch_lock(handle, pending["commit"])
    journal.unlink(missing_ok=True)
    return "forgot a change that an interrupted command had not committed (nothing of it was written)"


def _store_blob(handle: git.Repo, git_dir: Path, data: bytes) -> str:
    temp = git_dir / f"portal-blob-{os.getpid()}"
    temp.write_bytes(data)
    try:
        return str(handle.git.hash_object("-w", "--no-filters", "--", str(temp)))
    finally:
        temp.unlink(missing_ok=True)


def _refuse_local_changes(handle: git.Repo, paths: Sequence[str]) -> None:
    """A path the tool is about to write or remove must not hold someone's uncommitted work."""
    out = handle.git.status("--porcelain=v1", "--untracked-files=all", "--", *paths)
    changed = [line[3:] for line in out.splitlines() if line.strip()]
    if changed:
        raise AuditError(f"{changed[0]} has uncommitted changes; commit or remove them first (nothing was changed)")


def _prune_empty(folder: Path, stop: Path) -> None:
    while folder != stop and stop in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


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


def message_ids_in_history(repo: Repo) -> dict[str, str]:
    """Message-ID -> submission id, for every e-mail ever published (from commit trailers)."""
    handle = open_git(repo)
    if handle is None or not handle.head.is_valid():
        return {}
    out = handle.git.log("--grep=^Portal-Message-Id:", "--format=%x1e%B")
    found: dict[str, str] = {}
    for record in out.split("\x1e"):
        submission = ""
        for key, value in TRAILER.findall(record):
            if key == "Portal-Submission":
                submission = value.strip()
            elif key == "Portal-Message-Id" and submission:
                found.setdefault(value.strip(), submission)
    return found


@dataclass(frozen=True)
class HistoryEntry:
    commit: str
    date: str  # ISO 8601 with time
    author: str
    subject: str
    action: str  # publish, replace, replaced-by, withdraw, expire, edit
    paths: tuple[str, ...]
    fingerprint: str
    message_id: str
    other: str = ""  # the id on the other side of a replacement
    reason: str = ""


def history(repo: Repo, submission: str) -> list[HistoryEntry]:
    """Every commit that created, replaced, expired, withdrew or touched a submission, oldest first,
    whether or not the file still exists, and whatever folder it was in."""
    handle = require_git(repo)
    if not handle.head.is_valid():
        return []
    fmt = "--format=%x1e%H%x1f%aI%x1f%an <%ae>%x1f%s%x1f%b"
    by_path = handle.git.log(fmt, "--name-only", "--", *candidate_paths(submission))
    by_trailer = handle.git.log(fmt, "--name-only", "-E", f"--grep=^Portal-(Submission|Replaces): {re.escape(submission)}$")
    entries: dict[str, HistoryEntry] = {}
    for out in (by_path, by_trailer):
        for record in out.split("\x1e"):
            if record.strip():
                commit, date, author, subject, rest = record.split("\x1f", 4)
                entries.setdefault(commit, _entry(submission, commit, date, author, subject, rest))
    return sorted(entries.values(), key=lambda entry: entry.date)


def candidate_paths(submission: str) -> list[str]:
    """Where a submission's files can be: ids start with the submitter's code in lower case,
    so each leading run of the id's words is a possible folder. Literal paths keep `git log` fast."""
    parts = submission.split("-")
    paths = []
    for end in range(1, len(parts)):
        code = "-".join(parts[:end]).upper()
        if len(code) > 20:
            break
        paths += [f"submissions/{code}/{submission}.md", f"submissions/{code}/attachments/{submission}"]
    return paths


def _blocks(trailers: list[tuple[str, str]]) -> list[dict[str, str]]:
    """The trailers of a commit, one block for each submission it concerns."""
    blocks: list[dict[str, str]] = []
    for key, value in trailers:
        if key == "Portal-Action":
            blocks.append({})
        if blocks:
            blocks[-1].setdefault(key, value)
    return blocks


def _entry(submission: str, commit: str, date: str, author: str, subject: str, rest: str) -> HistoryEntry:
    blocks = _blocks([(key, value.strip()) for key, value in TRAILER.findall(rest)])
    paths = tuple(line.strip() for line in rest.splitlines() if line.strip().startswith("submissions/"))
    reason = re.search(r"^Reason: (.*)$", rest, re.M)
    own = next((block for block in blocks if block.get("Portal-Submission") == submission), None)
    action, other, fingerprint, message_id = "edit", "", "", ""
    if own is not None:
        action = own.get("Portal-Action", "edit")
        other = own.get("Portal-Replaces", "")
        fingerprint = own.get("Portal-Fingerprint", "").removeprefix("sha256:")
        message_id = own.get("Portal-Message-Id", "")
    else:
        newer = next((block for block in blocks if block.get("Portal-Replaces") == submission), None)
        if newer is not None:
            action, other = "replaced-by", newer.get("Portal-Submission", "")
    return HistoryEntry(commit, date, author, subject, action, paths, fingerprint, message_id, other, reason.group(1).strip() if reason else "")


def added_by(repo: Repo) -> dict[str, dict[str, str]]:
    """For each file under submissions/, the trailers of the latest commit that added it."""
    handle = open_git(repo)
    if handle is None or not handle.head.is_valid():
        return {}
    out = handle.git.log("--diff-filter=A", "--name-only", "--format=%x1e%H%x1f%B%x1f", "--", "submissions/")
    found: dict[str, dict[str, str]] = {}
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        commit, body, names = record.split("\x1f", 2)
        blocks = {block.get("Portal-Submission", ""): block for block in _blocks([(key, value.strip()) for key, value in TRAILER.findall(body)])}
        for name in names.split():
            if name.endswith(".md") and name not in found:
                found[name] = {"commit": commit, **blocks.get(PurePosixPath(name).stem, {})}
    return found
