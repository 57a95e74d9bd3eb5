"""The figures of a period, from the texts the trail knows (pure: no git, no files, no clock).

A text is on the portal from its `published` day to its last day: its expiry, the day before a
commit removed it (withdrawal or removal), or the day before its replacement was published,
whichever comes first. A text and the texts that replace it are one *chain*: the report counts
chains, so an updated need is one need, classified as its latest version on the portal in the
period. Example texts (`example: true`) are never counted.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from portal.model import Submission, Submitter, Vocabulary
from portal.outcomes import Outcome, outcomes_of
from portal.publish.render.matching import match_needs
from portal.registry import STATUS_LABELS

NOT_REGISTERED = "not-registered"  # a State the register does not know (its status is not recorded)
# The groups of submitters, in the report's order: States by convention status, then organisations.


def standings(vocabulary: Vocabulary) -> tuple[str, ...]:
    """The groups of submitters in the report's order: States by status, then organisations by type."""
    return (*STATUS_LABELS, NOT_REGISTERED, *(kind for kind in vocabulary.submitter_types if kind != "state"))


DAY = dt.timedelta(days=1)
NO_REGION = ""  # the key of the texts that name no region


@dataclass(frozen=True)
class PastText:
    """A text as the trail knows it: its last version, and the day a commit removed it."""

    submission: Submission
    removed: dt.date | None = None  # None: still in submissions/


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class OutcomePair:
    """An outcome recorded in the period: who published the text, with whom, what, when."""

    submitter: Submitter
    with_code: str
    status: str
    date: dt.date


@dataclass(frozen=True)
class PeriodCounts:
    period: Period
    texts: int  # chains on the portal at any time in the period
    published: int  # chains first published in the period
    by_kind: dict[str, int]  # every kind of the schema, in its order
    by_theme: dict[str, int]  # every theme of the schema, in its order (a text counts once per theme)
    by_region: dict[str, int]  # region as written, most texts first, then NO_REGION (none given)
    by_standing: dict[str, int]  # every group of `standings`: a State's convention status, or the organisation's type
    needs: int
    needs_matched: int  # needs with at least one possible match
    matches: int  # pairs (need, offer or how-to-apply) on the portal at the same time
    outcomes: dict[str, int]  # every outcome status of the schema, recorded in the period
    first_contacts: int  # chains whose first contact with a party was recorded in the period
    median_days_to_contact: float | None  # from first publication to that first contact
    expired_without_update: int
    publishers: tuple[tuple[Submitter, int], ...]  # who had texts on the portal, and how many
    outcome_pairs: tuple[OutcomePair, ...]


@dataclass
class _Chain:
    members: list[PastText]
    first: dt.date  # first day on the portal in the period (clipped)
    last: dt.date
    latest: Submission  # the latest version on the portal in the period


def count_period(texts: Sequence[PastText], period: Period, vocabulary: Vocabulary) -> PeriodCounts:
    """Every figure of the report for `period`, from the texts of the trail."""
    texts = [text for text in texts if not text.submission.example]
    chains = _chains(texts)
    on_portal = _chains_in_period(chains, texts, period)
    latest = [chain.latest for chain in on_portal]
    outcomes = [(members, outcome) for members in chains.values() for outcome in _chain_outcomes(members)]
    in_period = [(members, outcome) for members, outcome in outcomes if outcome.date in period]
    days = _days_to_first_contact(chains.values(), period)
    replaced = {text.submission.replaces for text in texts if text.submission.replaces}
    needs_matched, matches = _matches(on_portal, vocabulary)
    return PeriodCounts(
        period=period,
        texts=len(on_portal),
        published=sum(1 for chain in on_portal if min(m.submission.published for m in chain.members) in period),
        by_kind=_ordered(Counter(sub.kind for sub in latest), vocabulary.kinds),
        by_theme=_ordered(Counter(theme for sub in latest for theme in sub.themes), vocabulary.themes),
        by_region=_regions(latest),
        by_standing=_ordered(Counter(standing(sub.submitter) for sub in latest), standings(vocabulary)),
        needs=sum(1 for sub in latest if sub.kind == "need"),
        needs_matched=needs_matched,
        matches=matches,
        outcomes=_ordered(Counter(outcome.status for _members, outcome in in_period), vocabulary.outcome_statuses),
        first_contacts=len(days),
        median_days_to_contact=round(float(statistics.median(days)), 1) if days else None,
        expired_without_update=sum(1 for text in texts if _expired_without_update(text, replaced, period)),
        publishers=tuple(sorted(Counter(sub.submitter for sub in latest).items(), key=lambda item: (-item[1], item[0].name))),
        outcome_pairs=tuple(
            sorted(
                (OutcomePair(members[-1].submission.submitter, outcome.with_code, outcome.status, outcome.date) for members, outcome in in_period),
                key=lambda pair: (pair.date, pair.submitter.name, pair.with_code, pair.status),
            )
        ),
    )


