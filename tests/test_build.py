"""`portal build` end to end on real repositories: the pages, the protection, the leak scan."""

from __future__ import annotations

import base64
import datetime as dt
import html
import itertools
import json
import re
import shutil
from pathlib import Path

import pytest

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.lifecycle import select_active
from portal.publish.seal.keys import SealError, open_keys, open_page
from portal.publish.seal.sealedformat import (
    FORMAT_FILE,
    HOME,
    KEYS_FILE,
    NO_JEKYLL,
    NOT_FOUND_PAGE,
    PAYLOAD_START,
    PUBLIC_DIR,
    SEALED_NAME,
    SHELL_PAYLOAD,
    SITEMAP,
    STATIC_FILES,
    TIER_FOLDER,
    TIER_NAMES,
)

from tests.helpers import DEMO_DATE, ENV, FIXTURES, PARTNERS, PROJECT, STATES, BuildOutput, Run, found, open_site, withheld


@pytest.fixture(scope="module")
def built(example_site: tuple[Path, BuildOutput]) -> tuple[Path, BuildOutput]:
    """The example portal built once (tests here only read it)."""
    return example_site


def test_build_prints_a_one_line_summary(built: tuple[Path, BuildOutput]) -> None:
    _, result = built
    assert re.search(
        r"^Built 17 submissions from 15 submitters \(states: 17, partners: 8\) into \d+ protected pages in [\d.]+ s; leak check passed$", result.stdout, re.M
    )
    assert "Rendering, generating and encrypting States and Partner organisations pages" in result.stderr


