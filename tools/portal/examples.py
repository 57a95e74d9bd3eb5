"""The fictional example submissions shipped with the portal, and a demo repository made of them."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import git

from portal import layout
from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.trail.actions import Action, subject
from portal.trail.store import commit_files
from portal.trail.trailers import Change, commit_message

REPO_FILES = ("schema", "mkdocs.yml")


def examples_root() -> Path:
    return Path(str(resources.files("portal") / "examples" / layout.SUBMISSIONS))


def create_example_repo(source: Repo, target: Path) -> Repo:
    """A new git repository at `target` with the project's schema and settings and the examples,
    each committed as the coordinator would have published it, on its publication date."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in REPO_FILES:
        origin = source.root / name
        if origin.is_dir():
            shutil.copytree(origin, target / name, ignore=shutil.ignore_patterns("passcode-rotations.yaml"))
        else:
            shutil.copy2(origin, target / name)
    shutil.copy2(examples_root().parent / "senders.yaml", target / "schema" / "senders.yaml")  # who sent the examples
    handle = git.Repo.init(target, initial_branch="main")
    with handle.config_writer() as config:
        config.set_value("user", "name", "Portal coordinator (example)")
        config.set_value("user", "email", "coordinator@example.org")
        config.set_value("commit", "gpgsign", "false")
    handle.git.add("--", *REPO_FILES)
    handle.git.commit(
        "--quiet", "-m", "Set up the cooperation portal", env={"GIT_AUTHOR_DATE": "2025-06-01T09:00:00", "GIT_COMMITTER_DATE": "2025-06-01T09:00:00"}
    )
    shutil.copytree(examples_root(), target / layout.SUBMISSIONS)
    repo = Repo(target)
    result = validate_repo(repo)
    for submission in sorted(result.submissions, key=lambda s: (s.published, s.id)):
        change = Change(
            action=Action.REPLACE if submission.replaces else Action.PUBLISH,
            submission=submission.id,
            fingerprint=submission.fingerprint,
            message_id=str(submission.meta.get("source", {}).get("message_id", "")),
            replaces=submission.replaces,
        )
        paths = [submission.path] + [a.path for a in submission.attachments]
        first = subject(Action(change.action), kind=submission.kind, submitter=submission.submitter.name, title=submission.title)
        staged = {path: (repo.root / path).read_bytes() for path in paths}
        for path in paths:
            (repo.root / path).unlink()
        commit_files(repo, write=staged, message=commit_message(first, "", [change]), date=f"{submission.published.isoformat()}T10:00:00")
    return repo
