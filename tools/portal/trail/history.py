"""What the trail says: a text's history, the portal's changes, the e-mails already published,
the commit that added each file, and the ids removed since. All of it is read from `git log`
and the commits' trailers; nothing here changes the repository."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import git

from portal import layout
from portal.config import Repo
from portal.model import ChangeEvent
from portal.trail import trailers
from portal.trail.actions import EDIT, REPLACED_BY, REQUESTS, Action, told
from portal.trail.store import open_git, require_git
from portal.trail.trailers import Change

_TEXTS = f"{layout.SUBMISSIONS}/"  # what `git log` is limited to: the texts and their attachments


@dataclass(frozen=True)
class HistoryEntry:
    commit: str
    date: str  # ISO 8601 with time
    author: str
    subject: str
    action: str  # publish, replace, replaced-by, withdraw, expire, edit, extend, outcome
    paths: tuple[str, ...]
    fingerprint: str
    message_id: str
    other: str = ""  # the id on the other side of a replacement
    reason: str = ""
    expires: str = ""  # the expiry an extension set
    sender: str = ""  # who sent the e-mail, and who vouched for them
    outcome: str = ""  # what an outcome recorded ('contacted IRL') and who told it


@dataclass(frozen=True)
class Added:
    """The latest commit that added a file, and its trailers for the file's submission (None
    when it has none: the file was not added by the portal)."""

    commit: str
    change: Change | None


def retired_ids(repo: Repo) -> set[str]:
    """Ids of submissions that were removed from submissions/ at some point in history."""
    handle = open_git(repo)
    if handle is None:
        return set()
    try:
        if not handle.head.is_valid():
            return set()
        out = handle.git.log("--diff-filter=D", "--name-only", "--pretty=format:", "--", _TEXTS)
    except git.GitCommandError:
        return set()
    return {layout.identifier_of(line) for line in out.splitlines() if layout.is_submission_file(line)}


def change_events(repo: Repo, limit: int = 500) -> list[ChangeEvent]:
    """The portal's changes, newest first, from the trailers of its commits."""
    handle = open_git(repo)
    if handle is None:
        return []
    try:
        if not handle.head.is_valid():
            return []
        out = handle.git.log(f"--max-count={limit}", trailers.grep_key(trailers.ACTION), "--format=%x1e%aI%x1f%an%x1f%B", "--", _TEXTS)
    except git.GitCommandError:
        return []
    return [
        ChangeEvent(dt.date.fromisoformat(date[:10]), change.action, change.submission, author)
        for date, author, body in _records(out, 3)
        for change in trailers.read_changes(body)
        if change.action and change.submission
    ]


def message_ids_in_history(repo: Repo) -> dict[str, str]:
    """Message-ID -> submission id, for every e-mail ever published (from commit trailers)."""
    handle = open_git(repo)
    if handle is None or not handle.head.is_valid():
        return {}
    out = handle.git.log(trailers.grep_key(trailers.MESSAGE_ID), "--format=%x1e%B")
    found: dict[str, str] = {}
    for (body,) in _records(out, 1):
        for change in trailers.read_changes(body):
            # An outcome's e-mail is a reply about a text, which may still carry an update to publish.
            if change.submission and change.message_id and change.action != "outcome":
                found.setdefault(change.message_id, change.submission)
    return found


def added_by(repo: Repo) -> dict[str, Added]:
    """For each file under submissions/ (repository-relative path), the latest commit that added it."""
    handle = open_git(repo)
    if handle is None or not handle.head.is_valid():
        return {}
    out = handle.git.log("--diff-filter=A", "--name-only", "--format=%x1e%H%x1f%B%x1f", "--", _TEXTS)
    found: dict[str, Added] = {}
    for commit, body, names in _records(out, 3):
        changes = {change.submission: change for change in trailers.read_changes(body)}
        for name in names.split():
            if layout.is_submission_file(name) and name not in found:
                found[name] = Added(commit, changes.get(layout.identifier_of(name)))
    return found


