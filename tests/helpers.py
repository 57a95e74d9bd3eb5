"""What the tests share, in one place: the project's folders and date, portal repositories to test
on, the passcodes of the test portals, a reader that opens a protected site in Python the way a
reader's browser does (passcode -> keys -> pages), and the e-mail corpus with what each message
must give. Fixtures are in conftest.py; driving Chromium is in browser.py."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import gzip
import hashlib
import html
import json
import re
import shutil
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import git
import pytest
from click.testing import CliRunner, Result

from portal.config import Repo
from portal.model import Submission
from portal.publish.render.site import TierInput
from portal.publish.seal.keys import open_file, open_keys, open_page
from portal.publish.seal.sealedformat import KEYS_FILE, PUBLIC_DIR, SEARCH_INDEX, SHELL_PAYLOAD

PROJECT = Path(__file__).resolve().parents[1]
# The allowed values and labels of the project's own schema (what a repository made from it has).
VOCABULARY = Repo(PROJECT).vocabulary
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAIL = FIXTURES / "mail"
# The examples are shown as of this date (the Makefile's DEMO_DATE): nothing here reads the clock.
DEMO_DATE = "2026-11-20"
# A day before some of the example texts were published: the portal a reader saw on a previous visit.
EARLIER_DATE = "2026-09-01"
# The installed `portal` command, for tests that run it as a process (signals, servers, CLI exit).
PORTAL = str(Path(sys.executable).with_name("portal"))


# Repositories and the CLI --------------------------------------------------------------------


class Run(Protocol):
    """The `run` fixture: `portal ARGS...` in-process, its output and exit code in the result."""

    def __call__(self, *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None) -> Result: ...


class MakeRepo(Protocol):
    """The `make_repo` fixture: a new portal repository with the given folders on top."""

    def __call__(self, *overlays: Path, commit: bool = True) -> Repo: ...


def init_git(root: Path) -> git.Repo:
    """A git repository at `root` with a committer set and no signing, as a coordinator's clone."""
    handle = git.Repo.init(root, initial_branch="main")
    with handle.config_writer() as config:
        config.set_value("user", "name", "Test Coordinator")
        config.set_value("user", "email", "coordinator@example.org")
        config.set_value("commit", "gpgsign", "false")
    return handle


def new_repo(target: Path, *overlays: Path, commit: bool = True) -> Repo:
    """A portal repository with the project's schema and settings, plus the given folders on top."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROJECT / "schema", target / "schema", ignore=shutil.ignore_patterns("passcode-rotations.yaml"))
    shutil.copy2(PROJECT / "mkdocs.yml", target / "mkdocs.yml")
    (target / "submissions").mkdir(exist_ok=True)
    for overlay in overlays:
        shutil.copytree(overlay, target, dirs_exist_ok=True)
    if commit:
        handle = init_git(target)
        handle.git.add("--all")
        handle.git.commit("--quiet", "-m", "Start")
    return Repo(target)


def slim_git_dir(root: Path) -> None:
    """Pack a repository's objects and drop git's sample hooks: the same history in a few files,
    so that a template repository is cheap to copy for every test."""
    handle = git.Repo(root)
    handle.git.repack("-a", "-d", "-q")
    handle.git.prune_packed()
    for sample in (root / ".git" / "hooks").glob("*.sample"):
        sample.unlink()


def corpus(cases: Iterable[object], quick: int = 1) -> list[Any]:
    """The cases of a corpus for pytest.mark.parametrize: the first `quick` of them run in the
    quick loop (`make check`), the others are marked slow (`make test` runs every one). Each case
    drives the whole command over a real repository; the stage itself has unit tests of its own."""
    return [case if number < quick else pytest.param(case, marks=pytest.mark.slow) for number, case in enumerate(cases)]


Snapshot = tuple[str, str, str, dict[str, bytes]]


def snapshot(root: Path) -> Snapshot:
    """Everything a failed command must leave as it was: HEAD, index, status, every file's bytes."""
    handle = git.Repo(root)
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts}
    return handle.head.commit.hexsha, handle.git.ls_files("-s"), handle.git.status("--porcelain"), files


def found(pattern: str, text: str, flags: int = 0) -> re.Match[str]:
    """The first match of `pattern` in `text`; the test fails naming the pattern when there is none."""
    match = re.search(pattern, text, flags)
    assert match, f"{pattern!r} is not there"
    return match


