"""The GitHub Actions workflows: valid against the workflow schema, and running tested commands."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from portal.config import Repo

from tests.helpers import DEMO_DATE, PROJECT, Run, init_git

WORKFLOWS = sorted((PROJECT / ".github" / "workflows").glob("*.yml"))
TESTS = Path(__file__).parent


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def run_lines(workflow: dict) -> list[str]:
    lines = []
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            lines += step.get("run", "").splitlines()
    return lines


def test_every_workflow_is_valid_against_the_github_schema() -> None:
    """One run of the checker for all of them (it names the file of each error it finds)."""
    assert len(WORKFLOWS) >= 4
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_portal_command_a_workflow_runs_is_exercised_by_the_tests() -> None:
    suite = "\n".join(path.read_text() for path in TESTS.glob("test_*.py") if path.name != "test_workflows.py")
    commands = set()
    for path in WORKFLOWS:
        for line in run_lines(load(path)):
            for match in re.finditer(r"\.venv/bin/portal ((?:passcode )?[a-z-]+)", line):
                commands.add(match.group(1))
    assert commands >= {"validate", "verify", "build", "deploy", "expire", "reminders", "passcode status", "passcode generate"}
    for command in commands:
        words = command.split()
        call = ", ".join(f'"{word}"' for word in words)
        assert f"run({call}" in suite, f"`portal {command}` runs in a workflow but no test runs it"


def uses_of(workflow: dict) -> list[tuple[str, str]]:
    """(job, `uses`) of every step and of every job that calls a reusable workflow."""
    found = []
    for name, job in workflow["jobs"].items():
        if "uses" in job:
            found.append((name, job["uses"]))
        found += [(name, step["uses"]) for step in job.get("steps", []) if "uses" in step]
    return found


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_by_its_full_commit(path: Path) -> None:
    text = path.read_text()
    for job, uses in uses_of(load(path)):
        if uses.startswith("./"):
            continue  # a workflow of this repository
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", uses), f"{path.name}: {job}: {uses} is not pinned to a full commit SHA"
        assert re.search(re.escape(uses) + r" # v\d+\.\d+\.\d+\n", text), f"{path.name}: {uses} has no version comment"


def test_one_action_is_pinned_to_the_same_commit_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for _, uses in uses_of(load(path)):
            action, _, commit = uses.partition("@")
            pins.setdefault(action, set()).add(commit)
    assert {action for action, commits in pins.items() if len(commits) > 1} == set()
    assert {"actions/checkout", "actions/setup-python", "actions/upload-pages-artifact", "actions/deploy-pages", "actions/upload-artifact"} <= set(pins)


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_checkout_keeps_no_credential_unless_the_job_pushes(path: Path) -> None:
    for name, job in load(path)["jobs"].items():
        pushes = any("git push" in step.get("run", "") for step in job.get("steps", []))
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is pushes, f"{path.name}: {name}"


def test_only_the_pages_job_holds_pages_permissions_and_the_secrets_stay_in_the_publish_environment() -> None:
    publish = load(PROJECT / ".github/workflows/publish.yml")
    assert publish["permissions"] == {"contents": "read"}
    assert publish["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    for name, job in publish["jobs"].items():
        has_pages = "pages" in job.get("permissions", {})
        assert has_pages == (name == "pages"), name
    assert {"push", "workflow_dispatch", "workflow_call"} <= set(publish["on"])
    assert publish["on"]["push"] == {"branches": ["main"]}
    build = publish["jobs"]["build"]
    assert build["environment"] == "publish"
    assert build["steps"][0]["with"]["fetch-depth"] == 0
    text = (PROJECT / ".github/workflows/publish.yml").read_text()
    secrets = set(re.findall(r"secrets\.(\w+)", text))
    assert secrets == {"PORTAL_PASSCODE", "PORTAL_PASSCODE_PARTNERS", "PORTAL_DEPLOY_TOKEN", "PORTAL_DEPLOY_KEY", "PORTAL_DEPLOY_KNOWN_HOSTS"}
    for name, job in publish["jobs"].items():
        uses_secrets = "secrets." in yaml.safe_dump(job)
        assert uses_secrets == (name == "build"), name


def test_the_deploy_step_runs_the_leak_check_with_the_passcodes_and_pages_follow_it() -> None:
    publish = load(PROJECT / ".github/workflows/publish.yml")
    steps = publish["jobs"]["build"]["steps"]
    deploy = next(step for step in steps if step.get("run", "").startswith(".venv/bin/portal deploy"))
    assert {"PORTAL_PASSCODE", "PORTAL_PASSCODE_PARTNERS", "PORTAL_DEPLOY_TOKEN", "PORTAL_DEPLOY_KEY"} <= set(deploy["env"])
    build_step = next(step for step in steps if step.get("run") == ".venv/bin/portal build")
    assert steps.index(build_step) < steps.index(deploy)
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert steps.index(deploy) < steps.index(upload)
    assert upload["if"] == "steps.deploy.outputs.target == 'pages'" and deploy["id"] == "deploy"
    assert publish["jobs"]["build"]["outputs"]["target"] == "${{ steps.deploy.outputs.target }}"
    assert publish["jobs"]["pages"]["if"] == "needs.build.outputs.target == 'pages'"


def needs(job: dict) -> set[str]:
    value = job.get("needs", [])
    return {value} if isinstance(value, str) else set(value)


@pytest.mark.parametrize("name", ["publish.yml", "daily.yml"])
def test_the_public_repository_guard_comes_first(name: str) -> None:
    jobs = load(PROJECT / ".github/workflows" / name)["jobs"]
    assert jobs["private-repository"] == {"uses": "./.github/workflows/guard.yml"}
    for job_name in jobs:
        if job_name == "private-repository":
            continue
        ancestors, todo = set(), set(needs(jobs[job_name]))
        while todo:
            ancestors |= todo
            todo = set().union(*(needs(jobs[parent]) for parent in todo)) - ancestors
        assert "private-repository" in ancestors, f"{name}: {job_name} may run before the guard"


GUARD = load(PROJECT / ".github/workflows/guard.yml")


def guard_script() -> str:
    (job,) = GUARD["jobs"].values()
    return next(step["run"] for step in job["steps"] if "run" in step)


def run_guard(tmp_path: Path, visibility: str, gh_says: str | None, settings: str, texts: int = 0) -> subprocess.CompletedProcess[str]:
    """The guard's own shell script, in a repository like the one CI checks out, with a stand-in
    for GitHub's command line (which answers what the API would, or fails)."""
    work = tmp_path / "work"
    (work / "schema").mkdir(parents=True)
    (work / "schema" / "settings.yaml").write_text(settings)
    (work / "submissions").mkdir()
    (work / "submissions" / ".gitkeep").write_text("")
    for number in range(texts):
        (work / "submissions" / f"text-{number}.md").write_text("---\n")
    handle = init_git(work)
    handle.git.add("--all")
    handle.git.commit("-qm", "Start")
    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "gh").write_text(f"#!/bin/sh\necho {gh_says}\n" if gh_says else "#!/bin/sh\necho 'HTTP 502' >&2\nexit 1\n")
    (tools / "gh").chmod(0o755)
    env = {"PATH": f"{tools}:/usr/bin:/bin", "VISIBILITY": visibility, "GH_TOKEN": "x", "REPOSITORY": "ccm/portal", "HOME": str(tmp_path)}
    return subprocess.run(["bash", "-e", "-c", guard_script()], cwd=work, env=env, capture_output=True, text=True)


