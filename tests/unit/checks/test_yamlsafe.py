"""The YAML reader with positions (checks/yamlsafe.py), one golden case per file in
cases/yamlsafe/: `input` is the YAML as a person wrote it (and the line it starts on in its file,
`line_offset`); `output` the data and the line and column of every key and value, by dotted path;
`refused` the located problem, as `line:col: message`. Both readings, the quick and the careful
one, must give the same."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.checks import yamlsafe

from tests.golden import cases, check_case, load_case

CASES = Path(__file__).parent / "cases" / "yamlsafe"


def read(text: str, line_offset: int, quick: bool) -> dict[str, Any]:
    try:
        located = yamlsafe.load(text, line_offset, quick=quick)
    except yamlsafe.YamlError as refused:
        return {"refused": f"{refused.line}:{refused.col}: {refused.message}"}
    positions = {yamlsafe.dotted(path) or "(document)": f"{place[0]}:{place[1]}" for path, place in located.positions.items()}
    return {"output": {"data": located.data, "positions": positions}}


@pytest.mark.parametrize("path", cases(CASES), ids=lambda path: path.stem)
def test_yaml_case(path: Path) -> None:
    case = load_case(path)
    given = case["input"]
    careful = read(given["yaml"], given.get("line_offset", 0), quick=False)
    assert read(given["yaml"], given.get("line_offset", 0), quick=True) == careful
    check_case(path, case, careful)
