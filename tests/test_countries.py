"""A text about other countries (`countries`): validated against ISO 3166, listed on each country's
page (which exists even if that country published nothing), shown in the text's facts, the
listings and the exports, and read by the leak check like the text's regions."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import Result

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.model import Submission
from portal.publish.prove.crosstier import scan_tier, tier_needles
from portal.publish.render.export import export_csv, export_json
from portal.publish.render.site import readable_namer, render_tier

from tests.helpers import DEMO_DATE, FIXTURES, PARTNERS, STATES, VOCABULARY, MakeRepo, Run, built_copy, found, init_git, open_site, tier_input

BASE = FIXTURES / "base"


def write_text(repo: Repo, submitter: str, slug: str, countries: str, audience: str = "states", kind: str = "offer") -> str:
    """A text of `submitter` whose front matter ends with `countries` as written (e.g. '[LAO, VNM]'); its path."""
    code = submitter.lower()
    path = f"submissions/{submitter}/{code}-2026-{kind}-{slug}.md"
    front = (
        f"---\nid: {code}-2026-{kind}-{slug}\nkind: {kind}\nsubmitter:\n  type: state\n  code: {submitter}\n"
        f"title: Support for {slug}\nthemes: [clearance-and-risk-education]\nassistance: [technical]\n"
        "contact:\n  name: Mine Action Desk\n  email: desk@example.org\n"
        f"received: 2026-11-01\npublished: 2026-11-02\nexpires: 2027-11-02\nlanguage: en\naudience: {audience}\nformat: plain\n"
        f"countries: {countries}\n---\nWe offer support to the {slug} programme.\n"
    )
    (repo.root / path).parent.mkdir(parents=True, exist_ok=True)
    (repo.root / path).write_text(front, encoding="utf-8")
    return path


def validate(run: Run, repo: Repo) -> Result:
    return run("validate", "--repo", str(repo.root), "--today", DEMO_DATE)


# Validation -------------------------------------------------------------------------------------


def test_an_unknown_code_is_an_error_at_its_line_with_the_code_meant(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    path = write_text(repo, "ESP", "lao", "\n  - VNM\n  - LAX")
    result = validate(run, repo)
    assert result.exit_code == 1
    assert f"{path}:21:5: error: countries[1]: 'LAX' is not an ISO 3166-1 alpha-3 code; did you mean LAO (Lao PDR) or LUX (Luxembourg)?" in result.output


def test_a_code_in_lower_case_says_how_codes_are_written(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    path = write_text(repo, "ESP", "lao", "[lao]")
    result = validate(run, repo)
    assert result.exit_code == 1
    assert f"{path}:19:13: error: countries[0]: 'lao' is not in the expected form; use ISO 3166-1 alpha-3 codes in capitals, e.g. [LAO, VNM]" in result.output


def test_a_country_outside_the_convention_may_be_what_a_text_is_about(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    write_text(repo, "ESP", "region", "[VNM, USA]")  # neither has joined the Convention
    result = validate(run, repo)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("3 submissions checked: 0 errors, 0 warnings (all valid)")


def test_naming_the_submitter_itself_is_a_warning(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(BASE)
    path = write_text(repo, "LAO", "self", "[VNM, LAO]", kind="need")
    result = validate(run, repo)
    assert result.exit_code == 0, result.output
    assert (
        f"{path}:19:18: warning: countries[1]: LAO is the submitter itself, whose page lists the text already; name only the other countries the text is about"
    ) in result.output


# Pages ------------------------------------------------------------------------------------------


@pytest.fixture
def about(make_repo: MakeRepo) -> list[Submission]:
    """The base texts (Lao PDR and Spain) and a Spanish offer about Lao PDR and Viet Nam, which has
    published nothing."""
    repo = make_repo(BASE, commit=False)
    write_text(repo, "ESP", "mekong", "[LAO, VNM]")
    result = validate_repo(repo)
    assert result.ok, result.problems
    return result.submissions


def test_a_country_that_published_nothing_has_a_page_with_the_texts_about_it(about: list[Submission]) -> None:
    pages = render_tier(tier_input(about), readable_namer).pages
    vietnam = pages["submitter-vnm.md"]
    assert vietnam.startswith('---\ntitle: "Vietnam"\n')
    assert "State. It has published nothing on the portal; 1 text of others is about it." in vietnam
    section = vietnam.split("## About Vietnam, from others", 1)[1]
    assert 'href="submission-esp-2026-offer-mekong.html"' in section and ">Spain</a>" in section
    assert 'href="print-submitter-vnm.html">Printable page of all 1 text<' in vietnam
    assert "# All texts about Vietnam" in pages["print-submitter-vnm.md"]


def test_a_country_that_published_lists_the_texts_of_others_after_its_own(about: list[Submission]) -> None:
    lao = render_tier(tier_input(about), readable_namer).pages["submitter-lao.md"]
    assert "State. 1 text on the portal; 1 text of others is about it." in lao
    own, others = lao.split("## About Lao PDR, from others", 1)
    assert "submission-lao-2026-need-base.html" in own and "esp-2026-offer-mekong" not in own
    assert "submission-esp-2026-offer-mekong.html" in others


def test_the_list_of_countries_marks_those_that_have_not_published(about: list[Submission]) -> None:
    pages = render_tier(tier_input(about), readable_namer).pages
    table = pages["publishers.md"]
    rows = {html.unescape(re.sub(r"<[^>]+>", "", row.split("</td>", 1)[0])): row for row in table.split("<tr>")[2:]}
    assert sorted(rows) == ["Lao PDR", "Spain", "Vietnam"]
    presence = {name: found(r'data-label="On the portal">(.*?)</td>', row).group(1) for name, row in rows.items()}
    assert presence == {"Lao PDR": "Has published; 1 text about it by others", "Spain": "Has published", "Vietnam": "1 text about it by others"}
    # Two have published; the count of those who have published stays true, here and on the home page.
    assert "2 have texts on the portal today. 1 more country has not published, but texts of others are about it." in table
    assert '<span class="portal-count">2</span> Countries and organisations' in pages["index.md"]


def test_the_facts_box_and_the_listings_name_the_countries(about: list[Submission]) -> None:
    pages = render_tier(tier_input(about), readable_namer).pages
    facts = pages["submission-esp-2026-offer-mekong.md"]
    assert '<dt>Countries</dt><dd><a href="submitter-lao.html">Lao PDR</a>, <a href="submitter-vnm.html">Vietnam</a></dd>' in facts
    for listing in ("kind-offer.md", "theme-clearance-and-risk-education.md"):
        assert re.search(
            r'<td data-label="Countries"[^>]*><a href="submitter-lao.html">Lao PDR</a>, <a href="submitter-vnm.html">Vietnam</a></td>', pages[listing]
        )
    # A listing whose texts name no country has no such column.
    assert 'data-label="Countries"' not in pages["kind-need.md"]


def test_the_exports_carry_the_codes(about: list[Submission]) -> None:
    mekong = [sub for sub in about if sub.id == "esp-2026-offer-mekong"]
    rows = list(csv.DictReader(io.StringIO(export_csv(mekong).decode("utf-8-sig"))))
    assert rows[0]["countries"] == "LAO; VNM"
    document = json.loads(export_json(mekong, "Portal", "States", dt.date(2026, 11, 20), VOCABULARY))
    assert document["texts"][0]["countries"] == ["LAO", "VNM"]
    assert document["labels"]["countries"] == {"LAO": "Lao PDR", "VNM": "Vietnam"}


# The leak check and the partners' tier ---------------------------------------------------------


def test_the_name_of_a_country_a_hidden_text_is_about_is_a_leak_unless_the_tier_shows_it(make_repo: MakeRepo) -> None:
    repo = make_repo(BASE, commit=False)
    write_text(repo, "ESP", "mekong", "[VNM, COL]")  # for States only
    write_text(repo, "ESP", "andes", "[COL]", audience="states-and-partners")
    subs = validate_repo(repo).submissions
    needles = tier_needles(repo.settings, "partners", subs, [])

    def leaks(page: str) -> list[str]:
        return [leak.message() for leak in scan_tier(repo.settings, "partners", [("page.html", page)], [], subs, {}, needles)]

    assert leaks("<p>Support in <b>Vietnam</b></p>") == [
        "page.html: leak: a text the partners tier may not read, in one of its pages or files of esp-2026-offer-mekong"
    ]
    assert leaks("<p>Support in Colombia</p>") == []  # the partners' own text is about Colombia


@pytest.mark.slow
def test_a_country_page_made_only_of_texts_for_states_is_not_in_the_partners_tier(make_repo: MakeRepo, tmp_path: Path) -> None:
    repo = make_repo(BASE, commit=False)
    write_text(repo, "ESP", "mekong", "[VNM, COL]")  # for States only
    write_text(repo, "ESP", "andes", "[COL]", audience="states-and-partners")
    # The public start page names the coordinator, and so a country a text is about: the build's
    # own words are no evidence of a leak.
    settings = yaml.safe_load((repo.schema_dir / "settings.yaml").read_text())
    settings["coordinator"]["name"] = "Regional coordinator for Vietnam"
    (repo.schema_dir / "settings.yaml").write_text(yaml.safe_dump(settings))
    handle = init_git(repo.root)
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "Start")
    built_copy(repo.root, tmp_path / "built")  # the build, leak check included, succeeds

    site = tmp_path / "built" / "site"
    states, partners = open_site(site, STATES), open_site(site, PARTNERS)
    mekong, andes = ">Support for mekong</a>", ">Support for andes</a>"
    assert mekong in states.page_titled("Vietnam")
    assert andes in states.page_titled("Colombia") and mekong in states.page_titled("Colombia")
    with pytest.raises(AssertionError, match="no page titled 'Vietnam'"):
        partners.page_titled("Vietnam")
    colombia = partners.page_titled("Colombia")
    assert andes in colombia and mekong not in colombia
    assert "Vietnam" not in partners.text().replace("Regional coordinator for Vietnam", "")
