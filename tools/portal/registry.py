"""Who may publish: States (ISO 3166-1 alpha-3, with their convention status) and organisations."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import pycountry

from .config import ConfigError, YamlReader, read_yaml_file
from .model import Submitter

NON_PARTY = "non-party"
STATUS_LABELS = {
    "state-party": "State Party",
    "signatory": "Signatory State",
    "withdrawn": "withdrawn from the Convention",
    NON_PARTY: "not a party to the Convention",
}


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
        table = self.states if kind == "state" else self.organisations
        close = difflib.get_close_matches(code.upper(), list(table), n=1)
        if close:
            return f"; did you mean {close[0]} ({table[close[0]].name})?"
        return ""


def load_registry(schema_dir: Path) -> Registry:
    states_path = schema_dir / "states.yaml"
    reader = YamlReader(states_path, read_yaml_file(states_path))
    states: dict[str, Submitter] = {}
    for country in pycountry.countries:
        name = getattr(country, "common_name", None) or country.name
        states[country.alpha_3] = Submitter("state", country.alpha_3, name, NON_PARTY)
    listed = reader.get("states")
    if not isinstance(listed, list):
        raise reader.fail(("states",), "must be a list")
    for index in range(len(listed)):
        code = reader.text("states", index, "code")
        status = reader.text("states", index, "status")
        if status not in STATUS_LABELS:
            raise reader.fail(("states", index, "status"), f"unknown status {status!r}; use one of {', '.join(STATUS_LABELS)}")
        states[code] = Submitter("state", code, reader.text("states", index, "name"), status)
    as_of = str(reader.get("as_of"))

    orgs_path = schema_dir / "organisations.yaml"
    org_reader = YamlReader(orgs_path, read_yaml_file(orgs_path))
    organisations: dict[str, Submitter] = {}
    raw_orgs = org_reader.get("organisations")
    if not isinstance(raw_orgs, list):
        raise org_reader.fail(("organisations",), "must be a list")
    for index in range(len(raw_orgs)):
        code = org_reader.text("organisations", index, "code")
        kind = org_reader.text("organisations", index, "type")
        if kind not in ("international-organisation", "ngo"):
            raise org_reader.fail(("organisations", index, "type"), "must be international-organisation or ngo")
        if code in organisations or code in states:
            raise ConfigError(f"{orgs_path}: organisation code {code} is used twice or is a country code")
        organisations[code] = Submitter(kind, code, org_reader.text("organisations", index, "name"))
    return Registry(states, organisations, as_of)
