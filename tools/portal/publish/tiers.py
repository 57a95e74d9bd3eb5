"""The steps of each tier of a build, and how they run on the machine's cores.

A tier is rendered (its pages as Markdown), generated (HTML, by MkDocs, one run per tier), then
sealed. With more than one core every step runs in a forked worker as soon as what it needs is
done: the tiers are rendered and generated side by side, each tier is sealed in parts
(protect.seal_part, finish_tier), and the build's own work that needs no worker (the leak check's
needles) runs in a thread beside the loop that starts the steps.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from portal import workers
from portal.config import Repo
from portal.publish.generate.generator import run_generator, write_pages
from portal.publish.render.site import TierInput, render_tier
from portal.publish.seal.addresses import page_keys
from portal.publish.seal.keys import TierKeys
from portal.publish.seal.protect import Protected, PublicText, SealedPart, finish_tier, protect_tier, seal_part, staged_files

T = TypeVar("T")


class Stopwatch:
    """Adds the time since the last lap to a stage's total."""

    def __init__(self, totals: dict[str, float]) -> None:
        self.totals = totals
        self.restart()

    def restart(self) -> None:
        self.clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.totals[stage] = self.totals.get(stage, 0.0) + now - self.clock
        self.clock = now


@dataclass
class TierJob:
    repo: Repo
    tier: str
    data: TierInput
    keys: TierKeys
    out: Path
    text: PublicText


@dataclass
class TierDone:
    protected: Protected
    stages: dict[str, float]
    addressed: dict[str, str] = field(default_factory=dict)  # logical key -> page file, for the lasting addresses


@dataclass
class Generated:
    """A tier's pages rendered into its pages folder, then generated into its staging folder, and
    what sealing them needs to know."""

    config: Path  # its mkdocs.yml
    staging: Path
    pages: int
    files: set[str]  # what is sealed as a file (attachments, exports)
    alike: dict[str, str]  # the files every tier has (exports)
    stages: dict[str, float]
    addressed: dict[str, str] = field(default_factory=dict)  # logical key -> page file (addresses.page_keys)


def render_pages(job: TierJob) -> Generated:
    """Render one tier's pages and write them, with their mkdocs.yml, into its pages folder."""
    stages: dict[str, float] = {}
    clock = Stopwatch(stages)
    named: dict[str, str] = {}

    def namer(key: str) -> str:
        named[key] = job.keys.name(key)
        return named[key]

    rendered = render_tier(job.data, namer=namer)
    staging = job.repo.build_dir / "staging" / job.tier
    config = write_pages(job.repo, rendered, job.repo.build_dir / "pages" / job.tier, staging, job.data.site_name)
    shutil.rmtree(staging, ignore_errors=True)
    clock.lap("render")
    addressed = page_keys(named, rendered.pages)
    return Generated(config, staging, len(rendered.pages), set(rendered.files) | set(rendered.generated), rendered.alike, stages, addressed)


def generate(made: Generated) -> float:
    """Generate a tier's pages into its staging folder; the seconds it took."""
    started = time.perf_counter()
    run_generator(made.config)
    return time.perf_counter() - started


def build_tier(job: TierJob) -> TierDone:
    """Render, generate and seal one tier into job.out/<its folder>, in this process."""
    made = render_pages(job)
    made.stages["generator"] = generate(made)
    started = time.perf_counter()
    protected = protect_tier(made.staging, job.out, job.keys, job.text, made.files, made.alike)
    return TierDone(protected, {**made.stages, "protect": time.perf_counter() - started}, made.addressed)


def seal_tier_part(out: Path, keys: TierKeys, text: PublicText, made: Generated, files: list[str]) -> tuple[SealedPart, float]:
    """Seal some of a tier's files (protect.seal_part); the seconds it took."""
    started = time.perf_counter()
    return seal_part(made.staging, out, keys, text, made.files, made.alike, files), time.perf_counter() - started


