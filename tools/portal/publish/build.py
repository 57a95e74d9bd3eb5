"""`portal build`: load -> validate -> select -> render -> generate -> protect -> leak check -> swap."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import shutil
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from portal.checks.validate import Result as ValidationResult
from portal.checks.validate import validate_repo
from portal.config import Repo, Settings
from portal.errors import PortalError
from portal.faults import fault_point
from portal.lifecycle import select_active
from portal.model import ChangeEvent, Problem, Submission, Submitter
from portal.outcomes import outcomes_of
from portal.publish.prove.crosstier import Prepared, prepare
from portal.publish.prove.leaks import Leak
from portal.publish.prove.themewords import theme_wording
from portal.publish.render.guide import guide_markdown, pattern_headings
from portal.publish.render.site import TierInput, render_tier
from portal.publish.seal.addresses import Departure, departures, links_document, write_links
from portal.publish.seal.filetimes import copy_shuffled
from portal.publish.seal.keys import TierKeys, keys_document, new_salt, tier_keys
from portal.publish.seal.protect import ProtectError, PublicText, seal_alike, write_public
from portal.publish.seal.sealedformat import BUILD_LENGTH
from portal.publish.tiers import Stopwatch, TierDone, TierJob, run_tiers
from portal.registry import load_registry
from portal.report.collect import ReportError, texts_of_period
from portal.trail.history import change_events, retired_ids
from portal.trail.store import open_git

Progress = Callable[[str], None]

# The steps of a build at which the tests have it die (portal.faults): site/ must stay as it was.
FAULT_STEPS = ("tiers-built", "site-settled")


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
        fault_point("tiers-built")
        for done in dones:
            summary.pages += done.protected.pages
            for name, seconds in done.stages.items():
                summary.stages[name] = summary.stages.get(name, 0.0) + seconds
        clock.restart()
        _protect_public(temp, repo, jobs, dones, keys, selected.gone)
        clock.lap("protect")
        progress("Scanning the published folder for leaks")
        _check(temp, repo, selected.result.submissions, keys, today, prepared)
        clock.lap("leak check")
        copy_shuffled(temp, settled := temp.with_name(f"{temp.name}-settled"))
        fault_point("site-settled")
        swap(settled, out)
        clock.lap("protect")
    finally:
        for folder in (temp, temp.with_name(f"{temp.name}-settled")):
            if folder.exists():
                shutil.rmtree(folder)
    summary.submissions = len(selected.active)
    summary.submitters = len({sub.submitter.code for sub in selected.active})
    summary.bytes = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    summary.seconds = time.perf_counter() - started
    return summary


@dataclass
class _Selected:
    result: ValidationResult  # every submission, valid
    active: list[Submission]  # the ones published today
    changes: list[ChangeEvent]
    gone: list[Departure] = field(default_factory=list)  # the texts that left, for the lasting addresses


def _select(repo: Repo, today: dt.date) -> _Selected:
    """The valid submissions and those to publish today; any error stops the build."""
    result = validate_repo(repo, today=today, retired_ids=retired_ids(repo))
    if not result.ok:
        raise BuildError(f"{len(result.errors)} error(s) in the submissions; nothing was built", problems=result.errors)
    active, changes = select_active(result.submissions, today), change_events(repo)
    return _Selected(result, active, changes, departures(_trail_texts(repo, result.submissions), {sub.id for sub in active}, changes, today))


def _trail_texts(repo: Repo, current: Sequence[Submission]) -> list[tuple[Submission, dt.date | None]]:
    """Every text the trail knows (the last version of a removed one, with the day it left), and
    the texts of the working tree. A trail whose removed versions cannot be read gives the latter
    only: their addresses then say that the page left, not why."""
    texts: dict[str, tuple[Submission, dt.date | None]] = {}
    if open_git(repo) is not None:
        try:
            texts = {past.submission.id: (past.submission, past.removed) for past in texts_of_period(repo, dt.date.min)}
        except ReportError:
            texts = {}
    texts.update({sub.id: (sub, None) for sub in current})
    return list(texts.values())


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
        build_id = secrets.token_hex(BUILD_LENGTH // 2)
        # Two key derivations per tier (its wrapping key and its reader key), side by side: the
        # library leaves Python's lock while it derives.
        with ThreadPoolExecutor() as pool:
            keys = list(pool.map(lambda tier: tier_keys(tier.id, passcodes[tier.id], salt, settings.pbkdf2_iterations, build_id), settings.tiers))
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
    guide = guide_markdown(repo.schema, repo.vocabulary, repo.templates)
    parties = _parties(repo, selected.result.submissions)
    jobs = []
    for tier, tier_key in zip(settings.tiers, keys.tiers, strict=True):
        shown = [sub for sub in selected.active if sub.audience in tier.audiences]
        data = TierInput(
            site_name=settings.site_name,
            vocabulary=repo.vocabulary,
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
            headings=pattern_headings(repo.templates, repo.vocabulary.kinds),
            parties=parties,
        )
        jobs.append(TierJob(repo, tier.id, data, tier_key, temp, text))
        summary.tiers[tier.id] = len(shown)
    return jobs


def _parties(repo: Repo, submissions: Sequence[Submission]) -> dict[str, Submitter]:
    """The registry's entry (name, State or organisation) of each code an outcome names."""
    codes = {outcome.with_code for sub in submissions for outcome in outcomes_of(sub) if outcome.with_code}
    if not codes:
        return {}
    registry = load_registry(repo.schema_dir)
    found = {code: registry.states.get(code) or registry.organisations.get(code) for code in codes}
    return {code: party for code, party in found.items() if party is not None}


