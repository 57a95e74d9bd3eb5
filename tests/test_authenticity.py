"""A From address proves nothing by itself: what the receiving server verified (RFC 8601
Authentication-Results: DKIM, SPF, DMARC) decides whether `portal ingest` publishes, and is kept
in the commit, the front matter and the text's page. The header lines are written the way Gmail,
Microsoft 365 and Postfix (OpenDKIM, OpenDMARC, policyd-spf) write them."""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import git
import pytest

from portal.checks.validate import validate_repo
from portal.config import ConfigError, Repo, load_settings
from portal.intake.authenticity import FAILED, UNKNOWN, VERIFIED, judge
from portal.intake.mail import header_values
from portal.publish.render.site import readable_namer, render_tier
from portal.trail.trailers import read_changes

from tests.helpers import DEMO_DATE, FIXTURES, PROJECT, Run, snapshot, tier_input

SENDER = "planning@nra.example.la"
CASES = FIXTURES / "intake"

GMAIL_PASS = (
    "mx.google.com;\r\n       dkim=pass header.i=@nra.example.la header.s=nra2026 header.b=Qm9vZ1x3;\r\n"
    "       spf=pass (google.com: domain of planning@nra.example.la designates 203.0.113.25 as permitted sender) smtp.mailfrom=planning@nra.example.la;\r\n"
    "       dmarc=pass (p=QUARANTINE sp=QUARANTINE dis=NONE) header.from=nra.example.la"
)
GMAIL_FAIL = (
    "mx.google.com;\r\n       spf=fail (google.com: domain of planning@nra.example.la does not designate 198.51.100.77 as permitted sender) "
    "smtp.mailfrom=planning@nra.example.la;\r\n       dmarc=fail (p=NONE sp=NONE dis=NONE) header.from=nra.example.la"
)
M365_PASS = (
    "spf=pass (sender IP is 203.0.113.25)\r\n smtp.mailfrom=nra.example.la; dkim=pass (signature was verified)\r\n"
    " header.d=nra.example.la;dmarc=pass action=none\r\n header.from=nra.example.la;compauth=pass reason=100"
)
M365_FAIL = (
    "spf=fail (sender IP is 198.51.100.77)\r\n smtp.mailfrom=nra.example.la; dkim=none (message not signed)\r\n"
    " header.d=none;dmarc=fail action=quarantine\r\n header.from=nra.example.la;compauth=fail reason=000"
)
OPENDMARC_PASS = "mx.example.org; dmarc=pass (p=reject dis=none) header.from=nra.example.la"
OPENDKIM_PASS = (
    "mx.example.org;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=nra.example.la header.i=@nra.example.la "
    'header.a=rsa-sha256 header.s=nra2026 header.b="Qm9vZ1x3";\r\n\tdkim-atps=neutral'
)
OPENDKIM_NONE = "mx.example.org; dkim=none; dkim-atps=neutral"
SPF_PASS = (
    "mx.example.org; spf=pass (mailfrom) smtp.mailfrom=nra.example.la (client-ip=203.0.113.25; helo=mail.nra.example.la; envelope-from=planning@nra.example.la)"
)
SPF_NONE = "mx.example.org; spf=none (mailfrom) smtp.mailfrom=nra.example.la (client-ip=198.51.100.77; helo=bulk.example.net)"
SPF_FAIL = "mx.example.org; spf=fail (mailfrom) smtp.mailfrom=nra.example.la (client-ip=198.51.100.77; helo=bulk.example.net)"
FORGED = "mx.example.org; dkim=pass header.d=nra.example.la; spf=pass smtp.mailfrom=nra.example.la; dmarc=pass header.from=nra.example.la"