def extensions(repo: Repo) -> dict[str, Added]:
    """For each submission id, the latest `portal extend` commit and its trailers for it."""
    handle = open_git(repo)
    if handle is None or not handle.head.is_valid():
        return {}
    out = handle.git.log(*trailers.grep_action(Action.EXTEND), "--format=%x1e%H%x1f%B")
    found: dict[str, Added] = {}
    for commit, body in _records(out, 2):
        for change in trailers.read_changes(body):
            if change.action == Action.EXTEND and change.submission:
                found.setdefault(change.submission, Added(commit, change))
    return found


def text_history(repo: Repo, submission: str) -> list[HistoryEntry]:
    """Every commit that created, replaced, expired, withdrew or touched a submission, oldest first,
    whether or not the file still exists, and whatever folder it was in."""
    handle = require_git(repo)
    if not handle.head.is_valid():
        return []
    fmt = "--format=%x1e%H%x1f%aI%x1f%an <%ae>%x1f%s%x1f%b%x1f"
    by_path = handle.git.log(fmt, "--name-only", "--", *layout.candidate_paths(submission))
    by_trailer = handle.git.log(fmt, "--name-only", *trailers.grep_naming(submission))
    entries: dict[str, HistoryEntry] = {}
    for out in (by_path, by_trailer):
        for commit, date, author, subject, body, names in _records(out, 6):
            entries.setdefault(commit, _entry(submission, commit, date, author, subject, body, names))
    return sorted(entries.values(), key=lambda entry: entry.date)


def as_text(entries: list[HistoryEntry]) -> str:
    """A history as `portal history` prints it: one line per commit, details indented below."""
    lines: list[str] = []
    for entry in entries:
        what = told(entry.action, entry.other, entry.expires, entry.outcome)
        lines.append(f"{entry.date[:10]}  {what:<40} {entry.commit[:10]}  {entry.author}")
        if entry.fingerprint:
            lines.append(f"            text sha256:{entry.fingerprint}")
        if entry.message_id:
            lines.append(f"            Message-ID {entry.message_id}")
        if entry.sender and entry.action in REQUESTS:
            lines.append(f"            requested by {entry.sender}")
        elif entry.sender and entry.action == "outcome":
            lines.append(f"            e-mail from {entry.sender}")
        if entry.reason:
            lines.append(f"            reason: {entry.reason}")
    return "\n".join(lines)


def as_json(submission: str, entries: list[HistoryEntry]) -> str:
    """A history as `portal history --format json` prints it."""
    return json.dumps({"submission": submission, "history": [asdict(entry) for entry in entries]}, indent=2, ensure_ascii=False)


def _records(out: str, fields: int) -> Iterator[list[str]]:
    """The records of `git log --format=%x1e...` whose fields are separated by %x1f."""
    for record in out.split("\x1e"):
        if record.strip():
            yield record.split("\x1f", fields - 1)


def _entry(submission: str, commit: str, date: str, author: str, subject: str, body: str, names: str) -> HistoryEntry:
    changes = trailers.read_changes(body)
    paths = tuple(line.strip() for line in names.splitlines() if line.strip().startswith(_TEXTS))
    own = next((change for change in changes if change.submission == submission), None)
    newer = next((change for change in changes if change.replaces == submission), None)
    action, other, fingerprint, message_id = EDIT, "", "", ""
    if own is not None:
        action, other, fingerprint, message_id = own.action, own.replaces, own.fingerprint, own.message_id
    elif newer is not None:
        action, other = REPLACED_BY, newer.submission
    expires, sender = (own.expires, own.sender) if own is not None else ("", "")
    outcome = f"{own.outcome} (told by {own.outcome_from})" if own is not None and own.outcome_from else own.outcome if own is not None else ""
    return HistoryEntry(commit, date, author, subject, action, paths, fingerprint, message_id, other, trailers.read_reason(body), expires, sender, outcome)