SETTINGS = (PROJECT / "schema" / "settings.yaml").read_text()
NO_TEXTS = SETTINGS.replace("  repository_holds_no_texts: false", "  repository_holds_no_texts: true")


@pytest.mark.parametrize(
    ("visibility", "gh_says", "settings", "texts", "passes", "message"),
    [
        ("private", None, SETTINGS, 3, True, "The repository is private."),
        ("internal", None, SETTINGS, 3, True, "The repository is internal."),
        ("", "private", SETTINGS, 3, True, "The repository is private."),  # a scheduled run asks the API
        ("public", None, SETTINGS, 0, False, "::error title=This repository is public::It holds every text in plaintext and must be private"),
        ("", "public", SETTINGS, 0, False, "::error title=This repository is public::"),
        ("", None, SETTINGS, 0, False, "::error title=Cannot tell whether this repository is private::"),
        ("public", None, NO_TEXTS, 0, True, "says on purpose that it holds no texts, and submissions/ is empty"),
        (
            "public",
            None,
            NO_TEXTS,
            2,
            False,
            "::error title=This public repository holds texts::schema/settings.yaml says it holds none, but submissions/ has 2 file(s)",
        ),
        ("public", None, SETTINGS.replace("  repository_holds_no_texts: false", "  # repository_holds_no_texts: true"), 0, False, "This repository is public"),
    ],
)
def test_the_guard_refuses_a_public_repository(
    tmp_path: Path, visibility: str, gh_says: str | None, settings: str, texts: int, passes: bool, message: str
) -> None:
    result = run_guard(tmp_path, visibility, gh_says, settings, texts)
    assert (result.returncode == 0) == passes, result.stdout + result.stderr
    assert message in result.stdout