def text_of(content: str) -> str:
    """The text of a submission file, after its front matter."""
    return content.split("\n---\n", 1)[1]


# The example portal's texts and the requests about them ----------------------------------------

ESP = "esp-2026-offer-demining-training"  # published 2026-03-10, expires 2027-03-10; cid.example@example.org speaks for ESP
LBN = "lbn-2026-need-rehabilitation-south-lebanon"  # expires 2027-09-05, va.example@example.org speaks for LBN
LAO_OLD = "lao-2025-need-survey-clearance-xiengkhouang"  # replaced by LAO_NEW
LAO_NEW = "lao-2026-need-survey-clearance-xiengkhouang"
MRT = "mrt-2025-need-survivor-data"  # expired on 2026-10-31


def tier_input(subs: Sequence[Submission], today: dt.date = dt.date(2026, 11, 20)) -> TierInput:
    """What the States' tier is rendered from, for these texts as of `today`."""
    return TierInput("Portal", "States", subs, today, 30, "Coordinator", "c@example.org", VOCABULARY, canary="portalcanaryx")


def request_mail(
    folder: Path,
    sender: str,
    message_id: str,
    body: str = "Please keep our text unchanged on the portal.\n",
    subject: str = "Re: CCM Cooperation Portal: your text will expire soon",
) -> Path:
    """A submitter's reply to the coordinator, as saved from the coordinator's mailbox."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "coordinator@example.org"
    message["Subject"] = subject
    message["Date"] = "Thu, 14 Jan 2027 10:00:00 +0200"
    message["Message-ID"] = message_id
    message.set_content(f"Dear Coordinator,\n\n{body}\nBest regards\n")
    path = folder / f"{message_id.strip('<>').split('@')[0]}.eml"
    path.write_bytes(bytes(message))
    return path


def head_message(repo: Repo) -> str:
    """The message of the repository's last commit."""
    return str(git.Repo(repo.root).head.commit.message)


def submission(repo: Repo, identifier: str) -> Submission:
    """The text `identifier` as the repository holds it now."""
    from portal.checks.validate import validate_repo

    return next(sub for sub in validate_repo(repo).submissions if sub.id == identifier)


def draft_of(repo: Repo, name: str) -> email.message.EmailMessage:
    """A draft the portal left in outbox/."""
    message = email.message_from_bytes((repo.root / "outbox" / name).read_bytes(), policy=email.policy.default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def body_of(message: email.message.EmailMessage) -> str:
    return str(message.get_content())


def header_block_of(text: str) -> str:
    """The block of 'Field: value' lines an acknowledgement repeats, up to its closing rule."""
    start = text.index("\nKind: ") + 1
    return text[start : text.index("\n----\n", start) + 6]


# Passcodes and the protected site ----------------------------------------------------------

PAYLOAD = SHELL_PAYLOAD  # the ciphertext in a sealed page's shell
PAGE_HEADING = re.compile(r'data-md-component="header-topic">\s*<span class="md-ellipsis">\s*(.*?)\s*</span>', re.S)

STATES = "inch-spoiled-reggae-unfasten-scuba-antidote"
PARTNERS = "drainage-clover-unvented-stoke-outsell-mousy"
PASSCODES = {"states": STATES, "partners": PARTNERS}
ENV = {"PORTAL_PASSCODE": STATES, "PORTAL_PASSCODE_PARTNERS": PARTNERS}


@dataclass
class OpenedSite:
    tier: str
    folder: Path
    pages: dict[str, str]  # file name -> decrypted HTML
    search: dict[str, Any]
    key: bytes
    build: str

    def page_titled(self, title: str) -> str:
        """The page whose title (in the theme's header) is `title`; every page's <title> is the same generic one."""
        for page in self.pages.values():
            found = PAGE_HEADING.search(page)
            if found and html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip() == title:
                return page
        raise AssertionError(f"no page titled {title!r}")

    def text(self) -> str:
        return "\n".join(self.pages.values())

    def file(self, name: str) -> bytes:
        return open_file(self.key, (self.folder / name).read_bytes(), self.build, f"{self.folder.name}/{name}")


def open_site(site: Path, passcode: str) -> OpenedSite:
    """The tier `passcode` opens in the protected site at `site`, every page decrypted."""
    slot = open_keys((site / PUBLIC_DIR / KEYS_FILE).read_text(), passcode)
    key = base64.b64decode(slot["key"])
    folder = site / slot["home"].split("/")[0]
    build = slot["build"]
    pages = {}
    for path in folder.glob("*.html"):
        match = PAYLOAD.search(path.read_text())
        assert match, f"{path} is not a sealed shell"
        page = open_page(key, base64.b64decode(match.group(1)), build, f"{folder.name}/{path.name}").decode()
        if "<title>-</title>" not in page[:1000]:  # decoys that round the count of pages
            pages[path.name] = page
    index = open_page(key, (folder / SEARCH_INDEX).read_bytes(), build, f"{folder.name}/{SEARCH_INDEX}")
    return OpenedSite(slot["tier"], folder, pages, json.loads(index), key, build)


def withheld(rel: str) -> str:
    """How the leak check names a file or folder whose name the build never gives."""
    return f"(a name withheld, sha256 {hashlib.sha256(rel.encode()).hexdigest()[:12]})"


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data)


