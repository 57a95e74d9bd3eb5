"""The leak check proves sealing, sees through evasions, and says no more than it must; what two
builds tell an observer; keys and passcodes."""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest
from click.testing import Result

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.model import Submission
from portal.publish.build import BuildError, build_portal
from portal.publish.prove.leaks import Needles, fingerprints, needles_for, words
from portal.publish.prove.themewords import theme_wording
from portal.publish.seal import keys as keymod
from portal.publish.seal.keys import MIN_SEALED, SLOT_BYTES, SealError, open_keys, open_slots, padme
from portal.publish.seal.protect import rounded_count
from portal.publish.seal.sealedformat import (
    FORMAT_FILE,
    KEYS_FILE,
    NONCE,
    PUBLIC_DIR,
    SEALED_NAME,
    SEARCH_INDEX,
    SHELL_PAYLOAD,
    SHELL_POLICY,
    SITEMAP,
    TAG,
    TIER_FOLDER,
    file_aad,
    page_aad,
    policy_meta,
)
from portal.publish.seal.steadysize import steady_size
from portal.textformat import markdown_html

from tests.helpers import (
    DEMO_DATE,
    ENV,
    FIXTURES,
    PARTNERS,
    PASSCODES,
    PAYLOAD,
    STATES,
    VOCABULARY,
    BuildOutput,
    Run,
    found,
    init_git,
    open_site,
    withheld,
)

TITLE = "Drafting national implementation legislation"  # the title of tcd-2026-need-national-implementation-law
TCD = "tcd-2026-need-national-implementation-law"


@pytest.fixture(scope="module")
def built(example_site: tuple[Path, BuildOutput]) -> Path:
    """The example portal built once (tests here copy its site before they change it)."""
    return example_site[0]


def copy_site(root: Path, tmp_path: Path) -> Path:
    site = tmp_path / "site"
    shutil.copytree(root / "site", site)
    return site


def reseal_with_a_states_text(site: Path, subs: Sequence[Submission]) -> tuple[str, Submission]:
    """Someone holding the partners' key re-seals one of their pages with a States-only text in it:
    the page's path in site/, and the text."""
    partners = open_site(site, PARTNERS)
    secret = next(sub for sub in subs if sub.audience == "states" and len(sub.text.split()) > 40)
    name, page = next(iter(partners.pages.items()))
    where = f"{partners.folder.name}/{name}"
    opened = page.replace("</article>", f"<p>{secret.text[:600]}</p></article>")
    sealed = keymod.seal(partners.key, gzip.compress(opened.encode()), page_aad(partners.build, where))
    shell = (partners.folder / name).read_text()
    (partners.folder / name).write_text(shell.replace(found(SHELL_PAYLOAD.pattern, shell).group(1), base64.b64encode(sealed).decode()))
    return where, secret


def check(run: Run, root: Path, site: Path) -> Result:
    return run("check-leaks", str(site), "--repo", str(root), env=ENV)


