"""Validation of a whole repository: every file against the schema, then rules across files."""

from __future__ import annotations

import copy
import datetime as dt
import marshal
import os
import posixpath
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ProcessPoolExecutor
from dataclasses import astuple, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from portal import dates
from portal.checks.attachpath import attachment_path_problem
from portal.checks.load import LoadedFile, read_submission_file, text_fingerprint
from portal.checks.schema import SchemaChecker
from portal.checks.yamlsafe import Located, Positions, dotted
from portal.config import Repo
from portal.model import Attachment, Problem, Submission, Submitter
from portal.registry import NON_PARTY, STATUS_LABELS, Registry, load_registry

PARALLEL_FROM = 1500  # files; below this a second process costs more than it saves


@dataclass
class Result:
    submissions: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


def submission_files(repo: Repo, paths: Sequence[Path] = ()) -> list[Path]:
    """Every submission file under the given paths (default: submissions/), sorted."""
    roots = list(paths) or [repo.submissions]
    found: list[str] = []
    for root in roots:
        if root.is_dir():
            for directory, subdirs, names in os.walk(root):
                subdirs[:] = sorted(name for name in subdirs if name != "attachments" and not name.startswith("."))
                found.extend(f"{directory}{os.sep}{name}" for name in names if name.endswith(".md"))
        else:
            found.append(str(root))
    # In the order of Path objects (part by part), sorted as text: ten thousand Paths sort slowly.
    return [Path(name) for name in sorted(set(found), key=_path_parts)]


def _path_parts(name: str) -> list[str]:
    parts = name.split(os.sep)  # noqa: PTH206 - Path objects are what this avoids
    if not parts[0]:
        parts[0] = os.sep
    return parts


