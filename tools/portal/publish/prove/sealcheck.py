"""The leak check: prove that a published folder holds nothing readable, then scan what is left.

First line, a proof by construction of every file:
- the public pages (start page, 404, .nojekyll) are exactly what the build writes;
- the loader, styles and keys file in _portal/ are the package's own files, and every slot of
  keys.json has one length and opens with exactly one tier's passcode;
- every other file outside the tiers' folders is byte for byte a file of the installed theme;
- every file inside a tier's folder is a shell exactly as the build writes it around ciphertext,
  or ciphertext itself, that opens with that tier's key, bound to its own name and build, and
  with no other tier's key; every opened page carries the Content-Security-Policy.
Second line (crosstier.py, with the needles of leaks.py), the word scan: file names, the readable
part of every shell and public page, and in each tier the opened pages, for texts that tier may
not read. This module proves the first line and runs both, each tier in worker processes. (It
is longer than the house's ~400 lines: the proof of every kind of published file is one piece,
read best in one place.)
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from portal import workers
from portal.config import Settings
from portal.model import Submission
from portal.publish.prove.crosstier import Prepared, every_needles, name_findings, readable_text, scan_tier, tier_needles
from portal.publish.prove.leaks import Leak, Needles
from portal.publish.prove.themewords import theme_wording
from portal.publish.seal.keys import FORMAT, SALT_BYTES, SLOT_BYTES, SealError, keys_document, open_file, open_page, open_slots, wrapping_key
from portal.publish.seal.protect import NOT_FOUND, PUBLIC_NAMES, PublicText, fixed_names, named_by_build, theme_root, unlock_form
from portal.publish.seal.sealedformat import (
    BUILD_ID,
    FORMAT_FILE,
    HOME,
    KEYS_FILE,
    LINKS,
    NO_JEKYLL,
    NONCE,
    NOT_FOUND_PAGE,
    POLICY_HASH,
    PUBLIC_DIR,
    SEARCH_INDEX,
    SHELL_PAYLOAD,
    SHELL_POLICY,
    SITEMAP,
    TAG,
    content_security_policy,
    format_script,
    policy_meta,
)

_KEYS_FIELDS = {"v", "kdf", "iterations", "salt", "build", "slots", "again"}
LIMIT = 50


@dataclass
class OpenedTier:
    tier: str
    folder: str
    key: bytes
    pages: list[tuple[str, str]] = field(default_factory=list)  # (path, opened page) for the word scan
    files: list[tuple[str, str, bytes]] = field(default_factory=list)  # (path, SHA-256, opened file)


@dataclass
class Report:
    """What the proof found wrong and what the word scan found, each up to LIMIT."""

    unproven: list[Leak] = field(default_factory=list)
    found: list[Leak] = field(default_factory=list)

    def add(self, path: str, what: str, submission: str = "") -> None:
        found = self.found if submission else self.unproven
        if len(found) < LIMIT:
            found.append(Leak(path, what, submission))

    @property
    def leaks(self) -> list[Leak]:
        return self.unproven + self.found


def check_published(
    site: Path,
    settings: Settings,
    passcodes: dict[str, str] | None,
    submissions: Sequence[Submission],
    canaries: Sequence[str] = (),
    wraps: dict[str, bytes] | None = None,
    attachments: dict[str, list[str]] | None = None,
    boilerplate: Sequence[str] = (),
    prepared: Prepared | None = None,
    *,
    themes: Mapping[str, str],
) -> Report:
    """Every reason `site` may not be published (empty when it may). Tier keys come from the
    passcodes (or, inside a build, the wrapping keys already derived). `attachments`: SHA-256 of
    each attachment's bytes -> the submissions that attach it, to catch one copied as it is or
    sealed into a tier that may not read it. `boilerplate`: the wording of a tier's pages when it
    has no text (the guidance pattern, the home page…), which a text may quote without leaking.
    `prepared`: the needles, when they were made beforehand (crosstier.prepare); otherwise they are
    made here from the submissions (and `themes`, the labels of the repository's themes), the
    canaries and the boilerplate.

    Each tier's folder (the proof of its files, then the scan of its opened pages) is checked in a
    worker process of its own when the machine has more than one core; the files outside the
    tiers, every file name and the readable parts are checked here meanwhile. The findings are
    reported in the order of the files, whichever process found them."""
    report = Report()
    tiers = _open_tiers(site, settings, passcodes, wraps, report)
    context = _Context(
        site=site,
        settings=settings,
        text=PublicText(settings.site_name, settings.coordinator_name, settings.coordinator_email),
        tiers=tiers,
        submissions=submissions,
        canaries=canaries,
        digests=attachments or {},
        boilerplate=boilerplate,
        build=str(_build(site)),
        prepared=prepared,
        themes=themes,
    )
    paths = sorted(site.rglob("*"))
    _report_in_order(report, site, paths, _check_files(context, paths))
    return report


@dataclass
class _Context:
    """What the check of any file reads (a worker process has its own copy)."""

    site: Path
    settings: Settings
    text: PublicText
    tiers: list[OpenedTier]
    submissions: Sequence[Submission]
    canaries: Sequence[str]
    digests: dict[str, list[str]]
    boilerplate: Sequence[str]
    build: str
    prepared: Prepared | None = None
    themes: Mapping[str, str] = field(default_factory=dict)

    def every(self) -> Needles:
        """The needles of every submission, for file names and readable parts."""
        if self.prepared is not None:
            return self.prepared.every
        return every_needles(self.submissions, self.themes, self.canaries, build_wording(self.text))

    def hidden(self, tier: str) -> Needles | None:
        """The needles of the texts `tier` may not read."""
        if self.prepared is not None:
            return self.prepared.hidden[tier]
        return tier_needles(self.settings, tier, self.submissions, self.boilerplate)


@dataclass
class _Checked:
    """One file or folder checked: what is wrong with it, its readable part, its shell's policy."""

    rel: str
    shown: str
    problems: list[tuple[str, str]] = field(default_factory=list)  # (what, submission)
    readable: str | None = None
    policy: str | None = None

    def problem(self, what: str, submission: str = "") -> None:
        self.problems.append((what, submission))


@dataclass
class _Findings:
    """What the proof and the word scan found, before it is put in the order of the files."""

    needles: Needles  # of every submission, for the readable parts
    names: dict[str, list[tuple[str, str]]]  # file -> what its name holds: (what, submission)
    checked: dict[str, _Checked]  # file -> its proof
    scans: list[list[Leak]]  # each tier's cross-tier scan


def _check_files(context: _Context, paths: list[Path]) -> _Findings:
    """The proof of every file and the scan of every name, each tier's folder in worker processes
    when there are cores for them: in as many parts as cores when the needles were made
    beforehand (otherwise each part would make them again)."""
    in_tier: dict[str, list[Path]] = {tier.folder: [] for tier in context.tiers}
    for path in paths:
        top, _, rest = path.relative_to(context.site).as_posix().partition("/")
        if top in in_tier and rest:
            in_tier[top].append(path)
    in_tiers = {path for files in in_tier.values() for path in files}
    outside = [path for path in paths if path not in in_tiers]
    per_tier: list[tuple[list[_Checked], list[Leak]]]
    if len(context.tiers) > 1 and workers.can_fork():
        cores = workers.size(len(context.tiers))
        parts = [(index, part) for index, tier in enumerate(context.tiers) for part in _parts(in_tier[tier.folder], cores if context.prepared else 1)]
        with workers.pool(cores, _set_context, (context,)) as running:
            futures = [running.submit(_check_tier_in_worker, index, part) for index, part in parts]
            needles = context.every()
            names = name_findings(context.site, paths, needles)
            checked = [_check_path(context, path) for path in outside]
            per_tier = [future.result() for future in futures]
    else:
        needles = context.every()
        names = name_findings(context.site, paths, needles)
        checked = [_check_path(context, path) for path in outside]
        per_tier = [_check_tier(context, tier, in_tier[tier.folder]) for tier in context.tiers]
    by_rel = {done.rel: done for done in (*checked, *(done for files, _scan in per_tier for done in files))}
    return _Findings(needles, names, by_rel, [scan for _files, scan in per_tier])


def _report_in_order(report: Report, site: Path, paths: list[Path], found: _Findings) -> None:
    """Each file's findings in the order of the files, then the scan of the distinct readable
    parts and each tier's scan."""
    policies: set[str] = set()
    readable: set[str] = set()  # distinct readable parts of shells, each scanned once
    for path in paths:
        rel = path.relative_to(site).as_posix()
        done = found.checked[rel]
        for what, submission in (*found.names[rel], *done.problems):
            report.add(done.shown, what, submission)
        if done.readable is not None:
            readable.add(done.readable)
        if done.policy is not None:
            policies.add(done.policy)
    if len(policies) > 1:
        report.add(f"{PUBLIC_DIR}/{KEYS_FILE}", f"the shells carry {len(policies)} different security policies")
    for part in readable:
        for what, submission in found.needles.scan_markup(part):
            report.add("(readable part of a published file)", what, submission)
    for scan in found.scans:
        for leak in scan:
            report.add(leak.path, leak.what, leak.submission)


_WORKER_CONTEXT: list[_Context] = []


def _set_context(context: _Context) -> None:
    _WORKER_CONTEXT[:] = [context]


def _check_tier_in_worker(index: int, paths: list[Path]) -> tuple[list[_Checked], list[Leak]]:
    context = _WORKER_CONTEXT[0]
    return _check_tier(context, context.tiers[index], paths)


def _parts(paths: list[Path], count: int) -> list[list[Path]]:
    """`paths` in `count` runs of about the same length (one, however short, if there are fewer)."""
    size = max(1, -(-len(paths) // count))
    return [paths[start : start + size] for start in range(0, len(paths), size)] or [paths]


def _check_tier(context: _Context, tier: OpenedTier, paths: list[Path]) -> tuple[list[_Checked], list[Leak]]:
    """The proof of some or all files in a tier's folder, then the scan of what they open to."""
    # A worker may check several parts of one tier: each part's scan reads only its own files.
    tier.pages.clear()
    tier.files.clear()
    checked = [_check_path(context, path) for path in paths]
    seen: set[str] = set()
    for done in checked:  # the shells' readable parts are alike: each is sent back once
        if done.readable is not None and done.readable in seen:
            done.readable = None
        elif done.readable is not None:
            seen.add(done.readable)
    scan = scan_tier(context.settings, tier.tier, tier.pages, tier.files, context.submissions, context.digests, context.hidden(tier.tier))
    return checked, scan[:LIMIT]


def _check_path(context: _Context, path: Path) -> _Checked:
    """The proof of one file or folder."""
    rel = path.relative_to(context.site).as_posix()
    by_folder = {tier.folder: tier for tier in context.tiers}
    # Only names the build gives are ever printed: any other name may hold words of a text.
    done = _Checked(rel, rel if named_by_build(rel, path.is_dir(), by_folder) else _withheld(rel))
    if path.is_symlink():
        done.problem("a link, which the build never writes")
    elif path.is_dir():
        if done.shown != rel:
            done.problem("a folder the build never makes")
    else:
        _check_file(context, done, path.read_bytes(), by_folder)
    return done


def _check_file(context: _Context, done: _Checked, data: bytes, by_folder: dict[str, OpenedTier]) -> None:
    rel = done.rel
    digest = hashlib.sha256(data).hexdigest()
    if digest in context.digests:
        done.problem("an attachment copied in the clear", context.digests[digest][0])
    if done.shown != rel:
        done.problem("a file the build never publishes (a name it never gives)")
        done.readable = readable_text(data)
        return
    top, _, rest = rel.partition("/")
    if rel in PUBLIC_NAMES and rel != PUBLIC_DIR:
        _check_public(context.text, done, data)
    elif top in by_folder and rest:
        _check_sealed(context, by_folder[top], rest, data, done)
    elif top == "assets" and (theme_root() / rel).is_file() and (theme_root() / rel).read_bytes() == data:
        pass  # the theme's own file, byte for byte
    else:
        done.problem("a file the build never publishes (not sealed, not the theme's, not the portal's)")
        done.readable = readable_text(data)


def _check_public(text: PublicText, done: _Checked, data: bytes) -> None:
    """A public file (start page, 404, .nojekyll, the portal's own files and keys file) must be
    exactly what the build writes; keys.json is proven apart (_open_tiers) and its text scanned."""
    rel = done.rel
    if rel == HOME:
        # The start page carries the tiers' policy (it opens the home page in place).
        page = data.decode("utf-8", "replace")
        policy = SHELL_POLICY.search(page)
        expected = policy is not None and policy.group(1) == content_security_policy(tuple(POLICY_HASH.findall(policy.group(1))))
        if not expected or policy is None or page != unlock_form(text, "", "", policy.group(1)):
            done.problem("not the public page the build writes")
            done.readable = page
        else:
            done.policy = policy.group(1)
    elif rel in (NOT_FOUND_PAGE, NO_JEKYLL):
        if data != {NOT_FOUND_PAGE: NOT_FOUND.encode(), NO_JEKYLL: b""}[rel]:
            done.problem("not the public page the build writes")
            done.readable = data.decode("utf-8", "replace")
    elif rel == f"{PUBLIC_DIR}/{KEYS_FILE}":
        done.readable = data.decode("utf-8", "replace")
    elif rel == f"{PUBLIC_DIR}/{FORMAT_FILE}":
        if data != format_script().encode("utf-8"):  # constants only: the same in every build
            done.problem("not the sealed format the build writes")
            done.readable = data.decode("utf-8", "replace")
    elif data != (resources.files("portal") / "static" / rel.removeprefix(f"{PUBLIC_DIR}/")).read_bytes():
        done.problem("not the portal's own file")
        done.readable = data.decode("utf-8", "replace")


def build_wording(text: PublicText) -> list[str]:
    """What the build itself writes in the clear (the public pages, the keys file's fields, every
    name it gives) and the theme's own phrases: a title that says the same is no evidence."""
    keys_fields = keys_document([], b"", 0, "")
    return [unlock_form(text, ""), unlock_form(text, "../", "x", content_security_policy()), NOT_FOUND, keys_fields, *fixed_names(), *theme_wording()]


def _withheld(rel: str) -> str:
    """A name the build never gives, printed as a digest: it may hold words of a text, and the
    messages end up in CI logs. `find site | sha256sum`-style tools can locate it."""
    return f"(a name withheld, sha256 {hashlib.sha256(rel.encode('utf-8', 'surrogateescape')).hexdigest()[:12]})"


def _build(site: Path) -> str:
    try:
        return str(json.loads((site / PUBLIC_DIR / KEYS_FILE).read_text(encoding="utf-8"))["build"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _value in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("a field twice")
    return dict(pairs)


def _open_tiers(site: Path, settings: Settings, passcodes: dict[str, str] | None, wraps: dict[str, bytes] | None, report: Report) -> list[OpenedTier]:
    where = f"{PUBLIC_DIR}/{KEYS_FILE}"
    try:
        document = (site / where).read_text(encoding="utf-8")
        data = json.loads(document, object_pairs_hook=_no_duplicates)
        if not isinstance(data, dict) or set(data) != _KEYS_FIELDS or data["v"] != FORMAT:
            raise ValueError("fields")
        slots = [base64.b64decode(slot, validate=True) for slot in data["slots"]]
        again = [base64.b64decode(slot, validate=True) for slot in data["again"]]
        salt = base64.b64decode(data["salt"], validate=True)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error):
        report.add(where, "missing, or not in the format the loader reads")
        return []
    # Every byte of the file is accounted for: the fields, and nothing but the fields, as written.
    if document != json.dumps(data, indent=1) or data["kdf"] != "PBKDF2-SHA256":
        report.add(where, "not written as the build writes it (extra fields, spacing or values)")
    if len(salt) != SALT_BYTES or not re.fullmatch(BUILD_ID, str(data["build"])):
        report.add(where, "its salt or build id is not of the build's length and form")
    if data["iterations"] != settings.pbkdf2_iterations:
        report.add(where, f"its key derivation has {data['iterations']} iterations, not the {settings.pbkdf2_iterations} of the settings")
    if any(len(slot) != NONCE + SLOT_BYTES + TAG for slot in slots + again):
        report.add(where, "its key slots are not all of the one length the build writes")
    if len(slots) != len(settings.tiers) or len(again) != len(settings.tiers):
        report.add(where, f"{len(slots)} key slots and {len(again)} slots for a returning tab, for {len(settings.tiers)} tiers")
    if wraps is None:
        wraps = {tier.id: wrapping_key((passcodes or {})[tier.id], salt, int(data["iterations"])) for tier in settings.tiers}
    tiers: list[OpenedTier] = []
    for tier, slot in zip(settings.tiers, open_slots(document, [wraps[tier.id] for tier in settings.tiers]), strict=True):
        if slot is None or slot.get("tier") != tier.id:
            report.add(where, f"the {tier.label} passcode opens none of its slots")
            continue
        tiers.append(OpenedTier(tier.id, slot["home"].split("/")[0], base64.b64decode(slot["key"])))
    return tiers


def _check_sealed(context: _Context, tier: OpenedTier, rest: str, data: bytes, done: _Checked) -> None:
    """The proof of one file of a tier's folder; a shell's readable part is kept for the word scan."""
    others, rel = [other for other in context.tiers if other is not tier], done.rel
    if rest.endswith(".html") and "/" not in rest:
        shell = data.decode("utf-8", "replace")
        payload, policy = SHELL_PAYLOAD.search(shell), SHELL_POLICY.search(shell)
        if payload is None or policy is None:
            done.problem("not a sealed page: no ciphertext in its shell")
            done.readable = shell
            return
        hashes = tuple(POLICY_HASH.findall(policy.group(1)))
        if policy.group(1) != content_security_policy(hashes) or shell != unlock_form(context.text, "../", payload.group(1), policy.group(1)):
            done.problem("its shell is not the one the build writes")
        done.policy = policy.group(1)
        opened = _open(tier, others, base64.b64decode(payload.group(1)), context.build, done, page=True)
        if opened is not None:
            page = opened.decode("utf-8", "replace")
            if policy_meta(policy.group(1)) not in page[:1000]:
                done.problem("an opened page without the portal's Content-Security-Policy")
            tier.pages.append((rel, page))
        done.readable = shell[: payload.start(1)] + shell[payload.end(1) :]
        return
    index = rest in (SEARCH_INDEX, SITEMAP, LINKS)
    opened = _open(tier, others, data, context.build, done, page=index)
    if opened is not None and index:
        tier.pages.append((rel, opened.decode("utf-8", "replace")))
    elif opened is not None:
        tier.files.append((rel, hashlib.sha256(opened).hexdigest(), opened))


def _open(tier: OpenedTier, others: list[OpenedTier], sealed: bytes, build: str, done: _Checked, page: bool) -> bytes | None:
    opener = open_page if page else open_file
    try:
        opened = opener(tier.key, sealed, build, done.rel)
    except (SealError, OSError, EOFError, gzip.BadGzipFile):
        done.problem("not ciphertext that opens with its tier's key for this name and build")
        return None
    for other in others:
        try:
            opener(other.key, sealed, build, done.rel)
        except (SealError, OSError, EOFError, gzip.BadGzipFile):
            continue
        done.problem(f"opens with the key of another tier ({other.tier})")
    return opened
