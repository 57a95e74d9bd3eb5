"""The commit actions have one home (trail/actions.py): every action has its words, its value
is the one earlier versions wrote, and it goes through the trailer writer and parser and back."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from portal.config import Repo
from portal.trail import trailers
from portal.trail.actions import EDIT, OTHER_HISTORY, REPLACED_BY, SEVERAL_SUBJECT, WORDS, Action, subject, told
from portal.trail.store import commit_files

from tests.helpers import MakeRepo

# What commits already in repositories say: these never change.
WRITTEN = {
    "PUBLISH": "publish",
    "REPLACE": "replace",
    "EXTEND": "extend",
    "WITHDRAW": "withdraw",
    "EXPIRE": "expire",
    "ROTATE": "rotate-passcode",
    "OUTCOME": "outcome",
}
FIELDS = {"kind": "need", "submitter": "Lao PDR", "title": "Survey {and} clearance", "count": 2, "s": "s", "tiers": "States"}


def test_the_values_are_those_history_holds() -> None:
    assert {action.name: action.value for action in Action} == WRITTEN


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_its_words(action: Action) -> None:
    assert WORDS[action].subject and WORDS[action].history
    line = subject(action, **FIELDS)
    assert line and "{" not in line.replace("{and}", "") and line[0].isupper()
    said = told(action, other="lao-2025-need", until="2027-05-01")
    assert said and "{" not in said


def test_the_words_said_today() -> None:
    """The subject lines and the words of history, the acknowledgement and the Changes page, as
    every earlier version wrote them."""
    assert subject(Action.PUBLISH, **FIELDS) == "Publish need of Lao PDR: Survey {and} clearance"
    assert subject(Action.REPLACE, **FIELDS) == "Replace need of Lao PDR: Survey {and} clearance"
    assert subject(Action.EXTEND, **FIELDS) == "Extend need of Lao PDR: Survey {and} clearance"
    assert subject(Action.WITHDRAW, **FIELDS) == "Withdraw need of Lao PDR: Survey {and} clearance"
    assert subject(Action.EXPIRE, count=1, s="") == "Remove 1 expired text"
    assert subject(Action.ROTATE, tiers="States, Partners") == "Rotate the passcode of States, Partners"
    assert SEVERAL_SUBJECT.format(count=2, submitter="Lao PDR", titles="A; B") == "Publish 2 texts of Lao PDR from one e-mail: A; B"
    assert told(Action.REPLACE, other="lao-2025-need") == "published (replacing lao-2025-need)"
    assert told(Action.EXTEND, until="2027-05-01") == "extended until 2027-05-01"
    assert told(Action.EXPIRE) == "removed on expiry"
    assert told(REPLACED_BY, other="lao-2027-need") == "replaced by lao-2027-need"
    assert told(EDIT) == "changed"
    assert {action: WORDS[action].acknowledged for action in Action if WORDS[action].acknowledged} == {
        Action.PUBLISH: "published",
        Action.REPLACE: "published",
        Action.EXTEND: "extended",
        Action.WITHDRAW: "withdrawn",
        Action.OUTCOME: "recorded",
    }
    assert subject(Action.OUTCOME, **FIELDS) == "Outcome of need of Lao PDR: Survey {and} clearance"
    assert told(Action.OUTCOME, outcome="contacted IRL") == "outcome: contacted IRL"
    assert {action: WORDS[action].change for action in Action if WORDS[action].change} == {
        Action.PUBLISH: "Published",
        Action.REPLACE: "Updated (replaces an earlier text)",
    }


def test_history_tells_an_unknown_action_as_written() -> None:
    assert told("archive") == "archive"
    assert told("{other}x") == "{other}x"  # a hand-made trailer is never read as a template
    assert set(OTHER_HISTORY).isdisjoint(WRITTEN.values())


@pytest.mark.parametrize("action", list(Action))
def test_an_action_round_trips_through_the_trailers(action: Action) -> None:
    change = trailers.Change(action, "lao-2026-need-survey", fingerprint="ab" * 32, expires="2027-05-01")
    message = trailers.commit_message(subject(action, **FIELDS), "", [change])
    assert f"\n{trailers.ACTION}: {WRITTEN[action.name]}\n" in message  # byte for byte what was written before
    (read,) = trailers.read_changes(message)
    assert read == change and Action(read.action) is action


def test_each_action_is_found_in_real_history(make_repo: MakeRepo) -> None:
    repo: Repo = make_repo()
    made = {}
    for number, action in enumerate(Action):
        message = trailers.commit_message(subject(action, **FIELDS), "", [trailers.Change(action, f"lao-2026-need-{number}")])
        made[action] = commit_files(repo, write={f"notes/{number}.txt": b"x"}, message=message)
    handle = git.Repo(repo.root)
    for action, commit in made.items():
        found = handle.git.log(*trailers.grep_action(action), "--format=%H").split()
        assert found == [commit], action
        body = handle.git.log("-1", "--format=%B", commit)
        assert [change.action for change in trailers.read_changes(body)] == [action.value]


def test_no_module_spells_an_action_by_hand() -> None:
    """The words of an action live in trail/actions.py only: no other module keeps a table of them."""
    tools = Path(__file__).resolve().parents[1] / "tools" / "portal"
    tables = ('"publish": ', '"withdraw": ', '"extend": ', '"expire": ', "'publish': ")
    found = [
        f"{path.relative_to(tools)}: {needle}"
        for path in tools.rglob("*.py")
        if path.name != "actions.py"
        for needle in tables
        if needle in path.read_text(encoding="utf-8")
    ]
    assert found == []
