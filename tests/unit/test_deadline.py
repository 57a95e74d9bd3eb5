"""The deadline that stops a reading or a render a sender's input makes endless: whatever the
work does with the alarm, it ends in TooSlow at the deadline, and the process is left as it was."""

from __future__ import annotations

import contextlib
import functools
import gc
import signal
import threading
import time
import weakref
from collections.abc import Callable
from types import FrameType

import pytest

from portal.deadline import RING_AGAIN, TooSlow, within

DEADLINE = 0.1
# How late a stop may come on a busy machine and still be "at the deadline": far below the 60 s
# the work would otherwise run.
LATE = 5


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def stopped(work: Callable[[], object]) -> float:
    """How long `within` took to stop the work with TooSlow."""
    started = time.monotonic()
    with pytest.raises(TooSlow):
        within(DEADLINE, work)
    return time.monotonic() - started


def test_work_done_in_time_gives_its_result_and_leaves_no_alarm_behind() -> None:
    handler = signal.getsignal(signal.SIGALRM)
    assert within(DEADLINE, lambda: 6 * 7) == 42
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler
    assert gc.isenabled()


def test_endless_work_is_stopped_at_the_deadline() -> None:
    assert DEADLINE <= stopped(lambda: spin(60)) < DEADLINE + LATE
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert gc.isenabled()


def test_work_that_turns_the_alarm_into_its_own_error_still_ends_in_too_slow() -> None:
    def work() -> None:
        try:
            spin(60)
        except BaseException as exc:
            raise ValueError("the reader's own error") from exc

    assert stopped(work) < DEADLINE + LATE


def test_work_that_swallows_the_alarm_is_stopped_by_the_next_ring() -> None:
    def work() -> None:
        with contextlib.suppress(BaseException):
            spin(60)
        spin(60)

    assert stopped(work) < DEADLINE + RING_AGAIN + LATE


def test_work_that_swallows_the_alarm_and_finishes_gives_no_result() -> None:
    """A reader that lost the alarm may return half a text: it is refused, not taken for the whole."""

    def work() -> str:
        with contextlib.suppress(BaseException):
            spin(60)
        return "half a text"

    stopped(work)


def test_no_collection_runs_while_the_clock_is_armed() -> None:
    """An alarm that rings inside a garbage-collector callback is only reported there, so the
    collector waits: the work is stopped by its own ring, and nothing is reported."""
    collections: list[str] = []
    working = False

    def slow_callback(phase: str, _info: dict[str, int]) -> None:
        if working:
            collections.append(phase)
            spin(DEADLINE)  # the deadline would pass while it runs

    def work() -> None:
        nonlocal working
        working = True
        try:
            for _ in range(10 * gc.get_threshold()[0]):  # enough for the collector to run, were it on
                cycle: list[object] = []
                cycle.append(cycle)
            spin(60)
        finally:
            working = False

    gc.callbacks.append(slow_callback)
    try:
        stopped(work)
    finally:
        gc.callbacks.remove(slow_callback)
    assert collections == []


class SlowToGo:
    def __del__(self) -> None:
        spin(DEADLINE * 2)  # the deadline passes while it runs


def test_an_alarm_that_rings_in_a_finaliser_waits_for_the_work() -> None:
    """pytest turns an exception lost in a finaliser into a failure of this test: none is lost."""

    def work() -> None:
        SlowToGo()
        spin(60)

    assert DEADLINE * 2 <= stopped(work) < DEADLINE * 2 + LATE


def test_an_alarm_lost_in_a_weak_reference_callback_is_not_reported() -> None:
    class Thing:
        pass

    def work() -> None:
        thing = Thing()
        watch = weakref.ref(thing, lambda _ref: spin(DEADLINE * 2))  # the deadline passes while it runs
        del thing
        assert watch() is None
        spin(60)

    assert stopped(work) < DEADLINE + LATE


def test_work_that_is_one_call_into_c_is_stopped() -> None:
    assert stopped(functools.partial(time.sleep, 60)) < DEADLINE + LATE


def test_a_deadline_inside_another_runs_as_part_of_the_outer_one() -> None:
    assert stopped(lambda: within(60, lambda: spin(60))) < DEADLINE + LATE


def test_in_another_thread_the_work_runs_to_its_end_and_is_refused_if_late() -> None:
    outcome: list[object] = []

    def spun(seconds: float) -> float:
        spin(seconds)
        return seconds

    def in_thread() -> None:
        for seconds in (0.0, DEADLINE * 2):
            try:
                outcome.append(within(DEADLINE, functools.partial(spun, seconds)))
            except TooSlow:
                outcome.append(TooSlow)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    assert outcome == [0.0, TooSlow]


def test_an_alarm_set_before_keeps_its_handler_and_the_time_it_had_left() -> None:
    rung: list[int] = []

    def own(signum: int, _frame: FrameType | None) -> None:
        rung.append(signum)

    previous = signal.signal(signal.SIGALRM, own)
    signal.setitimer(signal.ITIMER_REAL, 100)
    try:
        assert within(DEADLINE, lambda: "done") == "done"
        assert signal.getsignal(signal.SIGALRM) is own
        assert 99 < signal.getitimer(signal.ITIMER_REAL)[0] <= 100
        assert rung == []
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