def standing(submitter: Submitter) -> str:
    """The group a submitter is counted in: a State's convention status (from the register), or
    the type of an organisation."""
    if submitter.type == "state":
        return submitter.status or NOT_REGISTERED
    return submitter.type


def on_portal(text: PastText, replaced_by: dict[str, Submission]) -> tuple[dt.date, dt.date]:
    """The first and last day a text was on the portal (the last is before the first if never)."""
    sub = text.submission
    last = sub.expires
    if text.removed is not None:
        last = min(last, text.removed - DAY)
    newer = replaced_by.get(sub.id)
    if newer is not None:
        last = min(last, newer.published - DAY)
    return sub.published, last


def _chains(texts: Sequence[PastText]) -> dict[str, list[PastText]]:
    """First text's id -> the texts of its chain, oldest first."""
    by_id = {text.submission.id: text for text in texts}
    chains: dict[str, list[PastText]] = {}
    for text in texts:
        root, seen = text, {text.submission.id}
        while root.submission.replaces in by_id and root.submission.replaces not in seen:
            root = by_id[root.submission.replaces]
            seen.add(root.submission.id)
        chains.setdefault(root.submission.id, []).append(text)
    for members in chains.values():
        members.sort(key=lambda text: (text.submission.published, text.submission.id))
    return chains


def _replaced_by(texts: Iterable[PastText]) -> dict[str, Submission]:
    return {text.submission.replaces: text.submission for text in texts if text.submission.replaces}


def _chains_in_period(chains: dict[str, list[PastText]], texts: Sequence[PastText], period: Period) -> list[_Chain]:
    replaced_by = _replaced_by(texts)
    found = []
    for members in chains.values():
        shown = []
        for text in members:
            first, last = on_portal(text, replaced_by)
            first, last = max(first, period.start), min(last, period.end)
            if first <= last:
                shown.append((first, last, text.submission))
        if shown:
            latest = max(shown, key=lambda item: (item[0], item[2].published))[2]
            found.append(_Chain(members, min(item[0] for item in shown), max(item[1] for item in shown), latest))
    return found


def _chain_outcomes(members: Sequence[PastText]) -> list[Outcome]:
    """The outcomes of a chain, each once (a replacement carries those of the text it replaces)."""
    found: dict[tuple[str, dt.date, str, str], Outcome] = {}
    for text in members:
        for outcome in outcomes_of(text.submission):
            found.setdefault((outcome.status, outcome.date, outcome.with_code, outcome.note), outcome)
    return sorted(found.values(), key=lambda outcome: (outcome.date, outcome.status, outcome.with_code))


def _days_to_first_contact(chains: Iterable[list[PastText]], period: Period) -> list[int]:
    """For each chain whose first outcome with a party falls in the period: the days from the
    chain's first publication to it."""
    days = []
    for members in chains:
        contacts = [outcome.date for outcome in _chain_outcomes(members) if outcome.with_code]
        if contacts and min(contacts) in period:
            days.append((min(contacts) - min(text.submission.published for text in members)).days)
    return days


def _matches(chains: Sequence[_Chain], vocabulary: Vocabulary) -> tuple[int, int]:
    """Needs with a possible match, and the pairs: a need and a resource that match
    (`match_needs`) and were on the portal on a same day of the period."""
    when = {chain.latest.id: chain for chain in chains}
    found = match_needs([chain.latest for chain in chains], vocabulary, per_need=max(1, len(chains)))
    pairs = {
        need: [match for match in matches if when[match.resource.id].first <= when[need].last and when[need].first <= when[match.resource.id].last]
        for need, matches in found.items()
    }
    return sum(1 for matches in pairs.values() if matches), sum(len(matches) for matches in pairs.values())


def _expired_without_update(text: PastText, replaced: set[str], period: Period) -> bool:
    """It left the portal on expiry in the period (the day after `expires`): not replaced by any
    text, not withdrawn before, and not extended past it (its last version's expiry is the one)."""
    sub = text.submission
    if sub.expires + DAY not in period or sub.published > sub.expires:
        return False
    if sub.id in replaced:
        return False
    return text.removed is None or text.removed > sub.expires


def _regions(latest: Sequence[Submission]) -> dict[str, int]:
    counted: Counter[str] = Counter()
    for sub in latest:
        regions = {str(region).strip() for region in sub.meta.get("regions") or ()} - {""}
        counted.update(regions or {NO_REGION})
    return dict(sorted(counted.items(), key=lambda item: (item[0] == NO_REGION, -item[1], item[0].casefold())))


def _ordered(counted: Counter[str], values: Iterable[str]) -> dict[str, int]:
    return {value: counted.get(value, 0) for value in values}
