"""The rules across files (checks/rules.py), one golden case per file in cases/rules/: `input` holds
the submission files (and attachments) put beside the two valid texts of tests/fixtures/base, and
the date taken as today; `messages` are the problems `portal validate` reports, as it prints them;
`output` the ids of the texts that pass. No git and no command: validate_repo on the files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from portal.checks.validate import validate_repo

from tests.golden import cases, check_case, load_case
from tests.helpers import DEMO_DATE, FIXTURES, new_repo

CASES = Path(__file__).parent / "cases" / "rules"


@pytest.mark.parametrize("path", cases(CASES), ids=lambda path: path.stem)
def test_rules_case(path: Path, tmp_path: Path) -> None:
    case = load_case(path)
    given = case["input"]
    repo = new_repo(tmp_path / "portal", FIXTURES / "base", commit=False)
    for name, content in given["files"].items():
        (repo.root / name).parent.mkdir(parents=True, exist_ok=True)
        (repo.root / name).write_text(content, encoding="utf-8")
    result = validate_repo(repo, today=dt.date.fromisoformat(str(given.get("today", DEMO_DATE))), retired_ids=given.get("retired", []))
    messages = [f"{p.path}:{p.line}:{p.col}: {p.severity}: {p.field}: {p.message}" for p in result.problems]
    check_case(path, case, {"output": sorted(sub.id for sub in result.submissions), "messages": messages})