# -- the proof ---------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_build_whose_sealing_is_broken_fails_and_publishes_nothing(built_example_repo: Repo, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that only compressed and encoded its pages (no AES) is refused by the proof."""
    example_repo = built_example_repo
    before = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    monkeypatch.setattr(keymod, "seal", lambda _key, data, _aad, _at_least=0: b"\0" * 12 + gzip.compress(data))
    with pytest.raises(BuildError) as raised:
        build_portal(example_repo, __import__("datetime").date.fromisoformat(DEMO_DATE), PASSCODES)
    assert "leak(s)" in str(raised.value)
    assert {leak.what for leak in raised.value.leaks} >= {"not ciphertext that opens with its tier's key for this name and build"}
    assert {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_a_build_that_puts_a_states_only_text_in_the_partners_tier_fails_and_publishes_nothing(
    built_example_repo: Repo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build's own check, with the needles it made while the tiers were generated, catches a
    fault in the choice of what a tier shows."""
    import datetime as dt

    from portal.publish import build as buildmod
    from portal.publish.tiers import TierJob

    example_repo = built_example_repo
    today = dt.date.fromisoformat(DEMO_DATE)
    before = {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()}
    partners = next(tier for tier in example_repo.settings.tiers if tier.id == "partners")
    states_only = next(sub for sub in validate_repo(example_repo).submissions if sub.audience not in partners.audiences)
    chosen = buildmod._tier_jobs

    def wrong_choice(*args: object) -> list[TierJob]:
        jobs = chosen(*args)  # type: ignore[arg-type]
        job = next(job for job in jobs if job.tier == "partners")
        job.data.submissions = [*job.data.submissions, states_only]
        return jobs

    monkeypatch.setattr(buildmod, "_tier_jobs", wrong_choice)
    with pytest.raises(BuildError) as raised:
        build_portal(example_repo, today, PASSCODES)
    assert ("a text the partners tier may not read, in one of its pages or files", states_only.id) in {
        (leak.what, leak.submission) for leak in raised.value.leaks
    }
    assert {p: p.read_bytes() for p in example_repo.site_dir.rglob("*") if p.is_file()} == before


def test_an_attachment_in_the_clear_behind_a_short_prefix_fails(built: Path, run: Run, tmp_path: Path) -> None:
    site = copy_site(built, tmp_path)
    attachment = next(site.glob("*/*.bin"))
    original = (built / "submissions/IRQ/attachments/irq-2026-need-risk-education-basrah/work-plan.csv").read_bytes()
    attachment.write_bytes(b"\x00" * 12 + original)
    result = check(run, built, site)
    assert result.exit_code == 1
    assert f"{attachment.parent.name}/{attachment.name}: leak: not ciphertext that opens with its tier's key for this name and build" in result.output


@pytest.mark.slow
def test_two_sealed_pages_swapped_do_not_open(built: Path, run: Run, tmp_path: Path) -> None:
    """A page is bound to its own name: an observer cannot make a reader see one page for another."""
    site = copy_site(built, tmp_path)
    first, second = sorted(next(p for p in site.iterdir() if re.fullmatch(TIER_FOLDER, p.name)).glob("*.html"))[:2]
    a, b = first.read_bytes(), second.read_bytes()
    first.write_bytes(b)
    second.write_bytes(a)
    result = check(run, built, site)
    assert result.exit_code == 1
    assert result.output.count("not ciphertext that opens with its tier's key for this name and build") == 2


@pytest.mark.slow
def test_a_page_sealed_for_one_tier_but_put_in_the_other_is_caught(built: Path, run: Run, tmp_path: Path) -> None:
    site = copy_site(built, tmp_path)
    states, partners = open_site(site, STATES), open_site(site, PARTNERS)
    source = next(states.folder.glob("*.html"))
    shutil.copy(source, partners.folder / source.name)
    result = check(run, built, site)
    assert result.exit_code == 1
    assert f"{partners.folder.name}/{source.name}: leak: not ciphertext that opens with its tier's key" in result.output


@pytest.mark.slow
def test_a_changed_theme_file_or_loader_is_caught_and_a_word_in_it_is_not_a_leak(built: Path, run: Run, tmp_path: Path) -> None:
    site = copy_site(built, tmp_path)
    bundle = next((site / "assets/javascripts").glob("bundle.*.min.js"))
    bundle.write_bytes(bundle.read_bytes() + b"\n// changed")
    loader = site / PUBLIC_DIR / "loader.js"
    loader.write_bytes(loader.read_bytes() + b"\n// changed")
    generated = site / PUBLIC_DIR / FORMAT_FILE  # the sealed format: what this version writes, byte for byte
    generated.write_text(generated.read_text().replace('"index.html"', '"start.html"'))
    result = check(run, built, site)
    assert result.exit_code == 1
    assert f"assets/javascripts/{bundle.name}: leak: a file the build never publishes" in result.output
    assert "_portal/loader.js: leak: not the portal's own file" in result.output
    assert "_portal/format.js: leak: not the sealed format the build writes" in result.output


@pytest.mark.slow
def test_an_extra_file_or_a_shell_that_differs_is_caught(built: Path, run: Run, tmp_path: Path) -> None:
    site = copy_site(built, tmp_path)
    (site / "notes.txt").write_text("nothing here")
    shell = next(site.glob("*/index.html"))
    shell.write_text(shell.read_text().replace("<header>", '<header data-x="1">'))
    result = check(run, built, site)
    assert result.exit_code == 1
    assert f"{withheld('notes.txt')}: leak: a file the build never publishes (a name it never gives)" in result.output
    assert "notes" not in result.output.replace(str(site), "")
    assert f"{shell.parent.name}/index.html: leak: its shell is not the one the build writes" in result.output


def test_the_check_needs_the_passcodes_and_refuses_wrong_ones(built: Path, run: Run) -> None:
    result = run("check-leaks", "--repo", str(built), env={**ENV, "PORTAL_PASSCODE": "ripple-sizable-hardcover-unvocal-smoked-overdue"})
    assert result.exit_code == 1
    assert "_portal/keys.json: leak: the States passcode opens none of its slots" in result.output


# -- the word scan -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def example_needles(example_repo_template: Path) -> Needles:
    from portal.config import Repo

    return needles_for(validate_repo(Repo(example_repo_template)).submissions, VOCABULARY.themes)


@pytest.mark.parametrize(
    "disguise",
    [
        TITLE,
        "Dr&#97;fting n&#x61;tional implementation legislation",
        "Drafting&nbsp;national&#32;implementation legislation",
        "Dra<b></b>fting nat<span>ion</span>al implementation legislation",
        "<td>Drafting</td><td>national</td><td>implementation</td><td>legislation</td>",
        "D\u200brafting na\u200ctional imple\u00admentation legis\ufefflation",
        "DRAFTING NATIONAL IMPLEMENTATION LEGISLATION",
        "&amp;#68;rafting national implementation legislation",
    ],
)
def test_the_word_scan_sees_through_markup_and_invisible_characters(example_needles: Needles, disguise: str) -> None:
    assert ("title", TCD) in example_needles.scan_markup(f"<p>{disguise}</p>")


def test_the_word_scan_reads_decomposed_accents_and_other_scripts() -> None:

    needles = Needles()
    texts = {
        "accents": "Coordinación de la asistencia a víctimas en el departamento de Antioquia con las autoridades locales",
        "cyrillic": "Разминирование территорий Украины и помощь пострадавшим от кассетных боеприпасов в восточных областях",
        "arabic": "إزالة الذخائر العنقودية في جنوب لبنان ومساعدة الضحايا في القرى المتضررة من النزاع",
        "lao": "ການເກັບກູ້ລະເບີດບໍ່ທັນແຕກໃນແຂວງຊຽງຂວາງ",
    }
    for name, text in texts.items():
        needles.add_text(text, name)
    for name, text in texts.items():
        assert ("text", name) in needles.scan_markup(unicodedata.normalize("NFD", text)), name
        assert ("text", name) in needles.scan_markup("<p>" + "".join(f"&#{ord(c)};" for c in text) + "</p>"), name
    assert needles.scan_markup("<p>Nothing of the kind here, only the portal's own words about passcodes.</p>") == []


def test_a_run_of_words_belongs_to_the_first_text_and_is_forgotten_for_all_once_shown() -> None:
    shared = "the survey of the northern districts found forty hectares still contaminated by submunitions"
    needles = Needles()
    needles.add_text(f"An opening of the first text. {shared}", "FIRST")
    needles.add_text(f"{shared}. And the second text goes on otherwise.", "SECOND")
    assert needles.scan_markup(f"<p>{shared}</p>") == [("text", "FIRST")]
    assert needles.scan_markup("<p>And the second text goes on otherwise with more words.</p>") == []
    held = len(needles.runs.prints)
    needles.discard_found_in(words(shared))
    assert needles.scan_markup(f"<p>{shared}</p>") == []
    assert len(needles.runs.prints) == held - 2 * (len(words(shared)) - 7)  # forgotten runs are dropped, in both texts
    assert needles.scan_markup("<p>An opening of the first text. The survey of the northern districts</p>") == [("text", "FIRST")]


def test_a_run_counts_only_when_its_words_match_not_just_its_fingerprint() -> None:
    """Runs are looked up by a 64-bit fingerprint; one that matches by chance is no finding."""
    text = "mine risk education sessions for schoolchildren in the three provinces along the border"
    page = "<p>a page of the portal with eight words or more that no text has</p>"
    needles = Needles()
    needles.add_text(text, "TEXT")
    assert needles.scan_markup(page) == []
    runs = needles.runs
    runs.matches([])  # the store sorted for look-up
    # The fingerprint of the page's first run given to the text's first run, as a chance equality would.
    forged = fingerprints(words(page))[0]
    first = int(np.flatnonzero((runs.text == 0) & (runs.start == 0))[0])
    runs.prints[first] = forged
    order = np.argsort(runs.prints)
    runs.prints, runs.text, runs.start, runs.alive = runs.prints[order], runs.text[order], runs.start[order], runs.alive[order]
    assert len(runs.matches(words(page))) == 0
    assert needles.scan_markup(page) == []
    assert needles.scan_markup(f"<p>{text}</p>") == [("text", "TEXT")]


@pytest.mark.slow
def test_a_contact_named_like_a_common_word_still_builds(example_repo: Repo, run: Run) -> None:
    """A display name such as "Text" or "Name" is in the theme's bundle and the portal's own pages:
    no evidence of a leak, and no reason to stop publishing."""
    path = example_repo.root / "submissions/LAO/lao-2026-need-survey-clearance-xiengkhouang.md"
    source = path.read_text()
    path.write_text(re.sub(r"(contact:\n  name: ).*", r"\1Text", source, count=1))
    other = next((example_repo.root / "submissions/ESP").glob("*.md"))
    other.write_text(re.sub(r"(contact:\n  name: ).*", r"\1Name", other.read_text(), count=1))
    third = next((example_repo.root / "submissions/CHE").glob("*.md"))
    third.write_text(re.sub(r"(contact:\n  name: ).*", r"\1Search", third.read_text(), count=1))
    result = run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 0, result.output
    assert run("check-leaks", "--repo", str(example_repo.root), env=ENV).exit_code == 0


# The fixed words of the portal's own files: keys.json's fields and method (issue 21 found
# "Iterations" refused every build), the theme's phrases on every page, and the shell's.
FIXED_TITLES = [
    "Iterations",
    "Salt",
    "Slots",
    "Build",
    "Key",
    "Kdf",
    "PBKDF2-SHA256",
    "Skip to content",
    "Back to top",
    "Copy to clipboard",
    "Initializing search",
    "Passcode",
]


@pytest.mark.slow
def test_texts_titled_after_the_portals_own_fixed_words_still_build(make_repo: Callable[..., Repo], run: Run) -> None:
    """Each title is also a States-only text, so it is sought in the partners' pages as well."""
    repo = make_repo(FIXTURES / "base", commit=False)
    base = (repo.submissions / "LAO" / "lao-2026-need-base.md").read_text()
    for number, title in enumerate(FIXED_TITLES):
        text_id = f"lao-2026-need-fixed-{number}"
        body = base.replace("lao-2026-need-base", text_id).replace("title: Clearance support in Xiengkhouang", f"title: {title}")
        (repo.submissions / "LAO" / f"{text_id}.md").write_text(body.replace("Text of the need, as sent.", f"About {title.lower()}, as sent."))
    handle = init_git(repo.root)
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "Texts titled after fixed words")
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 0, result.output
    assert json.loads((repo.site_dir / PUBLIC_DIR / KEYS_FILE).read_text()).keys() >= {"iterations", "salt", "slots", "build", "kdf"}


def test_the_themes_phrases_are_read_from_its_translations() -> None:
    """Fails by name when an upgrade of the theme moves or reshapes its translations."""
    assert {"Skip to content", "Back to top", "Copy to clipboard"} <= set(theme_wording())


@pytest.mark.slow
def test_a_tier_that_holds_a_text_it_may_not_read_is_caught(built: Path, tmp_path: Path) -> None:
    """The partners' folder, re-sealed by someone holding its key, with a States-only text in it."""
    from portal.config import Repo
    from portal.publish.prove.sealcheck import check_published

    site = copy_site(built, tmp_path)
    repo = Repo(built)
    subs = validate_repo(repo).submissions
    where, secret = reseal_with_a_states_text(site, subs)
    report = check_published(site, repo.settings, PASSCODES, subs, themes=VOCABULARY.themes)
    assert [(leak.path, leak.submission) for leak in report.leaks] == [(where, secret.id)], [(leak.path, leak.what) for leak in report.leaks]
    assert "may not read" in report.leaks[0].what


@pytest.mark.slow
def test_the_leak_check_finds_the_same_in_worker_processes_and_in_one(built: Path, tmp_path: Path) -> None:
    """Each tier's folder is checked in a worker process of its own; in a process with another
    thread (a serving preview) everything is checked in the process itself. Both say the same,
    in the same order, of a folder with leaks of every kind."""
    import threading

    from portal.config import Repo
    from portal.publish.prove.crosstier import prepare
    from portal.publish.prove.sealcheck import build_wording, check_published
    from portal.publish.seal.protect import PublicText

    site = copy_site(built, tmp_path)
    states = open_site(site, STATES)
    repo = Repo(built)
    subs = validate_repo(repo).submissions
    _, secret = reseal_with_a_states_text(site, subs)
    (states.folder / "notes.txt").write_text(f"{TITLE}\n")  # a file in the clear, under a name the build never gives
    opened = next(iter(states.pages))
    (states.folder / opened).rename(states.folder / f"{TCD}.html")  # a title in a file name
    (site / "assets" / "extra.html").write_text("<p>nothing</p>")  # not a theme file
    in_workers = check_published(site, repo.settings, PASSCODES, subs, themes=VOCABULARY.themes).leaks
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        in_one = check_published(site, repo.settings, PASSCODES, subs, themes=VOCABULARY.themes).leaks
    finally:
        stop.set()
        other.join()
    assert in_workers == in_one, [leak.message() for leak in in_workers]
    # With the needles made beforehand (as a build does), each tier is checked in parts.
    text = PublicText(repo.settings.site_name, repo.settings.coordinator_name, repo.settings.coordinator_email)
    prepared = prepare(repo.settings, VOCABULARY.themes, subs, [], build_wording(text), [])
    in_parts = check_published(site, repo.settings, PASSCODES, subs, prepared=prepared, themes=VOCABULARY.themes).leaks
    assert sorted(leak.message() for leak in in_parts) == sorted(leak.message() for leak in in_workers)
    kinds = {(leak.what, leak.submission) for leak in in_workers}
    assert ("a text the partners tier may not read, in one of its pages or files", secret.id) in kinds
    assert ("id in a file name", TCD) in kinds
    assert any(leak.what.startswith("a file the build never publishes") for leak in in_workers)
    assert len(in_workers) >= 5


# -- what an observer of two builds learns -------------------------------------------------------


def sealed_sizes(site: Path) -> list[int]:
    sizes = []
    for path in site.glob("*/*"):
        if path.suffix == ".bin" or path.name == "search":
            continue
        if path.suffix == ".html":
            payload = found(SHELL_PAYLOAD.pattern, path.read_text()).group(1)
            sizes.append(len(base64.b64decode(payload)))
    sizes += [p.stat().st_size for p in site.glob("*/*.bin")]
    sizes += [p.stat().st_size for p in site.glob(f"*/{SEARCH_INDEX}")]
    return sizes


def test_sizes_are_buckets_slots_one_length_and_counts_rounded(built: Path) -> None:
    site = built / "site"
    for size in sealed_sizes(site):
        assert size >= MIN_SEALED and padme(size) == size, size
    document = (site / PUBLIC_DIR / KEYS_FILE).read_text()
    slots = [base64.b64decode(slot) for slot in json.loads(document)["slots"]]
    assert len({len(slot) for slot in slots}) == 1 and len(slots[0]) == NONCE + SLOT_BYTES + TAG
    for folder in (p for p in site.iterdir() if re.fullmatch(TIER_FOLDER, p.name)):
        pages, files = len(list(folder.glob("*.html"))), len(list(folder.glob("*.bin")))
        assert pages == rounded_count(pages) and files == rounded_count(files)


def test_a_page_is_padded_alike_in_every_build_even_at_the_edge_of_a_bucket() -> None:
    """Names, the tier's folder, the build's id and the canary are new in every build; the size a
    page is padded to must not move with them, even for a page whose size sits on a bucket's edge."""
    import random

    letters = random.Random(7)
    filler = "".join(letters.choice("ghijklmnopqrstuvwxyz ") for _ in range(40_000))

    def page(length: int, draw: int) -> bytes:
        tokens = random.Random(draw)

        def hex_digits(count: int) -> str:
            return "".join(tokens.choice("0123456789abcdef") for _ in range(count))

        folder, build, canary = hex_digits(12), hex_digits(16), hex_digits(24)
        links = "".join(f'<a href="../{folder}/{hex_digits(20)}.html">Text {number}</a>' for number in range(30))
        return f'<main data-build="{build}">{links}<p>{filler[:length]}</p><p hidden>portalcanary{canary}</p></main>'.encode()

    low, high = 0, len(filler)  # a length whose page is one bucket larger than one character less
    assert steady_size(page(low, 0)) < steady_size(page(high, 0))
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if steady_size(page(middle, 0)) == steady_size(page(low, 0)) else (low, middle)
    for length in (low, high):
        assert len({steady_size(page(length, draw)) for draw in range(40)}) == 1, length


def test_rounded_counts() -> None:
    assert [rounded_count(n) for n in (0, 1, 16, 17, 63, 64, 65, 100, 129, 1000, 1025)] == [0, 16, 16, 32, 64, 64, 80, 112, 160, 1024, 1280]


def test_every_opened_page_has_the_generic_title_and_the_policy(built: Path) -> None:
    states = open_site(built / "site", STATES)
    shell = next(states.folder.glob("*.html")).read_text()
    policy = found(SHELL_POLICY.pattern, shell).group(1)
    for directive in ("default-src 'self'", "connect-src 'self'", "worker-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'"):
        assert directive in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    for page in states.pages.values():
        assert re.findall(r"<title>(.*?)</title>", page) == ["CCM Cooperation Portal"]
        assert page.count('id="__config"') == 1
        assert policy_meta(policy) in page[:2000]


@pytest.mark.slow
def test_one_text_added_between_two_builds_shows_only_what_security_md_says(built_example_repo: Repo, run: Run) -> None:
    """docs/security.md: an observer of two builds sees new names for every file, rounded counts,
    sizes in buckets, and that the site changed; not which pages changed or grew. The first build
    is the example portal's, copied."""
    example_repo = built_example_repo

    def published() -> dict[str, int]:
        site = example_repo.site_dir
        return {p.relative_to(site).as_posix(): p.stat().st_size for p in site.rglob("*") if p.is_file()}

    def build() -> dict[str, int]:
        assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
        return published()

    before = published()
    source = example_repo.root / "submissions/LAO/lao-2026-need-survey-clearance-xiengkhouang.md"
    added = source.read_text().replace("lao-2026-need-survey-clearance-xiengkhouang", "lao-2026-need-survey-clearance-houaphanh")
    added = added.replace("Xiengkhouang Province (update 2027)", "Houaphanh Province")
    added = re.sub(r"(replaces: .*\n)", "", added)
    added = re.sub(r"\noutcomes:(\n[- ] .*)*", "", added)  # a text of its own: none of the chain's outcomes
    (source.parent / "lao-2026-need-survey-clearance-houaphanh.md").write_text(added)
    after = build()
    sealed = lambda files: {name for name in files if re.fullmatch(rf"{TIER_FOLDER}/.*", name)}  # noqa: E731
    assert not sealed(before) & sealed(after)  # no file of a tier keeps its name
    fixed = set(before) - sealed(before)
    assert fixed == set(after) - sealed(after)  # the public and theme files are the same files
    for name in fixed - {f"{PUBLIC_DIR}/{KEYS_FILE}"}:
        assert before[name] == after[name]
    for files in (before, after):
        for folder in {name.split("/")[0] for name in sealed(files)}:
            for suffix in (".html", ".bin"):
                count = len([n for n in sealed(files) if n.startswith(folder) and n.endswith(suffix)])
                assert count == rounded_count(count), (folder, suffix, count)
            assert all(padme(size) == size for name, size in files.items() if name.startswith(folder) and name.endswith((".bin", ".json")))


# -- keys and passcodes ---------------------------------------------------------------------------


def test_salt_is_random_and_wrapping_is_a_separate_sub_key(built: Path) -> None:
    document = (built / "site" / PUBLIC_DIR / KEYS_FILE).read_text()
    data = json.loads(document)
    assert data["v"] == 2 and len(base64.b64decode(data["salt"])) == 16
    master = keymod.derive_master(STATES, base64.b64decode(data["salt"]), data["iterations"])
    assert open_slots(document, [master]) == [None]  # the PBKDF2 output itself opens nothing
    opened = open_slots(document, [keymod.subkey(master, "wrap")])[0]
    assert opened is not None and opened["tier"] == "states"
    assert open_keys(document, f"  {STATES}  ".strip())["tier"] == "states"
    # The key is derived from the passcode as normalised (sealedformat): case and spaces versus hyphens do not count.
    assert open_keys(document, STATES.upper().replace("-", " ") + " ")["tier"] == "states"
    with pytest.raises(SealError):
        open_keys(document, STATES + "s")


@pytest.mark.parametrize(
    "passcode",
    [
        "password-password-password-password-password",
        "a" * 28,
        "Password123!Password123!",
        "summer2026-summer2026-summer2026",
        "qwertyuiopasdfghjklzxcvbnm1234",
    ],
)
def test_weak_passcodes_are_refused_by_a_real_estimator(example_repo: Repo, run: Run, passcode: str) -> None:
    result = run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env={**ENV, "PORTAL_PASSCODE": passcode})
    assert result.exit_code == 1
    assert "PORTAL_PASSCODE is too weak" in result.output


