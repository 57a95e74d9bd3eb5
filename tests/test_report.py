"""`portal report`: the figures of a period for the Meeting of States Parties, read from the trail.

The fixture repository is built with real commits on known days (publications, a withdrawal,
removals on expiry, an extension, a replacement, outcomes recorded by edits), so every count
of the period 2026-01-01 to 2026-06-30 is known in advance."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path
from typing import Any

import git
import pytest
import yaml

from portal.config import Repo
from portal.model import Submission, Submitter
from portal.report.counts import PastText, Period, count_period
from portal.report.render import render_report
from portal.trail.store import commit_files
from portal.trail.trailers import Change, commit_message

from tests.helpers import VOCABULARY, MakeRepo, Run, found, new_repo, snapshot

D = dt.date.fromisoformat
PERIOD = ("--from", "2026-01-01", "--to", "2026-06-30", "--today", "2026-07-15")

# id -> (submitter type, code, kind, title, themes, assistance, published, expires, extra front matter)
TEXTS: dict[str, tuple[str, str, str, str, list[str], list[str], str, str, dict[str, Any]]] = {
    "esp-2026-offer-clearance": (
        "state",
        "ESP",
        "offer",
        "Deminers trained in Madrid",
        ["clearance-and-risk-education"],
        ["technical", "financial"],
        "2026-01-15",
        "2027-01-15",
        {},
    ),
    "lao-2026-need-clearance": (
        "state",
        "LAO",
        "need",
        "Survey of Phonsavan fields",
        ["clearance-and-risk-education"],
        ["technical"],
        "2026-02-01",
        "2027-02-01",
        {"regions": ["Xiengkhouang"]},
    ),
    "bih-2025-need-victims": (
        "state",
        "BIH",
        "need",
        "Prostheses for Tuzla survivors",
        ["victim-assistance"],
        ["material"],
        "2025-06-01",
        "2026-03-01",
        {"regions": ["Tuzla"]},
    ),
    "ago-2026-need-stockpile": (
        "state",
        "AGO",
        "need",
        "Destroying the Luanda stockpile",
        ["stockpile-destruction"],
        ["technical"],
        "2026-03-10",
        "2027-03-10",
        {},
    ),
    "irq-2025-need-risk-education": (
        "state",
        "IRQ",
        "need",
        "Risk education in Basrah schools",
        ["clearance-and-risk-education"],
        ["technical"],
        "2025-09-01",
        "2026-05-15",
        {"regions": ["Basrah", "Nineveh"]},
    ),
    "unmas-2026-offer-risk-education": (
        "international-organisation",
        "UNMAS",
        "offer",
        "Mobile risk education teams",
        ["clearance-and-risk-education"],
        ["material"],
        "2026-04-01",
        "2027-04-01",
        {},
    ),
    "esp-2026-offer-victims": ("state", "ESP", "offer", "Rehabilitation fellowships", ["victim-assistance"], ["material"], "2026-04-01", "2027-04-01", {}),
    "nor-2025-offer-cooperation": (
        "state",
        "NOR",
        "offer",
        "Norwegian partnership fund",
        ["cooperation-and-assistance"],
        ["financial"],
        "2025-07-01",
        "2026-03-31",
        {},
    ),
    "che-2025-how-to-apply-fund": (
        "state",
        "CHE",
        "how-to-apply",
        "Applying to the Geneva fund",
        ["cooperation-and-assistance"],
        ["financial"],
        "2025-06-20",
        "2026-06-20",
        {},
    ),
    "mex-2025-offer-training": (
        "state",
        "MEX",
        "offer",
        "Training in Mexico City",
        ["clearance-and-risk-education"],
        ["technical"],
        "2025-01-10",
        "2025-12-20",
        {},
    ),
    "lbn-2026-need-clearance": (
        "state",
        "LBN",
        "need",
        "Clearance south of the Litani",
        ["clearance-and-risk-education"],
        ["technical"],
        "2026-07-05",
        "2027-07-05",
        {},
    ),
    "irq-2026-need-risk-education": (
        "state",
        "IRQ",
        "need",
        "Risk education in Basrah schools",
        ["clearance-and-risk-education"],
        ["technical"],
        "2026-05-01",
        "2027-05-01",
        {"regions": ["Basrah"]},
    ),
}
IRQ_NEW = "irq-2026-need-risk-education"
NOTE = "Met in Vientiane with the embassy"


def content(identifier: str, **changes: Any) -> bytes:
    kind_of, code, kind, title, themes, assistance, published, expires, extra = TEXTS[identifier]
    meta: dict[str, Any] = {
        "id": identifier,
        "kind": kind,
        "submitter": {"type": kind_of, "code": code},
        "title": title,
        "themes": themes,
        "assistance": assistance,
        "contact": {"name": "Desk officer", "email": "desk@example.org"},
        "received": published,
        "published": published,
        "expires": expires,
        "language": "en",
        "audience": "states",
        "format": "plain",
        **extra,
        **changes,
    }
    return ("---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + f"---\nThe text of {title}, as sent.\n").encode()


def path_of(identifier: str) -> str:
    return f"submissions/{TEXTS[identifier][1]}/{identifier}.md"


def commit(repo: Repo, day: str, action: str, identifier: str, data: bytes | None = None, replaces: str = "") -> None:
    """One portal commit on `day`: the file written (or, without data, removed)."""
    message = commit_message(f"{action.capitalize()} {identifier}", "", [Change(action, identifier, replaces=replaces)])
    if data is None:
        commit_files(repo, remove=[path_of(identifier)], message=message, date=f"{day}T10:00:00+00:00")
    else:
        commit_files(repo, write={path_of(identifier): data}, message=message, date=f"{day}T10:00:00+00:00")


def outcome(status: str, day: str, party: str = "", note: str = "") -> dict[str, str]:
    entry = {"status": status}
    if party:
        entry["with"] = party
    entry["date"] = day
    if note:
        entry["note"] = note
    return entry


@pytest.fixture(scope="module")
def trail_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository whose figures are known, built once: each test has a copy (`trail_repo`)."""
    repo = new_repo(tmp_path_factory.mktemp("trail") / "portal")
    irq_contact = outcome("contacted", "2026-02-15", "UNMAS")
    lao_outcomes = [outcome("contacted", "2026-03-03", "ESP", NOTE), outcome("agreed", "2026-04-10", "ESP")]
    old_irq = "irq-2025-need-risk-education"
    irq_funded = outcome("funded", "2026-06-15", "UNMAS")
    steps: list[tuple[str, str, str, bytes | None]] = [
        ("2025-01-10", "publish", "mex-2025-offer-training", content("mex-2025-offer-training")),
        ("2025-06-01", "publish", "bih-2025-need-victims", content("bih-2025-need-victims")),
        ("2025-06-20", "publish", "che-2025-how-to-apply-fund", content("che-2025-how-to-apply-fund")),
        ("2025-07-01", "publish", "nor-2025-offer-cooperation", content("nor-2025-offer-cooperation")),
        ("2025-09-01", "publish", old_irq, content(old_irq)),
        ("2026-01-03", "expire", "mex-2025-offer-training", None),
        ("2026-01-15", "publish", "esp-2026-offer-clearance", content("esp-2026-offer-clearance")),
        ("2026-02-01", "publish", "lao-2026-need-clearance", content("lao-2026-need-clearance")),
        ("2026-02-15", "edit", old_irq, content(old_irq, outcomes=[irq_contact])),
        ("2026-03-03", "edit", "lao-2026-need-clearance", content("lao-2026-need-clearance", outcomes=lao_outcomes[:1])),
        ("2026-03-05", "expire", "bih-2025-need-victims", None),
        ("2026-03-10", "publish", "ago-2026-need-stockpile", content("ago-2026-need-stockpile")),
        ("2026-03-20", "extend", "nor-2025-offer-cooperation", content("nor-2025-offer-cooperation", extended="2026-03-20", expires="2027-03-20")),
        ("2026-04-01", "publish", "unmas-2026-offer-risk-education", content("unmas-2026-offer-risk-education")),
        ("2026-04-01", "publish", "esp-2026-offer-victims", content("esp-2026-offer-victims")),
        ("2026-04-10", "edit", "lao-2026-need-clearance", content("lao-2026-need-clearance", outcomes=lao_outcomes)),
        ("2026-04-15", "edit", "ago-2026-need-stockpile", content("ago-2026-need-stockpile", outcomes=[outcome("closed", "2026-04-15")])),
        ("2026-04-20", "withdraw", "ago-2026-need-stockpile", None),
        ("2026-05-01", "replace", IRQ_NEW, content(IRQ_NEW, replaces=old_irq, outcomes=[irq_contact])),
        ("2026-06-15", "edit", IRQ_NEW, content(IRQ_NEW, replaces=old_irq, outcomes=[irq_contact, irq_funded])),
        ("2026-07-05", "publish", "lbn-2026-need-clearance", content("lbn-2026-need-clearance")),
        ("2026-07-10", "edit", "lao-2026-need-clearance", content("lao-2026-need-clearance", outcomes=[*lao_outcomes, outcome("funded", "2026-07-10", "ESP")])),
    ]
    for day, action, identifier, data in steps:
        commit(repo, day, action, identifier, data, replaces=old_irq if action == "replace" else "")
    return repo.root


