"""Independent pieces of a build run side by side in worker processes when the machine has more
than one core: the tiers' pages, and the leak check of each tier's folder."""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any


def can_fork() -> bool:
    """fork() is only safe in a process with no other thread (a serving preview has one)."""
    return (os.cpu_count() or 1) > 1 and threading.active_count() == 1


def size(wanted: int) -> int:
    """How many workers a pool for `wanted` side-by-side pieces has: no more than the cores."""
    return max(1, min(wanted, os.cpu_count() or 1))


def pool(workers: int, initializer: Callable[..., None] | None = None, initargs: tuple[Any, ...] = ()) -> ProcessPoolExecutor:
    """Forked workers: they start with a copy of this process (nothing is pickled on the way in)
    and die with it."""
    context = multiprocessing.get_context("fork")
    return ProcessPoolExecutor(max_workers=size(workers), mp_context=context, initializer=_start_worker, initargs=(initializer, initargs))


def _start_worker(initializer: Callable[..., None] | None, initargs: tuple[Any, ...]) -> None:
    _die_with_parent()
    if initializer is not None:
        initializer(*initargs)


def _die_with_parent() -> None:
    """A worker must not outlive a build that was killed (Linux: PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