@pytest.mark.slow
def test_generated_and_strong_passcodes_are_accepted(example_repo: Repo, run: Run) -> None:
    """The estimator the build asks passes each of them; a build with a generated one goes through."""
    from portal.upkeep.passcode import check_strength, generate

    generated = generate()
    for passcode in (generated, "ripple-sizable-hardcover-unvocal-smoked-overdue", "Vq7#pL2!xZ9@mN4$wK8%"):
        check_strength(passcode, example_repo.settings, "PORTAL_PASSCODE")  # raises on a weak one
    result = run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env={**ENV, "PORTAL_PASSCODE": generated})
    assert result.exit_code == 0, result.output


def test_a_markdown_text_cannot_take_the_theme_s_ids() -> None:
    html = markdown_html('<h2 id="__config">{"search": "data:text/javascript,x"}</h2>\n\n<a name="portal-form" href="data:text/html,x">x</a>\n\n## Section')
    assert re.findall(r'id="([^"]+)"', html) == ["text-__config", "text-section"]
    assert " name=" not in html and "href" not in html


def test_generated_passcodes_use_words_one_can_send_to_a_ministry() -> None:
    from portal.upkeep.passcode import WORDS, bits_per_word, generate, wordlist

    words = set(wordlist())
    assert {"detonate", "explode", "idiocy", "shrapnel", "casualty", "handgun"}.isdisjoint(words)
    assert len(words) > 800 and WORDS * bits_per_word() > 77
    for _ in range(50):
        assert set(generate().split("-")) <= words


