"""Golden cases: one YAML file per case holds the input, the expected output and the expected
messages (in the manner of mkdocs-literate-nav's tests); one test function per stage runs them all.

A case file starts with a comment line that says why the case exists, then a mapping with `input`
and the expected keys the stage's test names (`output`, `messages`, `refused`...). Run with
PORTAL_UPDATE_CASES=1 to rewrite the expected keys from what the code does now, then review the
change as a diff of the case files.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

UPDATE = os.environ.get("PORTAL_UPDATE_CASES") == "1"


class _CaseDumper(yaml.SafeDumper):
    """Multi-line strings as literal blocks, so that a case reads as the text it holds."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    printable = all(char.isprintable() or char == "\n" for char in value)
    if "\n" in value and printable and not value.startswith((" ", "\n")) and not any(line != line.rstrip() for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_CaseDumper.add_representer(str, _text)


def cases(folder: Path) -> list[Path]:
    """The case files of a stage, for pytest.mark.parametrize (ids: the file names)."""
    found = sorted(folder.glob("*.yml"))
    assert found, f"{folder} holds no case"
    return found


def load_case(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# "), f"{path.name}: the first line is a comment that says why the case exists"
    case = yaml.safe_load(text)
    assert isinstance(case, dict) and "input" in case, f"{path.name}: a mapping with `input` and what is expected"
    return case


def check_case(path: Path, case: dict[str, Any], actual: dict[str, Any]) -> None:
    """Compare each expected key with what the stage gave; with PORTAL_UPDATE_CASES=1, write it."""
    if UPDATE:
        why = path.read_text(encoding="utf-8").split("\n", 1)[0]
        rewritten = {"input": case["input"], **actual}
        path.write_text(why + "\n" + yaml.dump(rewritten, Dumper=_CaseDumper, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8")
        return
    missing = sorted(set(actual) - set(case))
    assert not missing, f"{path.name}: no expectation for {missing}; run with PORTAL_UPDATE_CASES=1 and review the diff"
    for key, value in actual.items():
        assert value == case[key], f"{path.name}: {key} differs\nexpected: {case[key]!r}\nactual:   {value!r}"
    extra = sorted(set(case) - set(actual) - {"input"})
    assert not extra, f"{path.name}: keys the test does not read: {extra}"
