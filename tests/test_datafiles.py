"""Settings and registers are checked by the portal's JSON Schemas (portal/data/*.schema.json)
with the located messages of submissions: one fixture per rule (tests/fixtures/datafiles/<file>/),
whose first line says why it must fail, and the (line, column, field, message) it must give."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal.config import ConfigError, Repo, load_settings
from portal.intake.senders import load_senders
from portal.registry import STATUS_LABELS, load_registry

from tests.helpers import FIXTURES, MakeRepo, Run, snapshot

DATA = FIXTURES / "datafiles"
PUBLISHING = "state-party, signatory, withdrawn, non-party"

# (register, fixture): (line, column, field, message)
INVALID: dict[tuple[str, str], tuple[int, int, str, str]] = {
    ("settings", "wrong-type"): (4, 3, "validity.default_months", "must be a whole number, not the text 'twelve'"),
    ("settings", "unknown-key"): (2, 1, "site_nme", "unknown field; did you mean 'site_name'?"),
    ("settings", "missing-key"): (24, 1, "coordinator.email", "missing; add a line 'email: …' (the portal's own schema/settings.yaml shows each field)"),
    ("settings", "bad-status"): (7, 36, "publishing_statuses[1]", f"'party' is not one of: {PUBLISHING}; did you mean 'non-party'?"),
    ("settings", "below-minimum"): (23, 3, "passcode.pbkdf2_iterations", "1000 is not a whole number of at least 600000"),
    ("settings", "duplicate-tier"): (20, 5, "tiers[1].id", "two tiers have the id 'states'; give each tier an id of its own"),
    ("settings", "default-beyond-maximum"): (4, 3, "validity.default_months", "18 is longer than validity.maximum_months (12); use 12 or less"),
    ("settings", "deploy-target"): (28, 3, "deploy.target", "'ftp' is not one of: git, folder, pages"),
    ("settings", "deploy-url-password"): (28, 3, "deploy.url", "holds a password or token; give the address only"),
    ("settings", "follow-up-months"): (28, 3, "outcomes.follow_up_months", "0 is not a whole number of at least 1"),
    ("states", "bad-status"): (12, 5, "states[1].status", f"'party' is not one of: {PUBLISHING}; did you mean 'non-party'?"),
    ("states", "bad-code"): (10, 5, "states[1].code", "'Angola' is not an ISO 3166-1 alpha-3 code; use three capitals, e.g. LAO"),
    ("states", "missing-key"): (2, 1, "as_of", "missing; add a line 'as_of: …'"),
    ("states", "bad-date"): (9, 5, "states[0].date", "'2011-13-08' is not a date; write YYYY-MM-DD"),
    ("states", "duplicate"): (13, 5, "states[2].code", "AFG is listed twice (first as states[0])"),
    ("organisations", "unknown-type"): (
        8,
        5,
        "organisations[1].type",
        "'company' is not one of: international-organisation, ngo (the submitter types of schema/submission.schema.json)",
    ),
    ("organisations", "country-code"): (7, 5, "organisations[1].code", "LAO is used twice or is a country's code"),
    ("organisations", "unknown-key"): (6, 5, "organisations[0].webside", "unknown field; did you mean 'website'?"),
    ("senders", "both"): (3, 5, "senders[0]", "give either address (one sender) or domain (every address of it), not both nor neither"),
    ("senders", "public-domain"): (7, 5, "senders[1].domain", "gmail.com is a public mail service anyone can use"),
    ("senders", "unknown-submitter"): (
        3,
        5,
        "senders[0].submitter",
        "'LOA' is neither a State's ISO 3166-1 alpha-3 code nor a registered organisation; did you mean LAO",
    ),
    ("senders", "bad-date"): (5, 5, "senders[0].confirmed", "'1 March 2026' is not a date; write YYYY-MM-DD"),
    ("senders", "bad-address"): (4, 5, "senders[0].address", "'planning at nra.gov.la' is not an e-mail address, e.g. planning@nra.gov.la"),
}


def load(repo: Repo, register: str) -> None:
    """What the portal reads of `register`, as its commands read it."""
    if register == "settings":
        load_settings(repo.schema_dir / "settings.yaml")
        return
    registry = load_registry(repo.schema_dir)
    if register == "senders":
        load_senders(repo.schema_dir, registry)


def with_fixture(make_repo: MakeRepo, register: str, name: str) -> tuple[Repo, Path]:
    repo = make_repo(commit=False)
    path = repo.schema_dir / f"{register}.yaml"
    shutil.copy2(DATA / register / f"{name}.yaml", path)
    return repo, path


def test_every_fixture_says_why_and_has_a_row() -> None:
    fixtures = {(path.parent.name, path.stem) for path in DATA.glob("*/*.yaml")}
    assert fixtures - set(INVALID) == {(register, "valid") for register in ("settings", "states", "organisations", "senders")}
    assert set(INVALID) <= fixtures
    for path in DATA.glob("*/*.yaml"):
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name}: the first line says why it is (in)valid"


@pytest.mark.parametrize("register", ["settings", "states", "organisations", "senders"])
def test_the_valid_fixture_is_read(make_repo: MakeRepo, register: str) -> None:
    repo, _path = with_fixture(make_repo, register, "valid")
    load(repo, register)


@pytest.mark.parametrize(("register", "name"), sorted(INVALID))
def test_each_invalid_fixture_is_refused_with_its_place_and_reason(make_repo: MakeRepo, register: str, name: str) -> None:
    line, col, field, message = INVALID[(register, name)]
    repo, path = with_fixture(make_repo, register, name)
    with pytest.raises(ConfigError) as refused:
        load(repo, register)
    located = f"{path}:{line}:{col}: error: {field}: "
    shown = [row for row in str(refused.value).splitlines() if row.startswith(located)]
    assert shown, f"no line starts with {located!r}:\n{refused.value}"
    assert shown[0].removeprefix(located).startswith(message), shown[0]


def test_the_settings_take_the_follow_up_period_of_outcomes(make_repo: MakeRepo) -> None:
    repo, path = with_fixture(make_repo, "settings", "valid")
    assert load_settings(path).follow_up_months == 6
    path.write_text(path.read_text(encoding="utf-8").replace("follow_up_months: 6", "follow_up_months: 3"), encoding="utf-8")
    assert load_settings(path).follow_up_months == 3
    assert Repo(repo.root).settings.follow_up_months == 3


def test_the_convention_statuses_have_one_home(make_repo: MakeRepo) -> None:
    """The statuses settings.yaml may name are those states.yaml may give, with their words."""
    assert list(STATUS_LABELS) == PUBLISHING.split(", ")
    _repo, path = with_fixture(make_repo, "settings", "valid")
    path.write_text(path.read_text(encoding="utf-8").replace("[state-party, signatory]", "[state-party, withdrawn]"), encoding="utf-8")
    assert load_settings(path).publishing_statuses == ("state-party", "withdrawn")


def test_a_command_refuses_a_broken_register_with_every_problem_and_changes_nothing(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo()
    path = repo.schema_dir / "settings.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("site_name: CCM Cooperation Portal", "site_name: 7").replace("rotation_days: 90", "rotation_days: 0"),
        encoding="utf-8",
    )
    before = snapshot(repo.root)
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    assert f"{path}:" in result.output and "error: site_name: must be a text, not the number 7" in result.output
    assert "error: passcode.rotation_days: 0 is not a whole number of at least 1" in result.output
    assert "Traceback" not in result.output
    assert snapshot(repo.root) == before


def test_a_tier_reads_only_audiences_of_the_repositorys_schema(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo()
    path = repo.schema_dir / "settings.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("audiences: [states-and-partners]", "audiences: [partners]"), encoding="utf-8")
    line = next(number for number, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "audiences: [partners]" in row)
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    assert f"settings.yaml:{line}:" in result.output
    assert (
        "error: tiers[1].audiences[0]: 'partners' is not one of: states, states-and-partners (the audiences of schema/submission.schema.json)" in result.output
    )