@pytest.mark.parametrize(
    ("headers", "verdict", "label"),
    [
        ([GMAIL_PASS], VERIFIED, "verified by signature (nra.example.la)"),
        ([GMAIL_FAIL], FAILED, "not verified (dmarc=fail, dkim=none, spf=fail)"),
        ([M365_PASS], VERIFIED, "verified by signature (nra.example.la)"),
        ([M365_FAIL], FAILED, "not verified (dmarc=fail, dkim=none, spf=fail)"),
        ([OPENDMARC_PASS, OPENDKIM_PASS, SPF_PASS], VERIFIED, "verified by signature (nra.example.la)"),
        ([OPENDKIM_NONE, SPF_NONE], FAILED, "not verified (dkim=none, spf=none)"),
        ([OPENDKIM_NONE, SPF_PASS], UNKNOWN, "not verified (dkim=none, spf=pass)"),
        (["mx.example.org; dmarc=pass (p=none dis=none) header.from=nra.example.la"], VERIFIED, "verified by DMARC (nra.example.la)"),
        (["mx.example.org; dkim=temperror (DNS timeout) header.d=nra.example.la", SPF_FAIL], UNKNOWN, "not verified (dkim=temperror, spf=fail)"),
        (["mx.example.org; none"], UNKNOWN, "not verified"),
        ([], UNKNOWN, "not verified"),
        (["mx.example.org; this is ((( not a result"], UNKNOWN, "not verified"),
    ],
    ids=[
        "gmail-pass",
        "gmail-fail",
        "m365-pass",
        "m365-fail",
        "postfix-pass",
        "postfix-none",
        "spf-only",
        "dmarc-only",
        "temperror",
        "none",
        "absent",
        "unreadable",
    ],
)
def test_the_verdict_of_each_receiving_server(headers: list[str], verdict: str, label: str) -> None:
    found = judge(headers, SENDER)
    assert (found.verdict, found.label()) == (verdict, label)


def test_microsoft_365_names_no_server_and_is_read_anyway() -> None:
    found = judge([M365_FAIL], SENDER)
    assert found.server == ""
    assert found.refusal().startswith("the receiving server found dmarc=fail, dkim=none and spf=fail for nra.example.la:")


def test_a_signature_of_another_domain_proves_nothing_about_the_from_address() -> None:
    bulk = "mx.example.org; dkim=pass header.d=mailer.example.net header.i=@mailer.example.net; spf=pass smtp.mailfrom=bounces.mailer.example.net"
    found = judge([bulk], SENDER)
    assert (found.verdict, found.found) == (FAILED, ("dkim=none", "spf=none"))
    # A look-alike domain is not a parent domain.
    assert judge(["mx.example.org; dkim=pass header.d=example.la.evil.example"], SENDER).verdict != VERIFIED
    assert judge(["mx.example.org; dkim=pass header.d=xnra.example.la"], SENDER).verdict != VERIFIED


def test_a_signature_of_the_parent_domain_or_a_subdomain_is_aligned() -> None:
    assert judge(["mx.example.org; dkim=pass header.d=nra.example.la"], "desk@mail.nra.example.la").verdict == VERIFIED
    assert judge(["mx.example.org; dkim=pass header.d=mail.nra.example.la"], SENDER).verdict == VERIFIED
    # A top-level domain is no one's parent domain; a pass that names no domain at all proves nothing.
    assert judge(["mx.example.org; dkim=pass header.d=la"], SENDER).verdict != VERIFIED
    assert judge(["mx.example.org; dkim=pass"], SENDER).verdict != VERIFIED


def test_a_forged_header_below_the_receiving_servers_is_never_read() -> None:
    # Without the setting the topmost header counts, and only the run of headers of its server.
    assert judge([OPENDKIM_NONE, SPF_FAIL, "mx.google.com; dkim=pass header.d=nra.example.la"], SENDER).verdict == FAILED
    below_a_received = [OPENDKIM_NONE, SPF_FAIL, "relay.example.net; spf=pass smtp.mailfrom=nra.example.la", FORGED]
    assert judge(below_a_received, SENDER).verdict == FAILED
    # With the setting, the trusted server's headers count even below an internal relay's.
    internal = "filter.example.org; spf=pass smtp.mailfrom=nra.example.la; dkim=pass header.d=nra.example.la"
    found = judge([internal, OPENDKIM_NONE, SPF_FAIL, "mx.google.com; " + FORGED.split("; ", 1)[1]], SENDER, trusted="MX.example.org")
    assert (found.verdict, found.server) == (FAILED, "mx.example.org")
    # A trusted server that wrote nothing leaves the sender unknown, whatever else the message says.
    assert judge([FORGED], SENDER, trusted="mail.coordination.example").verdict == UNKNOWN


