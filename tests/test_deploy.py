"""`portal deploy` on real git repositories and real folders: site/ only, whole or not at all."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import git
import pytest

from portal.config import Repo
from portal.delivery.deploy import COMMIT_MESSAGE, GITHUB_KNOWN_HOSTS, guess_kind, normalise_remote, push_environment

from tests.helpers import ENV, PROJECT, Run


@pytest.fixture
def built(built_example_repo: Repo) -> Repo:
    return built_example_repo


def site_tree(folder: Path) -> dict[str, bytes]:
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def branch_tree(bare: Path, branch: str) -> dict[str, bytes]:
    handle = git.Repo(bare)
    tree = handle.commit(branch).tree
    return {str(blob.path): blob.data_stream.read() for blob in tree.traverse() if blob.type == "blob"}  # type: ignore[union-attr]


def bare_repo(path: Path) -> Path:
    git.Repo.init(path, bare=True)
    return path


def test_deploy_to_a_bare_repository_holds_exactly_site_in_one_commit(built: Repo, run: Run, tmp_path: Path) -> None:
    bare = bare_repo(tmp_path / "site.git")
    result = run("deploy", str(bare), "--branch", "gh-pages", "--repo", str(built.root), env=ENV)
    assert result.exit_code == 0, result.output
    assert "is sealed for its tier or is the portal's own; no plaintext of" in result.output
    assert f"to branch gh-pages of {bare} as one commit" in result.output

    assert branch_tree(bare, "gh-pages") == site_tree(built.site_dir)
    handle = git.Repo(bare)
    commit = handle.commit("gh-pages")
    assert commit.parents == () and commit.message.strip() == COMMIT_MESSAGE
    assert commit.author.name == "Cooperation portal" and commit.committer.email == "portal@localhost"
    assert [ref.name for ref in handle.references] == ["gh-pages"]
    # Nothing else travelled: every object in the site repository belongs to that one commit.
    reachable = set(handle.git.rev_list("--objects", "--all").split())
    stored = {line.split()[0] for line in handle.git.cat_file("--batch-all-objects", "--batch-check").splitlines()}
    assert stored <= reachable
    submitted = {path.read_bytes() for path in built.submissions.rglob("*") if path.is_file()}
    assert not submitted & set(branch_tree(bare, "gh-pages").values())
    assert not any(name.startswith(("submissions/", "schema/", ".git")) for name in branch_tree(bare, "gh-pages"))


@pytest.mark.slow
def test_a_second_deploy_replaces_the_branch_and_still_leaves_one_commit(built: Repo, run: Run, tmp_path: Path) -> None:
    bare = bare_repo(tmp_path / "site.git")
    assert run("deploy", str(bare), "--repo", str(built.root), env=ENV).exit_code == 0
    first = git.Repo(bare).commit("gh-pages")
    first_files = set(branch_tree(bare, "gh-pages"))
    # The examples have all expired by 2028: fewer pages, and the old ones must leave the branch.
    rebuilt = run("build", "--repo", str(built.root), "--today", "2028-01-01", env=ENV)
    assert rebuilt.exit_code == 0, rebuilt.output
    again = run("deploy", str(bare), "--repo", str(built.root), env=ENV)
    assert again.exit_code == 0, again.output
    second = git.Repo(bare).commit("gh-pages")
    assert second.hexsha != first.hexsha and second.parents == ()
    assert int(git.Repo(bare).git.rev_list("--count", "gh-pages")) == 1
    assert branch_tree(bare, "gh-pages") == site_tree(built.site_dir)
    assert first_files - set(branch_tree(bare, "gh-pages")), "the second build has fewer pages"


@pytest.mark.slow
def test_a_refused_leak_check_deploys_nothing(built: Repo, run: Run, tmp_path: Path) -> None:
    leaked = next(built.submissions.rglob("*.md"))
    shutil.copy(leaked, built.site_dir / "assets" / "notes.txt")
    bare = bare_repo(tmp_path / "site.git")
    folder = tmp_path / "www" / "portal"
    folder.parent.mkdir()
    for target in (str(bare), str(folder)):
        result = run("deploy", target, "--repo", str(built.root), env=ENV)
        assert result.exit_code == 1
        assert "leak" in result.output
    assert list(git.Repo(bare).references) == []
    assert not folder.exists() and list(folder.parent.iterdir()) == []


@pytest.mark.slow
def test_the_folder_target_is_replaced_whole(built: Repo, run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "www" / "portal"
    folder.parent.mkdir()
    first = run("deploy", str(folder), "--repo", str(built.root), env=ENV)
    assert first.exit_code == 0, first.output
    assert f"to folder {folder}" in first.output
    assert site_tree(folder) == site_tree(built.site_dir)
    (folder / "left-over.html").write_text("from an earlier upload")
    assert run("build", "--repo", str(built.root), "--today", "2028-01-01", env=ENV).exit_code == 0
    second = run("deploy", str(folder), "--repo", str(built.root), env=ENV)
    assert second.exit_code == 0, second.output
    assert site_tree(folder) == site_tree(built.site_dir)
    assert sorted(path.name for path in folder.parent.iterdir()) == ["portal"]


@pytest.mark.slow
def test_a_folder_deploy_keeps_none_of_the_builds_file_times(built: Repo, run: Run, tmp_path: Path) -> None:
    """Every file of the copy carries one time, the deployment's, not the build's."""
    long_ago = 1_000_000_000  # 2001: a build made long before the deployment
    for path in built.site_dir.rglob("*"):
        os.utime(path, (long_ago, long_ago))
    folder = tmp_path / "www" / "portal"
    folder.parent.mkdir()
    result = run("deploy", str(folder), "--repo", str(built.root), env=ENV)
    assert result.exit_code == 0, result.output
    assert site_tree(folder) == site_tree(built.site_dir)
    times = {path.stat().st_mtime_ns for path in [folder, *folder.rglob("*")]}
    assert len(times) == 1
    assert times.pop() > long_ago * 10**9


def test_a_folder_that_holds_something_else_is_refused_and_left_alone(built: Repo, run: Run, tmp_path: Path) -> None:
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "budget.xlsx").write_text("not a portal")
    result = run("deploy", str(folder), "--kind", "folder", "--repo", str(built.root), env=ENV)
    assert result.exit_code == 1
    assert "holds other files and no earlier deployment" in result.output
    assert [path.name for path in folder.iterdir()] == ["budget.xlsx"]
    inside = run("deploy", str(built.root / "public"), "--repo", str(built.root), env=ENV)
    assert inside.exit_code == 1 and "inside this repository, which holds the texts" in inside.output


KILLER = textwrap.dedent(
    """
    import os, shutil, signal, sys
    from pathlib import Path
    import portal.delivery.deploy as deploy
    from portal.config import Repo

    site, target, repo, where = Path(sys.argv[1]), Path(sys.argv[2]), Repo(Path(sys.argv[3])), sys.argv[4]
    copied = []
    real_copy = shutil.copyfile

    def copy_then_die(source, destination, **kwargs):
        copied.append(source)
        if where == "copy" and len(copied) == 5:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_copy(source, destination, **kwargs)

    shutil.copyfile = copy_then_die
    if where == "swap":
        deploy.exchange = lambda first, second: os.kill(os.getpid(), signal.SIGKILL)
    deploy.deploy_to_folder(site, target, repo)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["copy", "swap"])
