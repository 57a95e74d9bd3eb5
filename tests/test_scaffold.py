"""portal new: a submission from its template, ready for the text."""

from __future__ import annotations

from tests.helpers import FIXTURES, MakeRepo, Run


def test_new_makes_a_valid_file_from_the_template(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    result = run(
        "new",
        "--kind",
        "offer",
        "--submitter",
        "esp",
        "--title",
        "Training places in 2027",
        "--theme",
        "clearance-and-risk-education",
        "--assistance",
        "technical",
        "--contact",
        "Training Office",
        "--email",
        "training@example.org",
        "--repo",
        str(repo.root),
        "--today",
        "2026-11-20",
    )
    assert result.exit_code == 0, result.output
    path = repo.root / "submissions/ESP/esp-2026-offer-training-places-in-2027.md"
    content = path.read_text()
    assert "received: 2026-11-20\npublished: 2026-11-20\nexpires: 2027-11-20\n" in content
    assert "Resources available\n[Funds, equipment" in content
    assert run("validate", "--repo", str(repo.root)).exit_code == 0
    again = run(
        "new",
        "--kind",
        "offer",
        "--submitter",
        "ESP",
        "--title",
        "Training places in 2027",
        "--theme",
        "transparency",
        "--assistance",
        "technical",
        "--repo",
        str(repo.root),
        "--today",
        "2026-11-20",
    )
    assert "esp-2026-offer-training-places-in-2027-2.md" in again.output


def test_new_with_an_unknown_submitter(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo(FIXTURES / "base")
    result = run(
        "new", "--kind", "need", "--submitter", "XXA", "--title", "T", "--theme", "transparency", "--assistance", "technical", "--repo", str(repo.root)
    )
    assert result.exit_code == 1
    assert "'XXA' is neither an ISO 3166-1 alpha-3 country code nor a registered organisation" in result.output
