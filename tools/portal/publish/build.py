"""`portal build`: load -> validate -> select -> render -> generate -> protect -> leak check -> swap."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from portal.checks.validate import Result as ValidationResult
from portal.checks.validate import validate_repo
from portal.config import Repo, Settings
from portal.errors import PortalError
from portal.lifecycle import select_active
from portal.model import ChangeEvent, Problem, Submission
from portal.publish import workers
from portal.publish.crosstier import Prepared, prepare
from portal.publish.generator import can_split, join_parts, run_generator, write_pages
from portal.publish.guide import guide_markdown, pattern_headings
from portal.publish.keys import TierKeys, keys_document, new_salt, tier_keys
from portal.publish.leaks import Leak
from portal.publish.protect import Protected, ProtectError, PublicText, SealedPart, finish_tier, protect_tier, seal_alike, seal_part, staged_files, write_public
from portal.publish.render import TierInput, render_tier
from portal.trail.history import change_events, retired_ids

Progress = Callable[[str], None]
T = TypeVar("T")


class BuildError(PortalError):
    def __init__(self, message: str, problems: list[Problem] | None = None, leaks: list[Leak] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []
        self.leaks = leaks or []


@dataclass
class BuildSummary:
    submissions: int = 0
    submitters: int = 0
    pages: int = 0
    seconds: float = 0.0
    tiers: dict[str, int] = field(default_factory=dict)  # tier -> submissions shown
    stages: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    bytes: int = 0

    def line(self) -> str:
        tiers = ", ".join(f"{tier}: {count}" for tier, count in self.tiers.items())
        return (
            f"Built {self.submissions} submission{'s' if self.submissions != 1 else ''} from {self.submitters} "
            f"submitter{'s' if self.submitters != 1 else ''} ({tiers}) into {self.pages} protected pages "
            f"in {self.seconds:.1f} s; leak check passed"
        )


def build_portal(
    repo: Repo,
    today: dt.date,
    passcodes: dict[str, str],
    out: Path | None = None,
    progress: Progress = lambda _stage: None,
) -> BuildSummary:
    """Build the protected site into `out` (default site/). The previous folder stays as it was
    unless the whole build, leak check included, succeeds."""
    out = out or repo.site_dir
    summary = BuildSummary()
    started = time.perf_counter()
    clock = Stopwatch(summary.stages)
    progress("Checking the submissions")
    selected = _select(repo, today)
    clock.lap("load and validate")
    progress("Deriving the keys")
    keys = _BuildKeys.derive(repo.settings, passcodes)
    clock.lap("protect")
    temp = _fresh_folder(out, keys.build_id)
    try:
        jobs = _tier_jobs(repo, today, selected, keys, temp, summary)
        progress(f"Rendering, generating and encrypting {' and '.join(t.label for t in repo.settings.tiers)} pages")
        temp.mkdir(parents=True)
        # Each tier renders, generates and seals its own pages; meanwhile the leak check's needles are made.
        dones, prepared = run_tiers(jobs, lambda: prepare_check(repo, selected.result.submissions, [keys.canary], today))
        for done in dones:
            summary.pages += done.protected.pages
            for name, seconds in done.stages.items():
                summary.stages[name] = summary.stages.get(name, 0.0) + seconds
        clock.restart()
        _protect_public(temp, repo, jobs, dones, keys)
        clock.lap("protect")
        progress("Scanning the published folder for leaks")
        _check(temp, repo, selected.result.submissions, keys, today, prepared)
        clock.lap("leak check")
        swap(temp, out)
    finally:
        if temp.exists():
            shutil.rmtree(temp)
    summary.submissions = len(selected.active)
    summary.submitters = len({sub.submitter.code for sub in selected.active})
    summary.bytes = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    summary.seconds = time.perf_counter() - started
    return summary


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
class _Selected:
    result: ValidationResult  # every submission, valid
    active: list[Submission]  # the ones published today
    changes: list[ChangeEvent]


def _select(repo: Repo, today: dt.date) -> _Selected:
    """The valid submissions and those to publish today; any error stops the build."""
    result = validate_repo(repo, today=today, retired_ids=retired_ids(repo))
    if not result.ok:
        raise BuildError(f"{len(result.errors)} error(s) in the submissions; nothing was built", problems=result.errors)
    return _Selected(result, select_active(result.submissions, today), change_events(repo))


@dataclass
class _BuildKeys:
    """What is new in every build: the salt, the build id, each tier's keys and the canary."""

    salt: bytes
    build_id: str
    tiers: list[TierKeys]
    canary: str

    @classmethod
    def derive(cls, settings: Settings, passcodes: dict[str, str]) -> _BuildKeys:
        salt = new_salt()
        build_id = secrets.token_hex(8)
        keys = [tier_keys(tier.id, passcodes[tier.id], salt, settings.pbkdf2_iterations, build_id) for tier in settings.tiers]
        return cls(salt, build_id, keys, "portalcanary" + secrets.token_hex(12))


