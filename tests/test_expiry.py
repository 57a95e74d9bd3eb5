"""Expiry and reminders on real git repositories, with dates around the boundaries."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from pathlib import Path

import git
import pytest

from portal.config import Repo

from tests.helpers import ENV, FIXTURES, STATES, Run, init_git, new_repo, open_site

BASE = FIXTURES / "base"


def text_file(identifier: str, published: str, expires: str, email_line: str = "  email: nra@example.org\n", replaces: str = "") -> str:
    content = (BASE / "submissions/LAO/lao-2026-need-base.md").read_text()
    content = content.replace("lao-2026-need-base", identifier).replace("received: 2026-11-01", f"received: {published}")
    content = content.replace("published: 2026-11-02", f"published: {published}").replace("expires: 2027-11-02", f"expires: {expires}")
    content = content.replace("  email: nra@example.org\n", email_line)
    if replaces:
        content = content.replace("format: plain\n", f"format: plain\nreplaces: {replaces}\n")
    return content


@pytest.fixture
def dated_repo(tmp_path: Path) -> Repo:
    """Texts expiring yesterday, today, tomorrow (relative to 2028-02-29) and on 29 February."""
    root = tmp_path / "portal"
    new_repo(root, commit=False)
    texts = {
        "lao-2027-need-yesterday": ("2027-03-01", "2028-02-28"),
        "lao-2027-need-today": ("2027-03-01", "2028-02-29"),
        "lao-2027-need-tomorrow": ("2027-03-02", "2028-03-01"),
        "lao-2027-need-later": ("2027-06-01", "2028-05-01"),
    }
    for identifier, (published, expires) in texts.items():
        path = root / "submissions/LAO" / f"{identifier}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text_file(identifier, published, expires))
    handle = init_git(root)
    handle.git.add("--all")
    handle.git.commit("-qm", "Start")
    from portal.config import Repo

    return Repo(root)


def test_expire_removes_only_what_is_past_its_date(dated_repo: Repo, run: Run) -> None:
    result = run("expire", "--repo", str(dated_repo.root), "--today", "2028-02-29")
    assert result.exit_code == 0, result.output
    assert "lao-2027-need-yesterday" in result.output and "Removed 1 expired text and their attachments in commit" in result.output
    remaining = sorted(p.stem for p in (dated_repo.submissions / "LAO").glob("*.md"))
    assert remaining == ["lao-2027-need-later", "lao-2027-need-today", "lao-2027-need-tomorrow"]
    commit = git.Repo(dated_repo.root).head.commit
    assert str(commit.message).startswith("Remove 1 expired text\n")
    assert '- lao-2027-need-yesterday: need of Lao PDR, "Clearance support in Xiengkhouang" (published 2027-03-01, expired 2028-02-28)' in commit.message
    assert "Portal-Action: expire\nPortal-Submission: lao-2027-need-yesterday" in commit.message


def test_expire_twice_is_a_no_op(dated_repo: Repo, run: Run) -> None:
    assert run("expire", "--repo", str(dated_repo.root), "--today", "2028-03-02").exit_code == 0
    head = git.Repo(dated_repo.root).head.commit.hexsha
    again = run("expire", "--repo", str(dated_repo.root), "--today", "2028-03-02")
    assert again.exit_code == 0
    assert "No text is past its expiry date on 2028-03-02; nothing was removed." in again.output
    assert git.Repo(dated_repo.root).head.commit.hexsha == head


def test_dry_run_changes_nothing(dated_repo: Repo, run: Run) -> None:
    head = git.Repo(dated_repo.root).head.commit.hexsha
    result = run("expire", "--dry-run", "--repo", str(dated_repo.root), "--today", "2028-03-02")
    assert result.exit_code == 0
    assert "3 expired texts would be removed (dry run: nothing changed)." in result.output
    assert git.Repo(dated_repo.root).head.commit.hexsha == head
    assert len(list((dated_repo.submissions / "LAO").glob("*.md"))) == 4


def test_expire_refuses_a_repository_with_errors(dated_repo: Repo, run: Run) -> None:
    bad = dated_repo.submissions / "LAO" / "lao-2027-need-later.md"
    bad.write_text(bad.read_text().replace("kind: need", "kind: needs"))
    result = run("expire", "--repo", str(dated_repo.root), "--today", "2028-03-02")
    assert result.exit_code == 1
    assert "submissions/LAO/lao-2027-need-later.md:3:1: error: kind: 'needs' is not one of" in result.output
    assert "fix them before removing anything" in result.output


def test_an_unparseable_today(dated_repo: Repo, run: Run) -> None:
    result = run("expire", "--repo", str(dated_repo.root), "--today", "29/02/2028")
    assert result.exit_code == 2
    assert "'29/02/2028' is not a date; write it as YYYY-MM-DD" in result.output


def test_an_expired_text_that_an_active_one_replaces(dated_repo: Repo, run: Run) -> None:
    newer = dated_repo.submissions / "LAO" / "lao-2028-need-update.md"
    newer.write_text(text_file("lao-2028-need-update", "2028-02-01", "2029-02-01", replaces="lao-2027-need-yesterday"))
    git.Repo(dated_repo.root).git.add("--all")
    git.Repo(dated_repo.root).git.commit("-qm", "Update")
    result = run("expire", "--repo", str(dated_repo.root), "--today", "2028-02-29")
    assert result.exit_code == 0, result.output
    assert "it had been replaced by lao-2028-need-update, which stays" in result.output
    assert not (dated_repo.submissions / "LAO" / "lao-2027-need-yesterday.md").exists()
    # the replacement still names the removed text, which history holds: still valid
    assert run("validate", "--repo", str(dated_repo.root)).exit_code == 0


@pytest.mark.slow
def test_the_build_never_shows_a_text_past_its_date(dated_repo: Repo, run: Run) -> None:
    result = run("build", "--repo", str(dated_repo.root), "--today", "2028-02-29", env=ENV)
    assert result.exit_code == 0, result.output
    site = open_site(dated_repo.site_dir, STATES)
    page = site.page_titled("Lao PDR")
    assert page.count("Clearance support in Xiengkhouang") == 3  # today, tomorrow, later; not yesterday's
    home = site.page_titled("Home")
    section = home.split("<article", 1)[1].split("Expiring in the next 30 days", 1)[1].split("<h2", 1)[0]
    assert "expires 29 February 2028, today" in section and "expires 1 March 2028, in 1 day" in section
    assert "1 May 2028" not in section


def test_reminders_draft_one_message_per_submitter(dated_repo: Repo, run: Run, tmp_path: Path) -> None:
    other = dated_repo.submissions / "ESP" / "esp-2027-offer-soon.md"
    other.parent.mkdir()
    other.write_text(
        text_file("esp-2027-offer-soon", "2027-03-10", "2028-03-10", email_line="").replace("code: LAO", "code: ESP").replace("kind: need", "kind: offer")
    )
    outbox = tmp_path / "outbox"
    result = run("reminders", "--within", "30d", "--outbox", str(outbox), "--repo", str(dated_repo.root), "--today", "2028-02-20")
    assert result.exit_code == 0, result.output
    assert "4 text(s) expire between 20 February 2028 and 21 March 2028" in result.output
    assert "NO CONTACT E-MAIL: follow up with Spain by hand" in result.output
    drafts = sorted(p.name for p in outbox.glob("*.eml"))
    assert drafts == ["2028-02-20-LAO.eml"]
    message = email.message_from_bytes((outbox / drafts[0]).read_bytes(), policy=email.policy.default)
    assert message["To"] == "nra@example.org"
    body = message.get_content()
    for identifier in ("lao-2027-need-yesterday", "lao-2027-need-today", "lao-2027-need-tomorrow"):
        assert identifier in body
    assert "expires 29 February 2028" in body
    assert "If we receive no answer, the text will be removed from the portal on its expiry date." in body
    assert "Replaces: lao-2027-need-" in body
    assert (outbox / "2028-02-20-summary.txt").read_text().startswith("4 text(s) expire")


def test_reminders_with_nothing_due(dated_repo: Repo, run: Run, tmp_path: Path) -> None:
    result = run("reminders", "--within", "2w", "--outbox", str(tmp_path / "o"), "--repo", str(dated_repo.root), "--today", "2027-06-01")
    assert result.exit_code == 0
    assert "No text expires in the next 14 days." in result.output
    bad = run("reminders", "--within", "soon", "--repo", str(dated_repo.root))
    assert bad.exit_code == 2 and "'soon' is not a duration; write e.g. 30d, 6w or 2m" in bad.output


def test_twelve_months_after_29_february() -> None:
    from portal.dates import add_months

    assert add_months(dt.date(2028, 2, 29), 12) == dt.date(2029, 2, 28)
    assert add_months(dt.date(2027, 1, 31), 1) == dt.date(2027, 2, 28)


def test_reminder_drafts_in_the_repository_never_show_as_changes(dated_repo: Repo, run: Run) -> None:
    import git

    result = run("reminders", "--within", "30d", "--repo", str(dated_repo.root), "--today", "2028-02-20")
    assert result.exit_code == 0, result.output
    assert list((dated_repo.root / "outbox").glob("*.eml"))
    assert git.Repo(dated_repo.root).git.status("--porcelain") == ""
