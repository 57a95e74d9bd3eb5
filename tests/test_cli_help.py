"""`--help` of every command works anywhere: outside a portal repository, and in a broken one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from portal.cli import main

from tests.helpers import Run


def command_paths(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    if isinstance(command, click.Group):
        for name, sub in sorted(command.commands.items()):
            yield from command_paths(sub, (*path, name))


COMMANDS = list(command_paths(main))


def test_every_command_is_asked_for_help() -> None:
    assert {("ingest",), ("senders", "add"), ("senders", "remove"), ("serve",), ("passcode", "rotate")} <= set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "portal")
def test_help_works_outside_a_portal_repository(path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(*path, "--help")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ") and " ".join(path) in result.output.splitlines()[0]
    assert list(tmp_path.iterdir()) == []  # asking for help writes nothing


@pytest.mark.parametrize("path", [("ingest",), ("senders", "add"), ("build",), ("passcode", "status")], ids=" ".join)
def test_help_works_in_a_repository_whose_settings_are_broken(path: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    (tmp_path / "schema").mkdir()
    (tmp_path / "schema/settings.yaml").write_text("tiers: [oops\n")
    monkeypatch.chdir(tmp_path)
    result = run(*path, "--help", "--repo", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Usage: ")
