"""Needs meet resources: for each need, the offers and how-to-apply texts that fit it, with reasons."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from portal.model import Submission, Vocabulary
from portal.publish.render.outcomeview import ShownOutcome, in_contact

RESOURCE_KINDS = ("offer", "how-to-apply")


@dataclass(frozen=True)
class Match:
    need: Submission
    resource: Submission
    score: int
    shared_themes: tuple[str, ...]
    shared_assistance: tuple[str, ...]
    vocabulary: Vocabulary = field(compare=False, repr=False)  # whose labels the reason uses

    @property
    def reason(self) -> str:
        if not self.shared_themes:
            return "Shares no theme"
        parts = ["themes: " + ", ".join(self.vocabulary.themes[t] for t in self.shared_themes)]
        if self.shared_assistance:
            parts.append("assistance: " + ", ".join(self.vocabulary.assistance[a].lower() for a in self.shared_assistance))
        else:
            parts.append("no assistance type in common")
        return "Shares " + "; ".join(parts)


def match_needs(submissions: Sequence[Submission], vocabulary: Vocabulary, per_need: int = 5) -> dict[str, list[Match]]:
    """need id -> its best matches, best first. A match shares at least one theme; each shared
    theme counts 2, each shared assistance type 1, and a text of the same submitter never matches.
    Ties go to offers, then by title. The reasons use the labels of `vocabulary`.

    Resources are grouped by their themes and assistance types (at most 889 groups), so a need
    is scored against groups, not against every resource: linear in the size of the portal."""
    groups: dict[tuple[frozenset[str], frozenset[str]], list[Submission]] = defaultdict(list)
    for sub in submissions:
        if sub.kind in RESOURCE_KINDS:
            groups[frozenset(sub.themes), frozenset(sub.assistance)].append(sub)
    ranked_cache: dict[tuple[frozenset[str], frozenset[str]], list[tuple[int, list[tuple[frozenset[str], frozenset[str]]]]]] = {}
    result: dict[str, list[Match]] = {}
    for need in (sub for sub in submissions if sub.kind == "need"):
        key = (frozenset(need.themes), frozenset(need.assistance))
        if key not in ranked_cache:
            by_score: dict[int, list[tuple[frozenset[str], frozenset[str]]]] = defaultdict(list)
            for group in groups:
                themes = len(group[0] & key[0])
                if themes:
                    by_score[2 * themes + len(group[1] & key[1])].append(group)
            ranked_cache[key] = sorted(by_score.items(), reverse=True)
        found: list[Match] = []
        for score, level in ranked_cache[key]:
            candidates = heapq.nsmallest(
                per_need - len(found),
                (r for group in level for r in groups[group] if r.submitter.code != need.submitter.code),
                key=lambda r: (r.kind != "offer", r.title),
            )
            for resource in candidates:
                shared_themes = tuple(t for t in need.themes if t in resource.themes)
                shared_assistance = tuple(a for a in need.assistance if a in resource.assistance)
                found.append(Match(need, resource, score, shared_themes, shared_assistance, vocabulary))
                if len(found) >= per_need:
                    break
            if len(found) >= per_need:
                break
        result[need.id] = found
    return result


def _match(need: Submission, resource: Submission, vocabulary: Vocabulary) -> Match:
    shared_themes = tuple(t for t in need.themes if t in resource.themes)
    shared_assistance = tuple(a for a in need.assistance if a in resource.assistance)
    return Match(need, resource, 2 * len(shared_themes) + len(shared_assistance), shared_themes, shared_assistance, vocabulary)


def matches_with_contacts(
    submissions: Sequence[Submission], outcomes: Mapping[str, Sequence[ShownOutcome]], vocabulary: Vocabulary, per_need: int = 5
) -> dict[str, list[tuple[Match, tuple[ShownOutcome, ...]]]]:
    """need id -> the offers and how-to-apply texts it is already in contact with (an outcome of
    either names the other's submitter), earliest contact first, each with those outcomes; then
    its best matches (match_needs) that are not in contact, with no outcome."""
    resources = [sub for sub in submissions if sub.kind in RESOURCE_KINDS]
    by_code: dict[str, list[Submission]] = defaultdict(list)
    naming: dict[str, list[Submission]] = defaultdict(list)  # code an outcome names -> resources with that outcome
    for resource in resources:
        by_code[resource.submitter.code].append(resource)
        for shown in outcomes.get(resource.id, ()):
            naming[shown.outcome.with_code].append(resource)
    result: dict[str, list[tuple[Match, tuple[ShownOutcome, ...]]]] = {}
    best = match_needs(submissions, vocabulary, per_need)
    for need in (sub for sub in submissions if sub.kind == "need"):
        named = {shown.outcome.with_code for shown in outcomes.get(need.id, ())}
        candidates = {r.id: r for code in named for r in by_code.get(code, ())}
        candidates.update((r.id, r) for r in naming.get(need.submitter.code, ()) if r.submitter.code != need.submitter.code)
        pairs = [(_match(need, r, vocabulary), in_contact(need, r, outcomes)) for r in candidates.values()]
        pairs.sort(key=lambda pair: (pair[1][0].date, pair[0].resource.title))
        result[need.id] = [*pairs, *((m, ()) for m in best.get(need.id, []) if m.resource.id not in candidates)]
    return result
