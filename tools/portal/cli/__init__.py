"""The `portal` command: a thin layer over the portal's functions. `base` holds the group and
what its commands share; each `*_commands` module registers its commands on the group."""

from __future__ import annotations

from portal.cli import passcode_commands, report_commands, request_commands, site_commands, workflow_commands
from portal.cli.base import PortalGroup, main

__all__ = ["PortalGroup", "main", "passcode_commands", "report_commands", "request_commands", "site_commands", "workflow_commands"]