def _fresh_folder(out: Path, build_id: str) -> Path:
    """The folder this build writes into, beside `out`; folders of killed builds are removed."""
    for stale in out.parent.glob(f".{out.name}.building-*"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
    return out.parent / f".{out.name}.building-{build_id}"


def _tier_jobs(repo: Repo, today: dt.date, selected: _Selected, keys: _BuildKeys, temp: Path, summary: BuildSummary) -> list[TierJob]:
    """One job per tier: what it renders (the texts its readers may read) and its keys."""
    settings = repo.settings
    text = _public_text(repo)
    guide = guide_markdown(repo.schema, repo.templates)
    jobs = []
    for tier, tier_key in zip(settings.tiers, keys.tiers, strict=True):
        shown = [sub for sub in selected.active if sub.audience in tier.audiences]
        data = TierInput(
            site_name=settings.site_name,
            tier_label=tier.label,
            submissions=shown,
            today=today,
            reminder_days=settings.reminder_days,
            coordinator_name=settings.coordinator_name,
            coordinator_email=settings.coordinator_email,
            canary=keys.canary,
            changes=selected.changes,
            guide_markdown=guide,
            partners_tier=tier.id != settings.tiers[0].id,
            earlier={sub.id: sub for sub in selected.result.submissions if sub.audience in tier.audiences},
            headings=pattern_headings(repo.templates),
        )
        jobs.append(TierJob(repo, tier.id, data, tier_key, temp, text))
        summary.tiers[tier.id] = len(shown)
    return jobs


def _public_text(repo: Repo) -> PublicText:
    settings = repo.settings
    return PublicText(settings.site_name, settings.coordinator_name, settings.coordinator_email)


def _protect_public(temp: Path, repo: Repo, jobs: list[TierJob], dones: list[TierDone], keys: _BuildKeys) -> None:
    """Seal the pages every tier has alike, and write the public files and the keys file."""
    text = _public_text(repo)
    seal_alike(temp, [(job.keys, done.protected) for job, done in zip(jobs, dones, strict=True)], text)
    policies = {done.protected.policy for done in dones}
    if len(policies) != 1:
        raise ProtectError("the tiers' pages differ in the theme's inline scripts; nothing was published")
    settings = repo.settings
    write_public(temp, text, keys_document(keys.tiers, keys.salt, settings.pbkdf2_iterations, keys.build_id), policies.pop())


def _check(temp: Path, repo: Repo, submissions: list[Submission], keys: _BuildKeys, today: dt.date, prepared: Prepared) -> None:
    """The leak check of the built folder: any finding stops the build."""
    wraps = {key.tier: key.wrap for key in keys.tiers}
    leaks = check_leaks(temp, repo, submissions, [keys.canary], wraps=wraps, today=today, prepared=prepared)
    if leaks:
        raise BuildError(f"{len(leaks)} leak(s) of plaintext found; the site was not published", leaks=leaks)


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

    def part_dir(self, part: int) -> Path:
        """Where a part of the generator writes (run_generator with parts); the first part's is the staging folder."""
        return self.staging if part == 0 else self.staging.with_name(f"{self.staging.name}.part{part}")


# MkDocs's own start (reading every page's front matter, the theme, its files) costs each part
# about 0.3 s: a tier smaller than this is generated in one process.
SPLIT_FROM_PAGES = 400


def render_pages(job: TierJob) -> Generated:
    """Render one tier's pages and write them, with their mkdocs.yml, into its pages folder."""
    stages: dict[str, float] = {}
    clock = Stopwatch(stages)
    rendered = render_tier(job.data, namer=job.keys.name)
    staging = job.repo.build_dir / "staging" / job.tier
    config = write_pages(job.repo, rendered, job.repo.build_dir / "pages" / job.tier, staging, job.data.site_name)
    for stale in (staging, *staging.parent.glob(f"{staging.name}.part*")):
        shutil.rmtree(stale, ignore_errors=True)
    clock.lap("render")
    return Generated(config, staging, len(rendered.pages), set(rendered.files) | set(rendered.generated), rendered.alike, stages)


def generate_part(made: Generated, part: int, parts: int) -> float:
    """Generate one part of a tier's pages (all of them when `parts` is 1); the seconds it took."""
    started = time.perf_counter()
    run_generator(made.config, part, parts, made.part_dir(part))
    return time.perf_counter() - started


def build_tier(job: TierJob) -> TierDone:
    """Render, generate and seal one tier into job.out/<its folder>, in this process."""
    made = render_pages(job)
    made.stages["generator"] = generate_part(made, 0, 1)
    started = time.perf_counter()
    protected = protect_tier(made.staging, job.out, job.keys, job.text, made.files, made.alike)
    return TierDone(protected, {**made.stages, "protect": time.perf_counter() - started})


def seal_tier_part(out: Path, keys: TierKeys, text: PublicText, made: Generated, files: list[str]) -> tuple[SealedPart, float]:
    """Seal some of a tier's files (protect.seal_part); the seconds it took."""
    started = time.perf_counter()
    return seal_part(made.staging, out, keys, text, made.files, made.alike, files), time.perf_counter() - started


def run_tiers(jobs: list[TierJob], meanwhile: Callable[[], T]) -> tuple[list[TierDone], T]:
    """The tiers are independent builds. On a machine with more than one core every step runs in
    worker processes as soon as what it needs is made: each tier is rendered, then generated in
    parts (a large tier: one part per core), then sealed in parts; and this process does
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
        self.parts: dict[int, int] = {}  # how many parts each tier is generated in
        self.parts_left: dict[int, int] = {}
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
            made = self.made[index] = result
            parts = self.parts[index] = self.parts_left[index] = self.cores if made.pages >= SPLIT_FROM_PAGES and can_split() else 1
            made.stages["generator"] = 0.0
            return [self._submit(("generate", index), generate_part, made, part, parts) for part in range(parts)]
        if step == "generate":
            made = self.made[index]
            made.stages["generator"] += result
            self.parts_left[index] -= 1
            if self.parts_left[index]:
                return []
            started = time.perf_counter()
            join_parts(made.staging, [made.part_dir(part) for part in range(1, self.parts[index])])
            files = staged_files(made.staging)
            made.stages["generator"] += time.perf_counter() - started
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
            dones.append(TierDone(protected, {**made.stages, "protect": seconds}))
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


def prepare_check(repo: Repo, submissions: list[Submission], canaries: list[str], today: dt.date) -> Prepared:
    """The leak check's needles, which depend on the submissions alone (crosstier.prepare)."""
    from portal.publish.sealcheck import build_wording

    return prepare(repo.settings, submissions, canaries, build_wording(_public_text(repo)), boilerplate_pages(repo, today))


def check_leaks(
    folder: Path,
    repo: Repo,
    submissions: list[Submission],
    canaries: list[str],
    passcodes: dict[str, str] | None = None,
    wraps: dict[str, bytes] | None = None,
    today: dt.date | None = None,
    prepared: Prepared | None = None,
) -> list[Leak]:
    """The leak check of a published folder (see sealcheck): every reason not to publish it."""
    from portal.publish.sealcheck import check_published

    attachments: dict[str, list[str]] = {}
    for sub in submissions:
        for attachment in sub.attachments:
            source = repo.root / attachment.path
            if source.is_file():
                attachments.setdefault(hashlib.sha256(source.read_bytes()).hexdigest(), []).append(sub.id)
    boilerplate = boilerplate_pages(repo, today or dt.date.today()) if prepared is None else []
    report = check_published(
        folder, repo.settings, passcodes, submissions, canaries, wraps=wraps, attachments=attachments, boilerplate=boilerplate, prepared=prepared
    )
    return report.leaks


def boilerplate_pages(repo: Repo, today: dt.date) -> list[str]:
    """The pages of a tier that has no text: the portal's own wording, which any text may quote."""
    settings = repo.settings
    data = TierInput(
        site_name=settings.site_name,
        tier_label=settings.tiers[0].label,
        submissions=[],
        today=today,
        reminder_days=settings.reminder_days,
        coordinator_name=settings.coordinator_name,
        coordinator_email=settings.coordinator_email,
        guide_markdown=guide_markdown(repo.schema, repo.templates),
    )
    return list(render_tier(data, namer=lambda key: key).pages.values())


def swap(new: Path, out: Path) -> None:
    """Put `new` in place of `out` with two renames; `out` is never half-written."""
    old = out.parent / f".{out.name}.old"
    if old.exists():
        shutil.rmtree(old)
    if out.exists():
        out.rename(old)
    new.rename(out)
    if old.exists():
        shutil.rmtree(old)
