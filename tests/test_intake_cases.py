"""Every e-mail of the intake corpus (tests/fixtures/intake/<case>/), and what it must give.

A case is a folder: the message as a ministry sent it (`message.eml` or `message.msg`), a
`case.yml` whose first line says why the case exists, and, for a message that is published, the
files the one commit adds, byte for byte, under `published/`. A message the portal refuses names
in its refusal the line or file and the option that fixes it, and leaves the repository exactly
as it was. Run with PORTAL_UPDATE_CASES=1 to write `published/` from what the portal does now,
then review the change as a diff.

case.yml holds:
- command: the portal command as a list (default: [ingest, "{message}"]); `--repo` and `--today` are added
- today: the date taken as today (default: the examples' date)
- output: lines the command's output must hold
- refused: for a refusal, what the error must say (each a substring)
- outbox: what the drafted acknowledgement must say (each a substring)
- absent: what must not be in any published file (each a substring)
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from portal.config import Repo

from tests.helpers import DEMO_DATE, FIXTURES, Run, corpus, snapshot

CASES = FIXTURES / "intake"
UPDATE = os.environ.get("PORTAL_UPDATE_CASES") == "1"


def case_names() -> list[str]:
    return sorted(path.parent.name for path in CASES.glob("*/case.yml"))


def load_case(folder: Path) -> dict[str, Any]:
    case = yaml.safe_load((folder / "case.yml").read_text(encoding="utf-8")) or {}
    assert (folder / "case.yml").read_text(encoding="utf-8").startswith("#"), f"{folder.name}/case.yml: the first line says why the case exists"
    return case


def message_of(folder: Path) -> Path:
    found = sorted(folder.glob("message.*"))
    assert len(found) <= 1, f"{folder.name}: one message per case"
    return found[0] if found else folder / "message.eml"


def added_files(repo: Repo, before: str) -> dict[str, bytes]:
    """The files the commits since `before` added or changed, with their content."""
    handle = git.Repo(repo.root)
    names = handle.git.diff("--name-only", "--diff-filter=AM", before, "HEAD").splitlines()
    return {name: (repo.root / name).read_bytes() for name in names}


@pytest.mark.parametrize("name", corpus(case_names()))
def test_intake_case(name: str, example_repo: Repo, run: Run) -> None:
    folder = CASES / name
    case = load_case(folder)
    message = message_of(folder)
    command = [str(part).replace("{message}", str(message)) for part in case.get("command", ["ingest", "{message}"])]
    outbox = example_repo.root / "outbox"
    before = snapshot(example_repo.root)
    result = run(*command, "--repo", str(example_repo.root), "--today", str(case.get("today", DEMO_DATE)))
    assert "Traceback" not in result.output
    if case.get("refused"):
        assert result.exit_code == 1, result.output
        for words in case["refused"]:
            assert words in result.output, f"{name}: the refusal does not say {words!r}:\n{result.output}"
        assert snapshot(example_repo.root) == before, f"{name}: a refusal changed the repository"
        assert not (folder / "published").exists(), f"{name}: a refused case publishes nothing"
        return
    assert result.exit_code == 0, result.output
    for line in case.get("output", []):
        assert line in result.output, f"{name}: the output does not say {line!r}:\n{result.output}"
    published = added_files(example_repo, before[0])
    if UPDATE:
        shutil.rmtree(folder / "published", ignore_errors=True)
        for rel, data in published.items():
            (folder / "published" / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / "published" / rel).write_bytes(data)
    expected = {path.relative_to(folder / "published").as_posix(): path.read_bytes() for path in sorted((folder / "published").rglob("*")) if path.is_file()}
    assert sorted(published) == sorted(expected), f"{name}: the commit adds other files than published/ holds"
    for rel, data in expected.items():
        assert published[rel].decode("utf-8", "replace") == data.decode("utf-8", "replace"), f"{name}: {rel} differs"
    for words in case.get("absent", []):
        for rel, data in published.items():
            assert words.encode() not in data, f"{name}: {rel} holds {words!r}"
    drafts = "".join(path.read_text(encoding="utf-8", errors="replace") for path in sorted(outbox.glob("*.eml"))) if outbox.is_dir() else ""
    for words in case.get("outbox", []):
        assert words in drafts, f"{name}: the acknowledgement does not say {words!r}"


def test_every_case_folder_is_a_case() -> None:
    """A folder without case.yml, or a case with files the harness does not read, is a mistake."""
    for folder in sorted(path for path in CASES.iterdir() if path.is_dir()):
        assert (folder / "case.yml").is_file(), f"{folder.name}: no case.yml"
        known = {"case.yml", "published", message_of(folder).name, "make.py"}
        assert {path.name for path in folder.iterdir()} <= known, f"{folder.name}: unknown files {sorted({p.name for p in folder.iterdir()} - known)}"
