"""Needs meet resources: for each need, the offers and how-to-apply texts that fit it, with reasons."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .model import ASSISTANCE, THEMES, Submission

RESOURCE_KINDS = ("offer", "how-to-apply")


@dataclass(frozen=True)
class Match:
    need: Submission
    resource: Submission
    score: int
    shared_themes: tuple[str, ...]
    shared_assistance: tuple[str, ...]

    @property
    def reason(self) -> str:
        parts = ["themes: " + ", ".join(THEMES[t] for t in self.shared_themes)]
        if self.shared_assistance:
            parts.append("assistance: " + ", ".join(ASSISTANCE[a].lower() for a in self.shared_assistance))
        else:
            parts.append("no assistance type in common")
        return "Shares " + "; ".join(parts)


def match_needs(submissions: Sequence[Submission], per_need: int = 5) -> dict[str, list[Match]]:
    """need id -> its best matches, best first. A match shares at least one theme; each shared
    theme counts 2, each shared assistance type 1, and a text of the same submitter never matches."""
    resources = [sub for sub in submissions if sub.kind in RESOURCE_KINDS]
    result: dict[str, list[Match]] = {}
    for need in (sub for sub in submissions if sub.kind == "need"):
        found = []
        for resource in resources:
            if resource.submitter.code == need.submitter.code:
                continue
            themes = tuple(t for t in need.themes if t in resource.themes)
            if not themes:
                continue
            assistance = tuple(a for a in need.assistance if a in resource.assistance)
            found.append(Match(need, resource, 2 * len(themes) + len(assistance), themes, assistance))
        found.sort(key=lambda m: (-m.score, m.resource.kind != "offer", m.resource.title))
        result[need.id] = found[:per_need]
    return result
