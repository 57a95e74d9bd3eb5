"""The portal's commit actions and the one table of their words.

Each value is written as `Portal-Action: <value>` in a commit (trailers.py) and read back from
history, so a value never changes: commits written by earlier versions must still read the same.
Everything said about an action (the commit's subject line, how `portal history` tells it, what
the acknowledgement e-mail says happened, the Changes page) is in WORDS.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    PUBLISH = "publish"
    REPLACE = "replace"
    EXTEND = "extend"
    WITHDRAW = "withdraw"
    EXPIRE = "expire"
    ROTATE = "rotate-passcode"
    OUTCOME = "outcome"


@dataclass(frozen=True)
class Words:
    """How an action is said. `subject`: the commit's first line (fields: kind, submitter,
    title; count, s and tiers where the action says so); `history`: a line of `portal history`
    (fields: other, until, outcome); `acknowledged`: 'your text is …' in the acknowledgement ('' when
    none is sent); `change`: the Changes page's column ('' when the page leaves it out)."""

    subject: str
    history: str
    acknowledged: str = ""
    change: str = ""


WORDS: dict[Action, Words] = {
    Action.PUBLISH: Words("Publish {kind} of {submitter}: {title}", "published", "published", "Published"),
    Action.REPLACE: Words("Replace {kind} of {submitter}: {title}", "published (replacing {other})", "published", "Updated (replaces an earlier text)"),
    Action.EXTEND: Words("Extend {kind} of {submitter}: {title}", "extended until {until}", "extended"),
    Action.WITHDRAW: Words("Withdraw {kind} of {submitter}: {title}", "withdrawn", "withdrawn"),
    Action.EXPIRE: Words("Remove {count} expired text{s}", "removed on expiry"),
    Action.ROTATE: Words("Rotate the passcode of {tiers}", "passcode changed"),
    Action.OUTCOME: Words("Outcome of {kind} of {submitter}: {title}", "outcome: {outcome}", "recorded"),
}

# Several texts of one e-mail published in one commit.
SEVERAL_SUBJECT = "Publish {count} texts of {submitter} from one e-mail: {titles}"

# What `portal history` says of a commit that is not one of the text's own actions.
REPLACED_BY = "replaced-by"  # a commit that published the text replacing it
EDIT = "edit"  # a commit without the portal's trailers for it (a change by hand)
OTHER_HISTORY = {REPLACED_BY: "replaced by {other}", EDIT: "changed"}

# The actions a State asks for by e-mail about a text already published: history names who asked.
REQUESTS = (Action.EXTEND, Action.WITHDRAW)


def subject(action: Action, **fields: object) -> str:
    """The subject line of a commit of `action` (a value in a field is never read as a template)."""
    return WORDS[action].subject.format(**fields)


def told(action: str, other: str = "", until: str = "", outcome: str = "") -> str:
    """How `portal history` tells an action read from a commit (an action this version does not
    know is told as written)."""
    template = WORDS[Action(action)].history if action in _VALUES else OTHER_HISTORY.get(action)
    if template is None:
        return action
    return template.format(other=other or "an earlier text", until=until or "a later date", outcome=outcome or "recorded")


_VALUES = frozenset(action.value for action in Action)
