"""Trying to break it: every attempt ends in a clear error or correct output, never a traceback,
a file changed that should not be, or a half-done change."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import git
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.config import Repo
from portal.load import LoadedFile, parse_submission
from portal.model import Problem, Submission
from portal.schemacheck import SchemaChecker
from portal.validate import check_file
from test_ingest import snapshot

from conftest import DEMO_DATE, FIXTURES, PROJECT
from sitereader import ENV

PORTAL = str(Path(sys.executable).with_name("portal"))
CHECKER = SchemaChecker(Repo(PROJECT).schema)
BASE_FILE = (FIXTURES / "base/submissions/LAO/lao-2026-need-base.md").read_text()

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=200), st.binary(max_size=20).map(lambda b: b.hex()))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=20), inner, max_size=5)), max_leaves=30)
FIELDS = ["id", "kind", "submitter", "title", "themes", "assistance", "contact", "received", "published", "expires", "language", "audience", "format", "replaces", "source", "attachments", "budget", "period", "links", "regions"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=2000))
def test_any_text_loads_or_is_a_located_problem(content: str) -> None:
    result = parse_submission(content, "submissions/LAO/x.md")
    assert isinstance(result, (LoadedFile, Problem))
    if isinstance(result, Problem):
        assert result.line >= 1 and result.col >= 1 and result.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=12), values, max_size=12), st.text(max_size=500))
def test_any_front_matter_is_a_submission_or_located_problems(tmp_path_factory, meta: dict, text: str) -> None:
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
    assert isinstance(outcome, Submission) or (outcome and all(isinstance(p, Problem) and p.message for p in outcome))


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
        ("title: \"\\ud800\"\n", "not valid YAML"),
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
        (lambda: b"From: a@example.org\nContent-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nunterminated", "MIME structure is broken"),
    ],
)
def test_hostile_messages_change_nothing(example_repo, run, tmp_path: Path, make, message: str) -> None:
    (tmp_path / "m.eml").write_bytes(make())
    before = snapshot(example_repo.root)
    result = run("ingest", str(tmp_path / "m.eml"), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE)
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert snapshot(example_repo.root) == before


def test_a_huge_header_is_refused_before_it_is_parsed(example_repo, run, tmp_path: Path) -> None:
    (tmp_path / "m.eml").write_bytes(huge_header())
    before = snapshot(example_repo.root)
    started = time.monotonic()
    result = run("ingest", str(tmp_path / "m.eml"), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE)
    assert time.monotonic() - started < 30
    assert result.exit_code == 1
    assert "the header 'Subject' is 2,430,778 characters long (at most 16,384)" in result.output  # as folded
    assert snapshot(example_repo.root) == before


def wait_for(predicate, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.005)
    return False


def test_a_build_killed_half_way_leaves_the_published_folder_intact(example_repo, run) -> None:
    assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    before = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    env = {**os.environ, **ENV}
    process = subprocess.Popen([PORTAL, "build", "--repo", str(example_repo.root), "--today", DEMO_DATE], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    assert wait_for(lambda: any(example_repo.root.glob(".site.building-*/*")), 60), "the build never started writing"
    process.send_signal(signal.SIGKILL)
    process.wait()
    after = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    assert after == before
    assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    assert not list(example_repo.root.glob(".site.building-*"))


def test_an_ingest_killed_at_any_moment_is_all_or_nothing(example_repo, run) -> None:
    """Killed at a range of moments: afterwards (once any portal command has run) the repository
    is either exactly as before, or holds the whole commit with a clean working tree."""
    mail = FIXTURES / "mail" / "14-attachment-pdf.eml"
    handle = git.Repo(example_repo.root)
    outcomes = set()
    for delay in [0.05 * n for n in range(4, 24)]:
        before = snapshot(example_repo.root)
        head = handle.head.commit.hexsha
        process = subprocess.Popen([PORTAL, "ingest", str(mail), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert run("validate", "--repo", str(example_repo.root)).exit_code == 0
        if handle.head.commit.hexsha == head:
            assert snapshot(example_repo.root) == before
            outcomes.add("nothing")
        else:
            assert handle.git.status("--porcelain", "--untracked-files=all") == ""
            assert len(handle.head.commit.stats.files) == 2  # the text and its PDF
            outcomes.add("committed")
            handle.git.reset("--hard", "-q", head)
    assert "nothing" in outcomes


def test_a_change_committed_but_not_yet_written_is_finished_by_the_next_command(example_repo, run) -> None:
    import json

    mail = FIXTURES / "mail" / "14-attachment-pdf.eml"
    assert run("ingest", str(mail), "--repo", str(example_repo.root), "--submitter", "LBN", "--today", DEMO_DATE).exit_code == 0
    handle = git.Repo(example_repo.root)
    files = sorted(handle.head.commit.stats.files)
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
