"""What became of a text (`outcomes` in its front matter) where readers look: the text's page, the
listings by outcome, the possible matches, the overview and the exports; the other party named in
the partners' tier only where that tier may know it, and the leak check still passing."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from openpyxl import load_workbook

from portal.config import Repo
from portal.model import Submission
from portal.outcomes import Outcome
from portal.publish.render.outcomeview import ANOTHER, PartyNames, ShownOutcome

from tests.helpers import PARTNERS, STATES, VOCABULARY, MakeRepo, OpenedSite, built_copy, init_git, new_repo, open_site

GICHD = "Geneva International Centre for Humanitarian Demining"  # an organisation with a text for States only


def write_text(
    repo: Repo,
    text_id: str,
    who: tuple[str, str],
    kind: str,
    audience: str,
    extra: str = "",
    themes: str = "clearance-and-risk-education",
    published: str = "2026-01-05",
) -> None:
    """A text of `who` (type, code) with `extra` lines at the end of its front matter."""
    kind_of, code = who
    expires = f"{int(published[:4]) + 1}{published[4:]}"
    front = (
        f"---\nid: {text_id}\nkind: {kind}\nsubmitter:\n  type: {kind_of}\n  code: {code}\n"
        f"title: Title of {text_id}\nthemes: [{themes}]\nassistance: [technical]\n"
        "contact:\n  name: Mine Action Desk\n  email: desk@example.org\n"
        f"received: {published}\npublished: {published}\nexpires: {expires}\nlanguage: en\naudience: {audience}\nformat: plain\n"
        f"{extra}---\nThe text of {text_id} as it was sent to the coordinator, word for word.\n"
    )
    path = repo.root / "submissions" / code / f"{text_id}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(front, encoding="utf-8")


OLD_LAO = """\
outcomes:
  - status: contacted
    with: DEU
    date: 2025-12-15
"""
LAO = """\
replaces: lao-2025-need-clearance
outcomes:
  - status: contacted
    with: DEU
    date: 2025-12-15
  - status: funded
    with: DEU
    date: 2026-05-01
    note: "2026"
  - status: contacted
    with: GICHD
    date: 2026-06-01
  - status: contacted
    with: UNMAS
    date: 2026-07-01
  - status: agreed
    with: VNM
    date: 2026-08-01
"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> tuple[OpenedSite, OpenedSite]:
    """A portal with outcomes, built for real (leak check included) and opened in both tiers."""
    repo = new_repo(tmp_path_factory.mktemp("outcomes") / "source", commit=False)
    both = "states-and-partners"
    write_text(repo, "lao-2025-need-clearance", ("state", "LAO"), "need", both, OLD_LAO, published="2025-12-01")
    write_text(repo, "lao-2026-need-clearance", ("state", "LAO"), "need", both, LAO)
    write_text(repo, "deu-2026-offer-clearance", ("state", "DEU"), "offer", both)
    write_text(repo, "unmas-2026-offer-survivors", ("international-organisation", "UNMAS"), "offer", both, themes="victim-assistance")
    write_text(
        repo,
        "gichd-2026-offer-training",
        ("international-organisation", "GICHD"),
        "offer",
        "states",
        "outcomes:\n  - status: contacted\n    with: LAO\n    date: 2026-06-01\n",
    )
    write_text(repo, "esp-2026-offer-mekong", ("state", "ESP"), "offer", "states", "countries: [VNM]\n")  # for States only, about Vietnam
    handle = init_git(repo.root)
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "Start")
    built = tmp_path_factory.mktemp("outcomes") / "built"
    built_copy(repo.root, built)  # the build, leak check included, succeeds
    return open_site(built / "site", STATES), open_site(built / "site", PARTNERS)


# The LAO text alone (without the text it replaced): its outcomes may not be older than it.
ALONE_LAO = LAO.split("\n", 1)[1].replace("2025-12-15", "2026-01-15")


def words(markup: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).replace(" .", ".").strip()


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def outcomes_on(page: str) -> list[str]:
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", item))) for item in re.findall(r"<li data-portal-outcome=[^>]*>(.*?)</li>", page)]


