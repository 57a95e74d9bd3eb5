"""Lasting addresses: what a copied address opens after any number of rebuilds.

Page names and tier folders are random and new in every build, so an address copied from the
browser would die with its build. Each page therefore also has a lasting address, the tier's mark
and a token: an HMAC of the page's logical key ('submission/lao-…', 'theme/…') under the tier's
link key, which stays while the tier's passcode stays (keys.TierKeys.address). A tier's folder
holds a sealed map (sealedformat.LINKS): lasting address -> the page's name in this build, and for
the texts that left the portal, why (withdrawn, expired, replaced) and when, with the replacing
text's address where this tier may read it. The map of a tier holds only that tier's own pages and
texts (under the addresses of every tier, so a link from another tier's reader opens here too): a
partners' map says nothing of a States-only text. Tier marks name the tier whose reader copied an
address, so a reader of another tier can be told the page is not for them, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from portal.lifecycle import replacements
from portal.model import ChangeEvent, Submission
from portal.publish.seal.keys import TierKeys, compress
from portal.publish.seal.sealedformat import HOME, LINKS
from portal.publish.seal.steadysize import steady_size

WITHDRAWN, EXPIRED, REPLACED = "withdrawn", "expired", "replaced"
LEFT = "left"  # replaced by a text this tier may not read: saying so would tell of that text


@dataclass(frozen=True)
class Departure:
    """A text that was on the portal and is not any more."""

    id: str
    audience: str
    reason: str  # WITHDRAWN, EXPIRED or REPLACED
    on: str  # the day it left (ISO 8601), '' when unknown
    by: str = ""  # the active text that replaced it (at the end of the replaces chain)


def departures(texts: Sequence[tuple[Submission, dt.date | None]], active: Collection[str], events: Sequence[ChangeEvent], today: dt.date) -> list[Departure]:
    """The texts of the trail (each with the day a commit removed it, or None) that left the
    portal by `today`, and why. Pure: the trail is read by the caller."""
    every = [sub for sub, _removed in texts]
    replaced_by = replacements(every)
    last_action = {event.submission: event for event in sorted(events, key=lambda event: event.date)}
    gone: list[Departure] = []
    for sub, removed in texts:
        if sub.id in active or sub.published > today:
            continue
        newer = _active_end(sub.id, replaced_by, active)
        event = last_action.get(sub.id)
        if newer is not None:
            gone.append(Departure(sub.id, sub.audience, REPLACED, newer.published.isoformat(), newer.id))
        elif today > sub.expires or (event is not None and event.action == "expire"):
            left = removed if removed is not None and removed <= sub.expires else sub.expires + dt.timedelta(days=1)
            gone.append(Departure(sub.id, sub.audience, EXPIRED, left.isoformat()))
        else:
            gone.append(Departure(sub.id, sub.audience, WITHDRAWN, removed.isoformat() if removed else ""))
    return gone


def _active_end(identifier: str, replaced_by: Mapping[str, Submission], active: Collection[str]) -> Submission | None:
    """The active text at the end of the chain of replacements from `identifier`, if any."""
    seen = {identifier}
    newer = replaced_by.get(identifier)
    while newer is not None and newer.id not in active and newer.id not in seen:
        seen.add(newer.id)
        newer = replaced_by.get(newer.id)
    return newer if newer is not None and newer.id in active else None


def links_document(
    keys: TierKeys, pages: Mapping[str, str], every: Sequence[TierKeys], labels: Mapping[str, str], audiences: Collection[str], gone: Sequence[Departure]
) -> bytes:
    """The map of one tier. `pages`: logical key -> the page's file in the tier's folder;
    `every`: the keys of every tier (its own among them); `labels`: tier id -> its label."""
    opened: dict[str, str] = {}
    for key, name in sorted(pages.items()):
        for tier in every:
            opened[tier.address(key)] = name
    left: dict[str, dict[str, str]] = {}
    for departure in sorted(gone, key=lambda departure: departure.id):
        key = "submission/" + departure.id
        if departure.audience not in audiences or key in pages:
            continue
        said = {"why": departure.reason, "on": departure.on}
        if departure.by and "submission/" + departure.by in pages:
            said["to"] = keys.address("submission/" + departure.by)
        elif departure.by:
            said = {"why": LEFT, "on": ""}
        for tier in every:
            left[tier.address(key)] = said
    marks = {tier.mark: labels.get(tier.tier, tier.tier) for tier in every}
    document = {"mark": keys.mark, "marks": marks, "pages": opened, "gone": left}
    return json.dumps(document, sort_keys=True, separators=(",", ":")).encode()


def page_keys(named: Mapping[str, str], page_files: Collection[str]) -> dict[str, str]:
    """logical key -> file in the tier's folder, of the keys a namer named that are pages
    (`page_files`: the rendered pages' names, 'index.md' and '<name>.md')."""
    found = {key: f"{name}.html" for key, name in named.items() if f"{name}.md" in page_files}
    found["index"] = HOME
    return found


def write_links(out: Path, keys: TierKeys, document: bytes) -> None:
    """Seal a tier's map into its folder, padded as its other sealed pages are."""
    where = f"{keys.folder}/{LINKS}"
    (out / where).write_bytes(keys.seal_compressed(where, compress(document), steady_size(document)))
