"""Where each submission stands on a given day: active, scheduled, expired or superseded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from portal.model import Submission

ACTIVE = "active"
SCHEDULED = "scheduled"  # published later than today
EXPIRED = "expired"  # today is after its expiry date
SUPERSEDED = "superseded"  # a replacement of it has been published


def replacements(submissions: Iterable[Submission]) -> dict[str, Submission]:
    """id -> the submission that replaces it."""
    return {sub.replaces: sub for sub in submissions if sub.replaces}


def status(sub: Submission, today: dt.date, replaced_by: dict[str, Submission]) -> str:
    if sub.published > today:
        return SCHEDULED
    if today > sub.expires:
        return EXPIRED
    newer = replaced_by.get(sub.id)
    if newer is not None and newer.published <= today:
        return SUPERSEDED
    return ACTIVE


def select_active(submissions: Sequence[Submission], today: dt.date) -> list[Submission]:
    """The texts to show on `today`: published, not expired, not replaced by a published text."""
    replaced_by = replacements(submissions)
    return [sub for sub in submissions if status(sub, today, replaced_by) == ACTIVE]


def select_expired(submissions: Sequence[Submission], today: dt.date) -> list[Submission]:
    return [sub for sub in submissions if today > sub.expires]


def expiring_within(submissions: Sequence[Submission], today: dt.date, days: int) -> list[Submission]:
    """Active texts whose expiry date falls within the next `days` days (today included)."""
    limit = today + dt.timedelta(days=days)
    return sorted((sub for sub in select_active(submissions, today) if sub.expires <= limit), key=lambda s: (s.expires, s.id))