# The text's page -----------------------------------------------------------------------------


@pytest.mark.slow
def test_a_texts_page_says_what_became_of_it_newest_first_with_the_replaced_texts_outcome(sites: tuple[OpenedSite, OpenedSite]) -> None:
    states, partners = sites
    assert outcomes_on(states.page_titled("Title of lao-2026-need-clearance")) == [
        "Agreed with Vietnam on 1 August 2026",
        "In contact with United Nations Mine Action Service since 1 July 2026",
        f"In contact with {GICHD} since 1 June 2026",
        "Funded by Germany on 1 May 2026 — 2026",
        "In contact with Germany since 15 December 2025",  # recorded on the text it replaced
    ]
    # Partners read the text, but GICHD's only text is for States: its name is not told.
    assert outcomes_on(partners.page_titled("Title of lao-2026-need-clearance")) == [
        "Agreed with Vietnam on 1 August 2026",  # a State: public knowledge
        "In contact with United Nations Mine Action Service since 1 July 2026",  # has a text partners read
        f"In contact with {ANOTHER} since 1 June 2026",
        "Funded by Germany on 1 May 2026 — 2026",
        "In contact with Germany since 15 December 2025",
    ]
    assert "What became of it" not in states.page_titled("Title of deu-2026-offer-clearance")  # no outcome, nothing shown


@pytest.mark.slow
def test_the_partners_tier_never_names_an_organisation_whose_texts_are_for_states_only(sites: tuple[OpenedSite, OpenedSite]) -> None:
    states, partners = sites
    assert GICHD in states.text()
    assert GICHD not in partners.text() and "GICHD" not in partners.text()
    assert "Title of gichd-2026-offer-training" not in partners.text()


# Matches, listings, overview -------------------------------------------------------------------


def need_block(page: str, title: str) -> list[str]:
    block = re.split(rf">{title}<a [^>]*>[^<]*</a></h2>", page, maxsplit=1)[1].split("<h2", 1)[0]
    return [words(item) for item in re.findall(r"<li>(.*?)</li>", block, re.S)]


@pytest.mark.slow
def test_possible_matches_mark_pairs_already_in_contact_first(sites: tuple[OpenedSite, OpenedSite]) -> None:
    states, partners = sites
    found = need_block(states.page_titled("Possible matches"), "Title of lao-2026-need-clearance")
    assert found[0].startswith("Title of deu-2026-offer-clearance — Offer by Germany. In contact since 15 December 2025; now funded, on 1 May 2026.")
    assert found[1].startswith("Title of gichd-2026-offer-training — Offer by " + GICHD + ". In contact since 1 June 2026. Shares themes")
    assert found[2] == "Title of unmas-2026-offer-survivors — Offer by United Nations Mine Action Service. In contact since 1 July 2026. Shares no theme."
    assert found[3].startswith("Title of esp-2026-offer-mekong — Offer by Spain. Shares themes")  # a match, not in contact
    assert len(found) == 4 and found[3].count("In contact") == 0
    in_partners = need_block(partners.page_titled("Possible matches"), "Title of lao-2026-need-clearance")
    assert [item.split(" — ")[0] for item in in_partners] == ["Title of deu-2026-offer-clearance", "Title of unmas-2026-offer-survivors"]


def listed(page: str) -> list[str]:
    return re.findall(r">(Title of [a-z0-9-]+)</a>", page)


@pytest.mark.slow
def test_a_listing_per_outcome_status_reachable_from_the_navigation(sites: tuple[OpenedSite, OpenedSite]) -> None:
    states, partners = sites
    assert listed(states.page_titled("Texts in contact")) == ["Title of lao-2026-need-clearance", "Title of gichd-2026-offer-training"]
    assert listed(partners.page_titled("Texts in contact")) == ["Title of lao-2026-need-clearance"]
    assert listed(states.page_titled("Funded")) == ["Title of lao-2026-need-clearance"]
    assert "No text has this outcome at the moment" in states.page_titled("Declined")
    index = states.page_titled("Outcomes")
    assert [plain(item) for item in re.findall(r"<li>(.*?)</li>", index.split('class="md-content"', 1)[1])][:5] == [
        "Texts in contact: 2",
        "Agreed: 1",
        "Funded: 1",
        "Declined: 0",
        "No longer needed: 0",
    ]
    assert re.search(r'class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">\s*Outcomes', index)
    # The listings carry the latest outcome in a column of their own.
    need_listing = states.page_titled("Lao PDR")
    assert re.search(r'<th scope="col"[^>]*>Outcome</th>', need_listing)
    assert "Agreed with Vietnam on 1 August 2026" in words(need_listing)


