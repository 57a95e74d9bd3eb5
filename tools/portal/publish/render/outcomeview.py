"""What became of the texts, as the readers of one tier may see it: each outcome in plain words,
with the other party named only where the tier may know it.

The States read every text, so they see every party's name. A partner tier sees a text's outcomes
with its page (the page is in its tier), but names the other party only if it is a State (States
are public knowledge) or has a text of its own in that tier; otherwise the party is "another
participant", so that no outcome tells partners of someone whose texts are for States only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from portal import dates
from portal.model import Submission, Submitter, Vocabulary
from portal.outcomes import Outcome, chain_outcomes, outcomes_of

ANOTHER = "another participant"  # the other party where the tier may not know it

# How each status reads with the other party and the date: "In contact with Ireland since 3 March 2027".
_WITH = {"contacted": "with", "agreed": "with", "funded": "by", "declined": "by", "closed": "with"}
_SINCE = {"contacted": "since", "closed": "since"}  # the others happened on a day


@dataclass(frozen=True)
class ShownOutcome:
    """One outcome of a text as a tier shows it. `party_code` and `party_name` are empty when the
    outcome names no other party; `party_code` is empty and `party_name` ANOTHER when the tier may
    not know who it is."""

    outcome: Outcome
    party_code: str
    party_name: str
    status_label: str = ""  # the schema's word for the status: 'In contact', 'Funded'

    @property
    def status(self) -> str:
        return self.outcome.status

    @property
    def date(self) -> dt.date:
        return self.outcome.date

    @property
    def label(self) -> str:
        """The schema's word for the status: 'In contact', 'Funded' (the status itself if none was given)."""
        return self.status_label or self.outcome.status

    def preposition(self, kind: str) -> str:
        """'with', 'by' (a need funded by a donor) or 'for' (an offer that funded a State)."""
        if self.status == "funded" and kind != "need":
            return "for"
        return _WITH[self.status]

    def when(self) -> str:
        """'since 3 March 2027' or 'on 3 March 2027'."""
        return f"{_SINCE.get(self.status, 'on')} {dates.long_date(self.date)}"

    def parts(self, kind: str, with_note: bool = True) -> tuple[str, str, str]:
        """The sentence in three parts, the other party's name in the middle (a page may link it):
        ('Funded by ', 'Germany', ' on 1 May 2027 — 2027')."""
        before = f"{self.label} {self.preposition(kind)} " if self.party_name else f"{self.label} "
        note = f" — {self.outcome.note}" if with_note and self.outcome.note else ""
        return before, self.party_name, f"{' ' if self.party_name else ''}{self.when()}{note}"

    def sentence(self, kind: str, with_note: bool = True) -> str:
        """Plain words: 'In contact with Ireland since 3 March 2027', 'Funded by Germany on 1 May 2027 — 2027'."""
        return "".join(self.parts(kind, with_note))

    def export_entry(self) -> dict[str, Any]:
        """The outcome as an object of the JSON export."""
        return {
            "status": self.status,
            "with": self.party_code or None,
            "with_name": self.party_name or None,
            "date": self.date.isoformat(),
            "note": self.outcome.note,
        }


@dataclass(frozen=True)
class PartyNames:
    """Who a tier may name as the other party of an outcome. `registered`: the registry's entry
    of each code an outcome names; `own_texts`: code -> name of every submitter with a text in
    the tier."""

    registered: Mapping[str, Submitter]
    own_texts: Mapping[str, str]
    partners_tier: bool

    def shown(self, code: str) -> tuple[str, str]:
        """(code, name) as the tier shows the other party `code` ('' for no party)."""
        if not code:
            return "", ""
        known = self.registered.get(code)
        if code in self.own_texts:
            return code, known.name if known else self.own_texts[code]
        if known is not None and (known.type == "state" or not self.partners_tier):
            return code, known.name
        if not self.partners_tier:
            return code, code  # not in the registers: the States see the code as recorded
        return "", ANOTHER


def tier_outcomes(
    submissions: Sequence[Submission], readable: Iterable[Submission], names: PartyNames, statuses: Mapping[str, str]
) -> dict[str, tuple[ShownOutcome, ...]]:
    """Text id -> its outcomes and those of the texts it replaced that the tier may read, oldest
    first, as the tier shows them (texts without any are left out)."""
    by_id = {sub.id: sub for sub in readable}
    shown: dict[str, tuple[ShownOutcome, ...]] = {}
    for sub in submissions:
        if not sub.replaces and not outcomes_of(sub):
            continue
        # The replacement chain alone (chain_outcomes reads what it is given): linear in the portal.
        chain, seen, current = [sub], {sub.id}, by_id.get(sub.replaces)
        while current is not None and current.id not in seen:
            chain.append(current)
            seen.add(current.id)
            current = by_id.get(current.replaces) if current.replaces else None
        found = chain_outcomes(sub, chain)
        if found:
            shown[sub.id] = tuple(ShownOutcome(outcome, *names.shown(outcome.with_code), statuses[outcome.status]) for outcome in found)
    return shown


def in_contact(first: Submission, second: Submission, outcomes: Mapping[str, Sequence[ShownOutcome]]) -> tuple[ShownOutcome, ...]:
    """The outcomes of either text that name the other's submitter, oldest first."""
    found = [o for o in outcomes.get(first.id, ()) if o.outcome.with_code == second.submitter.code]
    found += [o for o in outcomes.get(second.id, ()) if o.outcome.with_code == first.submitter.code]
    return tuple(sorted(found, key=lambda o: (o.date, o.status)))


def status_title(status: str, vocabulary: Vocabulary) -> str:
    """'Texts in contact', 'Funded', 'No longer needed': the title of a status's listing."""
    return "Texts in contact" if status == "contacted" else vocabulary.outcome_statuses[status]
