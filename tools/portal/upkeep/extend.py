"""`portal extend`: a text stays on the portal longer, unchanged, at its submitter's request.

The text, its id and its fingerprint stay as they are; the front matter gets the new `expires`
and the day of the extension (`extended`, from which the validity limit is counted). It is one
commit whose trailers record the new expiry and the request e-mail, if there was one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from portal import dates, layout
from portal.checks.load import parse_submission
from portal.checks.schema import SchemaChecker
from portal.checks.validate import check_across, to_submission, validate_repo
from portal.config import Repo, Settings
from portal.errors import PortalError
from portal.intake.acknowledge import acknowledge
from portal.lifecycle import EXPIRED, SCHEDULED, replacements, status
from portal.model import Problem, Submission, Vocabulary
from portal.registry import load_registry
from portal.trail.actions import Action, subject
from portal.trail.history import retired_ids
from portal.trail.ids import close_ids_hint
from portal.trail.store import commit_files, require_git
from portal.trail.trailers import Change, commit_message
from portal.upkeep.request import Request, read_request

_DATE_LINE = re.compile(r"^(expires|extended):[ \t]*(['\"]?)\d{4}-\d{2}-\d{2}\2[ \t]*(#.*)?$")


class ExtendError(PortalError):
    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass(frozen=True)
class Extension:
    submission: Submission  # as extended
    previous: dt.date  # the expiry before
    commit: str
    request: Request
    acknowledgement: Path | None


def extend(
    repo: Repo,
    identifier: str,
    today: dt.date,
    *,
    until: dt.date | None = None,
    raw: bytes | None = None,
    source_name: str = "the message",
    submitter: str = "",
    author: str | None = None,
    outbox: Path | None = None,
    ask: Callable[[str, str], str] | None = None,
) -> Extension:
    """Extend the text `identifier` to `until` (default: today + validity.default_months) in one
    commit. `raw`: the request e-mail, whose sender must speak for the text's submitter."""
    require_git(repo)
    retired = retired_ids(repo)
    found = validate_repo(repo, today=today, retired_ids=retired)
    sub = on_portal(repo, identifier, found.submissions, found.errors, today)
    request = read_request(repo, raw, source_name, sub, submitter, ask)
    expires = new_expiry(repo.settings, sub, today, until)
    content = extended_file(repo, sub, expires, today)
    extended = _checked(repo, sub, content, found.submissions, retired, today)
    message = commit_message(
        subject(Action.EXTEND, kind=sub.kind, submitter=sub.submitter.name, title=sub.title),
        _body(sub, expires, request, repo.vocabulary),
        [Change(Action.EXTEND, sub.id, sub.fingerprint, request.message_id, sender=request.trailer, expires=expires.isoformat())],
    )
    commit = commit_files(repo, write={sub.path: content.encode("utf-8")}, message=message, author=author)
    draft = None
    if outbox is not None:
        draft = acknowledge(repo, extended, Action.EXTEND, today, outbox, recipients=request.recipients, in_reply_to=request.message_id)
    return Extension(extended, sub.expires, commit, request, draft)


def on_portal(repo: Repo, identifier: str, submissions: list[Submission], errors: list[Problem], today: dt.date) -> Submission:
    """The text `identifier` if it is on the portal today; otherwise a refusal saying what to do."""
    sub = next((item for item in submissions if item.id == identifier), None)
    if sub is None:
        path = layout.find(repo, identifier)
        if path is not None:
            rel = repo.relative(path)
            raise ExtendError(f"{rel} is not valid; fix it first (`portal validate` shows how)", [p for p in errors if p.path == rel])
        again = "; to put it back on the portal, its submitter sends it again (`portal ingest MESSAGE`)" if identifier in retired_ids(repo) else ""
        raise ExtendError(f"no text {identifier!r} in {layout.SUBMISSIONS}/{close_ids_hint(repo, identifier)}{again}")
    newer = replacements(submissions)
    state = status(sub, today, newer)
    head = newer.get(sub.id)
    if head is not None and head.published <= today:  # said first: an expired text may also have been replaced
        raise ExtendError(
            f"{sub.id} was replaced by {head.id} on {head.published} and is no longer on the portal; extend the current text: `portal extend {head.id}`"
        )
    if state == EXPIRED:
        raise ExtendError(
            f"{sub.id} expired on {sub.expires} and is no longer on the portal, so it cannot be extended; "
            f"`portal expire` removes it, and its submitter sends it again to publish it anew (`portal ingest MESSAGE`)"
        )
    if state == SCHEDULED:
        raise ExtendError(f"{sub.id} is not on the portal yet (it is published on {sub.published}); set its `expires` in {sub.path} instead")
    return sub