# -- what the check refused or let through when attacked ----------------------------------------


@pytest.mark.slow
def test_a_states_only_attachment_sealed_into_the_partners_tier_is_caught(example_repo: Repo, run: Run) -> None:
    from portal.config import Repo
    from portal.publish.prove.sealcheck import check_published

    path = example_repo.root / "submissions/IRQ/irq-2026-need-risk-education-basrah.md"
    path.write_text(path.read_text().replace("audience: states-and-partners", "audience: states"))
    assert run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    partners = open_site(example_repo.site_dir, PARTNERS)
    original = (example_repo.root / "submissions/IRQ/attachments/irq-2026-need-risk-education-basrah/work-plan.csv").read_bytes()
    name = "0123456789abcdef0123.bin"
    where = f"{partners.folder.name}/{name}"
    (partners.folder / name).write_bytes(keymod.seal(partners.key, original, file_aad(partners.build, where)))
    result = run("check-leaks", "--repo", str(example_repo.root), env=ENV)
    assert result.exit_code == 1
    assert f"{where}: leak: an attachment the partners tier may not read of irq-2026-need-risk-education-basrah" in result.output
    assert (
        check_published(example_repo.site_dir, Repo(example_repo.root).settings, PASSCODES, [], themes=VOCABULARY.themes).leaks == []
    )  # no attachment known: nothing to say


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda doc: doc.replace('"slots": [', '"slots": ["QUFBQQ=="],\n "slots": [', 1), "missing, or not in the format the loader reads"),
        (lambda doc: doc.replace('"iterations": 600000', '"iterations": 1'), "its key derivation has 1 iterations, not the 600000 of the settings"),
        (
            lambda doc: doc.replace('"v": 2,', '"v": 2,\n "note": "Drafting national implementation legislation",'),
            "missing, or not in the format the loader reads",
        ),
        (lambda doc: doc.replace('"kdf"', ' "kdf"'), "not written as the build writes it (extra fields, spacing or values)"),
    ],
)
def test_a_keys_file_that_says_more_than_the_build_writes_is_caught(built: Path, run: Run, tmp_path: Path, change: Callable[[str], str], message: str) -> None:
    site = copy_site(built, tmp_path)
    keys = site / PUBLIC_DIR / KEYS_FILE
    keys.write_text(change(keys.read_text()))
    result = check(run, built, site)
    assert result.exit_code == 1
    assert f"_portal/keys.json: leak: {message}" in result.output