@pytest.mark.slow
def test_the_overview_counts_outcomes_by_theme_and_by_year(sites: tuple[OpenedSite, OpenedSite]) -> None:
    states, partners = sites

    def rows(page: str, heading: str) -> dict[str, list[str]]:
        table = re.split(rf">{heading}<a [^>]*>[^<]*</a></h3>", page, maxsplit=1)[1].split("</table>", 1)[0]
        found = {}
        for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]:
            cells = [words(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
            found[cells[0]] = cells[1:]
        return found

    statuses = list(VOCABULARY.outcome_statuses)
    assert statuses == ["contacted", "agreed", "funded", "declined", "closed"]
    overview = states.page_titled("Overview")
    assert rows(overview, "Outcomes per year") == {"2025": ["1", "0", "0", "0", "0"], "2026": ["3", "1", "1", "0", "0"]}
    assert rows(overview, "Outcomes per theme")["Clearance and risk reduction education (Article 4)"] == ["4", "1", "1", "0", "0"]
    assert rows(partners.page_titled("Overview"), "Outcomes per year") == {"2025": ["1", "0", "0", "0", "0"], "2026": ["2", "1", "1", "0", "0"]}


# Exports ------------------------------------------------------------------------------------------


def export_files(site: OpenedSite) -> dict[str, bytes]:
    page = site.page_titled("Export")
    return {download.rsplit(".", 1)[1]: site.file(href) for href, download in re.findall(r'<a href="([^"]+)" download="([^"]+)" data-portal-file>', page)}


@pytest.mark.slow
def test_the_exports_carry_the_outcomes_with_the_same_rule_for_the_other_party(sites: tuple[OpenedSite, OpenedSite]) -> None:
    states, partners = sites
    line = "contacted DEU 2025-12-15; funded DEU 2026-05-01 (2026); contacted {} 2026-06-01; contacted UNMAS 2026-07-01; agreed VNM 2026-08-01"
    for site, other in ((states, "GICHD"), (partners, "(another participant)")):
        files = export_files(site)
        rows = {row["id"]: row for row in csv.DictReader(io.StringIO(files["csv"].decode("utf-8-sig")))}
        assert rows["lao-2026-need-clearance"]["outcomes"] == line.format(other)
        assert rows["deu-2026-offer-clearance"]["outcomes"] == ""
        sheet = load_workbook(io.BytesIO(files["xlsx"]), read_only=True)["Texts"]
        table = [[cell.value for cell in row] for row in sheet.iter_rows()]
        column = table[0].index("Outcomes")
        assert [row[column] for row in table[1:] if row[0] == "lao-2026-need-clearance"] == [line.format(other)]
        document = json.loads(files["json"])
        lao = next(text for text in document["texts"] if text["id"] == "lao-2026-need-clearance")
        assert lao["outcomes"][1] == {"status": "funded", "with": "DEU", "with_name": "Germany", "date": "2026-05-01", "note": "2026"}
        hidden = lao["outcomes"][2]
        expected = ("GICHD", GICHD) if site is states else (None, ANOTHER)
        assert (hidden["with"], hidden["with_name"]) == expected
        assert document["labels"]["outcome_status"] == VOCABULARY.outcome_statuses


# The wording, without a build ---------------------------------------------------------------------


def test_each_status_reads_as_plain_words() -> None:
    import datetime as dt

    def said(status: str, kind: str, party: str = "Ireland", note: str = "") -> str:
        shown = ShownOutcome(
            Outcome(status, dt.date(2027, 3, 3), "IRL" if party else "", note), "IRL" if party else "", party, VOCABULARY.outcome_statuses[status]
        )
        return shown.sentence(kind)

    assert said("contacted", "need") == "In contact with Ireland since 3 March 2027"
    assert said("funded", "need", "Germany", "2027") == "Funded by Germany on 3 March 2027 — 2027"
    assert said("funded", "offer", "Lao PDR") == "Funded for Lao PDR on 3 March 2027"
    assert said("closed", "need", "") == "No longer needed since 3 March 2027"
    assert said("declined", "offer", "") == "Declined on 3 March 2027"


def test_who_a_tier_may_name() -> None:
    from portal.model import Submitter

    registered = {"DEU": Submitter("state", "DEU", "Germany"), "GICHD": Submitter("international-organisation", "GICHD", GICHD)}
    partners = PartyNames(registered, {"UNMAS": "United Nations Mine Action Service"}, partners_tier=True)
    assert partners.shown("DEU") == ("DEU", "Germany")
    assert partners.shown("UNMAS") == ("UNMAS", "United Nations Mine Action Service")
    assert partners.shown("GICHD") == ("", ANOTHER)
    assert partners.shown("XYZ") == ("", ANOTHER)  # not registered: never guessed
    assert partners.shown("") == ("", "")
    states = PartyNames(registered, {}, partners_tier=False)
    assert states.shown("GICHD") == ("GICHD", GICHD)
    assert states.shown("XYZ") == ("XYZ", "XYZ")


def test_the_partners_page_cannot_hold_the_name_even_in_a_link(make_repo: MakeRepo) -> None:
    """Rendered without a build: the partners' page of a text gets neither the hidden party's name
    nor a link to a page of it."""
    from portal.checks.validate import validate_repo
    from portal.model import Submitter
    from portal.publish.render.site import render_tier

    from tests.helpers import tier_input

    repo = make_repo(commit=False)
    write_text(repo, "lao-2026-need-clearance", ("state", "LAO"), "need", "states-and-partners", ALONE_LAO)
    subs = validate_repo(repo).submissions
    data = tier_input(subs)
    data.partners_tier = True
    data.parties = {"GICHD": Submitter("international-organisation", "GICHD", GICHD), "DEU": Submitter("state", "DEU", "Germany")}
    pages = "\n".join(render_tier(data).pages.values())
    assert GICHD not in pages and "GICHD" not in pages
    assert f"In contact with {ANOTHER} since 1 June 2026" in pages
    data.partners_tier = False
    assert GICHD in "\n".join(render_tier(data).pages.values())


def test_a_states_only_text_with_outcomes_changes_nothing_the_partners_read(make_repo: MakeRepo) -> None:
    """The partners' pages are the same with or without a text for States only whose outcomes name
    the same parties (and which names the partners' text's submitter)."""
    from portal.checks.validate import validate_repo
    from portal.model import Submitter
    from portal.publish.render.site import render_tier

    from tests.helpers import tier_input

    repo = make_repo(commit=False)
    both = "states-and-partners"
    write_text(repo, "lao-2026-need-clearance", ("state", "LAO"), "need", both, ALONE_LAO)
    write_text(repo, "deu-2026-offer-clearance", ("state", "DEU"), "offer", both)
    before = validate_repo(repo).submissions
    hidden = "outcomes:\n  - status: contacted\n    with: LAO\n    date: 2026-06-01\n  - status: declined\n    with: DEU\n    date: 2026-07-01\n"
    write_text(repo, "gichd-2026-offer-training", ("international-organisation", "GICHD"), "offer", "states", hidden)
    after = validate_repo(repo).submissions
    assert len(after) == len(before) + 1
    registered = {"GICHD": Submitter("international-organisation", "GICHD", GICHD), "DEU": Submitter("state", "DEU", "Germany")}

    def partners_pages(subs: list[Submission]) -> dict[str, str]:
        data = tier_input([sub for sub in subs if sub.audience == both])
        data.partners_tier, data.parties = True, registered
        data.earlier = {sub.id: sub for sub in subs if sub.audience == both}
        return render_tier(data).pages

    assert partners_pages(after) == partners_pages(before)