def run_tiers(jobs: list[TierJob], meanwhile: Callable[[], T]) -> tuple[list[TierDone], T]:
    """The tiers are independent builds. On a machine with more than one core every step runs in
    worker processes as soon as what it needs is made: each tier is rendered, then generated,
    then sealed in parts; and this process does
    `meanwhile` once the first tier is generated."""
    if len(jobs) == 1 or not workers.can_fork():
        return [build_tier(job) for job in jobs], meanwhile()
    with workers.pool(workers.size(len(jobs))) as running:
        steps = _TierSteps(jobs, running, workers.size(len(jobs)))
        try:
            made = steps.run(meanwhile)
        except BaseException:
            running.shutdown(wait=False, cancel_futures=True)  # no step starts after one failed
            raise
    return steps.finish(), made


class _TierSteps:
    """The steps of every tier on a pool of workers, each started when what it needs is done."""

    def __init__(self, jobs: list[TierJob], running: ProcessPoolExecutor, cores: int) -> None:
        self.jobs, self.running, self.cores = jobs, running, cores
        self.made: dict[int, Generated] = {}
        self.sealing: dict[int, list[Future[tuple[SealedPart, float]]]] = {}
        self.steps: dict[Future[Any], tuple[str, int]] = {running.submit(render_pages, job): ("render", index) for index, job in enumerate(jobs)}

    def run(self, meanwhile: Callable[[], T]) -> T:
        """Every step, each as soon as it can start; `meanwhile` in a thread of this process once
        the first tier is generated, so that the steps after it are not held up."""
        beside = _Beside(meanwhile)
        pending = set(self.steps)
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    pending.update(self._next(future))
                if self.sealing:
                    beside.start()
        except BaseException:
            beside.join()  # no thread outlives a failed build
            raise
        return beside.result()

    def _next(self, future: Future[Any]) -> list[Future[Any]]:
        """What can start now that `future` is done (its result raises if the step failed)."""
        step, index = self.steps[future]
        result = future.result()
        job = self.jobs[index]
        if step == "render":
            self.made[index] = result
            return [self._submit(("generate", index), generate, result)]
        if step == "generate":
            made = self.made[index]
            made.stages["generator"] = result
            files = staged_files(made.staging)
            self.sealing[index] = [
                self._submit(("seal", index), seal_tier_part, job.out, job.keys, job.text, made, files[part :: self.cores]) for part in range(self.cores)
            ]
            return list(self.sealing[index])
        return []

    def _submit(self, step: tuple[str, int], function: Callable[..., Any], *args: Any) -> Future[Any]:
        future = self.running.submit(function, *args)
        self.steps[future] = step
        return future

    def finish(self) -> list[TierDone]:
        """Each tier's sealed parts put together (protect.finish_tier)."""
        dones = []
        for index, job in enumerate(self.jobs):
            made = self.made[index]
            started = time.perf_counter()
            parts = [future.result() for future in self.sealing[index]]
            protected = finish_tier(made.staging, job.out, job.keys, job.text, [part for part, _seconds in parts], len(made.alike))
            seconds = sum(seconds for _part, seconds in parts) + time.perf_counter() - started
            dones.append(TierDone(protected, {**made.stages, "protect": seconds}, made.addressed))
        return dones


class _Beside(Generic[T]):
    """A function run in a thread beside the loop that starts the workers' steps. (No process is
    forked while it runs: the pool's workers all exist by then, and the leak check's pool is made
    after it is done.)"""

    def __init__(self, function: Callable[[], T]) -> None:
        self.function = function
        self.thread: threading.Thread | None = None
        self.outcome: list[tuple[str, Any]] = []

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name="portal-meanwhile")
            self.thread.start()

    def _run(self) -> None:
        try:
            self.outcome.append(("value", self.function()))
        except BaseException as exc:  # handed to the caller by result()
            self.outcome.append(("error", exc))

    def join(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def result(self) -> T:
        self.start()
        self.join()
        kind, value = self.outcome[0]
        if kind == "error":
            raise value
        made: T = value
        return made
