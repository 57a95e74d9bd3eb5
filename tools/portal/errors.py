"""The portal's user-facing errors: one family, turned into a message and an exit code in one place.

Domain code raises a subclass of `PortalError` whose message a person reads (what is wrong, where,
and what would be right); the `portal` command prints it as `Error: MESSAGE` on stderr and exits
with its `exit_code`, with no traceback. Any other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from portal.model import Problem


class Finding(Protocol):
    """What a check of the published folder found (a leak), said without the words it found."""

    @property
    def path(self) -> str: ...
    @property
    def what(self) -> str: ...
    @property
    def submission(self) -> str: ...
    def message(self) -> str: ...


class PortalError(Exception):
    """An error a person can act on: the message says what is wrong, where, and what would be right.

    What the failed command found goes with it and is printed above the message: the submissions'
    problems (as `portal validate` prints them) and the leaks of a published folder (naming the file,
    never the words found).
    """

    exit_code: int = 1
    problems: Sequence[Problem] = ()
    leaks: Sequence[Finding] = ()
    # Set by `about`: what the error is about (shown before the message) and what it means for
    # the command that failed (shown after it); the domain code that raises it knows neither.
    subject: str = ""
    outcome: str = ""

    def text(self) -> str:
        """The line a person reads (without the `Error: ` click puts in front)."""
        text = str(self)
        if self.subject:
            text = f"{self.subject}: {text}"
        if self.outcome:
            text = f"{text}; {self.outcome}"
        return text


@contextmanager
def about(subject: str = "", *, outcome: str = "", kinds: tuple[type[PortalError], ...] = (PortalError,)) -> Iterator[None]:
    """Errors of these kinds raised inside are about `subject` (e.g. the e-mail being read) and end
    with `outcome` (e.g. "nothing was deployed"); they go on to the handler unchanged otherwise."""
    try:
        yield
    except kinds as exc:
        exc.subject = exc.subject or subject
        exc.outcome = exc.outcome or outcome
        raise
