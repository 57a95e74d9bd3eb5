"""Trying to break it: every attempt ends in a clear error or correct output, never a traceback,
a file changed that should not be, or a half-done change."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import git
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.checks import yamlsafe
from portal.checks.load import LoadedFile, parse_submission
from portal.checks.schema import SchemaChecker
from portal.checks.validate import check_file
from portal.config import Repo
from portal.faults import FAULT_VARIABLE
from portal.model import Problem, Submission
from portal.publish import build
from portal.trail import store

from tests.helpers import DEMO_DATE, ENV, FIXTURES, PORTAL, PROJECT, VOCABULARY, Run, snapshot

CHECKER = SchemaChecker(Repo(PROJECT).schema)
BASE_FILE = (FIXTURES / "base/submissions/LAO/lao-2026-need-base.md").read_text()

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=200), st.binary(max_size=20).map(lambda b: b.hex()))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=20), inner, max_size=5)), max_leaves=30)


# Files as people get them wrong: some lines of front matter (fields, YAML punctuation, closing
# lines), then any text; or anything at all.
front_lines = st.lists(
    st.sampled_from(["---", "...", "--- ", "title: x", "kind: need", "a: [", "b: {c", "- x", "  y: 1", ":", "'", "", "\t", "\r"]) | st.text(max_size=20),
    max_size=8,
)
any_file = st.one_of(st.text(max_size=2000), st.tuples(front_lines, st.text(max_size=300)).map(lambda parts: "\n".join(["---", *parts[0], "---", parts[1]])))


def lines_of(content: str) -> int:
    return content.count("\n") + 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_file)
def test_any_text_loads_or_is_a_located_problem(content: str) -> None:
    """A file gives either its text exactly as it stands below the front matter, from the line it
    says, or a problem at a line and column that are inside the file."""
    result = parse_submission(content, "submissions/LAO/x.md")
    if isinstance(result, Problem):
        assert result.path == "submissions/LAO/x.md" and result.message and result.field
        assert 1 <= result.line <= lines_of(content), (result, lines_of(content))
        assert result.col >= 1
    else:
        assert isinstance(result, LoadedFile) and isinstance(result.meta, dict)
        assert content.endswith(result.text)
        assert "\n".join(content.split("\n")[result.text_line - 1 :]) == result.text
        assert content.split("\n")[result.text_line - 2].rstrip() in ("---", "...")


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(VOCABULARY.fields) | st.text(max_size=12), values, max_size=12), st.text(max_size=500))
def test_any_front_matter_is_a_submission_or_located_problems(tmp_path_factory: pytest.TempPathFactory, meta: dict, text: str) -> None:
    try:
        front = yaml.safe_dump(meta, allow_unicode=True)
    except yaml.YAMLError:
        return
    root = tmp_path_factory.getbasetemp() / "hypo"
    path = root / "submissions" / "LAO" / "x.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not (root / "schema").exists():
        shutil.copytree(PROJECT / "schema", root / "schema")
    path.write_text(f"---\n{front}---\n{text}", encoding="utf-8")
    outcome = check_file(CHECKER, Repo(root), path, "submissions/LAO/x.md", 1_000_000)
    if isinstance(outcome, Submission):
        assert outcome.text == text.replace("\r\n", "\n") and set(outcome.meta) <= set(VOCABULARY.fields)
        return
    assert outcome, "neither a submission nor a problem"
    written = path.read_text(encoding="utf-8")
    for problem in outcome:
        assert problem.path == "submissions/LAO/x.md" and problem.message
        assert 1 <= problem.line <= lines_of(written) and problem.col >= 1, problem


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ('a: &a ["lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n', "anchors and aliases"),
        ("title: !!python/object/apply:os.system ['touch /tmp/portal-pwned']\n", "YAML tags such as"),
        ("title: !!python/name:os.system\n", "YAML tags such as"),
        ("title: a\ntitle: b\n", "duplicate key 'title'"),
        ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nesting"),
        ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)), "nested more than 20 levels"),
        ("<<: {title: x}\n", "merge keys"),
        ("? [complex, key]\n: 1\n", "a key must be a plain word"),
        ("title: " + "x" * 300 + "\n", "is too long"),
        ('title: "\\ud800"\n', "not valid YAML"),
    ],
)
def test_yaml_tricks_are_refused_with_a_message(front: str, message: str) -> None:
    result = parse_submission(f"---\n{front}---\ntext\n", "x.md")
    if isinstance(result, LoadedFile):
        problems = CHECKER.check("x.md", result.located)
        assert any(message in p.message for p in problems), problems
    else:
        assert message in result.message, result
    assert not Path("/tmp/portal-pwned").exists()


def mime_bomb(depth: int) -> bytes:
    inner: MIMEMultipart | MIMEText = MIMEText("deep text")
    for _ in range(depth):
        outer = MIMEMultipart("mixed")
        outer.attach(inner)
        inner = outer
    inner["From"] = "a@example.org"
    inner["Message-ID"] = "<bomb@example.org>"
    return inner.as_bytes()


def many_parts(count: int) -> bytes:
    message = MIMEMultipart("mixed")
    message["From"] = "a@example.org"
    for number in range(count):
        message.attach(MIMEText(f"part {number}"))
    return message.as_bytes()


def huge_header() -> bytes:
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["Subject"] = "x" * 2_000_000
    message["Message-ID"] = "<huge@example.org>"
    message.set_content("Kind: need\nTitle: T\nThemes: transparency\nAssistance: technical\n----\n\nText.\n")
    return message.as_bytes()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: mime_bomb(60), "nests parts more than 20 deep"),
        (lambda: many_parts(500), "more than 200 MIME parts"),
        (lambda: b"\x00\x01\x02" * 1000, "this is not an e-mail"),
        (lambda: b"", "the message is empty"),
        (
            lambda: b"From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nunterminated",
            "MIME structure is broken",
        ),
    ],
)
def test_hostile_messages_change_nothing(example_repo: Repo, run: Run, tmp_path: Path, make: Callable[[], bytes], message: str) -> None:
    (tmp_path / "m.eml").write_bytes(make())
    before = snapshot(example_repo.root)
    result = run("ingest", str(tmp_path / "m.eml"), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert snapshot(example_repo.root) == before


@pytest.mark.slow
def test_a_huge_header_is_refused_before_it_is_parsed(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    (tmp_path / "m.eml").write_bytes(huge_header())
    before = snapshot(example_repo.root)
    started = time.monotonic()
    result = run("ingest", str(tmp_path / "m.eml"), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE)
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert "the header 'Subject' is 2,430,778 characters long (at most 16,384)" in result.output  # as folded
    assert snapshot(example_repo.root) == before


@pytest.mark.slow
@pytest.mark.parametrize("step", build.FAULT_STEPS)
def test_a_build_that_dies_half_way_leaves_the_published_folder_intact(step: str, built_example_repo: Repo, run: Run) -> None:
    example_repo = built_example_repo
    before = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    died = subprocess.run(
        [PORTAL, "build", "--repo", str(example_repo.root), "--today", DEMO_DATE],
        env={**os.environ, **ENV, FAULT_VARIABLE: step},
        capture_output=True,
        text=True,
    )
    assert died.returncode == 137, f"the build did not reach {step}: {died.stderr}"
    assert list(example_repo.root.glob(".site.building-*")), "the build had started writing"
    after = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    assert after == before
    assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    assert not list(example_repo.root.glob(".site.building-*"))


# What the repository holds after a command died at each step of a change (trail/store.py).
OUTCOME_OF_A_DEATH_AT = {
    "commit-made": "nothing",  # only the object store has the commit
    "journal-written": "nothing",  # the journal names a commit no branch points at: forgotten
    "branch-moved": "committed",  # the branch has it: the next command writes the files
    "first-file-written": "committed",
    "files-written": "committed",  # every file is in place, the index is not yet reset
}


def test_every_step_a_command_can_die_at_is_tried() -> None:
    assert tuple(OUTCOME_OF_A_DEATH_AT) == store.FAULT_STEPS
    for module in (store, build):
        source = Path(str(module.__file__)).read_text(encoding="utf-8")
        assert sorted(re.findall(r'\bfault_point\("([^"]+)"\)', source)) == sorted(module.FAULT_STEPS), module.__name__


@pytest.mark.slow
@pytest.mark.parametrize("step", store.FAULT_STEPS)
def test_an_ingest_that_dies_at_any_step_is_all_or_nothing(step: str, example_repo: Repo, run: Run) -> None:
    """The process dies at a named step (os._exit, as a kill leaves it): afterwards, once any
    portal command has run, the repository is exactly as before or holds the whole commit with a
    clean working tree."""
    mail = FIXTURES / "mail" / "14-attachment-pdf.eml"
    handle = git.Repo(example_repo.root)
    before = snapshot(example_repo.root)
    head = handle.head.commit.hexsha
    died = subprocess.run(
        [PORTAL, "ingest", str(mail), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE],
        env={**os.environ, FAULT_VARIABLE: step},
        capture_output=True,
        text=True,
    )
    assert died.returncode == 137, f"the command did not reach {step}: {died.stderr}"
    assert (Path(handle.git_dir) / store.JOURNAL).exists() == (step not in ("commit-made",))
    result = run("validate", "--repo", str(example_repo.root))
    assert result.exit_code == 0, result.output
    if OUTCOME_OF_A_DEATH_AT[step] == "nothing":
        assert handle.head.commit.hexsha == head
        assert snapshot(example_repo.root) == before
    else:
        assert "Note: finished the change of commit" in result.output
        assert handle.head.commit.hexsha != head
        assert handle.git.status("--porcelain", "--untracked-files=all") == ""
        assert len(handle.head.commit.stats.files) == 2  # the text and its PDF
    assert not (Path(handle.git_dir) / store.JOURNAL).exists()
    assert not list(Path(handle.git_dir).glob("portal-*"))
    handle.close()  # its git processes, before the folder goes


def test_a_change_committed_but_not_yet_written_is_finished_by_the_next_command(example_repo: Repo, run: Run) -> None:
    import json

    mail = FIXTURES / "mail" / "14-attachment-pdf.eml"
    assert run("ingest", str(mail), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE).exit_code == 0
    handle = git.Repo(example_repo.root)
    files = sorted(str(name) for name in handle.head.commit.stats.files)
    expected = {name: (example_repo.root / name).read_bytes() for name in files}
    # The state a kill leaves between moving HEAD and writing the files: HEAD has them, nothing else does.
    handle.git.rm("--cached", "-q", "--", *files)
    for name in files:
        (example_repo.root / name).unlink()
    journal = Path(handle.git_dir) / "portal-pending.json"
    journal.write_text(json.dumps({"commit": handle.head.commit.hexsha, "head": handle.head.commit.parents[0].hexsha, "write": files, "remove": []}))
    result = run("validate", "--repo", str(example_repo.root))
    assert result.exit_code == 0
    assert "Note: finished the change of commit" in result.output
    assert {name: (example_repo.root / name).read_bytes() for name in files} == expected
    assert handle.git.status("--porcelain", "--untracked-files=all") == ""
    assert not journal.exists()


# The quick paths of validate (libyaml nodes read in one pass, the compiled schema check) must give
# exactly what the careful ones give: same data, same positions, same verdict, same messages.


class _PlainSafeLoader(yaml.SafeLoader):
    """PyYAML's own pure-Python SafeLoader, with dates as strings as the portal reads them."""


_PlainSafeLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def typed(value: object) -> object:
    """A value with the type of every part in it, so that 1, 1.0 and True compare unequal."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(item) for item in value])
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def read_both(text: str) -> tuple[object, object]:
    outcomes: list[tuple[object, ...]] = []
    for quick in (True, False):
        try:
            located = yamlsafe.load(text, 1, quick=quick)
            outcomes.append(("data", typed(located.data), dict(located.positions)))
        except yamlsafe.YamlError as exc:
            outcomes.append(("error", exc.line, exc.col, exc.field, exc.message))
    return outcomes[0], outcomes[1]


yaml_words = st.sampled_from(
    [
        "a",
        "b",
        "title",
        "~",
        "null",
        "yes",
        "No",
        "on",
        "0x1f",
        "0o17",
        "1_000",
        "1:20",
        ".inf",
        "-.NaN",
        "2026-11-20",
        "2026-13-01",
        "<<",
        "=",
        "!!str",
        "!!int",
        "!foo",
        "&x",
        "*x",
        "[",
        "]",
        "{",
        "}",
        "- ",
        ": ",
        "? ",
        "'",
        '"',
        "#",
        "|",
        ">",
        "\n",
        "  ",
        "\t",
        "3",
        "-1.5e3",
        "é",
        "\u3000",
    ]
)


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(st.one_of(st.lists(yaml_words, max_size=40).map("".join), values.map(lambda v: yaml.safe_dump({"k": v}, allow_unicode=True))))
def test_the_quick_yaml_reading_is_the_careful_one(text: str) -> None:
    quick, careful = read_both(text)
    assert quick == careful


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(values)
def test_yaml_data_is_what_pyyaml_reads(value: object) -> None:
    import copy

    text = yaml.safe_dump({"k": value, "l": [copy.deepcopy(value), {"m": copy.deepcopy(value)}]}, allow_unicode=True)
    assert typed(yamlsafe.load(text).data) == typed(yaml.load(text, Loader=_PlainSafeLoader))
    assert typed(yamlsafe.load(text).data) == typed(yamlsafe.load(text).data)  # the remembered tags change nothing


@pytest.mark.parametrize(
    "path", sorted((FIXTURES / "invalid").rglob("*.md")) + sorted((FIXTURES / "valid").rglob("*.md")), ids=lambda p: p.parent.parent.parent.name
)
def test_every_fixture_reads_the_same_both_ways(path: Path) -> None:
    content = path.read_bytes().decode("utf-8", errors="replace").replace("\r\n", "\n").lstrip("\ufeff")
    front = content.split("\n---\n", 1)[0].removeprefix("---\n")
    quick, careful = read_both(front)
    assert quick == careful


VALID_META = {
    "id": "lao-2026-need-case",
    "kind": "need",
    "submitter": {"type": "state", "code": "LAO"},
    "title": "Clearance of Xiengkhouang",
    "themes": ["clearance-and-risk-education"],
    "assistance": ["technical", "financial"],
    "contact": {"name": "Unit", "email": "unit@example.org"},
    "received": "2026-11-01",
    "published": "2026-11-02",
    "expires": "2027-11-02",
    "language": "en",
    "audience": "states",
    "format": "plain",
    "regions": ["Xiengkhouang"],
    "budget": {"amount": 1000, "currency": "USD"},
    "period": {"start": "2027-01-01", "end": "2027-12-31"},
    "links": [{"title": "Reports", "url": "https://example.org/r"}],
    "attachments": [{"path": "attachments/lao-2026-need-case/plan.pdf", "title": "Plan"}],
    "replaces": "lao-2025-need-case",
    "source": {"sha256": "ab" * 32, "message_id": "<m@example.org>"},
    "example": False,
}
tricky = st.one_of(
    values,
    st.sampled_from(
        [
            "",
            " ",
            "\x1c\x1c\x1c",
            "\u3000\u3000\u3000",
            "lao-2026-need-case\n",
            "LAO\n",
            "USD\n",
            "a@b.co\n",
            "a\x1c@b.co",
            "2026-02-30",
            "2026-02-28",
            "2026-2-28",
            "2026-02-28\n",
            "https://x.org/\n",
            0,
            -1,
            1.5,
            float("nan"),
            float("inf"),
            True,
            "x" * 201,
        ]
    ),
)


def mutated(meta: dict, path: tuple, value: object) -> dict:
    import copy

    changed = copy.deepcopy(meta)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is ... and isinstance(target, dict):
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return changed


FIELD_PATHS = [(name,) for name in VALID_META] + [
    ("submitter", "type"),
    ("submitter", "code"),
    ("contact", "email"),
    ("contact", "name"),
    ("themes", 0),
    ("assistance", 1),
    ("regions", 0),
    ("budget", "amount"),
    ("budget", "currency"),
    ("period", "end"),
    ("links", 0, "url"),
    ("attachments", 0, "path"),
    ("source", "sha256"),
    ("titel",),
    ("source", "other"),
]


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(st.sampled_from(FIELD_PATHS), tricky | st.just(...))
def test_the_compiled_schema_check_accepts_only_what_jsonschema_accepts(path: tuple, value: object) -> None:
    meta = mutated(VALID_META, path, value)
    errors = list(CHECKER.validator.iter_errors(meta))
    if CHECKER._quickly_valid(meta):
        assert errors == []
    located = yamlsafe.Located(meta, {})
    assert CHECKER.check("x.md", located) == [p for e in errors for p in CHECKER._problems("x.md", located, e)]


def test_the_compiled_schema_check_is_used_for_the_examples() -> None:
    from portal.checks.load import read_submission_file
    from portal.examples import examples_root

    assert CHECKER.quick is not None
    for path in examples_root().rglob("*.md"):
        loaded = read_submission_file(path, path.name, 1_000_000)
        assert isinstance(loaded, LoadedFile) and CHECKER._quickly_valid(loaded.meta), path


def test_a_schema_beyond_the_compiled_keywords_is_checked_by_jsonschema_alone() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {"pair": {"type": "array", "prefixItems": [{"type": "string"}]}},
    }
    checker = SchemaChecker(schema)
    assert checker.quick is None
    problems = checker.check("x.md", yamlsafe.Located({"pair": [1]}, {("pair", 0): (3, 9)}))
    assert [(p.line, p.col, p.field, p.message) for p in problems] == [(3, 9, "pair[0]", "must be a text, not the number 1")]
    assert SchemaChecker({"type": "object", "properties": {"a": {"enum": [1, True]}}}).quick is None  # enum of non-texts: jsonschema alone


def old_parse_submission(content: str) -> tuple:
    """How the front matter was found before: line by line (kept here as the reference)."""
    lines = content.split("\n")
    if lines[0].rstrip() != "---":
        return ("missing",)
    end = next((index for index in range(1, len(lines)) if lines[index].rstrip() in ("---", "...")), None)
    if end is None:
        return ("not closed",)
    return ("front", "\n".join(lines[1:end]), "\n".join(lines[end + 1 :]), end + 2)


@pytest.mark.slow
@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(["---", "...", "--- ", "---\t", "---\u3000", "---\x1c", " ---", "----", "a: b", "title: x", "", " ", "\n", "text", "\r"]), max_size=12
    ).map("\n".join)
)
def test_the_front_matter_is_found_where_it_was_found_line_by_line(content: str) -> None:
    result = parse_submission(content, "x.md")
    expected = old_parse_submission(content)
    if expected[0] == "front":
        try:
            data = yamlsafe.load(expected[1], 1).data
        except yamlsafe.YamlError as exc:
            assert isinstance(result, Problem) and (result.line, result.col, result.message) == (exc.line, exc.col, exc.message)
            return
        if not isinstance(data, dict):
            assert isinstance(result, Problem) and result.message == "must be a set of 'field: value' lines"
            return
        assert isinstance(result, LoadedFile)
        assert (result.meta, result.text, result.text_line) == (data, expected[2], expected[3])
        assert isinstance(result.located.positions, yamlsafe.Positions) and result.located.positions.text == expected[1]
    else:
        assert isinstance(result, Problem) and result.message.startswith(expected[0])


def test_positions_cross_to_another_process_as_the_text_and_are_read_again() -> None:
    import pickle

    loaded = parse_submission(BASE_FILE, "submissions/LAO/lao-2026-need-base.md")
    assert isinstance(loaded, LoadedFile)
    copied = pickle.loads(pickle.dumps(loaded.located.positions))
    assert copied._table is None  # nothing read until a position is asked for
    assert dict(copied) == dict(loaded.located.positions) and copied[("expires",)] == (15, 1)