# The e-mail corpus (tests/fixtures/mail) -----------------------------------------------------

# What a message without a header block needs on the command line.
META = ["--kind", "need", "--title", "Support for survivors", "--theme", "victim-assistance", "--assistance", "technical"]

# Messages `portal ingest` publishes: (extra options, a line of the published text it must keep exactly)
GOOD: dict[str, tuple[list[str], str]] = {
    "01-plain-utf8.eml": ([], "1. 400 prosthetic component sets\n"),
    "02-multipart-alternative.eml": ([], "Please publish the following need on the cooperation portal.\n"),
    "04-quoted-printable.eml": ([], "Long line: " + "é" * 90 + "\n"),
    "05-base64.eml": ([], "Déminage – “Phase 2”.\n"),
    "06-windows-1252.eml": ([], "Coût estimé : 250 000 € – «phase 2».\n"),
    "07-iso-8859-1.eml": ([], "Señora Peña, Año 2027.\n"),
    "08-shift-jis.eml": ([], "クラスター弾の除去を支援します。\n"),
    "09-inline-image.eml": ([], "2. Six physiotherapists for 12 months\n"),
    "10-forwarded-inline.eml": ([], "---------- Forwarded message ---------\nFrom: Ministry <ministry@example.org>\n"),
    "11-forwarded-attached.eml": ([], "See the forwarded message for background.\n"),
    "12-reply-quoted.eml": ([], "Here is the updated text.\n"),  # the quoted history is left out (test_intake)
    "13-signature.eml": (["--keep-signature"], "-- \nVictim Assistance Unit\n+961 1 000 000\n"),  # left out without it (test_furniture)
    "14-attachment-pdf.eml": ([], "Summary\n"),
    "15-attachment-xlsx.eml": ([], "Summary\n"),
    "16-attachment-image.eml": ([], "Summary\n"),
    "17-docx-body.eml": (["--body-from", "need.docx", *META], "We need support for survivors.\n"),
    "18-odt-body.eml": (["--body-from", "need.odt", *META], "We need support for survivors.\n"),
    "19-txt-body.eml": (["--body-from", "need.txt", *META], "We need support for survivors – phase 2.\n"),
    "20-no-header-block.eml": (META, "Dear coordinator,\n"),
    "21-format-flowed.eml": ([], "A line that the client \nwrapped with a trailing space.\n"),
    "03-html-only.eml": ([], "We offer 30 places a year. See our courses (https://example.org/courses).\n\n  * Clearance\n  * Stockpile destruction\n"),
    "29-hostile-attachment-names.eml": ([], "Summary\n"),
}

# Messages `portal ingest` refuses: what its message must say
BAD = {
    "22-not-an-email.eml": "this is not an e-mail",
    "23-truncated-mime.eml": "MIME structure is broken (close boundary not found)",
    "24-unknown-charset.eml": "unknown character set 'x-klingon'",
    "25-wrong-charset.eml": "says it is utf-8 but byte 0xfb at position",
    "26-no-body-no-attachment.eml": "the text is empty",
    "27-empty-body.eml": "the text is empty",
    "28-tnef-only.eml": "winmail.dat (Outlook rich text, TNEF)",
}


@dataclass(frozen=True)
class BuildOutput:
    """What `portal build` printed."""

    stdout: str
    stderr: str


def built_copy(template: Path, target: Path, today: str = DEMO_DATE) -> Result:
    """A copy of the example repository at `target`, built for real as of `today`."""
    from portal.cli import main

    shutil.copytree(template, target, symlinks=True)
    result = CliRunner().invoke(main, ["build", "--repo", str(target), "--today", today], env=ENV, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result
