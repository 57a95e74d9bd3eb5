"""Fixtures: portal repositories to change, the example portal, the real Chromium, the CLI in-process.
The plain helpers they use are in helpers.py."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from playwright.sync_api import Browser

from portal.cli import main
from portal.config import Repo
from portal.examples import create_example_repo

from tests.helpers import EARLIER_DATE, PROJECT, BuildOutput, MakeRepo, Run, built_copy, new_repo, slim_git_dir


def _temporary_files_in_memory() -> None:
    """The tests write tens of thousands of small files (repositories, git objects, sites). On a
    RAM file system that is some twenty times quicker than on this machine's disk, so the tests'
    temporary folders (pytest's, git's, the portal's own) go there, unless TMPDIR says otherwise.
    Set before pytest-xdist starts its workers, which inherit it."""
    memory = Path("/dev/shm")
    if "TMPDIR" not in os.environ and memory.is_dir() and os.access(memory, os.W_OK | os.X_OK):
        os.environ["TMPDIR"] = str(memory)
        tempfile.tempdir = None  # read TMPDIR again


_temporary_files_in_memory()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest first: the modules that drive Chromium, then those with slow tests, then the
    rest, each module kept whole (its module-wide fixtures are made once). Run in parallel, the
    many short tests then fill the workers' last minutes, instead of one worker ending alone on a
    long browser test while the others wait."""

    def weight(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("browser") else 1 if item.get_closest_marker("slow") else 2

    def module(item: pytest.Item) -> str:
        return item.nodeid.split("::", 1)[0]

    rank: dict[str, int] = {}
    for item in items:
        rank[module(item)] = min(weight(item), rank.get(module(item), 2))
    items.sort(key=lambda item: rank[module(item)])


@pytest.fixture
def make_repo(tmp_path: Path) -> MakeRepo:
    counter = iter(range(1000))

    def make(*overlays: Path, commit: bool = True) -> Repo:
        return new_repo(tmp_path / f"repo{next(counter)}", *overlays, commit=commit)

    return make


def shared_folder(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """A folder made once for the whole run and then only read: under pytest-xdist the first
    worker that needs it makes it (the others wait on a lock), instead of one copy per worker."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the folder all the workers' folders are in
    target = base / name
    with (base / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (base / f"{name}.done").exists():
            shutil.rmtree(target, ignore_errors=True)
            make(target)
            (base / f"{name}.done").touch()
    return target


@pytest.fixture(scope="session")
def example_repo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example portal with its history, made once per run. Its objects are packed and git's
    sample hooks left out: a copy is some 30 files, not 300."""

    def make(target: Path) -> None:
        create_example_repo(Repo(PROJECT), target)
        slim_git_dir(target)

    return shared_folder(tmp_path_factory, "example-portal", make)


@pytest.fixture(scope="session")
def example_site(example_repo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildOutput]:
    """The example portal built for real once per run, and what the build printed. Tests only
    read it; one that changes the site or the repository copies it first."""

    def make(target: Path) -> None:
        result = built_copy(example_repo_template, target / "portal")
        (target / "stdout").write_text(result.stdout, encoding="utf-8")
        (target / "stderr").write_text(result.stderr, encoding="utf-8")

    folder = shared_folder(tmp_path_factory, "example-site", make)
    return folder / "portal", BuildOutput((folder / "stdout").read_text(encoding="utf-8"), (folder / "stderr").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def example_built(example_site: tuple[Path, BuildOutput]) -> Path:
    """The root of the example portal built once per run (example_site): only to be read."""
    return example_site[0]


@pytest.fixture(scope="session")
def example_built_earlier(example_repo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The root of the example portal built once per run as of EARLIER_DATE, before some of its
    texts were published: with example_built, the portal of a reader's previous visit and of this one."""

    def make(target: Path) -> None:
        built_copy(example_repo_template, target / "portal", EARLIER_DATE)

    return shared_folder(tmp_path_factory, "example-site-earlier", make) / "portal"


@pytest.fixture(scope="session")
def example_served(example_built: Path) -> Iterator[str]:
    """The example portal's site/ served on localhost, for the browser tests that only read it."""
    from tests.browser import serving

    with serving(example_built / "site") as url:
        yield url


@pytest.fixture
def built_example_repo(example_built: Path, tmp_path: Path) -> Repo:
    """A fresh copy of the example portal as built once per run (site/ included), for tests that
    change or rebuild a built portal."""
    target = tmp_path / "portal"
    shutil.copytree(example_built, target, symlinks=True)
    return Repo(target)


@pytest.fixture
def example_repo(example_repo_template: Path, tmp_path: Path) -> Repo:
    """A fresh copy (with its git history) of the example portal, for tests that change it."""
    target = tmp_path / "portal"
    shutil.copytree(example_repo_template, target, symlinks=True)
    return Repo(target)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """The real Chromium (Debian's package), one per test process: each test opens contexts of
    its own (a context shares no storage, cookies or cache with another)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, chromium_path

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def run() -> Run:
    def invoke(*args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(main, list(args), input=input, env=env, catch_exceptions=False)

    return invoke