def test_published_folder_holds_only_the_allow_list(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    site = root / "site"
    names = {path.relative_to(site).as_posix() for path in site.rglob("*") if path.is_file()}
    tier_folders = {name.split("/")[0] for name in names if re.fullmatch(rf"{TIER_FOLDER}/.*", name)}
    assert len(tier_folders) == 2
    public = {HOME, NOT_FOUND_PAGE, NO_JEKYLL, *(f"{PUBLIC_DIR}/{name}" for name in (KEYS_FILE, FORMAT_FILE, *STATIC_FILES))}
    assert public <= names
    for name in names:
        assert name in public or name.startswith("assets/") or re.fullmatch(rf"{TIER_FOLDER}/(?:{TIER_NAMES.pattern})", name), name
    assert sorted(name for name in names if "sitemap" in name) == [f"{folder}/{SITEMAP}" for folder in sorted(tier_folders)]  # sealed


def test_every_published_file_carries_one_time_and_the_tiers_are_written_mixed(built: tuple[Path, BuildOutput]) -> None:
    """File times and the order files were made in (change times, inode numbers) sort no file into
    its tier or into real and decoy: one time for all, one random order over the whole site."""
    root, _ = built
    site = root / "site"
    everything = [site, *site.rglob("*")]
    assert len({path.stat().st_mtime_ns for path in everything}) == 1
    files = sorted((path for path in everything if path.is_file()), key=lambda path: (path.stat().st_ctime_ns, path.stat().st_ino))
    folders = [path.relative_to(site).parts[0] for path in files]
    changes = sum(first != second for first, second in itertools.pairwise(folders))
    assert changes > len(files) // 4, f"{changes} changes of folder in {len(files)} files, in the order they were made"


def test_every_page_is_a_sealed_shell_that_says_nothing(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    for page in (root / "site").glob("*/*.html"):
        text = page.read_text()
        assert SHELL_PAYLOAD.search(text)
        assert "<title>CCM Cooperation Portal</title>" in text
        visible = re.sub(r"<script.*?</script>", "", text, flags=re.S)
        assert "Survey" not in visible and "Lao" not in visible


def test_the_leak_scan_passes_on_the_examples_and_fails_on_plaintext(built: tuple[Path, BuildOutput], run: Run) -> None:
    root, _ = built
    clean = run("check-leaks", "--repo", str(root), env=ENV)
    assert clean.exit_code == 0, clean.output
    assert re.search(r"Every one of \d+ files in .* is sealed for its tier or is the portal's own; no plaintext of 19 submissions", clean.output)
    staging = root / "build" / "staging" / "states"
    leaky = run("check-leaks", str(staging), "--repo", str(root), env=ENV)
    assert leaky.exit_code == 1
    # The plaintext pages are named (under a name withheld: theirs may hold words of a text) from
    # the first in order, and the attachment left in the clear is tied to its text.
    first_page = min(path.name for path in staging.glob("*.html") if path.name not in {"index.html", "404.html"})
    assert f"{withheld(first_page)}: leak: a file the build never publishes (a name it never gives)\n" in leaky.output
    annex = (root / "submissions/IRQ/attachments/irq-2026-need-risk-education-basrah/work-plan.csv").read_bytes()
    copied = next(path for path in staging.glob("*.bin") if path.read_bytes() == annex)
    assert f"{withheld(copied.name)}: leak: an attachment copied in the clear of irq-2026-need-risk-education-basrah\n" in leaky.output
    assert "(readable part of a published file): leak: title of " in leaky.output
    assert "_portal/keys.json: leak: missing, or not in the format the loader reads" in leaky.output
    assert "Survey and clearance" not in leaky.output  # the words found are never printed


@pytest.mark.slow
def test_a_single_leaked_title_in_a_file_name_is_caught(built: tuple[Path, BuildOutput], run: Run, tmp_path: Path) -> None:
    root, _ = built
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    (site / "assets" / "Drafting national implementation legislation.txt").write_text("")
    result = run("check-leaks", str(site), "--repo", str(root), env=ENV)
    assert result.exit_code == 1
    name = withheld("assets/Drafting national implementation legislation.txt")
    assert f"{name}: leak: title in a file name of tcd-2026-need-national-implementation-law" in result.output
    assert f"{name}: leak: a file the build never publishes (a name it never gives)" in result.output
    assert "Drafting" not in result.output


def test_states_read_every_active_text_on_its_submitter_page(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    states = open_site(root / "site", STATES)
    assert states.tier == "states"
    subs = validate_repo(Repo(root)).submissions
    active = select_active(subs, dt.date.fromisoformat(DEMO_DATE))
    countries = states.page_titled("Countries and organisations")
    for sub in active:
        submitter_page = states.page_titled(sub.submitter.name)
        assert html.escape(sub.title) in submitter_page, sub.id
        assert f">{html.escape(sub.submitter.name)}</a>" in countries
    gone = {"mrt-2025-need-survivor-data", "lao-2025-need-survey-clearance-xiengkhouang"}
    everything = states.text()
    for sub in subs:
        if sub.id in gone:
            assert f">{html.escape(sub.title)}<" not in everything and f">{html.escape(sub.title, quote=False)}<" not in everything
            assert sub.id not in everything.replace("lao-2025-need-survey-clearance-xiengkhouang</code> (the earlier", "")


def test_plain_text_is_preserved_to_the_character(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    states = open_site(root / "site", STATES)
    source = (root / "submissions/LAO/lao-2026-need-survey-clearance-xiengkhouang.md").read_text()
    text = source.split("\n---\n", 1)[1]
    page = states.page_titled("Survey and clearance of cluster munition remnants in Xiengkhouang Province (update 2027)")
    block = found(r'<div class="portal-text portal-plain">(.*?)</div>', page, re.S).group(1)
    # The guidance pattern's headings are wrapped in <h3>, soft line breaks (which a phone joins)
    # in a span; every character of the text stays.
    assert '<span class="portal-soft">' in block
    assert html.unescape(re.sub(r'<h3 class="portal-text-heading">|</h3>|<span class="portal-soft">|</span>', "", block)) == text
    assert "1. Clearance of 1,140 hectares" in html.unescape(block)  # not turned into a list


def test_markdown_is_rendered_where_the_submission_says_so(built: tuple[Path, BuildOutput]) -> None:
    states = open_site(built[0] / "site", STATES)
    page = states.page_titled("Physical rehabilitation and psychosocial support for survivors in South Lebanon")
    text = re.search(r'<div class="portal-text portal-markdown">(.*?)</div>', page, re.S)
    assert text, "the text is not shown as Markdown"
    # The text's own table and emphasis, rendered inside the text (the page around has tables too).
    assert "<table>&#10;<thead>&#10;<tr>&#10;<th>Item</th>" in text.group(1)
    assert "<p>The <strong>Lebanon Mine Action Centre</strong> seeks support" in text.group(1)


def test_matches_are_present_and_explained(built: tuple[Path, BuildOutput]) -> None:
    states = open_site(built[0] / "site", STATES)
    page = states.page_titled("Possible matches")
    section = page.split("<article", 1)[1].split("Survey and clearance of cluster munition remnants in Xiengkhouang Province (update 2027)", 1)[1]
    assert "Funding for clearance and victim assistance projects in 2027" in section.split("<h2", 1)[0]
    assert "Shares themes: Clearance and risk reduction education (Article 4), Victim assistance (Article 5); assistance: financial" in section


def test_guidance_pattern_page_comes_from_the_schema(built: tuple[Path, BuildOutput]) -> None:
    states = open_site(built[0] / "site", STATES)
    page = states.page_titled("Guidance pattern")
    schema = json.loads((PROJECT / "schema/submission.schema.json").read_text())
    for field in schema["properties"]:
        assert f"<code>{field}</code>" in page
    assert "Kind: how-to-apply" in page


def test_partners_read_only_texts_opened_to_them(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    partners = open_site(root / "site", PARTNERS)
    assert partners.tier == "partners"
    subs = validate_repo(Repo(root)).submissions
    everything = partners.text() + json.dumps(partners.search)
    for sub in subs:
        if sub.audience == "states":
            assert html.escape(sub.title) not in everything and html.escape(sub.title, quote=False) not in everything, sub.id
            assert sub.id not in everything, sub.id
    # A text opened to partners is there, on its own page, with its text.
    basrah = partners.page_titled("Explosive ordnance risk education for returnee communities in Basrah Governorate")
    assert re.search(r'<div class="portal-text portal-(plain|markdown)">', basrah)


def test_a_partner_passcode_cannot_open_a_states_page(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    partners = open_site(root / "site", PARTNERS)
    states = open_site(root / "site", STATES)
    shell = next(iter(states.folder.glob("*.html")))
    sealed = base64.b64decode(found(SHELL_PAYLOAD.pattern, shell.read_text()).group(1))
    where = f"{states.folder.name}/{shell.name}"
    assert open_page(states.key, sealed, states.build, where)
    with pytest.raises(SealError):
        open_page(partners.key, sealed, states.build, where)


def test_wrong_passcode_and_tampered_keys_open_nothing(built: tuple[Path, BuildOutput]) -> None:
    keys = (built[0] / "site" / PUBLIC_DIR / KEYS_FILE).read_text()
    with pytest.raises(SealError):
        open_keys(keys, "wrong-passcode-entirely-here-now-ok")
    data = json.loads(keys)
    data["slots"] = [base64.b64encode(bytes(raw[:-1]) + bytes([raw[-1] ^ 1])).decode() for raw in map(base64.b64decode, data["slots"])]
    for passcode in (STATES, PARTNERS):
        with pytest.raises(SealError):
            open_keys(json.dumps(data), passcode)


def test_attachments_are_sealed_and_come_back_byte_identical(built: tuple[Path, BuildOutput]) -> None:
    root, _ = built
    states = open_site(root / "site", STATES)
    page = states.page_titled("Explosive ordnance risk education for returnee communities in Basrah Governorate")
    name = found(rf'<a href="({SEALED_NAME}\.bin)" download="work-plan.csv"', page).group(1)
    original = (root / "submissions/IRQ/attachments/irq-2026-need-risk-education-basrah/work-plan.csv").read_bytes()
    assert original not in (states.folder / name).read_bytes()
    assert states.file(name) == original


@pytest.mark.slow
def test_names_folders_and_salt_are_new_every_build(built_example_repo: Repo, run: Run) -> None:
    """Two builds of the same texts share no sealed file name, so they cannot be compared page by page."""
    example_repo = built_example_repo  # the first build

    def published() -> tuple[set[str], str]:
        names = {p.relative_to(example_repo.site_dir).as_posix() for p in example_repo.site_dir.glob("*/*.html")}
        return names, json.loads((example_repo.site_dir / PUBLIC_DIR / KEYS_FILE).read_text())["salt"]

    first, first_salt = published()
    assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    second, second_salt = published()
    assert len(first) == len(second) > 40
    assert not {n.split("/")[1] for n in first} - {"index.html"} & {n.split("/")[1] for n in second}
    assert not {n.split("/")[0] for n in first} & {n.split("/")[0] for n in second}
    assert first_salt != second_salt


@pytest.mark.slow
def test_after_rotation_the_old_passcode_opens_nothing(built_example_repo: Repo, run: Run) -> None:
    example_repo = built_example_repo
    new = "ripple-sizable-hardcover-unvocal-smoked-overdue"
    assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env={**ENV, "PORTAL_PASSCODE": new}).exit_code == 0
    keys = (example_repo.site_dir / PUBLIC_DIR / KEYS_FILE).read_text()
    with pytest.raises(SealError):
        open_keys(keys, STATES)
    assert open_keys(keys, new)["tier"] == "states"


@pytest.mark.slow
def test_a_repository_with_errors_is_not_built_and_site_is_untouched(built_example_repo: Repo, run: Run) -> None:
    example_repo = built_example_repo
    before = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    shutil.copytree(FIXTURES / "invalid" / "bad-date", example_repo.root, dirs_exist_ok=True)
    result = run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 1
    assert "submissions/LAO/lao-2026-need-case.md:15:1: error: published: '2026-13-01' is not a date" in result.stderr
    assert "Error: 1 error(s) in the submissions; nothing was built" in result.stderr
    after = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    assert before == after
    assert not list(example_repo.root.glob(".site.building-*"))


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORTAL_PASSCODE": STATES}, "PORTAL_PASSCODE_PARTNERS is not set"),
        ({"PORTAL_PASSCODE": "", "PORTAL_PASSCODE_PARTNERS": PARTNERS}, "PORTAL_PASSCODE is not set"),
        ({"PORTAL_PASSCODE": "Password123!", "PORTAL_PASSCODE_PARTNERS": PARTNERS}, "PORTAL_PASSCODE is too weak: about"),
        ({"PORTAL_PASSCODE": STATES, "PORTAL_PASSCODE_PARTNERS": STATES}, "PORTAL_PASSCODE_PARTNERS is the same as PORTAL_PASSCODE"),
    ],
)
def test_passcodes_that_are_refused(example_repo: Repo, run: Run, env: dict[str, str], message: str) -> None:
    result = run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env={"PORTAL_PASSCODE_PARTNERS": "", **env})
    assert result.exit_code == 1
    assert message in result.output
    assert not example_repo.site_dir.exists()


@pytest.mark.slow
def test_a_build_after_the_examples_expired_shows_none(example_repo: Repo, run: Run) -> None:
    result = run("build", "--repo", str(example_repo.root), "--today", "2028-01-01", env=ENV)
    assert result.exit_code == 0, result.output
    assert "Built 0 submissions from 0 submitters" in result.output
    states = open_site(example_repo.site_dir, STATES)
    assert "No text has been published yet." in states.page_titled("Countries and organisations")
    assert "EXAMPLE" not in json.dumps(states.search)


@pytest.mark.slow
def test_the_handbook_builds_strictly_with_the_top_level_mkdocs_yml(tmp_path: Path) -> None:
    from portal.publish.generate.generator import run_generator

    shutil.copytree(PROJECT / "docs", tmp_path / "docs")
    shutil.copy2(PROJECT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    run_generator(tmp_path / "mkdocs.yml")
    assert (tmp_path / "build/handbook/index.html").is_file()


@pytest.mark.slow
def test_an_attachment_copied_in_the_clear_is_caught(built: tuple[Path, BuildOutput], run: Run, tmp_path: Path) -> None:
    root, _ = built
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    shutil.copy(root / "submissions/IRQ/attachments/irq-2026-need-risk-education-basrah/work-plan.csv", site / "assets" / "x.dat")
    result = run("check-leaks", str(site), "--repo", str(root), env=ENV)
    assert result.exit_code == 1
    assert f"{withheld('assets/x.dat')}: leak: an attachment copied in the clear of irq-2026-need-risk-education-basrah" in result.output


@pytest.mark.slow
def test_plaintext_hidden_in_a_page_payload_or_compressed_is_caught(built: tuple[Path, BuildOutput], run: Run, tmp_path: Path) -> None:
    import gzip

    root, _ = built
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    shell = next(site.glob("*/index.html"))
    shell.write_text(shell.read_text().replace(PAYLOAD_START, PAYLOAD_START + "Drafting national implementation legislation "))
    (site / "assets" / "index.gz").write_bytes(gzip.compress(b"Expertise for the destruction of cluster munition stockpiles"))
    result = run("check-leaks", str(site), "--repo", str(root), env=ENV)
    assert result.exit_code == 1
    assert f"{shell.parent.name}/index.html: leak: not a sealed page: no ciphertext in its shell" in result.output
    assert "(readable part of a published file): leak: title of tcd-2026-need-national-implementation-law" in result.output
    assert f"{withheld('assets/index.gz')}: leak: a file the build never publishes" in result.output
    assert "(readable part of a published file): leak: title of che-2026-offer-stockpile-destruction-expertise" in result.output
