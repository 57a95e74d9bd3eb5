"""The commit trailers: one block of `Portal-` lines for each submission a commit concerns.

A commit the portal makes ends with its trailers, one block per submission, each block opened
by `Portal-Action` (an expiry that removes three texts holds three blocks):

    Publish need of Lao PDR: Survey and clearance in Xiengkhouang

    Received 2026-11-02 from National Regulatory Authority.

    Portal-Action: publish
    Portal-Submission: lao-2026-need-survey-clearance-xiengkhouang
    Portal-Fingerprint: sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    Portal-Message-Id: <4f1c@nra.example.la>
    Portal-Replaces: lao-2025-need-survey-clearance-xiengkhouang
    Portal-Sender: planning@nra.example.la (register)
    Portal-Authentication: dkim=pass (nra.example.la) by mx.example.org

An extension (`portal extend`) keeps the text and its fingerprint and records the new expiry
(`Portal-Expires`) and the request it answers (its Message-ID and sender), if there was one.
An outcome (`portal outcome`) keeps the text too and records what became of it
(`Portal-Outcome: contacted IRL`) and who told it (`Portal-Outcome-From`: the submitter, the
other party, or the coordinator's own record by hand, with no e-mail).

`commit_message` is the one writer and `read_changes` the one parser: whatever reads the trail
(history, the changes page, published Message-IDs, `portal verify`) reads it through them. The
parser reads every commit earlier versions wrote, whose trailers had this same form. The values
of `Portal-Action` and how each is said are in actions.py.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from portal.trail.actions import Action

__all__ = ["Action", "Change", "commit_message", "read_changes", "read_reason"]

ACTION = "Portal-Action"
SUBMISSION = "Portal-Submission"
FINGERPRINT = "Portal-Fingerprint"
MESSAGE_ID = "Portal-Message-Id"
REPLACES = "Portal-Replaces"
SENDER = "Portal-Sender"
EXPIRES = "Portal-Expires"  # the expiry an extension sets (YYYY-MM-DD)
AUTHENTICATION = "Portal-Authentication"  # what the receiving server verified about the sender
OUTCOME = "Portal-Outcome"  # what became of a text, as `portal outcome` recorded it: 'contacted IRL'
OUTCOME_FROM = "Portal-Outcome-From"  # who told it: 'submitter', 'other party (IRL)', 'coordinator (by hand)'
REASON = "Reason"  # a withdrawal's reason: a line of the body, before the trailers

_ALGORITHM = "sha256:"
_TRAILER = re.compile(r"^(Portal-[A-Za-z-]+):[ \t]*(.*)$", re.MULTILINE)
_REASON = re.compile(rf"^{REASON}: (.*)$", re.MULTILINE)
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


@dataclass(frozen=True)
class Change:
    """One submission's part in one commit: one block of trailers."""

    action: str  # an Action; read as written, so that an action this version does not know is kept
    submission: str = ""
    fingerprint: str = ""  # SHA-256 of the text as received, in hex (written as sha256:<hex>)
    message_id: str = ""
    replaces: str = ""
    sender: str = ""  # who sent it, and whether the register or the coordinator by hand vouched for them
    expires: str = ""  # an extension's new expiry date
    authentication: str = ""  # the receiving server's DKIM/SPF/DMARC results for the From domain
    outcome: str = ""  # an outcome's status and the other party: 'contacted IRL'
    outcome_from: str = ""  # who told the outcome
    other: tuple[tuple[str, str], ...] = ()  # `Portal-` trailers this version does not know, as read

    def trailers(self) -> list[str]:
        """The block's lines, in the order every version wrote them; empty values are left out."""
        fingerprint = f"{_ALGORITHM}{self.fingerprint}" if self.fingerprint else ""
        fields = [
            (ACTION, self.action),
            (SUBMISSION, self.submission),
            (FINGERPRINT, fingerprint),
            (MESSAGE_ID, self.message_id),
            (REPLACES, self.replaces),
            (SENDER, self.sender),
            (EXPIRES, self.expires),
            (AUTHENTICATION, self.authentication),
            (OUTCOME, self.outcome),
            (OUTCOME_FROM, self.outcome_from),
            *self.other,
        ]
        # A trailer is one line: a line break inside a value (a Message-ID header can decode to
        # one) would start a line that reads as another trailer.
        return [f"{key}: {_LINE_BREAKS.sub(' ', value.strip())}" for key, value in fields if value.strip()]


def commit_message(subject: str, body: str, changes: Sequence[Change], *, reason: str = "") -> str:
    """The message of a portal commit: subject, body, the reason of a withdrawal, then one
    block of trailers per change."""
    parts = [subject.strip()]
    if body.strip():
        parts.append(body.strip())
    if reason.strip():
        parts.append(f"{REASON}: {reason.strip()}")
    parts.append("\n".join(line for change in changes for line in change.trailers()))
    return "\n\n".join(parts) + "\n"


def read_changes(message: str) -> list[Change]:
    """The blocks of trailers in a commit message, in order. A block starts at each
    `Portal-Action`; a key repeated inside a block keeps its first value; `Portal-` lines before
    the first action belong to no block and are left out."""
    blocks: list[dict[str, str]] = []
    for key, value in _TRAILER.findall(message):
        if key == ACTION:
            blocks.append({})
        if blocks:
            blocks[-1].setdefault(key, value.strip())
    return [_change(block) for block in blocks]


def read_reason(message: str) -> str:
    """The reason a withdrawal gives ('' when the message has none)."""
    found = _REASON.search(message)
    return found.group(1).strip() if found else ""


def grep_key(key: str) -> str:
    """`git log` option that keeps the commits holding a trailer with this key."""
    return f"--grep=^{key}:"


def grep_action(action: Action) -> list[str]:
    """`git log` options that keep the commits holding a block of this action."""
    return ["-E", f"--grep=^{ACTION}: {re.escape(action)}$"]


def grep_naming(submission: str) -> list[str]:
    """`git log` options that keep the commits whose trailers name this submission, as the
    submission itself or as the one it replaces."""
    return ["-E", f"--grep=^({SUBMISSION}|{REPLACES}): {re.escape(submission)}$"]


def _change(block: dict[str, str]) -> Change:
    known = (ACTION, SUBMISSION, FINGERPRINT, MESSAGE_ID, REPLACES, SENDER, EXPIRES, AUTHENTICATION, OUTCOME, OUTCOME_FROM)
    return Change(
        action=block.get(ACTION, ""),
        submission=block.get(SUBMISSION, ""),
        fingerprint=block.get(FINGERPRINT, "").removeprefix(_ALGORITHM),
        message_id=block.get(MESSAGE_ID, ""),
        replaces=block.get(REPLACES, ""),
        sender=block.get(SENDER, ""),
        expires=block.get(EXPIRES, ""),
        authentication=block.get(AUTHENTICATION, ""),
        outcome=block.get(OUTCOME, ""),
        outcome_from=block.get(OUTCOME_FROM, ""),
        other=tuple((key, value) for key, value in block.items() if key not in known),
    )