def _public_text(repo: Repo) -> PublicText:
    settings = repo.settings
    return PublicText(settings.site_name, settings.coordinator_name, settings.coordinator_email)


def _protect_public(temp: Path, repo: Repo, jobs: list[TierJob], dones: list[TierDone], keys: _BuildKeys, gone: Sequence[Departure]) -> None:
    """Seal the pages every tier has alike and each tier's map of lasting addresses, and write
    the public files and the keys file."""
    text = _public_text(repo)
    seal_alike(temp, [(job.keys, done.protected) for job, done in zip(jobs, dones, strict=True)], text)
    policies = {done.protected.policy for done in dones}
    if len(policies) != 1:
        raise ProtectError("the tiers' pages differ in the theme's inline scripts; nothing was published")
    settings = repo.settings
    labels = {tier.id: tier.label for tier in settings.tiers}
    for tier, job, done in zip(settings.tiers, jobs, dones, strict=True):
        write_links(temp, job.keys, links_document(job.keys, done.addressed, keys.tiers, labels, tier.audiences, gone))
    write_public(temp, text, keys_document(keys.tiers, keys.salt, settings.pbkdf2_iterations, keys.build_id), policies.pop())


def _check(temp: Path, repo: Repo, submissions: list[Submission], keys: _BuildKeys, today: dt.date, prepared: Prepared) -> None:
    """The leak check of the built folder: any finding stops the build."""
    wraps = {key.tier: key.wrap for key in keys.tiers}
    leaks = check_leaks(temp, repo, submissions, [keys.canary], wraps=wraps, today=today, prepared=prepared)
    if leaks:
        raise BuildError(f"{len(leaks)} leak(s) of plaintext found; the site was not published", leaks=leaks)


def prepare_check(repo: Repo, submissions: list[Submission], canaries: list[str], today: dt.date) -> Prepared:
    """The leak check's needles, which depend on the submissions alone (crosstier.prepare)."""
    from portal.publish.prove.sealcheck import build_wording

    return prepare(repo.settings, repo.vocabulary.themes, submissions, canaries, build_wording(_public_text(repo)), boilerplate_pages(repo, today, submissions))


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
    from portal.publish.prove.sealcheck import check_published

    attachments: dict[str, list[str]] = {}
    for sub in submissions:
        for attachment in sub.attachments:
            source = repo.root / attachment.path
            if source.is_file():
                attachments.setdefault(hashlib.sha256(source.read_bytes()).hexdigest(), []).append(sub.id)
    boilerplate = boilerplate_pages(repo, today or dt.date.today(), submissions) if prepared is None else []
    report = check_published(
        folder,
        repo.settings,
        passcodes,
        submissions,
        canaries,
        wraps=wraps,
        attachments=attachments,
        boilerplate=boilerplate,
        prepared=prepared,
        themes=repo.vocabulary.themes,
    )
    return report.leaks


def boilerplate_pages(repo: Repo, today: dt.date, submissions: Sequence[Submission] = ()) -> list[str]:
    """The pages of a tier that has no text and the theme's phrases: the portal's own wording,
    which any text may quote; and the names of the States that outcomes of texts every tier reads
    name (States are public knowledge, and every tier shows those outcomes)."""
    settings = repo.settings
    data = TierInput(
        site_name=settings.site_name,
        vocabulary=repo.vocabulary,
        tier_label=settings.tiers[0].label,
        submissions=[],
        today=today,
        reminder_days=settings.reminder_days,
        coordinator_name=settings.coordinator_name,
        coordinator_email=settings.coordinator_email,
        guide_markdown=guide_markdown(repo.schema, repo.vocabulary, repo.templates),
    )
    every_tier = set.intersection(*(set(tier.audiences) for tier in settings.tiers))
    parties = _parties(repo, [sub for sub in submissions if sub.audience in every_tier])
    states = sorted(party.name for party in parties.values() if party.type == "state")
    return [*render_tier(data, namer=lambda key: key).pages.values(), *theme_wording(), *states]


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
