"""The GitHub Actions workflows: valid against the workflow schema, and running tested commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import PROJECT

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


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_is_valid_against_the_github_schema(path: Path) -> None:
    checker = Path(sys.executable).with_name("check-jsonschema")
    result = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_portal_command_a_workflow_runs_is_exercised_by_the_tests() -> None:
    suite = "\n".join(path.read_text() for path in TESTS.glob("test_*.py") if path.name != "test_workflows.py")
    commands = set()
    for path in WORKFLOWS:
        for line in run_lines(load(path)):
            for match in re.finditer(r"\.venv/bin/portal ((?:passcode )?[a-z-]+)", line):
                commands.add(match.group(1))
    assert commands >= {"validate", "verify", "build", "check-leaks", "expire", "reminders", "passcode status", "passcode generate"}
    for command in commands:
        words = command.split()
        call = ", ".join(f'"{word}"' for word in words)
        assert f"run({call}" in suite, f"`portal {command}` runs in a workflow but no test runs it"


def test_only_the_deploy_job_holds_pages_permissions() -> None:
    publish = load(PROJECT / ".github/workflows/publish.yml")
    assert publish["permissions"] == {"contents": "read"}
    assert publish["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    for name, job in publish["jobs"].items():
        has_pages = "pages" in job.get("permissions", {})
        assert has_pages == (name == "deploy"), name
    assert publish["jobs"]["build"]["steps"][0]["with"]["fetch-depth"] == 0
    assert {"push", "workflow_dispatch", "workflow_call"} <= set(publish["on"])


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
