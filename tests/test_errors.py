"""One handler turns every PortalError into `Error: MESSAGE` on stderr and its exit code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import git
import pytest
from click.testing import CliRunner, Result

from portal.cli import PortalGroup
from portal.config import ConfigError, Repo
from portal.delivery.deploy import DeployError
from portal.errors import PortalError, about
from portal.intake.message import MailError
from portal.publish.build import BuildError
from portal.upkeep.passcode import PasscodeError
from portal.upkeep.removal import RemovalError

from tests.helpers import ENV, FIXTURES

Run = Callable[..., Result]


def head(repo: Repo) -> str:
    return git.Repo(repo.root).head.commit.hexsha


def test_a_broken_settings_file_is_named_without_a_traceback(make_repo: Callable[..., Repo], run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    (repo.root / "schema/settings.yaml").write_text("validity: [\n")
    result = run("validate", "--repo", str(repo.root))
    assert issubclass(ConfigError, PortalError)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == f"Error: {repo.root}/schema/settings.yaml:2:1: error: file: not valid YAML: did not find expected node content\n"


def test_a_removal_error_changes_nothing(make_repo: Callable[..., Repo], run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    before = head(repo)
    result = run("withdraw", "lao-2026-need-bse", "--reason", "asked by the State", "--repo", str(repo.root))
    assert issubclass(RemovalError, PortalError)
    assert result.exit_code == 1
    assert result.stderr == "Error: no submission 'lao-2026-need-bse' in submissions/; did you mean lao-2026-need-base? (`portal list` shows every text)\n"
    assert head(repo) == before and (repo.root / "submissions/LAO/lao-2026-need-base.md").exists()


def test_an_error_about_the_message_names_the_file_it_came_from(make_repo: Callable[..., Repo], run: Run, tmp_path: Path) -> None:
    repo = make_repo(FIXTURES / "base")
    saved = tmp_path / "from-lao.eml"
    saved.write_bytes(b"\x00\x01\x02 a document, not an e-mail")
    result = run("ingest", str(saved), "--repo", str(repo.root))
    assert issubclass(MailError, PortalError)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {saved}: this is not an e-mail: it holds binary data (save the message as .eml from the mail client)\n"
    piped = run("ingest", "-", "--repo", str(repo.root), input=b"")
    assert piped.exit_code == 1 and piped.stderr == "Error: standard input: the message is empty\n"


def test_a_deploy_error_says_nothing_was_deployed(make_repo: Callable[..., Repo], run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    result = run("deploy", str(repo.root / "public"), "--repo", str(repo.root))
    assert issubclass(DeployError, PortalError)
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {repo.root}/public: the folder target is inside this repository, which holds the texts; choose a folder outside it; nothing was deployed\n"
    )
    assert not (repo.root / "public").exists()


def test_what_a_failed_build_found_comes_above_its_message(make_repo: Callable[..., Repo], run: Run) -> None:
    repo = make_repo(FIXTURES / "base", FIXTURES / "invalid" / "bad-date")
    result = run("build", "--repo", str(repo.root), "--today", "2026-11-20", env=ENV)
    assert issubclass(BuildError, PortalError)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-2:] == [
        "submissions/LAO/lao-2026-need-case.md:15:1: error: published: '2026-13-01' is not a date; write YYYY-MM-DD, e.g. 2026-11-26",
        "Error: 1 error(s) in the submissions; nothing was built",
    ]
    assert not (repo.root / "site").exists()


def test_a_missing_passcode_is_an_error_not_a_question(make_repo: Callable[..., Repo], run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    result = run("build", "--repo", str(repo.root), "--today", "2026-11-20", env={"PORTAL_PASSCODE": "", "PORTAL_PASSCODE_PARTNERS": ""})
    assert issubclass(PasscodeError, PortalError)
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: PORTAL_PASSCODE is not set: the States passcode is needed to build "
        "(set it as a CI secret; or remove the 'states' tier from schema/settings.yaml)\n"
    )


class Overdue(PortalError):
    exit_code = 3


def handled_group() -> click.Group:
    """A group with the portal's handler and commands that fail in each way a command can."""

    @click.group(cls=PortalGroup)
    def group() -> None:
        pass

    @group.command()
    def overdue() -> None:
        raise Overdue("2 passcode(s) overdue")

    @group.command()
    def located() -> None:
        with about("inbox/from-lao.eml", outcome="nothing was published"):
            raise MailError("the message is empty")

    @group.command()
    def bug() -> None:
        raise KeyError("tier")

    return group


def test_the_handler_keeps_each_error_kind_exit_code() -> None:
    result = CliRunner().invoke(handled_group(), ["overdue"], catch_exceptions=False)
    assert result.exit_code == 3
    assert result.stderr == "Error: 2 passcode(s) overdue\n"


def test_the_handler_shows_what_an_error_is_about_and_what_it_meant() -> None:
    result = CliRunner().invoke(handled_group(), ["located"], catch_exceptions=False)
    assert result.exit_code == 1
    assert result.stderr == "Error: inbox/from-lao.eml: the message is empty; nothing was published\n"


def test_a_bug_keeps_its_traceback() -> None:
    with pytest.raises(KeyError, match="tier"):
        CliRunner().invoke(handled_group(), ["bug"], catch_exceptions=False)


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["validate", "--today", "2026-02-30"], "--today"),
        (["extend", "lao-2026-need-clearance", "--until", "31/12/2027", "--today", "2026-11-20"], "--until"),
        (["outcome", "lao-2026-need-clearance", "--status", "contacted", "--with", "NOR", "--date", "2027-13-01", "--today", "2026-11-20"], "--date"),
        (["senders", "add", "ministry.example.net", "--submitter", "LBN", "--confirmed", "3 November 2026", "--today", "2026-11-20"], "--confirmed"),
    ],
)
def test_a_date_option_that_is_not_a_date_is_named_and_nothing_changes(example_repo: Repo, run: Run, args: list[str], flag: str) -> None:
    before = head(example_repo)
    result = run(*args, "--repo", str(example_repo.root))
    assert result.exit_code == 2
    assert f"Invalid value for '{flag}': " in result.stderr
    assert "is not a date" in result.stderr
    assert head(example_repo) == before
    assert git.Repo(example_repo.root).is_dirty(untracked_files=True) is False