def new_expiry(settings: Settings, sub: Submission, today: dt.date, until: dt.date | None) -> dt.date:
    """`until`, or today + the default validity; never more than the maximum validity from today
    and always later than the text's current expiry."""
    latest = dates.add_months(today, settings.maximum_months)
    if until is not None and until > latest:
        raise ExtendError(
            f"--until {until}: is more than {settings.maximum_months} months after today ({today}), "
            f"the longest a text stays on the portal (validity.maximum_months); use {latest} or earlier"
        )
    target = until or dates.add_months(today, settings.default_months)
    if target <= sub.expires:
        hint = f"give a later date with --until (at most {latest})" if target < latest else "it cannot be extended further today"
        raise ExtendError(f"{sub.id} already expires on {sub.expires}, not before {target}; {hint}; nothing was changed")
    return target


def extended_file(repo: Repo, sub: Submission, expires: dt.date, today: dt.date) -> str:
    """The submission file with the new `expires` and `extended` lines; every other byte kept."""
    path = repo.root / sub.path
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    at = _date_line(sub, lines, "expires")
    end = lines[at][len(lines[at].rstrip("\r\n")) :]
    lines[at] = f"expires: {expires.isoformat()}{end}"
    extended = f"extended: {today.isoformat()}{end}"
    if ("extended",) in sub.positions:
        lines[_date_line(sub, lines, "extended")] = extended
    else:
        lines.insert(at + 1, extended)
    return "".join(lines)


def _date_line(sub: Submission, lines: list[str], key: str) -> int:
    """The index of the front-matter line `key: YYYY-MM-DD`, refusing any other form."""
    line, _col = sub.position(key)
    index = line - 1
    if not 0 <= index < len(lines) or not _DATE_LINE.match(lines[index].rstrip("\r\n")) or not lines[index].startswith(key):
        raise ExtendError(f"{sub.path}:{line}:1: error: {key}: write it on one line as '{key}: YYYY-MM-DD' so that it can be extended; nothing was changed")
    return index


def _checked(repo: Repo, sub: Submission, content: str, submissions: list[Submission], retired: set[str], today: dt.date) -> Submission:
    """The extended submission, checked as `portal validate` checks it (its text unchanged)."""
    loaded = parse_submission(content, sub.path)
    problems = [loaded] if isinstance(loaded, Problem) else SchemaChecker(repo.schema).check(sub.path, loaded.located)
    if problems or isinstance(loaded, Problem):
        raise ExtendError(f"{sub.path} would not be valid once extended; nothing was changed", problems)
    registry = load_registry(repo.schema_dir)
    new = to_submission(repo, repo.root / sub.path, loaded, registry)
    others = [item for item in submissions if item.path != sub.path]
    found = check_across(repo, [*others, new], registry, retired, today).problems
    errors = [problem for problem in found if problem.path == sub.path and problem.severity == "error"]
    if errors or new.fingerprint != sub.fingerprint:
        raise ExtendError(f"{sub.path} would not be valid once extended; nothing was changed", errors)
    return new


def _body(sub: Submission, expires: dt.date, request: Request, vocabulary: Vocabulary) -> str:
    kind = vocabulary.kind_singular[sub.kind].lower()
    first = f"The {kind} stays unchanged until {expires.isoformat()} (it was to expire on {sub.expires.isoformat()})"
    if request.note:
        return f"{first}, at the submitter's request by e-mail.\n{request.note[0].upper()}{request.note[1:]}."
    return f"{first}, at the submitter's request, extended by the coordinator without a request e-mail."