def validate_repo(
    repo: Repo,
    paths: Sequence[Path] = (),
    today: dt.date | None = None,
    retired_ids: Iterable[str] = (),
    registry: Registry | None = None,
) -> Result:
    """Load and check every submission. `retired_ids`: ids removed earlier (from git history)."""
    files = submission_files(repo, paths)
    prefix = f"{repo.root}{os.sep}"
    shown = [name[len(prefix) :].replace(os.sep, "/") if (name := str(path)).startswith(prefix) else repo.relative(path) for path in files]
    checker = SchemaChecker(repo.schema)
    limit = repo.settings.submission_bytes
    if len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        # This process checks the first share itself while worker processes check the others.
        shares = min(4, os.cpu_count() or 1)
        size = -(-len(files) // shares)
        jobs = [(repo.root, files[i : i + size], shown[i : i + size]) for i in range(0, len(files), size)]
        with ProcessPoolExecutor(len(jobs) - 1) as pool:
            parts = pool.map(_check_chunk, jobs[1:])
            outcomes = [check_file(checker, repo, path, name, limit) for path, name in zip(jobs[0][1], jobs[0][2], strict=True)]
            for part, (_, part_files, _) in zip(parts, jobs[1:], strict=True):
                rows = marshal.loads(part)  # noqa: S302 - written by our own worker
                outcomes.extend(_outcome(repo, path, row) for path, row in zip(part_files, rows, strict=True))
    else:
        outcomes = [check_file(checker, repo, path, name, limit) for path, name in zip(files, shown, strict=True)]
    result = Result(files=len(files))
    for outcome in outcomes:
        if isinstance(outcome, Submission):
            result.submissions.append(outcome)
        else:
            result.problems.extend(outcome)
    registry = registry or load_registry(repo.schema_dir)
    result.problems.extend(check_across(repo, result.submissions, registry, set(retired_ids), today))
    result.problems.sort(key=Problem.sort_key)
    bad = {problem.path for problem in result.errors}
    result.submissions = [submission for submission in result.submissions if submission.path not in bad]
    return result


def _check_chunk(job: tuple[Path, list[Path], list[str]]) -> bytes:
    """In a worker process: each file as plain data, which crosses to the parent far faster than
    objects do. The front matter's positions cross as its text and are read again if needed."""
    root, files, shown = job
    repo = Repo(root)
    checker = SchemaChecker(repo.schema)
    limit = repo.settings.submission_bytes
    rows: list[Any] = []
    for path, name in zip(files, shown, strict=True):
        loaded = load_and_check(checker, path, name, limit)
        if isinstance(loaded, LoadedFile):
            positions = loaded.located.positions
            assert isinstance(positions, Positions)
            rows.append((loaded.path, loaded.meta, loaded.text, loaded.text_line, positions.text, positions.line_offset))
        else:
            rows.append([astuple(problem) for problem in loaded])
    return marshal.dumps(rows)


def _outcome(repo: Repo, path: Path, row: Any) -> Submission | list[Problem]:
    if isinstance(row, list):
        return [Problem(*problem) for problem in row]
    shown, meta, text, text_line, front_matter, line_offset = row
    return to_submission(repo, path, LoadedFile(shown, meta, Located(meta, Positions(front_matter, line_offset)), text, text_line))


def load_and_check(checker: SchemaChecker, path: Path, shown: str, limit: int) -> LoadedFile | list[Problem]:
    """One file read and checked on its own: its front matter, or every problem found in it."""
    loaded = read_submission_file(path, shown, limit)
    if isinstance(loaded, Problem):
        return [loaded]
    problems = checker.check(shown, loaded.located)
    if not loaded.text or loaded.text.isspace():  # as `not text.strip()`, without copying the text
        problems.append(Problem(shown, loaded.text_line, 1, "text", "is empty; the text of the submission goes after the closing '---' line"))
    return problems or loaded


def check_file(checker: SchemaChecker, repo: Repo, path: Path, shown: str, limit: int) -> Submission | list[Problem]:
    loaded = load_and_check(checker, path, shown, limit)
    if isinstance(loaded, list):
        return loaded
    return to_submission(repo, path, loaded)


def to_submission(repo: Repo, path: Path, loaded: LoadedFile) -> Submission:
    meta = loaded.meta
    folder = PurePosixPath(loaded.path).parent
    attachments = tuple(
        Attachment(
            given=item["path"],
            path=posixpath.normpath(str(folder / item["path"])),
            name=PurePosixPath(item["path"]).name,
            title=item.get("title") or Path(item["path"]).name,
        )
        for item in meta.get("attachments", [])
    )
    return Submission(
        path=loaded.path,
        id=meta["id"],
        kind=meta["kind"],
        submitter=Submitter(meta["submitter"]["type"], meta["submitter"]["code"], meta["submitter"]["code"]),
        title=meta["title"].strip(),
        themes=tuple(meta["themes"]),
        assistance=tuple(meta["assistance"]),
        contact_name=meta["contact"]["name"],
        contact_email=meta["contact"].get("email", ""),
        received=dt.date.fromisoformat(meta["received"]),
        published=dt.date.fromisoformat(meta["published"]),
        expires=dt.date.fromisoformat(meta["expires"]),
        audience=meta["audience"],
        format=meta["format"],
        text=loaded.text,
        text_line=loaded.text_line,
        replaces=meta.get("replaces", ""),
        fingerprint=meta.get("source", {}).get("sha256", ""),
        example=bool(meta.get("example", False)),
        attachments=attachments,
        meta=meta,
        positions=loaded.located.positions,
    )


def check_across(
    repo: Repo,
    submissions: list[Submission],
    registry: Registry,
    retired: set[str],
    today: dt.date | None,
    planned: AbstractSet[str] = frozenset(),
) -> list[Problem]:
    """Rules that need more than one field or more than one file. Fills in submitter names.
    `planned`: attachment paths about to be written (they count as present)."""
    settings = repo.settings
    problems: list[Problem] = []
    by_id: dict[str, Submission] = {}
    resolved: list[Submission] = []

    def problem(sub: Submission, keys: tuple[str | int, ...], message: str, severity: str = "error") -> None:
        line, col = sub.position(*keys)
        problems.append(Problem(sub.path, line, col, dotted(keys), message, severity))

    for sub in submissions:
        known = registry.lookup(sub.submitter.type, sub.submitter.code)
        if known is None:
            other = registry.lookup("state" if sub.submitter.type != "state" else "ngo", sub.submitter.code)
            if sub.submitter.type == "state":
                problem(
                    sub,
                    ("submitter", "code"),
                    f"{sub.submitter.code!r} is not an ISO 3166-1 alpha-3 country code{registry.suggestion('state', sub.submitter.code)}",
                )
            elif sub.submitter.code in registry.organisations:
                actual = registry.organisations[sub.submitter.code].type
                problem(sub, ("submitter", "type"), f"{sub.submitter.code} is registered as {actual}, not {sub.submitter.type}")
            elif other is not None:
                problem(sub, ("submitter", "type"), f"{sub.submitter.code} is a State ({other.name}); use type: state")
            else:
                problem(
                    sub,
                    ("submitter", "code"),
                    f"{sub.submitter.code!r} is not a registered organisation (schema/organisations.yaml){registry.suggestion(sub.submitter.type, sub.submitter.code)}",
                )
            continue
        if known.type == "state" and known.status not in settings.publishing_statuses:
            label = STATUS_LABELS.get(known.status, known.status)
            allowed = ", ".join(settings.publishing_statuses)
            note = " (no status in schema/states.yaml)" if known.status == NON_PARTY else ""
            problem(
                sub,
                ("submitter", "code"),
                f"{known.name} is {label}{note}; States with status {allowed} may publish (schema/settings.yaml: publishing_statuses)",
            )
        sub = _with_submitter(sub, known)
        expected = f"submissions/{sub.submitter.code}/{sub.id}.md"
        if sub.path != expected:
            problem(sub, ("id",), f"the file must be at {expected} (folder = submitter code, file name = id)")
        prefix = sub.submitter.code.lower() + "-"
        if not sub.id.startswith(prefix):
            problem(sub, ("id",), f"{sub.id!r} must start with the submitter's code, e.g. {prefix}{sub.id}")
        if sub.id in by_id:
            problem(sub, ("id",), f"{sub.id!r} is already used by {by_id[sub.id].path}")
        else:
            by_id[sub.id] = sub
        if sub.published < sub.received:
            problem(sub, ("published",), f"{sub.published} is before received ({sub.received}); a text is published after it arrives")
        latest = dates.add_months(sub.published, settings.maximum_months)
        if sub.expires <= sub.published:
            problem(
                sub, ("expires",), f"{sub.expires} is not after published ({sub.published}); use {dates.add_months(sub.published, settings.default_months)}"
            )
        elif sub.expires > latest:
            problem(
                sub, ("expires",), f"{sub.expires} is more than {settings.maximum_months} months after published ({sub.published}); use {latest} or earlier"
            )
        if sub.fingerprint and text_fingerprint(sub.text) != sub.fingerprint:
            problem(
                sub,
                ("source", "sha256"),
                "does not match the text: the text was changed after it was received (texts are published verbatim; send an update with `portal replace`)",
            )
        period = sub.meta.get("period")
        if period and period.get("end") and period["end"] < period["start"]:
            problem(sub, ("period", "end"), f"{period['end']} is before the start of the period ({period['start']})")
        for index, attachment in enumerate(sub.attachments):
            if attachment.path in planned:
                reason = attachment_path_problem(attachment.given, sub.id)  # the same rule, before the file exists
            else:
                reason = _attachment_problem(repo, sub, attachment, settings.attachment_bytes)
            if reason:
                problem(sub, ("attachments", index, "path"), reason)
        if not sub.contact_email:
            problem(sub, ("contact",), "has no e-mail; reminders before expiry cannot be sent (the coordinator must follow up by hand)", "warning")
        if today is not None and sub.expires < today:
            problem(sub, ("expires",), f"expired on {sub.expires}; it is not shown and `portal expire` removes it", "warning")
        resolved.append(sub)

    replaced_by: dict[str, Submission] = {}
    for sub in resolved:
        if not sub.replaces:
            continue
        target = by_id.get(sub.replaces)
        if target is None:
            if sub.replaces not in retired:
                problem(sub, ("replaces",), f"{sub.replaces!r} is not the id of any submission (nor of one removed earlier, in git history)")
            continue
        if target.submitter.code != sub.submitter.code:
            problem(sub, ("replaces",), f"{sub.replaces!r} belongs to {target.submitter.name}; a text can only replace one of the same submitter")
        elif sub.replaces in replaced_by:
            problem(sub, ("replaces",), f"{sub.replaces!r} is already replaced by {replaced_by[sub.replaces].id}")
        else:
            replaced_by[sub.replaces] = sub
    for sub in resolved:
        seen = [sub.id]
        current = sub
        while current.replaces and current.replaces in by_id:
            current = by_id[current.replaces]
            if current.id in seen:
                if current.id == sub.id:
                    problem(sub, ("replaces",), f"replacement cycle: {' -> '.join([*seen, current.id])}")
                break
            seen.append(current.id)
    submissions[:] = resolved
    return problems


def _with_submitter(sub: Submission, submitter: Submitter) -> Submission:
    """`dataclasses.replace(sub, submitter=submitter)` at a third of its cost (it runs per text)."""
    copied = copy.copy(sub)
    object.__setattr__(copied, "submitter", submitter)
    return copied


def _attachment_problem(repo: Repo, sub: Submission, attachment: Attachment, limit: int) -> str:
    given = attachment.given
    wrong = attachment_path_problem(given, sub.id)
    if wrong:
        return wrong
    folder = (repo.root / sub.path).parent.resolve() / "attachments" / sub.id
    full = repo.root / attachment.path
    try:
        full.resolve().relative_to(folder)
    except ValueError:
        return (
            f"{given!r} leads outside the submission's own folder (a link or a folder that points elsewhere); keep its attachments under attachments/{sub.id}/"
        )
    if full.is_symlink():
        return f"{given!r} is a symbolic link; attach the file itself"
    if not full.is_file():
        return f"{given!r} does not exist (looked for {attachment.path})"
    size = full.stat().st_size
    if size > limit:
        return f"{given!r} is {size:,} bytes, over the limit of {limit:,} (limits.attachment_bytes)"
    return ""
