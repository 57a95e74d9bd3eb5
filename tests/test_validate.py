"""`portal validate`: every rule has an invalid fixture that must fail with its message and line."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from portal.config import Repo
from portal.examples import examples_root

from tests.helpers import DEMO_DATE, FIXTURES, PROJECT, MakeRepo, Run

INVALID = FIXTURES / "invalid"
BASE = FIXTURES / "base"

# rule (fixture folder): (file, field, part of the message, line). The rules across files have
# golden cases of their own, without the command: tests/unit/checks/cases/rules/.
EXPECTED = {
    "no-front-matter": ("LAO/lao-2026-need-case.md", "front matter", "missing: the file must start with a line '---'", 1),
    "broken-yaml": ("LAO/lao-2026-need-case.md", "front matter", "not valid YAML", 10),
    "bad-date": ("LAO/lao-2026-need-case.md", "published", "'2026-13-01' is not a date; write YYYY-MM-DD", 15),
    "wrong-type": ("LAO/lao-2026-need-case.md", "themes", "must be a list", 9),
    "unknown-field": ("LAO/lao-2026-need-case.md", "titel", "unknown field; did you mean 'title'?", 20),
    "unknown-kind": ("LAO/lao-2026-need-case.md", "kind", "did you mean 'need'?", 4),
    "missing-field": ("LAO/lao-2026-need-case.md", "title", "missing", 3),
    "unknown-country": ("LAX/lax-2026-need-case.md", "submitter.code", "'LAX' is not an ISO 3166-1 alpha-3 country code", 7),
    "status-not-allowed": ("LTU/ltu-2026-need-case.md", "submitter.code", "Lithuania is withdrawn from the Convention", 7),
    "duplicate-id": ("LAO/lao-2026-need-base.md", "id", "'lao-2026-need-base' is already used by submissions/LAO/lao-2026-need-base-2.md", 2),
    "expires-beyond-maximum": (
        "LAO/lao-2026-need-case.md",
        "expires",
        "2028-03-01 is more than 12 months after published (2026-11-02); use 2027-11-02 or earlier",
        16,
    ),
    "empty-text": ("LAO/lao-2026-need-case.md", "text", "is empty", 21),
    "not-utf8": ("LAO/lao-2026-need-case.md", "file", "not UTF-8 text (byte 0xe9)", 21),
    "attachment-missing": ("LAO/lao-2026-need-case.md", "attachments[0].path", "does not exist", 21),
    "bad-language": ("LAO/lao-2026-need-case.md", "language", "'fr' is not allowed; use 'en'", 17),
    "bad-email": ("LAO/lao-2026-need-case.md", "contact.email", "write one e-mail address", 13),
    "yaml-tag": ("LAO/lao-2026-need-case.md", "title", "YAML tags such as", 8),
    "yaml-alias": ("LAO/lao-2026-need-case.md", "assistance", "anchors and aliases (& and *) are not allowed", 9),
    "duplicate-key": ("LAO/lao-2026-need-case.md", "title", "duplicate key 'title' (first given on line 8)", 20),
}


def test_every_fixture_has_an_expectation_and_says_why() -> None:
    assert sorted(path.name for path in INVALID.iterdir()) == sorted(EXPECTED)
    for rule in EXPECTED:
        for path in (INVALID / rule).rglob("*.md"):
            head = path.read_bytes()[:200].decode("latin-1")
            assert "must fail" in head or path.name == "lao-2026-need-cycle.md", f"{path} does not say why it must fail"


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_invalid_fixture_fails_with_its_message(rule: str, make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE, INVALID / rule)
    result = run("validate", "--repo", str(repo.root), "--format", "json", "--today", DEMO_DATE)
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    file, field, message, line = EXPECTED[rule]
    found = [(p["path"], p["field"], p["line"]) for p in report["problems"] if p["severity"] == "error" and message in p["message"]]
    assert (f"submissions/{file}", field, line) in found, json.dumps(report["problems"], indent=1)


def test_problems_are_printed_as_path_line_col(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE, INVALID / "expires-beyond-maximum")
    result = run("validate", "--repo", str(repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1
    assert (
        "submissions/LAO/lao-2026-need-case.md:16:1: error: expires: 2028-03-01 is more than 12 months after published (2026-11-02); use 2027-11-02 or earlier"
    ) in result.output.splitlines()
    assert result.output.splitlines()[-1] == "3 submissions checked: 1 error, 0 warnings (not valid)"


def test_every_problem_is_reported_not_only_the_first(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE, INVALID / "bad-date", INVALID / "unknown-country", INVALID / "status-not-allowed")
    report = json.loads(run("validate", "--repo", str(repo.root), "--format", "json").stdout)
    assert {p["path"] for p in report["problems"]} == {
        "submissions/LAO/lao-2026-need-case.md",
        "submissions/LAX/lax-2026-need-case.md",
        "submissions/LTU/ltu-2026-need-case.md",
    }
    assert report["errors"] == 3


def test_github_annotations_in_actions(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE, INVALID / "unknown-field")
    result = run("validate", "--repo", str(repo.root), env={"GITHUB_ACTIONS": "true"})
    assert "::error file=submissions/LAO/lao-2026-need-case.md,line=20,col=1,title=titel::unknown field; did you mean 'title'?" in result.output


def test_byte_order_mark_and_crlf_are_accepted(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE, FIXTURES / "valid" / "bom-crlf")
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 0, result.output
    assert "3 submissions checked: 0 errors, 0 warnings (all valid)" in result.output


def test_a_file_over_the_size_limit(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    base = (BASE / "submissions/LAO/lao-2026-need-base.md").read_text()
    big = repo.submissions / "LAO" / "lao-2026-need-big.md"
    big.write_text(base.replace("lao-2026-need-base", "lao-2026-need-big") + "x" * repo.settings.submission_bytes)
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    assert "submissions/LAO/lao-2026-need-big.md:1:1: error: file: is 1,000," in result.output
    assert "over the limit of 1,000,000 (limits.submission_bytes)" in result.output


def test_a_symbolic_link_is_refused(make_repo: MakeRepo, run: Run, tmp_path: Path) -> None:
    repo = make_repo(BASE)
    outside = tmp_path / "outside.md"
    outside.write_text((BASE / "submissions/LAO/lao-2026-need-base.md").read_text().replace("need-base", "need-link"))
    (repo.submissions / "LAO" / "lao-2026-need-link.md").symlink_to(outside)
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    assert "submissions/LAO/lao-2026-need-link.md:1:1: error: file: is a symbolic link" in result.output


def test_an_attachment_that_is_a_symbolic_link_is_refused(make_repo: MakeRepo, run: Run, tmp_path: Path) -> None:
    repo = make_repo(BASE, INVALID / "attachment-missing")
    target = repo.submissions / "LAO" / "attachments" / "lao-2026-need-case"
    target.mkdir(parents=True)
    (tmp_path / "secret.txt").write_text("secret")
    (target / "plan.pdf").symlink_to(tmp_path / "secret.txt")
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    assert "attachments[0].path: 'attachments/lao-2026-need-case/plan.pdf' leads outside the submission's own folder" in result.output


def test_warnings_alone_do_not_fail(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    result = run("validate", "--repo", str(repo.root), "--today", "2028-01-01")
    assert result.exit_code == 0
    assert "warning: expires: expired on 2027-11-02" in result.output


def test_validating_named_paths_only(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE, INVALID / "bad-date")
    result = run("validate", "--repo", str(repo.root), str(repo.submissions / "ESP"))
    assert result.exit_code == 0, result.output
    assert "1 submission checked" in result.output


def test_a_missing_path_is_a_clear_error(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    result = run("validate", "--repo", str(repo.root), str(repo.root / "nope.md"))
    assert result.exit_code == 1
    assert "nope.md: no such file or folder" in result.output


def test_an_unparseable_today(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    result = run("validate", "--repo", str(repo.root), "--today", "2026-02-30")
    assert result.exit_code == 2
    assert "'2026-02-30' is not a date of the calendar" in result.output


def test_the_examples_are_valid_and_cover_the_pattern(example_repo: Repo, run: Run) -> None:
    result = run("validate", "--repo", str(example_repo.root), "--format", "json", "--today", DEMO_DATE)
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert report["errors"] == 0
    files = list(examples_root().rglob("*.md"))
    assert 15 <= len(files) <= 25
    texts = [path.read_text(encoding="utf-8") for path in files]
    assert all("EXAMPLE: this is a fictional text" in text and "example: true" in text for text in texts)
    assert {kind for kind in ("need", "offer", "how-to-apply", "project") if any(f"kind: {kind}\n" in t for t in texts)} == {
        "need",
        "offer",
        "how-to-apply",
        "project",
    }
    states = {path.parent.name for path, text in zip(files, texts, strict=True) if "type: state\n" in text}
    assert len(states) >= 8
    assert any("type: international-organisation" in t for t in texts) and any("type: ngo" in t for t in texts)
    assert any("replaces:" in t for t in texts)
    expired = {
        "path": "submissions/MRT/mrt-2025-need-survivor-data.md",
        "line": 15,
        "column": 1,
        "severity": "warning",
        "field": "expires",
        "message": "expired on 2026-10-31; it is not shown and `portal expire` removes it",
    }
    assert expired in report["problems"]  # an expired text is a warning, not an error


def test_a_broken_settings_file_is_named(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    settings = repo.schema_dir / "settings.yaml"
    settings.write_text(settings.read_text().replace("maximum_months: 12", "maximum_months: twelve"))
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    assert "schema/settings.yaml:9:3: error: validity.maximum_months: must be a whole number, not the text 'twelve'" in result.output


def test_outside_a_portal_repository(tmp_path: Path, run: Run) -> None:
    result = run("validate", "--repo", str(tmp_path))
    assert result.exit_code == 1
    assert "is not inside a portal repository" in result.output


def test_the_project_itself_validates(run: Run) -> None:
    result = run("validate", "--repo", str(PROJECT))
    assert result.exit_code == 0, result.output


def test_worker_processes_find_what_one_process_finds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import portal.checks.validate as validate

    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: validate never uses worker processes here")
    from bench.corpus import make_corpus

    repo = make_corpus(tmp_path / "c", 40)
    files = sorted(repo.submissions.rglob("*.md"))
    for path, old, new in [
        (files[3], "expires: 2027", "expires: 2029"),
        (files[5], "\nkind: ", "\nkind: nede\nkinds: "),
        (files[7], "\ntitle: ", "\ntitle: ["),
    ]:
        path.write_text(path.read_text().replace(old, new, 1))
    single = validate.validate_repo(repo, today=dt.date(2026, 11, 20))
    monkeypatch.setattr(validate, "PARALLEL_FROM", 1)
    parallel = validate.validate_repo(repo, today=dt.date(2026, 11, 20))
    assert len(single.problems) >= 4 and len(single.submissions) == 37
    assert parallel.problems == single.problems
    assert parallel.submissions == single.submissions
    assert [(s.meta, dict(s.positions)) for s in parallel.submissions] == [(s.meta, dict(s.positions)) for s in single.submissions]


def test_rules_across_files_leave_the_loaded_submissions_alone(make_repo: Callable[..., Repo]) -> None:
    from portal.checks.schema import SchemaChecker
    from portal.checks.validate import check_across, check_file, submission_files
    from portal.model import Submission
    from portal.registry import load_registry

    repo = make_repo(BASE, INVALID / "unknown-country", INVALID / "duplicate-id")
    checker = SchemaChecker(repo.schema)
    loaded = [check_file(checker, repo, path, repo.relative(path), repo.settings.submission_bytes) for path in submission_files(repo)]
    subs = [sub for sub in loaded if isinstance(sub, Submission)]
    before = [(sub.path, sub.submitter) for sub in subs]
    across = check_across(repo, subs, load_registry(repo.schema_dir), set(), None)
    assert [(sub.path, sub.submitter) for sub in subs] == before  # names not filled in, nothing dropped
    assert "submissions/LAX/lax-2026-need-case.md" in [path for path, _ in before]
    assert "submissions/LAX/lax-2026-need-case.md" not in [sub.path for sub in across.submissions]
    assert {sub.submitter.name for sub in across.submissions} == {"Lao PDR", "Spain"}
    assert [(p.path, p.field, p.message.split(";")[0]) for p in across.problems if p.severity == "error"] == [
        ("submissions/LAX/lax-2026-need-case.md", "submitter.code", "'LAX' is not an ISO 3166-1 alpha-3 country code"),
        (
            "submissions/LAO/lao-2026-need-base-2.md",
            "id",
            "the file must be at submissions/LAO/lao-2026-need-base.md (folder = submitter code, file name = id)",
        ),
        ("submissions/LAO/lao-2026-need-base.md", "id", "'lao-2026-need-base' is already used by submissions/LAO/lao-2026-need-base-2.md"),
    ]
