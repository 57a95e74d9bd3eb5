"""Who may publish: States (ISO 3166-1 alpha-3, with their convention status) and organisations."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pycountry

from portal.checks.datafiles import definition, load_checked, located_error, read_bytes
from portal.config import Repo
from portal.model import SCHEMA_NAME, Submitter

NON_PARTY = "non-party"  # the status of a country schema/states.yaml does not list
# The convention statuses and their words: one home, the portal's data/states.schema.json.
STATUS_LABELS: dict[str, str] = dict(definition("states.schema.json", "status")["x-labels"])


@dataclass(frozen=True)
class Registry:
    states: dict[str, Submitter]  # every ISO 3166-1 alpha-3 code, with its status
    organisations: dict[str, Submitter]
    status_as_of: str

    def lookup(self, kind: str, code: str) -> Submitter | None:
        table = self.states if kind == "state" else self.organisations
        found = table.get(code)
        if found is None or (kind != "state" and found.type != kind):
            return None
        return found

    def suggestion(self, kind: str, code: str) -> str:
        """'; did you mean LAO (Lao PDR)?' for a code that is not known, or ''."""
        close = self.close_codes(code, organisations_first=kind != "state")
        if not close:
            return ""
        return "; did you mean " + " or ".join(f"{found} ({self._named(found)})" for found in close) + "?"

    def _named(self, code: str) -> str:
        found = self.states.get(code) or self.organisations.get(code)
        return found.name if found else code

    def close_codes(self, typed: str, count: int = 2, organisations_first: bool = False) -> list[str]:
        """Codes a person probably meant: a code whose name starts with what was typed
        ('HALOTRUST' -> HALO, 'Laos' -> LAO), a code with two letters swapped ('LOA' -> LAO), then
        near misspellings of codes. States of the Convention come before other countries."""
        wanted = typed.strip().upper()
        letters = _letters(typed)
        if not wanted:
            return []
        scored: dict[str, tuple[float, float]] = {}

        def offer(code: str, rank: int, closeness: float = 0.0) -> None:
            member = code in self.organisations or self.states[code].status != NON_PARTY
            preferred = (code in self.organisations) == organisations_first
            key = (rank + (0 if member else 1.5) + (0 if preferred else 0.1), -closeness)
            if code not in scored or key < scored[code]:
                scored[code] = key

        for code, who in [*self.states.items(), *self.organisations.items()]:
            name = _letters(who.name)
            if len(letters) >= 3 and (name.startswith(letters) or name.removeprefix("the").startswith(letters) or letters.startswith(name.removeprefix("the"))):
                offer(code, 0)
            elif len(wanted) == len(code) and sorted(wanted) == sorted(code) and sum(a != b for a, b in zip(wanted, code, strict=True)) == 2:
                offer(code, 1)
        for code in difflib.get_close_matches(wanted, [*self.states, *self.organisations], n=6, cutoff=0.6):
            # Among equally close codes, the one that starts like what was typed ('LAX' -> LAO, not LUX).
            prefix = next((i for i, (a, b) in enumerate(zip(wanted, code, strict=False)) if a != b), min(len(wanted), len(code)))
            offer(code, 2, difflib.SequenceMatcher(None, wanted, code).ratio() + prefix / 100)
        return [code for code, _key in sorted(scored.items(), key=lambda item: item[1])][:count]


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower())


def load_registry(schema_dir: Path) -> Registry:
    """The States (every ISO 3166-1 country, with the status schema/states.yaml gives it) and the
    organisations of schema/organisations.yaml; both checked by the portal's schemas, and an
    organisation's type by the repository's submission schema (its submitter types).

    Reading the registers costs more than most of a command's own work, and a command may need
    them more than once: what was read is kept for the same files' bytes and the same types."""
    states_path, orgs_path = schema_dir / "states.yaml", schema_dir / "organisations.yaml"
    states_data, orgs_data = read_bytes(states_path), read_bytes(orgs_path)
    kinds = tuple(kind for kind in Repo(schema_dir.parent).vocabulary.submitter_types if kind != "state")
    key = (states_data, orgs_data, kinds)  # a registry read depends on these alone (the paths only name errors)
    found = _READ.get(key)
    if found is None:
        found = _read_registry(states_path, states_data, orgs_path, orgs_data, kinds)
        if len(_READ) >= _KEEP:
            del _READ[next(iter(_READ))]
        _READ[key] = found
    return found


_READ: dict[tuple[bytes, bytes, tuple[str, ...]], Registry] = {}  # registers read, by their bytes; not changed by their readers
_KEEP = 8


def _read_registry(states_path: Path, states_data: bytes, orgs_path: Path, orgs_data: bytes, kinds: tuple[str, ...]) -> Registry:
    located = load_checked(states_path, "states.schema.json", states_data)
    states: dict[str, Submitter] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        states[country.alpha_3] = Submitter("state", country.alpha_3, name, NON_PARTY)
    listed: dict[str, int] = {}
    for index, entry in enumerate(located.data["states"]):
        if entry["code"] in listed:
            raise located_error(states_path, located, ("states", index, "code"), f"{entry['code']} is listed twice (first as states[{listed[entry['code']]}])")
        listed[entry["code"]] = index
        states[entry["code"]] = Submitter("state", entry["code"], entry["name"], entry["status"])

    orgs = load_checked(orgs_path, "organisations.schema.json", orgs_data)
    organisations: dict[str, Submitter] = {}
    for index, entry in enumerate(orgs.data["organisations"]):
        code, kind = entry["code"], entry["type"]
        if kind not in kinds:
            raise located_error(
                orgs_path,
                orgs,
                ("organisations", index, "type"),
                f"{kind!r} is not one of: {', '.join(kinds)} (the submitter types of {SCHEMA_NAME.as_posix()})",
            )
        if code in organisations or code in states:
            raise located_error(
                orgs_path, orgs, ("organisations", index, "code"), f"{code} is used twice or is a country's code; give the organisation a code of its own"
            )
        organisations[code] = Submitter(kind, code, entry["name"])
    return Registry(states, organisations, str(located.data["as_of"]))
