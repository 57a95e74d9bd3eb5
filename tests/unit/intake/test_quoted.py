"""The quoted-history cut (intake/quoted.py), one golden case per file in cases/quoted/: `input`
is the e-mail's text and subject (and the options --keep-quoted, --keep-signature); `output` is
the text published exactly as kept, the header block's fields and whether it is a forward;
`messages` what the coordinator is told was left out; `refused` the refusal, when there is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.errors import PortalError
from portal.intake.quoted import submission_text

from tests.golden import cases, check_case, load_case

CASES = Path(__file__).parent / "cases" / "quoted"


@pytest.mark.parametrize("path", cases(CASES), ids=lambda path: path.stem)
def test_quoted_case(path: Path) -> None:
    case = load_case(path)
    given = case["input"]
    try:
        parts = submission_text(given["body"], given.get("subject", ""), given.get("keep_quoted", False), given.get("keep_signature", False))
    except PortalError as refused:
        check_case(path, case, {"refused": str(refused)})
        return
    header = {name: value[0] for name, value in parts.header.fields.items()} if parts.header else None
    check_case(path, case, {"output": {"text": parts.text, "header": header, "forwarded": parts.forwarded}, "messages": parts.left_out})