@pytest.mark.parametrize(
    "line",
    [
        "  repository_holds_no_texts: true",
        "  repository_holds_no_texts: true   # a public copy of the code",
        "  repository_holds_no_texts: false",
        "  repository_holds_no_texts: 'true'",
        "  repository_holds_no_texts: yes",
        "  # repository_holds_no_texts: true",
    ],
)
def test_the_guard_reads_the_setting_as_the_portal_does(tmp_path: Path, line: str) -> None:
    """The guard has no YAML parser; where it reads `true`, so must the settings loader (the
    guard may only be stricter)."""
    from portal.config import ConfigError, load_settings

    settings = tmp_path / "settings.yaml"
    settings.write_text(SETTINGS.replace("  repository_holds_no_texts: false", line))
    guard_says = run_guard(tmp_path, "public", None, settings.read_text()).returncode == 0
    try:
        portal_says = load_settings(settings).deploy.repository_holds_no_texts
    except ConfigError:
        portal_says = False
    assert not guard_says or portal_says
    assert guard_says == (line.lstrip().startswith("repository_holds_no_texts: true"))


def test_pull_requests_need_no_secret() -> None:
    check = (PROJECT / ".github/workflows/check.yml").read_text()
    assert "secrets." not in check
    assert "pull_request" in load(PROJECT / ".github/workflows/check.yml")["on"]
    assert "make test" in check


def test_the_daily_run_expires_then_publishes_and_checks_the_passcode() -> None:
    daily = load(PROJECT / ".github/workflows/daily.yml")
    assert "schedule" in daily["on"]
    assert daily["jobs"]["publish"]["uses"] == "./.github/workflows/publish.yml"
    assert daily["jobs"]["publish"]["needs"] == "expire"
    assert any("portal passcode status" in line for line in run_lines({"jobs": {"a": daily["jobs"]["passcode-age"]}}))


