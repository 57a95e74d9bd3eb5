"""One Markdown text cannot stop publishing: validation and ingest refuse a text past the limits
within which Markdown is rendered, naming file, line and limit, and the build names a text it
cannot render by its id, in one line, without a traceback."""

from __future__ import annotations

import json
import re
import time
from email.message import EmailMessage
from pathlib import Path

import pytest

from portal.checks.markdownlimits import MAX_CHARS, MAX_DEPTH, MAX_OPEN, MAX_SPLITS, render_excess
from portal.config import Repo
from portal.textformat import markdown_html

from tests.helpers import DEMO_DATE, ENV, FIXTURES, MakeRepo, Run, snapshot

BASE = FIXTURES / "base"
FILE = "submissions/LAO/lao-2026-need-shape.md"
INTRO = "Clearance of the northern districts.\n\n"  # the text's first two lines
NESTED = INTRO + "".join("    " * level + "- item\n" for level in range(40))
BRACKETS = INTRO + "[" * 20_000 + "]" * 20_000
DEFINITIONS = INTRO + "Term\n: its meaning\n" * 2000  # flat, yet Markdown recurses once per item
AS_FILED = "".join("    " * level + "- item\n" for level in range(260))  # issue 21: a bare RecursionError


def with_markdown_text(repo: Repo, text: str) -> None:
    """A Markdown text of LAO beside the base texts, committed as ingest would commit it."""
    base = (BASE / "submissions/LAO/lao-2026-need-base.md").read_text()
    front = base.split("---\n")[1].replace("lao-2026-need-base", "lao-2026-need-shape").replace("format: plain", "format: markdown")
    (repo.root / FILE).write_text(f"---\n{front}---\n{text}")


def validate(repo: Repo, run: Run) -> list[tuple[str, int, str, str]]:
    result = run("validate", "--repo", str(repo.root), "--format", "json", "--today", DEMO_DATE)
    assert result.exit_code == 1, result.output
    return [(p["path"], p["line"], p["field"], p["message"]) for p in json.loads(result.stdout)["problems"]]


def test_lists_nested_past_the_limit_are_refused_at_their_line(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    with_markdown_text(repo, NESTED)
    [(path, line, field, message)] = validate(repo, run)
    text_line = 20  # the base file's front matter takes 19 lines
    assert (path, line, field) == (FILE, text_line + 2 + MAX_DEPTH + 1, "text")
    assert f"nests lists or quotes {MAX_DEPTH + 1} deep, past the limit of {MAX_DEPTH}" in message
    assert "format: plain" in message


def test_brackets_left_open_past_the_limit_are_refused(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    with_markdown_text(repo, BRACKETS)
    [(path, line, field, message)] = validate(repo, run)
    assert (path, line, field) == (FILE, 22, "text")
    assert f"more than {MAX_OPEN} brackets, parentheses or tags open at once in one paragraph" in message


def test_a_markdown_text_over_the_size_limit_is_refused(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    with_markdown_text(repo, INTRO + "A sentence of the text.\n" * (MAX_CHARS // 20))
    [(_, line, field, message)] = validate(repo, run)
    assert (line, field) == (20, "text")
    assert f"over the limit of {MAX_CHARS:,} for a Markdown text" in message


def test_a_block_markdown_would_split_too_often_is_refused(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    with_markdown_text(repo, DEFINITIONS)
    [(path, line, field, message)] = validate(repo, run)
    assert (path, line, field) == (FILE, 22, "text")
    assert f"has 2,000 headings, rules or definitions in one run of lines, past the limit of {MAX_SPLITS}" in message
    assert "put blank lines between them" in message


@pytest.mark.slow
def test_a_render_that_recurses_too_deeply_is_refused() -> None:
    excess = render_excess(DEFINITIONS, markdown_html)
    assert excess is not None and "nests too deeply for Markdown to render" in excess.message


def test_a_render_past_its_time_budget_is_stopped_at_the_budget() -> None:
    headings = "# Same heading\n" * 20_000  # each heading's id is checked against all before it
    started = time.perf_counter()
    excess = render_excess(headings, markdown_html, seconds=0.5)
    assert excess is not None and "takes more than 0.5 s to render as Markdown" in excess.message
    assert time.perf_counter() - started < 1.5


def test_ingest_refuses_such_a_text_and_changes_nothing(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    mail = EmailMessage()
    mail["From"] = "Victim Assistance Unit <va.example@example.org>"
    mail["To"] = "coordinator@example.org"
    mail["Subject"] = "Text for the cooperation portal"
    mail["Message-ID"] = "<nested-lists@example.org>"
    header = "Kind: need\nTitle: Rehabilitation services\nThemes: victim-assistance\nAssistance: material\nAudience: states\n"
    mail.set_content(header + "Contact: Head of Victim Assistance <va.example@example.org>\n----\n\n" + NESTED)
    source = tmp_path / "nested.eml"
    source.write_bytes(bytes(mail))
    before = snapshot(example_repo.root)
    result = run("ingest", str(source), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE, "--text-format", "markdown")
    assert result.exit_code == 1
    assert f"text: nests lists or quotes {MAX_DEPTH + 1} deep, past the limit of {MAX_DEPTH}" in result.output
    assert "Traceback" not in result.output
    assert snapshot(example_repo.root) == before


def test_the_build_names_the_text_in_one_line_without_a_traceback(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    with_markdown_text(repo, AS_FILED)
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    [line] = [line for line in result.output.splitlines() if "lao-2026-need-shape" in line]
    assert line.startswith(f"{FILE}:20:1: error: text: is {len(AS_FILED):,} characters, over the limit of {MAX_CHARS:,} for a Markdown text")
    assert not repo.site_dir.exists()


def test_a_text_past_the_render_budget_stops_the_build_named_by_its_id(make_repo: MakeRepo, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    """The build's render stage has the same budget as ingest, for a shape no limit foresees: here
    a budget of a tenth of a millisecond stands for such a shape."""
    import portal.publish.render.frame

    repo = make_repo(BASE)
    with_markdown_text(repo, INTRO + "A *sentence* of the text, with [a link](https://example.org).\n\n" * 400)
    monkeypatch.setattr(portal.publish.render.frame, "RENDER_SECONDS", 0.0001)
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    [line] = [line for line in result.output.splitlines() if "cannot be rendered" in line]
    assert re.fullmatch(r"Error: text lao-2026-need-shape cannot be rendered: Markdown cannot follow its structure .*; nothing was built", line), line
    assert not repo.site_dir.exists()
