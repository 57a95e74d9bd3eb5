"""The header block reader (intake/headerblock.py), one golden case per file in cases/headerblock/:
`input` is the e-mail's text, `output` the block found (null: none), field by field with its line
and the lines that continued its value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from portal.intake.headerblock import HeaderBlock, split_header_block

from tests.golden import cases, check_case, load_case

CASES = Path(__file__).parent / "cases" / "headerblock"


def described(block: HeaderBlock | None) -> dict[str, Any] | None:
    if block is None:
        return None
    fields = {}
    for name, value in block.fields.items():
        continued = list(getattr(value, "continued", ()))
        fields[name] = {"value": value[0], "line": value[1], **({"continued": continued} if continued else {})}
    return {"fields": fields, "start_line": block.start_line, "body_line": block.body_line, "body": block.body}


@pytest.mark.parametrize("path", cases(CASES), ids=lambda path: path.stem)
def test_header_block_case(path: Path) -> None:
    case = load_case(path)
    check_case(path, case, {"output": described(split_header_block(case["input"]))})
