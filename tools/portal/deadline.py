"""A deadline for work a sender's input can make endless: reading an attached document, an HTML
body or an Outlook message, rendering a Markdown text.

The work runs in this process and is interrupted by a timer signal (SIGALRM), which Python turns
into an exception raised in whatever Python code runs when it rings. That code may lose it: a
garbage-collector callback or a `__del__` reports it and goes on, a reader may catch everything
and turn it into its own error. So the alarm rings again every RING_AGAIN seconds until the work
stops, no collection runs while the clock is armed, and once it has rung the work's result,
whatever it is, is refused: never a half-read text taken for the whole.

Only the main thread can be interrupted (the command line's, and each worker process's); in
another thread the work runs to its end and is refused afterwards if it took too long. A
deadline inside another runs as part of the outer one.
"""

from __future__ import annotations

import gc
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import TypeVar

RING_AGAIN = 0.1  # seconds between rings once the deadline has passed, until the work stops
RING_SOON = 0.005  # seconds to the next ring when one came where it could not be raised

T = TypeVar("T")


class TooSlow(Exception):
    """The work was still running at its deadline."""


class _Ring(BaseException):
    """Raised by the alarm: a BaseException, so that no reader's `except Exception` swallows it."""


@dataclass
class _Clock:
    armed: bool = False
    rang: bool = False


_clock = _Clock()


def within(seconds: float, work: Callable[[], T]) -> T:
    """work(), or TooSlow when it runs past `seconds`."""
    started = time.monotonic()
    if _clock.armed or threading.current_thread() is not threading.main_thread():
        result = work()
        if not _clock.armed and time.monotonic() - started > seconds:
            raise TooSlow
        return result
    previous_handler = signal.signal(signal.SIGALRM, _ring)
    previous_timer, _interval = signal.setitimer(signal.ITIMER_REAL, seconds, RING_AGAIN)
    collecting = gc.isenabled()
    gc.disable()
    _clock.armed, _clock.rang = True, False
    try:
        result = work()
    except BaseException:
        if _clock.rang:  # whatever the work made of the alarm
            raise TooSlow from None
        raise
    finally:
        _clock.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous_handler)
        if collecting:
            gc.enable()
        if previous_timer:  # someone else's alarm keeps the time it had left
            signal.setitimer(signal.ITIMER_REAL, max(previous_timer - (time.monotonic() - started), 0.001))
    if _clock.rang:  # the work lost the alarm and finished anyway: its result is not trusted
        raise TooSlow
    return result


def _ring(_signum: int, frame: FrameType | None) -> None:
    """Raise in the work, not in this module's own bookkeeping nor anywhere inside a finaliser
    (which would only report it): there the alarm rings again soon."""
    if not _clock.armed:
        return
    if frame is None or not _may_raise_in(frame):
        signal.setitimer(signal.ITIMER_REAL, RING_SOON, RING_AGAIN)
        return
    _clock.rang = True
    raise _Ring


def _may_raise_in(frame: FrameType) -> bool:
    """Whether an exception raised in `frame` reaches `within` (the frames between are the work's)."""
    current: FrameType | None = frame
    while current is not None:
        code = current.f_code
        if code.co_name == "__del__" or code.co_filename == __file__:
            return code is within.__code__ and current is not frame
        current = current.f_back
    return False