def test_the_daily_logs_name_no_text() -> None:
    daily = load(PROJECT / ".github/workflows/daily.yml")
    lines = run_lines({"jobs": {"expire": daily["jobs"]["expire"]}})
    assert "set -o pipefail" in lines
    assert ".venv/bin/portal expire | tail -n 1" in lines  # the count; the commit lists the texts
    assert ".venv/bin/portal reminders --counts-only" in lines
    upload = next(step for step in daily["jobs"]["expire"]["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "outbox/" and upload["with"]["retention-days"] <= 30


def test_reminders_in_ci_print_counts_only(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    from portal.checks.validate import validate_repo
    from portal.lifecycle import select_active

    outbox = tmp_path / "outbox"
    args = ("reminders", "--within", "400d", "--outbox", str(outbox), "--repo", str(example_repo.root), "--today", DEMO_DATE)
    in_ci = run(*args, env={"GITHUB_ACTIONS": "true"})
    assert in_ci.exit_code == 0, in_ci.output
    counts = re.fullmatch(
        r"(\d+) text\(s\) of \d+ submitter\(s\) expire in the next 400 days: (\d+) draft\(s\) and the summary are in \S+; \d+ submitter\(s\) without a contact e-mail to follow up by hand\.\n",
        in_ci.output,
    )
    assert counts, in_ci.output
    drafts = list(outbox.glob("*.eml"))
    assert len(drafts) == int(counts.group(2)) and (outbox / f"{DEMO_DATE}-summary.txt").is_file()
    submissions = validate_repo(example_repo).submissions
    for sub in submissions:
        assert sub.id not in in_ci.output and sub.title not in in_ci.output and sub.submitter.name not in in_ci.output
    # Every text on the portal expires within 400 days of the examples' date: --details names each.
    on_portal = select_active(submissions, dt.date.fromisoformat(DEMO_DATE))
    assert int(counts.group(1)) == len(on_portal)
    details = run(*args, "--details", env={"GITHUB_ACTIONS": "true"})
    for sub in on_portal:
        assert f"  {sub.id}  ({sub.submitter.name}): {sub.title}\n" in details.output
    assert run(*args, "--counts-only").output == in_ci.output


@pytest.mark.slow
def test_building_the_handbook_shows_no_notice_of_the_theme(tmp_path: Path) -> None:
    """`make handbook` as a newcomer runs it: the theme's notice about the next MkDocs is not about
    their handbook and stays silent; a real warning would still show."""
    for name in ("docs", "mkdocs.yml", "Makefile"):
        source = PROJECT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, tmp_path / name)
    venv = Path(sys.prefix)
    result = subprocess.run(
        ["make", "-s", "-o", f"{venv}/bin/portal", "handbook", f"VENV={venv}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == "" and "WARNING" not in result.stdout
    assert result.stdout == "The handbook is in build/handbook/ (open build/handbook/index.html).\n"
    assert (tmp_path / "build" / "handbook" / "index.html").is_file()


@pytest.mark.slow
def test_installing_prints_no_deprecation_warning(tmp_path: Path) -> None:
    """The package's own metadata, built by the setuptools that pyproject.toml asks for."""
    for name in ("pyproject.toml", "README.md", "tools"):
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
        else:
            shutil.copy2(source, tmp_path / name)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(tmp_path / "wheel"), str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "deprecated" not in output.lower() and "BuildBackendWarning" not in output
    assert list((tmp_path / "wheel").glob("ccm_cooperation_portal-*.whl"))


def test_each_workflow_installs_what_it_runs_with_the_pip_cache() -> None:
    """Publishing and the daily run install the portal alone; only the checks of pull requests
    install the test tools. Every install reads pip's cache, keyed on what decides the versions."""
    for path in WORKFLOWS:
        for name, job in load(path).get("jobs", {}).items():
            steps = job.get("steps", [])
            installs = [line for step in steps for line in step.get("run", "").splitlines() if "pip install" in line or "make .venv/bin/portal" in line]
            if not any(".venv/bin/" in step.get("run", "") for step in steps):
                continue
            assert len(installs) == 1, f"{path.name} {name}: one install step, not {installs}"
            if path.name == "check.yml":
                assert installs == ["make .venv/bin/portal"], f"{path.name} {name}: the checks install the test tools (make)"
            else:
                assert installs == [".venv/bin/pip install --quiet -c constraints.txt ."], f"{path.name} {name}: the runtime alone, pinned"
            setup = next(step for step in steps if step.get("uses", "").startswith("actions/setup-python@"))
            assert setup["with"]["cache"] == "pip", f"{path.name} {name}: no pip cache"
            assert set(setup["with"]["cache-dependency-path"].split()) == {"pyproject.toml", "constraints.txt"}


def test_the_ci_entry_point_runs_make_test() -> None:
    lines = (PROJECT / ".ci" / "run").read_text().splitlines()
    assert lines[-1] == "make test"
