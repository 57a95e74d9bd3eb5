"""Fault injection for the tests: a command dies at a named step, as a kill would, so that what
an interruption leaves behind is tested without timing. Nothing but the tests sets the variable."""

from __future__ import annotations

import os

FAULT_VARIABLE = "PORTAL_FAULT_AT"


def fault_point(step: str) -> None:
    """Die here (no clean-up, no exit handlers: os._exit, as a kill) when the tests name this step."""
    if os.environ.get(FAULT_VARIABLE) == step:
        os._exit(137)