def test_a_verdict_read_from_the_topmost_header_says_to_name_the_server() -> None:
    assert "name the receiving server in schema/settings.yaml, mail.authserv_id" in judge([GMAIL_PASS], SENDER).note()
    assert judge([GMAIL_PASS], SENDER, trusted="mx.google.com").note() == "sender verified by signature (nra.example.la)"


def test_the_trailer_names_the_results_the_domain_and_the_server() -> None:
    assert judge([GMAIL_PASS], SENDER).trailer() == "dkim=pass, dmarc=pass (nra.example.la) by mx.google.com"
    confirmed = judge([OPENDKIM_NONE, SPF_FAIL], SENDER).confirmed_by_hand()
    assert confirmed.trailer() == "dkim=none, spf=fail (nra.example.la) by mx.example.org; sender confirmed by hand"
    assert judge([], SENDER).trailer() == "none (no Authentication-Results of the receiving server)"


def outlook_file(transport_headers: str) -> bytes:
    """An Outlook .msg as Outlook saves a received message: its transport headers kept."""
    from extract_msg.ole_writer import OleWriter

    writer = OleWriter()
    writer.addEntry("__properties_version1.0", b"\0" * 8 + struct.pack("<IIII", 1, 0, 1, 0) + b"\0" * 8)
    strings = {"001A": "IPM.Note", "0037": "Need", "1000": "We need two survey teams.\r\n", "0C1F": SENDER, "5D01": SENDER, "007D": transport_headers}
    for tag, value in strings.items():
        writer.addEntry(f"__substg1.0_{tag}001F", value.encode("utf-16-le"))
    writer.addEntry("__recip_version1.0_#00000000", storage=True)
    writer.addEntry("__recip_version1.0_#00000000/__properties_version1.0", b"\0" * 8)
    writer.addEntry("__nameid_version1.0", storage=True)
    for stream in ("00020102", "00030102", "00040102"):
        writer.addEntry(f"__nameid_version1.0/__substg1.0_{stream}", b"")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_outlook_keeps_the_receiving_servers_headers() -> None:
    headers = f"Microsoft Mail Internet Headers Version 2.0\r\nAuthentication-Results: {M365_FAIL}\r\nFrom: NRA Planning <{SENDER}>\r\nSubject: Need\r\n\r\n"
    values = header_values(outlook_file(headers))
    assert judge(values, SENDER).found == ("dmarc=fail", "dkim=none", "spf=fail")
    # A .msg saved from the Drafts folder never went through a server: nothing to read.
    assert header_values(outlook_file("")) == []
    assert header_values((FIXTURES / "mail" / "40-outlook.msg").read_bytes()) == []


def ingest_case(run: Run, repo: Repo, case: str, *extra: str) -> str:
    result = run("ingest", str(CASES / case / "message.eml"), "--repo", str(repo.root), "--today", DEMO_DATE, *extra)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_verdict_is_kept_in_the_trail_and_shown_in_the_provenance(example_repo: Repo, run: Run) -> None:
    ingest_case(run, example_repo, "auth-dkim-verified")
    [change] = read_changes(str(git.Repo(example_repo.root).head.commit.message))
    assert change.authentication == "dkim=pass, dmarc=pass (nra.example.la) by mx.google.com"
    history = run("history", change.submission, "--repo", str(example_repo.root))
    assert history.exit_code == 0 and "published" in history.output, history.output
    sub = next(s for s in validate_repo(example_repo).submissions if s.id == change.submission)
    page = render_tier(tier_input([sub]), readable_namer).pages[f"submission-{readable_namer(sub.id)}.md"]
    assert "<dt>Sender</dt><dd>verified by signature (nra.example.la)</dd>" in page