@pytest.mark.slow
def test_a_sealed_file_under_a_name_the_build_never_gives_is_caught_and_not_printed(built: Path, run: Run, tmp_path: Path) -> None:
    site = copy_site(built, tmp_path)
    partners = open_site(site, PARTNERS)
    name = "minister asked for twelve vehicles.bin"
    where = f"{partners.folder.name}/{name}"
    (partners.folder / name).write_bytes(keymod.seal(partners.key, b"", file_aad(partners.build, where)))
    (site / "Clearance support in Xiengkhouang").mkdir()
    (site / "Clearance support in Xiengkhouang/x.txt").write_text("x")
    result = check(run, built, site)
    assert result.exit_code == 1
    assert f"{withheld(where)}: leak: a file the build never publishes (a name it never gives)" in result.output
    assert f"{withheld('Clearance support in Xiengkhouang')}: leak: a folder the build never makes" in result.output
    assert "minister" not in result.output and "Xiengkhouang" not in result.output.replace(str(site), "")


@pytest.mark.slow
def test_a_states_only_text_that_quotes_the_portal_or_a_shared_text_still_builds(example_repo: Repo, run: Run) -> None:
    """Texts are published verbatim: a States-only text may quote the guidance pattern, the home
    page, or a shared text's title and contact without being taken for a leak into the partners' tier."""
    source = example_repo.root / "submissions/LAO/lao-2026-need-survey-clearance-xiengkhouang.md"
    meta, _text = source.read_text().split("\n---\n", 1)
    template = (example_repo.root / "schema/templates/need.md").read_text()
    hint = next(line for line in template.splitlines() if line.startswith("[") and len(line.split()) > 10)
    text = (
        f"Summary\nWe need two survey teams, as the portal itself recalls: Article 6 of the Convention on Cluster "
        f"Munitions gives every State Party the right to seek and receive assistance.\n\n{hint}\n\n"
        "We would work with the team of the project Explosive ordnance risk education for returnee communities in "
        "Basrah Governorate, and with the Information Management Advisory Team of the GICHD on the database.\n"
    )
    meta = meta.replace("lao-2026-need-survey-clearance-xiengkhouang", "lao-2026-need-survey-teams")
    meta = re.sub(r"sha256: [0-9a-f]+", f"sha256: {__import__('hashlib').sha256(text.encode()).hexdigest()}", meta)
    meta = re.sub(r"\nreplaces: .*", "", meta)
    meta = re.sub(r"\noutcomes:(\n[- ] .*)*", "", meta)  # a text of its own: none of the chain's outcomes
    assert "audience: states\n" in meta
    (source.parent / "lao-2026-need-survey-teams.md").write_text(f"{meta}\n---\n{text}")
    result = run("build", "--repo", str(example_repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 0, result.output


def test_the_files_every_tier_has_are_sealed_to_the_size_of_their_own_tier(built: Path) -> None:
    """The home page and the search index of each tier keep their names. Padded to the larger
    tier's size, the partners' ones would tell a partners reader (who sees the padding once they
    are opened) how much the States read: each is padded to the bucket of its own content."""
    site = built / "site"
    states, partners = open_site(site, STATES), open_site(site, PARTNERS)
    sizes = {}
    for opened in (states, partners):
        sealed = (opened.folder / SEARCH_INDEX).read_bytes()
        index = keymod.open_page(opened.key, sealed, opened.build, f"{opened.folder.name}/{SEARCH_INDEX}")
        assert len(sealed) == steady_size(index, search_index=True)
        shell = (opened.folder / "index.html").read_text()
        home = base64.b64decode(found(SHELL_PAYLOAD.pattern, shell).group(1))
        assert len(home) == steady_size(keymod.open_page(opened.key, home, opened.build, f"{opened.folder.name}/index.html"))
        sizes[opened.tier] = len(sealed)
    assert sizes["states"] > sizes["partners"]  # the States read more
    listed = {
        opened.tier: json.loads(
            gzip.decompress(keymod.unseal(opened.key, (opened.folder / SITEMAP).read_bytes(), page_aad(opened.build, f"{opened.folder.name}/{SITEMAP}")))
        )
        for opened in (states, partners)
    }
    for opened in (states, partners):
        assert sorted(listed[opened.tier]) == sorted(p.name for p in opened.folder.glob("*.html"))  # decoys included


def partners_view(site: Path) -> tuple[list[int], list[bytes]]:
    """What a partners reader has of a build: the sizes of every file of its folder, and every
    file opened, with what is new in every build anyway (names, folder, build id, canary) blanked."""
    opened = open_site(site, PARTNERS)
    folder, build = opened.folder, opened.build
    sizes, contents = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(site).as_posix()
        sizes.append(path.stat().st_size)
        data = path.read_bytes()
        payload = PAYLOAD.search(data.decode("utf-8", "replace")) if rel.endswith(".html") else None
        if payload:
            plain = keymod.open_page(opened.key, base64.b64decode(payload.group(1)), build, rel)
        else:
            try:
                plain = keymod.open_file(opened.key, data, build, rel)
            except SealError:
                plain = keymod.open_page(opened.key, data, build, rel)
        for new in (folder.name.encode(), build.encode()):
            plain = plain.replace(new, b"BUILD")
        blanked = re.sub(rb"portalcanary[0-9a-f]+|" + SEALED_NAME.encode(), b"NEW", plain)
        if rel.endswith(SEARCH_INDEX):  # its entries follow the pages' names, new at every build
            index = json.loads(blanked)
            blanked = json.dumps({**index, "docs": sorted(index["docs"], key=json.dumps)}).encode()
        contents.append(blanked)
    return sorted(sizes), sorted(contents)


@pytest.mark.slow
def test_partners_learn_nothing_of_a_text_for_states_only(make_repo: Callable[..., Repo], run: Run) -> None:
    """Built with and without a long States-only text (and a shared text replacing one for States
    only), the partners' folder has files of the same sizes, and every byte a partners reader can
    open is the same. What States read of it is checked too, so the second build is not a no-op."""
    repo = make_repo(FIXTURES / "base")
    base = (repo.submissions / "LAO" / "lao-2026-need-base.md").read_text()
    shared = base.replace("lao-2026-need-base", "lao-2026-need-shared").replace("audience: states", "audience: states-and-partners")
    (repo.submissions / "LAO" / "lao-2026-need-shared.md").write_text(shared)
    handle = init_git(repo.root)
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "A text shared with partners")
    assert run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV).exit_code == 0
    before = partners_view(repo.site_dir)

    long_text = "".join(f"Line {number} of a long need of Lao PDR for States only, with its figures.\n" for number in range(8000))
    only = base.replace("lao-2026-need-base", "lao-2026-need-states-only").replace("Text of the need, as sent.\n", long_text)
    (repo.submissions / "LAO" / "lao-2026-need-states-only.md").write_text(only)
    # The shared text now replaces another one that was for States only: partners are not told.
    (repo.submissions / "LAO" / "lao-2026-need-earlier.md").write_text(base.replace("lao-2026-need-base", "lao-2026-need-earlier"))
    (repo.submissions / "LAO" / "lao-2026-need-shared.md").write_text(shared.replace("format: plain\n", "format: plain\nreplaces: lao-2026-need-earlier\n"))
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "A long text for States only, and a shared text that replaces one for States only")
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 0, result.output
    after = partners_view(repo.site_dir)
    assert after[0] == before[0]
    assert after[1] == before[1]
    states = open_site(repo.site_dir, STATES)
    assert any("Line 7999 of a long need" in page for page in states.pages.values())
    assert any("<code>lao-2026-need-earlier</code>" in page for page in states.pages.values())
