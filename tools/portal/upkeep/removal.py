"""Texts leave the portal: withdrawn by their submitter, or removed when they expire.

Either way it is one commit that removes the files; git history keeps every text ever published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portal import dates, layout
from portal.checks.load import LoadedFile, read_submission_file
from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.errors import PortalError
from portal.intake.acknowledge import acknowledge
from portal.lifecycle import replacements, select_expired
from portal.model import Problem, Submission, Vocabulary
from portal.registry import load_registry
from portal.trail.actions import Action, subject
from portal.trail.history import retired_ids
from portal.trail.ids import close_ids_hint
from portal.trail.store import commit_files
from portal.trail.trailers import Change, commit_message
from portal.upkeep.request import read_request


class RemovalError(PortalError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def files_of(repo: Repo, submission_path: str, identifier: str) -> list[str]:
    """The submission's file and every attachment file of it, repository-relative."""
    folder = repo.root / layout.attachments_dir(submission_path, identifier)
    found = [submission_path]
    if folder.is_dir():
        found += sorted(repo.relative(path) for path in folder.rglob("*") if path.is_file())
    return found


def find_file(repo: Repo, identifier: str) -> Path:
    found = layout.find(repo, identifier)
    if found is None:
        raise RemovalError(f"no submission {identifier!r} in {layout.SUBMISSIONS}/{close_ids_hint(repo, identifier)}")
    return found


def withdraw(
    repo: Repo,
    identifier: str,
    reason: str,
    author: str | None = None,
    outbox: Path | None = None,
    today: dt.date | None = None,
    *,
    raw: bytes | None = None,
    source_name: str = "the message",
    submitter: str = "",
    ask: Callable[[str, str], str] | None = None,
) -> tuple[str, Path | None]:
    """Remove a text and its attachments in one commit; (commit, acknowledgement draft or None).
    `raw`: the request e-mail, recorded in the trailers; its sender must speak for the text's
    submitter (the register, or `submitter` to confirm by hand) and gets the acknowledgement."""
    if not reason.strip():
        raise RemovalError("--reason is empty; say why the text is withdrawn (it goes into the audit trail)")
    path = find_file(repo, identifier)
    rel = repo.relative(path)
    loaded = read_submission_file(path, rel, repo.settings.submission_bytes)
    meta = loaded.meta if isinstance(loaded, LoadedFile) else {}
    registry = load_registry(repo.schema_dir)
    found = validate_repo(repo, [path], registry=registry).submissions if isinstance(loaded, LoadedFile) else []
    if raw is not None and not found:
        raise RemovalError(f"{rel} is not valid, so the request's sender cannot be checked against its submitter; fix it first (`portal validate`)")
    request = read_request(repo, raw, source_name, found[0] if found else None, submitter, ask)
    code = path.parent.name
    who = registry.states.get(code) or registry.organisations.get(code)
    name = who.name if who else code
    kind = repo.vocabulary.kind_singular.get(str(meta.get("kind", "")), "Text").lower()
    title = str(meta.get("title", identifier))
    body = f"At the submitter's request by e-mail.\n{request.note[0].upper()}{request.note[1:]}." if request.note else ""
    change = Change(Action.WITHDRAW, identifier, message_id=request.message_id, sender=request.trailer)
    message = commit_message(subject(Action.WITHDRAW, kind=kind, submitter=name, title=title), body, [change], reason=reason)
    commit = commit_files(repo, remove=files_of(repo, rel, identifier), message=message, author=author)
    draft = None
    if outbox is not None and found:
        draft = acknowledge(repo, found[0], Action.WITHDRAW, today or dt.date.today(), outbox, recipients=request.recipients, in_reply_to=request.message_id)
    return commit, draft


@dataclass(frozen=True)
class Expiry:
    submission: Submission
    replaced_by: str  # id of an active text that replaces it, if any


def expired(repo: Repo, today: dt.date) -> list[Expiry]:
    result = validate_repo(repo, today=today, retired_ids=retired_ids(repo))
    if not result.ok:
        raise RemovalError(f"{len(result.errors)} error(s) in the submissions; fix them before removing anything", result.errors)
    newer = replacements(result.submissions)
    return [
        Expiry(sub, newer[sub.id].id if sub.id in newer else "") for sub in sorted(select_expired(result.submissions, today), key=lambda s: (s.expires, s.id))
    ]


def describe(item: Expiry, vocabulary: Vocabulary) -> str:
    sub = item.submission
    line = f'- {sub.id}: {vocabulary.kind_singular[sub.kind].lower()} of {sub.submitter.name}, "{sub.title}" (published {sub.published}, expired {sub.expires})'
    if item.replaced_by:
        line += f"; it had been replaced by {item.replaced_by}, which stays and keeps naming it in 'replaces' (history holds it)"
    return line


def expire(repo: Repo, today: dt.date, author: str | None = None, *, dry_run: bool = False) -> tuple[list[Expiry], str]:
    """Remove every expired text in one commit; returns what was removed and the commit ('' if none).
    With `dry_run`, returns what would be removed and changes nothing."""
    items = expired(repo, today)
    if not items or dry_run:
        return items, ""
    remove: list[str] = []
    for item in items:
        remove += files_of(repo, item.submission.path, item.submission.id)
    body = f"Texts past their expiry date on {today.isoformat()} ({dates.long_date(today)}):\n" + "\n".join(describe(item, repo.vocabulary) for item in items)
    count = len(items)
    message = commit_message(
        subject(Action.EXPIRE, count=count, s="s" if count != 1 else ""),
        body,
        [Change(Action.EXPIRE, item.submission.id, item.submission.fingerprint) for item in items],
    )
    return items, commit_files(repo, remove=remove, message=message, author=author)