def test_a_folder_deploy_killed_in_the_middle_leaves_the_old_folder(built: Repo, run: Run, tmp_path: Path, where: str) -> None:
    folder = tmp_path / "www" / "portal"
    folder.parent.mkdir()
    assert run("deploy", str(folder), "--repo", str(built.root), env=ENV).exit_code == 0
    old = site_tree(folder)
    assert run("build", "--repo", str(built.root), "--today", "2028-01-01", env=ENV).exit_code == 0
    assert site_tree(built.site_dir) != old

    killed = subprocess.run([sys.executable, "-c", KILLER, str(built.site_dir), str(folder), str(built.root), where], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert site_tree(folder) == old
    assert any(path.name.startswith(".portal.incoming-") for path in folder.parent.iterdir())

    # The next deployment clears what the interrupted one left and puts the new folder in place.
    again = run("deploy", str(folder), "--repo", str(built.root), env=ENV)
    assert again.exit_code == 0, again.output
    assert site_tree(folder) == site_tree(built.site_dir)
    assert sorted(path.name for path in folder.parent.iterdir()) == ["portal"]


def test_the_repository_itself_is_never_a_target(built: Repo, run: Run, tmp_path: Path) -> None:
    handle = git.Repo(built.root)
    handle.create_remote("origin", "git@github.com:ccm/portal-texts.git")
    for target in (str(built.root), "https://github.com/CCM/portal-texts", "ssh://git@github.com/ccm/portal-texts.git"):
        result = run("deploy", target, "--kind", "git", "--repo", str(built.root), env=ENV)
        assert result.exit_code == 1, target
        assert "is this repository, which holds the texts" in result.output
    assert [head.name for head in handle.heads] == ["main"]


def test_credentials_belong_in_the_environment_not_in_the_address(built: Repo, run: Run) -> None:
    result = run("deploy", "https://portal:ghp_secret123@github.com/ccm/site.git", "--repo", str(built.root), env=ENV)
    assert result.exit_code == 1
    assert "holds a password or token" in result.output and "ghp_secret123" not in result.output
    settings = built.schema_dir / "settings.yaml"
    text = settings.read_text()
    settings.write_text(text.replace('  url: ""', '  url: "https://x-access-token:ghp_secret123@github.com/ccm/site.git"'))
    line = next(number for number, row in enumerate(settings.read_text().splitlines(), 1) if row.startswith("  url:"))
    configured = run("deploy", "--repo", str(built.root), env=ENV)
    assert configured.exit_code == 1
    assert f"schema/settings.yaml:{line}:3: error: deploy.url: holds a password or token" in configured.output
    assert "ghp_secret123" not in configured.output


@pytest.mark.slow
def test_a_failed_push_names_no_credential(built: Repo, run: Run) -> None:
    env = {**ENV, "PORTAL_DEPLOY_TOKEN": "ghp_do-not-print-me"}
    result = run("deploy", "https://127.0.0.1:9/ccm/site.git", "--repo", str(built.root), env=env)
    assert result.exit_code == 1
    assert "pushing to https://127.0.0.1:9/ccm/site.git failed" in result.output and "nothing was deployed" in result.output
    assert "ghp_do-not-print-me" not in result.output


@pytest.mark.slow
def test_the_settings_choose_the_target_and_say_where_one_is_missing(built: Repo, run: Run, tmp_path: Path) -> None:
    empty = run("deploy", "--repo", str(built.root), env=ENV)
    assert empty.exit_code == 1
    settings = built.schema_dir / "settings.yaml"
    line = next(number for number, row in enumerate(settings.read_text().splitlines(), 1) if row.startswith("  url:"))
    assert f"schema/settings.yaml:{line}:3: error: deploy.url: empty; set where the site goes" in empty.output

    bare = bare_repo(tmp_path / "site.git")
    settings.write_text(settings.read_text().replace('  url: ""', f'  url: "{bare}"').replace("branch: gh-pages", "branch: main"))
    configured = run("deploy", "--repo", str(built.root), env=ENV)
    assert configured.exit_code == 0, configured.output
    assert branch_tree(bare, "main") == site_tree(built.site_dir)

    settings.write_text(settings.read_text().replace("target: git ", "target: ftp "))
    wrong = run("deploy", "--repo", str(built.root), env=ENV)
    assert wrong.exit_code == 1 and "deploy.target: 'ftp' is not one of: git, folder, pages" in wrong.output


@pytest.mark.slow
def test_the_pages_target_is_left_to_the_workflow(built: Repo, run: Run, tmp_path: Path) -> None:
    here = run("deploy", "pages", "--repo", str(built.root), env=ENV)
    assert here.exit_code == 1 and "uploaded by the Publish workflow" in here.output
    output = tmp_path / "github-output"
    output.write_text("")
    in_actions = run("deploy", "pages", "--repo", str(built.root), env={**ENV, "GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output)})
    assert in_actions.exit_code == 0, in_actions.output
    assert output.read_text() == "target=pages\n"


def test_what_a_target_names() -> None:
    assert guess_kind("pages") == "pages"
    for remote in ("git@github.com:ccm/site.git", "https://github.com/ccm/site", "ssh://git@host/x", "file:///srv/site.git", "site.git"):
        assert guess_kind(remote) == "git", remote
    assert guess_kind("/srv/www/portal") == "folder"
    assert guess_kind(str(PROJECT)) == "git"  # a path to a repository
    assert normalise_remote("git@github.com:CCM/Portal.git") == normalise_remote("https://github.com/ccm/portal") == "github.com/ccm/portal"


def test_the_push_gets_its_credential_from_the_environment_only() -> None:
    environ = {
        "PORTAL_DEPLOY_TOKEN": "tok",
        "PORTAL_DEPLOY_KEY": "-----BEGIN KEY-----\nabc\n-----END KEY-----",
        "GIT_TRACE_CURL": "1",
        "PATH": os.environ["PATH"],
    }
    with push_environment("https://github.com/ccm/site.git", environ) as env:
        assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader"
        assert env["GIT_CONFIG_VALUE_0"] == "AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46dG9r"  # x-access-token:tok
        assert env["GIT_TERMINAL_PROMPT"] == "0" and "GIT_TRACE_CURL" not in env
        key_file = Path(env["GIT_SSH_COMMAND"].split("-i '", 1)[1].split("'", 1)[0])
        assert key_file.read_text().endswith("-----END KEY-----\n")
        assert key_file.stat().st_mode & 0o077 == 0
        known = Path(env["GIT_SSH_COMMAND"].split("UserKnownHostsFile='", 1)[1].split("'", 1)[0])
        assert GITHUB_KNOWN_HOSTS in known.read_text() and "StrictHostKeyChecking=yes" in env["GIT_SSH_COMMAND"]
    assert not key_file.exists()
    with push_environment("git@github.com:ccm/site.git", {"PORTAL_DEPLOY_TOKEN": "tok"}) as env:
        assert "GIT_CONFIG_COUNT" not in env  # a token is sent to an https:// remote only
