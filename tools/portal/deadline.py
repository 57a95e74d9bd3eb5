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

import functools
import gc
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, TypeVar

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
    if threading.current_thread() is not threading.main_thread():
        result = work()
        if time.monotonic() - started > seconds:
            raise TooSlow
        return result
    if _clock.armed:  # inside another deadline, which governs
        return _call(work)
    collecting = gc.isenabled()
    previous_hook = sys.unraisablehook
    previous_handler = signal.signal(signal.SIGALRM, _ring)
    previous_timer = (0.0, 0.0)
    _clock.rang = False
    try:
        sys.unraisablehook = functools.partial(_unless_a_ring, previous_hook)
        previous_timer = signal.setitimer(signal.ITIMER_REAL, seconds, RING_AGAIN)
        gc.disable()
        _clock.armed = True
        result = _call(work)
    except BaseException:
        if _clock.rang:  # whatever the work made of the alarm
            raise TooSlow from None
        raise
    finally:
        _clock.armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        if collecting:
            gc.enable()
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous_handler is None else previous_handler)
        if previous_timer[0]:  # someone else's alarm keeps the time it had left
            signal.setitimer(signal.ITIMER_REAL, max(previous_timer[0] - (time.monotonic() - started), 0.001), previous_timer[1])
    if _clock.rang:  # the work lost the alarm and finished anyway: its result is not trusted
        raise TooSlow
    return result


def _call(work: Callable[[], T]) -> T:
    """The one frame of this module the alarm is raised under: the work's, or the C code it runs."""
    return work()


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
    """Whether an exception raised in `frame` reaches `within` through the work's frames."""
    current: FrameType | None = frame
    while current is not None:
        code = current.f_code
        if code is _call.__code__:
            return True
        if code.co_name == "__del__" or code.co_filename == __file__:
            return False
        current = current.f_back
    return False


def _unless_a_ring(report: Callable[[Any], object], unraisable: Any) -> None:
    """A ring lost where Python can only report it (a weak reference's callback, a generator
    closed as it is freed): not reported, and the alarm rings again soon."""
    if unraisable.exc_type is _Ring:
        signal.setitimer(signal.ITIMER_REAL, RING_SOON, RING_AGAIN)
        return
    report(unraisable)
