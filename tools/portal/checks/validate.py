"""Validation of a whole repository: every file against the schema, then rules across files."""

from __future__ import annotations

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

from portal import layout
from portal.checks import rules
from portal.checks.load import LoadedFile, read_submission_file
from portal.checks.markdownlimits import markdown_problems
from portal.checks.schema import SchemaChecker
from portal.checks.yamlsafe import Located, Positions
from portal.config import Repo
from portal.model import Attachment, Problem, Submission, Submitter
from portal.registry import Registry, load_registry

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
                subdirs[:] = sorted(name for name in subdirs if layout.is_text_folder(name))
                found.extend(f"{directory}{os.sep}{name}" for name in names if layout.is_submission_file(name))
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
    registry = registry or load_registry(repo.schema_dir)
    if len(files) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        # This process checks the first share itself while worker processes check the others.
        shares = min(4, os.cpu_count() or 1)
        size = -(-len(files) // shares)
        jobs = [(repo.root, files[i : i + size], shown[i : i + size]) for i in range(0, len(files), size)]
        with ProcessPoolExecutor(len(jobs) - 1) as pool:
            parts = pool.map(_check_chunk, jobs[1:])
            outcomes = [check_file(checker, repo, path, name, limit, registry) for path, name in zip(jobs[0][1], jobs[0][2], strict=True)]
            for part, (_, part_files, _) in zip(parts, jobs[1:], strict=True):
                rows = marshal.loads(part)  # noqa: S302 - written by our own worker
                outcomes.extend(_outcome(repo, path, row, registry) for path, row in zip(part_files, rows, strict=True))
    else:
        outcomes = [check_file(checker, repo, path, name, limit, registry) for path, name in zip(files, shown, strict=True)]
    result = Result(files=len(files))
    for outcome in outcomes:
        if isinstance(outcome, Submission):
            result.submissions.append(outcome)
        else:
            result.problems.extend(outcome)
    across = check_across(repo, result.submissions, registry, set(retired_ids), today)
    result.submissions = across.submissions
    result.problems.extend(across.problems)
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


def _outcome(repo: Repo, path: Path, row: Any, registry: Registry | None = None) -> Submission | list[Problem]:
    if isinstance(row, list):
        return [Problem(*problem) for problem in row]
    shown, meta, text, text_line, front_matter, line_offset = row
    return to_submission(repo, path, LoadedFile(shown, meta, Located(meta, Positions(front_matter, line_offset)), text, text_line), registry)


def load_and_check(checker: SchemaChecker, path: Path, shown: str, limit: int) -> LoadedFile | list[Problem]:
    """One file read and checked on its own: its front matter, or every problem found in it."""
    loaded = read_submission_file(path, shown, limit)
    if isinstance(loaded, Problem):
        return [loaded]
    return own_problems(checker, shown, loaded) or loaded


def own_problems(checker: SchemaChecker, shown: str, loaded: LoadedFile, render_markdown: bool = False) -> list[Problem]:
    """What is wrong in one file alone: its front matter against the schema, an empty text, a
    Markdown text past its limits. `render_markdown` (ingest): also render a Markdown text within
    its time budget; validation leaves that to the build, as rendering every text would cost it
    more than all its other checks together (bench/markdown_bench.py)."""
    problems = checker.check(shown, loaded.located)
    if not loaded.text or loaded.text.isspace():  # as `not text.strip()`, without copying the text
        problems.append(Problem(shown, loaded.text_line, 1, "text", "is empty; the text of the submission goes after the closing '---' line"))
    elif loaded.meta.get("format") == "markdown":
        problems += markdown_problems(shown, loaded.text, loaded.text_line, render_markdown)
    return problems


def check_file(checker: SchemaChecker, repo: Repo, path: Path, shown: str, limit: int, registry: Registry | None = None) -> Submission | list[Problem]:
    loaded = load_and_check(checker, path, shown, limit)
    if isinstance(loaded, list):
        return loaded
    return to_submission(repo, path, loaded, registry)


def to_submission(repo: Repo, path: Path, loaded: LoadedFile, registry: Registry | None = None) -> Submission:
    """The submission of a file that passed the schema; with `registry`, its submitter as
    registered (rules.resolve_submitters then has nothing to change)."""
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
        submitter=_submitter(meta["submitter"]["type"], meta["submitter"]["code"], registry),
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
        countries=tuple(_submitter("state", code, registry) for code in meta.get("countries", ())),
        meta=meta,
        positions=loaded.located.positions,
    )


@dataclass(frozen=True)
class Across:
    """What the rules across files found, and the submissions they apply to: those whose
    submitter is registered, with the submitter's name and status filled in."""

    submissions: list[Submission]
    problems: list[Problem]


def _submitter(kind: str, code: str, registry: Registry | None) -> Submitter:
    known = registry.lookup(kind, code) if registry is not None else None
    return known or Submitter(kind, code, code)


def check_across(
    repo: Repo,
    submissions: Sequence[Submission],
    registry: Registry,
    retired: AbstractSet[str],
    today: dt.date | None,
    planned: AbstractSet[str] = frozenset(),
) -> Across:
    """Rules that need more than one field or more than one file (`checks.rules`), in order.
    `planned`: attachment paths about to be written (they count as present)."""
    settings = repo.settings
    resolved = rules.resolve_submitters(submissions, registry)
    problems = [
        *rules.registered_submitter(submissions, registry),
        *rules.publishing_status(resolved, settings),
        *rules.file_location(resolved),
        *rules.id_prefix(resolved),
        *rules.unique_id(resolved),
        *rules.published_after_received(resolved),
        *rules.expiry_within_limit(resolved, settings),
        *rules.text_unchanged(resolved),
        *rules.period_in_order(resolved),
        *rules.countries_known(resolved, registry),
        *rules.attachments_in_place(resolved, repo, planned),
        *rules.contact_email(resolved),
        *rules.not_expired(resolved, today),
        *rules.replaces_known_text(resolved, retired),
        *rules.no_replacement_cycle(resolved),
        *rules.outcomes_consistent(resolved, registry, today),
    ]
    return Across(resolved, problems)
