"""Hostile attachments, as an attacker would send them to the coordinator's own machine: each is
refused by `portal ingest` with a message naming the file and the limit (limits.document_* in
schema/settings.yaml), exit 1 and nothing written, instead of a hang, a traceback or a machine
out of memory. The bombs are built here, at run time (bench/bombs.py builds the same ones and
measures them). A test that hangs fails after HANG_SECONDS instead of stalling the run; no test
depends on how fast the machine is."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import git
import pytest

from portal.config import Repo

from bench.bombs import (
    META,
    blank_pdf,
    docx,
    docx_bomb,
    docx_embedding,
    docx_many_members,
    forwarded_chain,
    lying_docx,
    lzfu_bomb,
    mail,
    nested_zip,
    odt_bomb,
    outlook_msg,
)
from tests.helpers import DEMO_DATE, Run, snapshot

HANG_SECONDS = 120  # far above any refusal (they take seconds): only a hang reaches it
LBN = ["--submitter", "LBN", "--today", DEMO_DATE, *META]


@pytest.fixture(autouse=True)
def hang_guard() -> Iterator[None]:
    """Fail a test still running after HANG_SECONDS (a watchdog thread signals the main thread;
    SIGUSR1, since the portal's own time budget uses SIGALRM)."""

    def hung(_signum: int, _frame: FrameType | None) -> None:
        pytest.fail(f"no answer after {HANG_SECONDS} s: the reader hangs")

    previous = signal.signal(signal.SIGUSR1, hung)
    watchdog = threading.Timer(HANG_SECONDS, signal.pthread_kill, (threading.main_thread().ident, signal.SIGUSR1))
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
        signal.signal(signal.SIGUSR1, previous)


def refused(run: Run, repo: Repo, path: Path, data: bytes, *extra: str) -> str:
    """Ingest `data` saved as `path`; it must be refused (exit 1, no traceback), naming the
    message file, with the repository unchanged. The output is returned."""
    path.write_bytes(data)
    before = snapshot(repo.root)
    result = run("ingest", str(path), "--repo", str(repo.root), *LBN, *extra)
    assert result.exit_code == 1, result.output
    assert f"{path}:" in result.output
    assert "Traceback" not in result.output
    assert snapshot(repo.root) == before
    return " ".join(result.output.split())


def with_settings(repo: Repo, **values: int) -> None:
    """Set limits in the repository's settings.yaml, committed as a coordinator would."""
    settings = repo.schema_dir / "settings.yaml"
    text = settings.read_text(encoding="utf-8")
    for key, value in values.items():
        line = next(line for line in text.splitlines() if line.strip().startswith(f"{key}:"))
        text = text.replace(line, f"  {key}: {value}")
    settings.write_text(text, encoding="utf-8")
    handle = git.Repo(repo.root)
    handle.git.add("schema/settings.yaml")
    handle.git.commit("--quiet", "-m", "Settings: limits for the test")


# Zip bombs in .docx and .odt ------------------------------------------------------------------


@pytest.mark.slow
def test_a_docx_that_inflates_to_400_mb_is_refused_before_it_is_read(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", docx_bomb(400_000_000))), "--body-from", "need.docx")
    assert "'need.docx' inflates to more than 50,000,000 bytes (limits.document_inflated_bytes); ask the sender for the text in the e-mail" in output


@pytest.mark.slow
def test_an_odt_that_inflates_to_400_mb_is_refused_before_it_is_read(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.odt", odt_bomb(400_000_000))), "--body-from", "need.odt")
    assert "'need.odt' inflates to more than 50,000,000 bytes (limits.document_inflated_bytes)" in output


@pytest.mark.slow
def test_a_docx_that_lies_about_its_size_is_read_no_further_than_it_says(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """The central directory says 1,000 bytes, the member inflates to 100 MB: reading stops at
    what it says and the checksum gives the lie away."""
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", lying_docx(100_000_000, 1000))), "--body-from", "need.docx")
    assert "'need.docx' cannot be read as a docx document (BadZipFile)" in output


def test_zips_nested_deep_inside_a_docx_are_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", docx_embedding(nested_zip(10)))), "--body-from", "need.docx")
    assert "'need.docx' holds archives nested more than 3 deep, which no office document does" in output


@pytest.mark.slow
def test_a_zip_inside_a_docx_counts_towards_what_it_inflates_to(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """An embedded archive is small outside and huge inside: its members count too."""
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", docx_embedding(docx_bomb(200_000_000)))), "--body-from", "need.docx")
    assert "'need.docx' inflates to more than 50,000,000 bytes (limits.document_inflated_bytes)" in output


@pytest.mark.slow
def test_a_docx_of_thousands_of_members_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", docx_many_members(5000))), "--body-from", "need.docx")
    assert "'need.docx' has 5,003 members in its zip, more than 1,000 (limits.document_parts)" in output


@pytest.mark.slow
def test_a_docx_with_more_markup_than_the_limit_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """11 MB of plain paragraphs, under the inflated limit but over the markup a reader parses."""
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", docx(document_bytes=11_000_000))), "--body-from", "need.docx")
    assert "'need.docx' holds more than 10,000,000 bytes of markup to read for its text (limits.document_markup_bytes)" in output


@pytest.mark.slow
def test_a_docx_with_an_embedded_spreadsheet_still_publishes(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """Real documents hold archives (a spreadsheet in a report) and pictures: they are counted,
    not refused, and the text is published as before."""
    picture = bytes(range(256)) * 32_000  # 8 MB stored as is, like a photograph (limits.attachment_bytes is 10 MB)
    spreadsheet = nested_zip(1, b"<sheet/>" * 1000)

    def add(archive: object) -> None:
        import zipfile

        assert isinstance(archive, zipfile.ZipFile)
        archive.writestr("word/embeddings/Microsoft_Excel_Worksheet.xlsx", spreadsheet)
        archive.writestr("word/media/image1.jpeg", picture, compress_type=zipfile.ZIP_STORED)

    (tmp_path / "m.eml").write_bytes(mail(attachment=("need.docx", docx(3, extra=add))))
    result = run("ingest", str(tmp_path / "m.eml"), "--repo", str(example_repo.root), *LBN, "--body-from", "need.docx")
    assert result.exit_code == 0, result.output
    added = next(path for path in git.Repo(example_repo.root).head.commit.stats.files if str(path).endswith(".md"))
    text = (example_repo.root / str(added)).read_text(encoding="utf-8").split("\n---\n", 1)[1]
    assert text == "We need support for survivors.\n\nWe need support for survivors.\n\nWe need support for survivors.\n"


@pytest.mark.slow
def test_a_pdf_of_thousands_of_pages_is_refused_before_its_text_is_extracted(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.pdf", blank_pdf(2000))), "--body-from", "need.pdf")
    assert "'need.pdf' has 2,000 pages, more than 1,000 (limits.document_parts); ask the sender for the text in the e-mail, or the document as .docx" in output


# Outlook .msg files ---------------------------------------------------------------------------


def test_a_msg_whose_compressed_rtf_says_400_mb_is_refused_before_it_is_inflated(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.msg", outlook_msg(lzfu_bomb(60_000, 400_000_000)))
    assert (
        "the Outlook message's rich text (compressed RTF) is 400,000,000 bytes of markup, over the limit of 10,000,000 (limits.document_markup_bytes); "
        "ask the sender to forward the message again, or save it from Outlook as .eml"
    ) in output


def test_a_msg_whose_compressed_rtf_is_larger_than_it_says_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.msg", outlook_msg(lzfu_bomb(60_000, 1000)))
    assert "the Outlook message's rich text (compressed RTF) is 1,020,016 bytes but says it inflates to 1,000; the file is damaged or forged" in output


@pytest.mark.slow
def test_a_msg_whose_compressed_rtf_inflates_to_more_than_it_says_is_refused_before_it_is_inflated(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """Says 9 MB (within the limit), inflates to 16 MB: its tokens are counted, not inflated."""
    output = refused(run, example_repo, tmp_path / "m.msg", outlook_msg(lzfu_bomb(120_000, 9_000_000)))
    assert "the Outlook message's rich text (compressed RTF) inflates to more than the 9,000,000 bytes it says; the file is damaged or forged" in output


@pytest.mark.slow
def test_the_size_of_compressed_rtf_is_counted_exactly() -> None:
    """The count that refuses a lying RTF agrees with the inflater (compressed_rtf) to the byte."""
    from compressed_rtf import compress, decompress

    from portal.intake.outlook import lzfu_inflates_past

    rtf = b"{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Arial;}} We need support for survivors, phase two.\\par }" * 300
    stream = compress(rtf)
    size = len(decompress(stream))
    assert size == len(rtf)
    assert not lzfu_inflates_past(stream[16:], size)
    assert lzfu_inflates_past(stream[16:], size - 1)


@pytest.mark.slow
def test_a_msg_of_thousands_of_attachments_is_refused_before_it_is_opened(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.msg", outlook_msg(b"", attachments=2000))
    assert "the Outlook message has 2,000 attachments (counting those of messages inside it), more than 1,000 (limits.document_parts)" in output


# E-mails ----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_an_html_body_of_30_mb_is_refused_before_it_is_converted(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    output = refused(run, example_repo, tmp_path / "m.eml", mail(html="<p>We need support for survivors.</p>\n" * 780_000))
    assert (
        "the HTML part is 29,640,000 bytes of markup, over the limit of 10,000,000 (limits.document_markup_bytes); "
        "ask the sender to send the text as plain text, or as a .docx, .odt or PDF attachment"
    ) in output


@pytest.mark.slow
@pytest.mark.parametrize("depth", [200, 2000])
def test_an_eml_forwarded_hundreds_deep_is_refused(depth: int, example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """Deeper than the parser's stack (2,000) or not, the same refusal."""
    output = refused(run, example_repo, tmp_path / "m.eml", forwarded_chain(depth))
    assert "the message nests parts more than 20 deep; it is not a normal e-mail" in output


# The time budget --------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_docx_that_takes_longer_than_the_budget_is_refused_and_the_alarm_is_put_back(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """5 MB of paragraphs take mammoth over ten seconds on any machine: with a budget of one
    second, the reading stops there."""
    with_settings(example_repo, document_seconds=1)
    output = refused(run, example_repo, tmp_path / "m.eml", mail(attachment=("need.docx", docx(document_bytes=5_000_000))), "--body-from", "need.docx")
    assert (
        "'need.docx' takes more than 1 seconds to read (limits.document_seconds); ask the sender for the text in the e-mail, or the document as PDF" in output
    )
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


@pytest.mark.slow
def test_a_msg_whose_rtf_takes_longer_than_the_budget_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    """An RTF within every size limit (8 MB, as it says) that takes the pure-Python inflater
    over ten seconds: the budget of one second stops it."""
    with_settings(example_repo, document_seconds=1)
    output = refused(run, example_repo, tmp_path / "m.msg", outlook_msg(lzfu_bomb(60_000, 8_160_000)))
    assert "the Outlook message takes more than 1 seconds to read (limits.document_seconds)" in output


def test_a_limit_that_is_not_a_number_is_named_with_its_line(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    with_settings(example_repo, document_parts=0)
    (tmp_path / "m.eml").write_bytes(mail())
    result = run("ingest", str(tmp_path / "m.eml"), "--repo", str(example_repo.root), *LBN)
    assert result.exit_code == 1
    assert "schema/settings.yaml:" in result.output
    assert "error: limits.document_parts: 0 is not a whole number of at least 1" in result.output