@pytest.fixture
def trail_repo(trail_template: Path, tmp_path: Path) -> Repo:
    target = tmp_path / "portal"
    shutil.copytree(trail_template, target, symlinks=True)
    return Repo(target)


def report_files(folder: Path) -> tuple[str, str]:
    markdown = next(folder.glob("*.md")).read_text(encoding="utf-8")
    page = next(folder.glob("*.html")).read_text(encoding="utf-8")
    return markdown, page


def row(markdown: str, label: str) -> str:
    """The count a Markdown table gives `label`."""
    return found(rf"^\| {re.escape(label)} \| ([^|]+) \|$", markdown, re.M).group(1)


def test_counts_of_the_period_are_read_from_the_whole_trail(trail_repo: Repo, run: Run, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run("report", *PERIOD, "--repo", str(trail_repo.root), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        "Report for 1 January 2026 to 30 June 2026: 9 texts on the portal, 4 possible matches, 5 outcomes recorded, 2 expired without an update"
    )
    assert sorted(p.name for p in out.iterdir()) == ["report-2026-01-01-to-2026-06-30.html", "report-2026-01-01-to-2026-06-30.md"]
    assert f"  {out / 'report-2026-01-01-to-2026-06-30.md'}" in result.output.splitlines()
    markdown, _page = report_files(out)
    expected = {
        # The replaced IRQ text and its replacement are one; MEX left before the period, LBN came after it.
        "Texts on the portal at any time in the period": "9",
        "of which first published in the period": "5",
        # LAO and IRQ with the ESP clearance offer and the UNMAS offer; BIH and the ESP victims offer never met.
        "Possible matches (a need and an offer or how-to-apply text on the portal at the same time)": "4",
        "Needs with at least one possible match (of 4 needs)": "2",
        # LAO contacted and agreed, IRQ contacted (carried on by its replacement: once) and funded, AGO closed; LAO funded in July is after.
        "Outcomes recorded in the period": "5",
        # LAO: 1 February to 3 March; IRQ: 1 September 2025 (its first version) to 15 February.
        "Median days from publication to first contact (2 texts contacted in the period)": str((30 + 167) / 2),
        # BIH (expired on 1 March, removed later) and CHE (still in submissions/); NOR was extended, IRQ replaced.
        "Texts expired in the period without an update": "2",
        "Needs": "4",
        "Offers": "4",
        "How to apply": "1",
        "Projects": "0",
        VOCABULARY.themes["clearance-and-risk-education"]: "4",
        VOCABULARY.themes["victim-assistance"]: "2",
        VOCABULARY.themes["stockpile-destruction"]: "1",
        VOCABULARY.themes["cooperation-and-assistance"]: "2",
        "Basrah": "1",  # the replacement's regions, not the replaced text's (Nineveh)
        "Xiengkhouang": "1",
        "Tuzla": "1",
        "No region given": "6",
        "State Party": "7",
        "Signatory State": "1",
        "International organisation": "1",
        "Non-governmental organisation": "0",
        "In contact": "2",
        "Agreed": "1",
        "Funded": "1",
        "Declined": "0",
        "No longer needed": "1",
    }
    assert {label: row(markdown, label).strip() for label in expected} == expected
    assert "Nineveh" not in markdown


def test_the_report_names_no_text_and_no_state_without_with_names(trail_repo: Repo, run: Run, tmp_path: Path) -> None:
    plain, named = tmp_path / "plain", tmp_path / "named"
    assert run("report", *PERIOD, "--repo", str(trail_repo.root), "--output", str(plain)).exit_code == 0
    assert run("report", *PERIOD, "--with-names", "--repo", str(trail_repo.root), "--output", str(named)).exit_code == 0
    names = ["Spain", "Lao PDR", "Bosnia and Herzegovina", "Angola", "Iraq", "United Nations Mine Action Service", "Norway", "Switzerland"]
    for document in report_files(plain):
        for identifier, (_type, code, _kind, title, *_rest) in TEXTS.items():
            assert identifier not in document
            assert title not in document
            assert not re.search(rf"\b{code}\b", document), code
        for name in names:
            assert name not in document, name
        assert NOTE not in document
    markdown, page = report_files(named)
    for document in (markdown, page):
        for name in names:
            assert name in document, name
        for identifier, (_type, _code, _kind, title, *_rest) in TEXTS.items():
            assert identifier not in document  # names of States, never of texts
            assert title not in document
        assert NOTE not in document
    assert row(markdown, "Spain") == "2"  # two texts of Spain on the portal in the period
    assert "| 2026-06-15 | Iraq | United Nations Mine Action Service | Funded |" in markdown
    assert "| 2026-03-03 | Lao PDR | Spain | In contact |" in markdown
    assert "Lebanon" not in markdown and "Mexico" not in markdown  # never on the portal in the period


def test_the_html_is_printable_and_fetches_nothing(trail_repo: Repo, run: Run, tmp_path: Path) -> None:
    assert run("report", *PERIOD, "--repo", str(trail_repo.root), "--output", str(tmp_path)).exit_code == 0
    _markdown, page = report_files(tmp_path)
    assert "@page { size: A4;" in page
    for fetching in ("<script", "<link", "src=", "href=", "url(", "@import", "http://", "https://"):
        assert fetching not in page, fetching
    assert re.search(r'<td>Texts expired in the period without an update</td><td class="count">2</td>', page)


def test_outcome_text_and_regions_are_escaped_in_both_forms() -> None:
    sub = submission("lao-2026-need-a", "need", published=D("2026-02-01"), regions=["<b>North</b> | *East*"])
    counts = count_period([PastText(sub)], Period(D("2026-01-01"), D("2026-06-30")), VOCABULARY)
    report = render_report(counts, made=D("2026-07-01"), commit="0" * 40, with_names=False, party_name=str, vocabulary=VOCABULARY)
    assert "| &lt;b&gt;North&lt;/b&gt; \\| \\*East\\* | 1 |" in report.markdown
    assert "<td>&lt;b&gt;North&lt;/b&gt; | *East*</td>" in report.html


def test_uncommitted_changes_are_not_counted_and_said(trail_repo: Repo, run: Run, tmp_path: Path) -> None:
    (trail_repo.root / path_of("lbn-2026-need-clearance")).unlink()
    result = run("report", *PERIOD, "--repo", str(trail_repo.root), "--output", str(tmp_path))
    assert result.exit_code == 0
    assert "Note: 1 file(s) under submissions/ are not committed; the report counts what is committed." in result.output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ("--from", "2026-07-01", "--to", "2026-06-30"),
            "Error: --from 2026-07-01 is after --to 2026-06-30; give the first day of the period, then its last day",
        ),
        (("--from", "2026-02-30", "--to", "2026-06-30"), "Error: --from: '2026-02-30' is not a date of the calendar; write it as YYYY-MM-DD"),
        (("--from", "1 Jan 2026", "--to", "2026-06-30"), "Error: --from: '1 Jan 2026' is not a date; write it as YYYY-MM-DD"),
        (("--from", "2026-01-01", "--to", "2026-12-31"), "Error: --to 2026-12-31 is after today (2026-07-15); the report counts what has happened"),
    ],
)
def test_a_bad_period_is_refused_and_nothing_written(trail_repo: Repo, run: Run, tmp_path: Path, options: tuple[str, ...], message: str) -> None:
    before = snapshot(trail_repo.root)
    result = run("report", *options, "--today", "2026-07-15", "--repo", str(trail_repo.root), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.output.startswith(message), result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert snapshot(trail_repo.root) == before


def test_outside_a_portal_repository_or_its_git_the_report_is_refused(make_repo: MakeRepo, run: Run, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run("report", *PERIOD, "--repo", str(elsewhere), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "is not inside a portal repository (no schema/submission.schema.json here or above)" in result.output
    no_git = make_repo(commit=False)
    result = run("report", *PERIOD, "--repo", str(no_git.root), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "is not a git repository; the portal keeps its audit trail in git" in result.output
    assert not (tmp_path / "out").exists()


def test_an_output_that_is_a_file_is_refused(trail_repo: Repo, run: Run, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("mine")
    result = run("report", *PERIOD, "--repo", str(trail_repo.root), "--output", str(tmp_path / "taken"))
    assert result.exit_code == 1
    assert "Error: --output: " in result.output and "is a file; give a folder for the report" in result.output
    assert (tmp_path / "taken").read_text() == "mine"


def test_a_text_of_the_trail_that_cannot_be_read_stops_the_report(make_repo: MakeRepo, run: Run, tmp_path: Path) -> None:
    repo = make_repo()
    commit(repo, "2026-02-01", "publish", "lao-2026-need-clearance", content("lao-2026-need-clearance").replace(b"kind: need", b"kind: wish"))
    commit(repo, "2026-03-01", "withdraw", "lao-2026-need-clearance")
    result = run("report", *PERIOD, "--repo", str(repo.root), "--output", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert found(r"^submissions/LAO/lao-2026-need-clearance\.md:3:1: error: kind: .* \(in the version removed by commit [0-9a-f]{10}\)$", result.output, re.M)
    assert "1 text(s) of the trail cannot be read" in result.output
    assert not (tmp_path / "out").exists()


# The core, with plain submissions --------------------------------------------------------------


def submission(identifier: str, kind: str, *, published: dt.date, expires: dt.date | None = None, code: str = "", **meta: Any) -> Submission:
    code = code or identifier.split("-")[0].upper()
    return Submission(
        path=f"submissions/{code}/{identifier}.md",
        id=identifier,
        kind=kind,
        submitter=Submitter("state", code, code, "state-party"),
        title=identifier,
        themes=tuple(meta.pop("themes", ["victim-assistance"])),
        assistance=("technical",),
        contact_name="Desk",
        contact_email="",
        received=published,
        published=published,
        expires=expires or published + dt.timedelta(days=365),
        audience="states",
        format="plain",
        text="Text.\n",
        text_line=10,
        replaces=meta.pop("replaces", ""),
        example=meta.pop("example", False),
        meta=meta,
    )


FIRST_HALF = Period(D("2026-01-01"), D("2026-06-30"))


def test_a_text_withdrawn_the_day_it_was_published_was_never_on_the_portal() -> None:
    sub = submission("lao-2026-need-a", "need", published=D("2026-02-01"))
    assert count_period([PastText(sub, D("2026-02-01"))], FIRST_HALF, VOCABULARY).texts == 0
    assert count_period([PastText(sub, D("2026-02-02"))], FIRST_HALF, VOCABULARY).texts == 1


def test_example_texts_and_texts_outside_the_period_are_not_counted() -> None:
    texts = [
        PastText(submission("lao-2026-need-a", "need", published=D("2026-02-01"), example=True)),
        PastText(submission("lao-2026-need-b", "need", published=D("2026-07-01"))),
        PastText(submission("lao-2025-need-c", "need", published=D("2025-01-01"), expires=D("2025-12-30"))),
        PastText(submission("lao-2025-need-d", "need", published=D("2025-01-01"), expires=D("2026-01-01"))),
    ]
    counts = count_period(texts, FIRST_HALF, VOCABULARY)
    assert (counts.texts, counts.by_kind["need"], counts.expired_without_update) == (1, 1, 1)


def test_a_match_needs_both_texts_on_the_portal_on_a_same_day() -> None:
    need = submission("lao-2026-need-a", "need", published=D("2026-01-01"), expires=D("2026-03-31"))
    met = submission("esp-2026-offer-a", "offer", published=D("2026-03-31"))
    late = submission("nor-2026-offer-a", "offer", published=D("2026-04-01"))
    counts = count_period([PastText(need), PastText(met), PastText(late)], FIRST_HALF, VOCABULARY)
    assert (counts.needs, counts.needs_matched, counts.matches) == (1, 1, 1)


def test_first_contact_is_counted_from_the_chains_first_publication() -> None:
    first = submission("lao-2025-need-a", "need", published=D("2025-12-01"), expires=D("2026-12-01"))
    second = submission("lao-2026-need-a", "need", published=D("2026-02-01"), replaces=first.id, outcomes=[outcome("contacted", "2026-02-11", "ESP")])
    alone = submission(
        "bih-2026-need-a", "need", published=D("2026-03-01"), outcomes=[outcome("closed", "2026-03-02"), outcome("agreed", "2026-03-05", "UNDP")]
    )
    counts = count_period([PastText(first), PastText(second), PastText(alone)], FIRST_HALF, VOCABULARY)
    assert (counts.texts, counts.first_contacts, counts.median_days_to_contact) == (2, 2, (72 + 4) / 2)
    assert counts.outcomes == {"contacted": 1, "agreed": 1, "funded": 0, "declined": 0, "closed": 1}


def test_a_text_merged_from_a_branch_counts_as_merged(make_repo: MakeRepo, run: Run, tmp_path: Path) -> None:
    repo = make_repo()
    commit(repo, "2026-02-01", "publish", "lao-2026-need-clearance", content("lao-2026-need-clearance"))
    handle = git.Repo(repo.root)
    handle.git.checkout("-q", "-b", "outcomes")
    commit(repo, "2026-03-03", "edit", "lao-2026-need-clearance", content("lao-2026-need-clearance", outcomes=[outcome("contacted", "2026-03-03", "ESP")]))
    handle.git.checkout("-q", "main")
    commit(repo, "2026-03-04", "publish", "esp-2026-offer-clearance", content("esp-2026-offer-clearance"))
    # Both sides are merged with a new outcome written in the merge itself: no commit of the log holds it.
    handle.git.merge("--no-ff", "--no-commit", "-q", "outcomes")
    later = content("lao-2026-need-clearance", outcomes=[outcome("contacted", "2026-03-03", "ESP"), outcome("agreed", "2026-03-05", "ESP")])
    (repo.root / path_of("lao-2026-need-clearance")).write_bytes(later)
    handle.git.add("--all")
    handle.git.commit("-q", "-m", "Merge the outcomes")
    result = run("report", *PERIOD, "--repo", str(repo.root), "--output", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Report for 1 January 2026 to 30 June 2026: 2 texts on the portal, 1 possible match, 2 outcomes recorded")


def test_an_empty_period_says_so_rather_than_showing_empty_tables() -> None:
    counts = count_period([], FIRST_HALF, VOCABULARY)
    report = render_report(counts, made=D("2026-07-01"), commit="", with_names=True, party_name=str, vocabulary=VOCABULARY)
    assert "| Median days from publication to first contact (0 texts contacted in the period) | – |" in report.markdown
    assert report.markdown.count("None in the period.") == 3  # regions, who had texts, pairs
    assert report.html.count("<p>None in the period.</p>") == 3
    assert "| Needs | 0 |" in report.markdown
