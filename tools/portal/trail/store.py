"""The git store: each change the portal makes is one commit, made so that a failure or a kill
leaves the repository as it was or, through the journal, lets the next command finish it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from email.utils import parseaddr
from glob import escape as glob_escape
from pathlib import Path

import git

from portal.config import Repo
from portal.errors import PortalError
from portal.faults import fault_point
from portal.files import write_atomic

JOURNAL = "portal-pending.json"
# The steps of a change at which the tests have the command die (portal.faults).
FAULT_STEPS = ("commit-made", "journal-written", "branch-moved", "first-file-written", "files-written")


class AuditError(PortalError):
    pass


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
    if not write and not remove:
        raise AuditError("nothing to commit")
    _refuse_local_changes(handle, [*write, *remove])
    git_dir = Path(handle.git_dir)
    index = git_dir / f"portal-index-{os.getpid()}"
    env = {"GIT_INDEX_FILE": str(index), **_identity(author, date)}
    head = handle.head.commit.hexsha if handle.head.is_valid() else None
    try:
        commit = _commit_tree(handle, git_dir, head, write, remove, message, env)
        fault_point("commit-made")
        # From here a kill is repaired by recover(): the journal says what to finish.
        _write_journal(git_dir, commit, head, list(write), list(remove))
        fault_point("journal-written")
        _move_branch(handle, commit, head, message.splitlines()[0][:200])
        fault_point("branch-moved")
    except git.GitCommandError as exc:
        (git_dir / JOURNAL).unlink(missing_ok=True)
        detail = str(exc.stderr or exc).strip().removeprefix("stderr: ").strip("'\n ")
        raise AuditError(f"git could not commit: {detail}") from None
    finally:
        index.unlink(missing_ok=True)
    _finish(repo, handle, list(write), list(remove), write)
    return commit


def _identity(author: str | None, date: str | None) -> dict[str, str]:
    """The environment that gives the commit its author and date, when they are given."""
    env: dict[str, str] = {}
    if date:
        env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
    if author:
        name, address = parseaddr(author)
        if not name or not address:
            raise AuditError(f"--author {author!r}: write it as 'Name <address>'")
        env.update(GIT_AUTHOR_NAME=name, GIT_AUTHOR_EMAIL=address)
    return env


def _commit_tree(handle: git.Repo, git_dir: Path, head: str | None, write: dict[str, bytes], remove: Sequence[str], message: str, env: dict[str, str]) -> str:
    """The commit of HEAD's tree with these changes, built in the private index `env` names:
    only the object store changes, and no branch points at the commit yet."""
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
        return str(handle.git.commit_tree(tree, *(["-p", head] if head else []), "-F", str(note), env=env))
    finally:
        note.unlink(missing_ok=True)


def _write_journal(git_dir: Path, commit: str, head: str | None, written: list[str], removed: list[str]) -> None:
    record = {"commit": commit, "head": head, "write": written, "remove": removed}
    (git_dir / JOURNAL).write_text(json.dumps(record), encoding="utf-8")


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
        fault_point("first-file-written")
    for path in removed:
        _remove_partial_writes(repo.root / path)
    for path in removed:
        target = repo.root / path
        target.unlink(missing_ok=True)
        _prune_empty(target.parent, repo.submissions)
    fault_point("files-written")
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