def test_a_sender_confirmed_by_hand_is_recorded_as_such(example_repo: Repo, run: Run) -> None:
    output = ingest_case(run, example_repo, "auth-forged-confirmed", "--confirm-sender")
    assert "sender not verified (dkim=fail, spf=fail); confirmed by the coordinator" in output
    [change] = read_changes(str(git.Repo(example_repo.root).head.commit.message))
    assert change.authentication == "dkim=fail, spf=fail (nra.example.la) by mx.example.org; sender confirmed by hand"


def test_an_outlook_message_the_server_failed_is_refused(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    headers = f"Authentication-Results: {M365_FAIL}\r\nFrom: NRA Planning <{SENDER}>\r\n\r\n"
    message = tmp_path / "need.msg"
    message.write_bytes(outlook_file(headers))
    before = snapshot(example_repo.root)
    result = run("ingest", str(message), "--repo", str(example_repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "need.msg: the receiving server found dmarc=fail, dkim=none and spf=fail for nra.example.la" in result.output
    assert "--confirm-sender" in result.output
    assert snapshot(example_repo.root) == before


def settings_with(tmp_path: Path, mail: str) -> Path:
    path = tmp_path / "settings.yaml"
    shutil.copy(PROJECT / "schema" / "settings.yaml", path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\nmail:")] + "\n" + mail, encoding="utf-8")
    return path


def test_the_trusted_server_is_a_setting_checked_where_it_is_written(tmp_path: Path) -> None:
    assert load_settings(settings_with(tmp_path, "mail:\n  authserv_id: MX.example.org\n")).authserv_id == "mx.example.org"
    assert load_settings(settings_with(tmp_path, "mail:\n  authserv_id:\n")).authserv_id == ""
    path = settings_with(tmp_path, "mail:\n  authserv_id: mx.example.org; dkim=pass\n")
    lines = path.read_text(encoding="utf-8").count("\n")
    with pytest.raises(ConfigError) as refused:
        load_settings(path)
    assert str(refused.value).startswith(f"{path}:{lines}:3: error: mail.authserv_id: 'mx.example.org; dkim=pass' is not a server name;")
    assert "e.g. mx.example.org" in str(refused.value)


def test_the_server_named_in_the_settings_decides_not_the_topmost_header(example_repo: Repo, run: Run, tmp_path: Path) -> None:
    settings = example_repo.schema_dir / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('authserv_id: ""', "authserv_id: mx.example.org"), encoding="utf-8")
    handle = git.Repo(example_repo.root)
    handle.git.commit("-q", "-am", "Name the receiving server")
    # The coordinator's server failed the sender; a spam filter added its own header above, and
    # the sender wrote one below: neither is read.
    raw = (CASES / "auth-forged-refused" / "message.eml").read_bytes()
    message = tmp_path / "relayed.eml"
    message.write_bytes(b"Authentication-Results: filter.example.org; dkim=pass header.d=nra.example.la\r\n" + raw)
    before = snapshot(example_repo.root)
    result = run("ingest", str(message), "--repo", str(example_repo.root), "--today", DEMO_DATE)
    assert result.exit_code == 1 and "the receiving server (mx.example.org) found dkim=fail and spf=fail for nra.example.la" in result.output
    assert snapshot(example_repo.root) == before
    # Gmail's header is not the named server's: the sender is not verified, and the text says so.
    output = ingest_case(run, example_repo, "auth-dkim-verified")
    assert "sender not verified\n" in output
    assert "authentication: not verified\n" in (example_repo.root / next(p for p in handle.head.commit.stats.files if str(p).endswith(".md"))).read_text(
        encoding="utf-8"
    )
