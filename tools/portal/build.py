"""`portal build`: load -> validate -> select -> render -> generate -> protect -> leak check -> swap."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import audit
from .config import Repo
from .guide import guide_markdown
from .keys import deployment_salt, keys_document, tier_keys
from .leaks import Leak, needles_for, scan_folder
from .lifecycle import select_active
from .model import Problem, Submission
from .protect import PublicText, protect_tier, write_public
from .render import TierInput, render_tier
from .site import run_generator, write_pages
from .validate import validate_repo

Progress = Callable[[str], None]


class BuildError(Exception):
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
    settings = repo.settings
    summary = BuildSummary()
    started = time.perf_counter()
    clock = started

    def stage(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.stages[name] = summary.stages.get(name, 0.0) + now - clock
        clock = now

    progress("Checking the submissions")
    result = validate_repo(repo, today=today, retired_ids=audit.retired_ids(repo))
    if not result.ok:
        raise BuildError(f"{len(result.errors)} error(s) in the submissions; nothing was built", problems=result.errors)
    active = select_active(result.submissions, today)
    changes = audit.change_events(repo)
    stage("load and validate")

    progress("Deriving the keys")
    salt = deployment_salt(settings.site_name)
    keys = [tier_keys(tier.id, passcodes[tier.id], salt, settings.pbkdf2_iterations) for tier in settings.tiers]
    build_id = secrets.token_hex(8)
    canary = "portalcanary" + secrets.token_hex(12)
    stage("protect")

    temp = out.parent / f".{out.name}.building-{build_id}"
    try:
        text = PublicText(settings.site_name, settings.coordinator_name, settings.coordinator_email)
        guide = guide_markdown(repo.schema, repo.templates)
        for tier, tier_key in zip(settings.tiers, keys, strict=True):
            progress(f"Rendering the {tier.label} pages")
            shown = [sub for sub in active if sub.audience in tier.audiences]
            earlier = {sub.id: sub for sub in result.submissions if sub.audience in tier.audiences}
            rendered = render_tier(
                TierInput(
                    site_name=settings.site_name,
                    tier_label=tier.label,
                    submissions=shown,
                    today=today,
                    reminder_days=settings.reminder_days,
                    coordinator_name=settings.coordinator_name,
                    coordinator_email=settings.coordinator_email,
                    canary=canary,
                    changes=changes,
                    guide_markdown=guide,
                    partners_tier=tier.id != settings.tiers[0].id,
                    earlier=earlier,
                ),
                namer=tier_key.name,
            )
            staging = repo.build_dir / "staging" / tier.id
            config = write_pages(repo, rendered, repo.build_dir / "pages" / tier.id, staging, settings.site_name)
            stage("render")
            progress(f"Generating the {tier.label} site")
            if staging.exists():
                shutil.rmtree(staging)
            run_generator(config)
            stage("generator")
            progress(f"Encrypting the {tier.label} site")
            protected = protect_tier(staging, temp, tier_key, text, set(rendered.files))
            summary.pages += protected.pages
            summary.tiers[tier.id] = len(shown)
            stage("protect")
        write_public(temp, text, keys_document(keys, salt, settings.pbkdf2_iterations, build_id))
        stage("protect")
        progress("Scanning the published folder for leaks")
        leaks = check_leaks(temp, result.submissions, [canary], repo)
        stage("leak check")
        if leaks:
            raise BuildError(f"{len(leaks)} leak(s) of plaintext found; the site was not published", leaks=leaks)
        swap(temp, out)
    finally:
        if temp.exists():
            shutil.rmtree(temp)
    summary.submissions = len(active)
    summary.submitters = len({sub.submitter.code for sub in active})
    summary.bytes = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    summary.seconds = time.perf_counter() - started
    return summary


def check_leaks(folder: Path, submissions: list[Submission], canaries: list[str], repo: Repo | None = None) -> list[Leak]:
    attachments: dict[str, str] = {}
    if repo is not None:
        for sub in submissions:
            for attachment in sub.attachments:
                source = repo.root / attachment.path
                if source.is_file():
                    attachments[hashlib.sha256(source.read_bytes()).hexdigest()] = sub.id
    return scan_folder(folder, needles_for(submissions, canaries), attachments=attachments)


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
