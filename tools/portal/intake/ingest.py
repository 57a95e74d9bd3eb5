"""`portal ingest` and `portal replace`: a saved e-mail -> a validated, committed submission.

The submitter comes from the register of senders (or, for one message, from the coordinator,
recorded as confirmed by hand). The rest of the metadata comes from three places, later ones
winning: the header block of the guidance pattern (wherever it starts: after a greeting, inside a
forwarded message), the e-mail's own headers (sender, date, Message-ID), and the command-line
options. A reply's quoted history is left out. Every check that can refuse the message (already
published, same text, unknown sender) comes first; whatever is still missing is then asked for
in a terminal, or reported.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from portal import dates, layout
from portal.checks.attachpath import attachment_path, attachment_path_problem
from portal.checks.load import parse_submission, text_fingerprint
from portal.checks.schema import SchemaChecker
from portal.checks.validate import check_across, own_problems, to_submission, validate_repo
from portal.config import ConfigError, Repo
from portal.intake.acknowledge import acknowledge
from portal.intake.authenticity import FAILED
from portal.intake.frontmatter import document
from portal.intake.mail import ParsedMail, read_authentication, read_mail
from portal.intake.metadata import build_metadata
from portal.intake.options import Ask, IngestError, Options
from portal.intake.scaffold import choose_id
from portal.intake.senders import Sender, SenderCheck, SenderError, load_senders, submitter_for
from portal.intake.texts import Prepared, attachment_names, prepare_texts
from portal.lifecycle import replacements
from portal.model import Problem, Submission, Submitter
from portal.outcomes import carried
from portal.registry import Registry, load_registry
from portal.trail.actions import SEVERAL_SUBJECT, Action, subject
from portal.trail.history import message_ids_in_history, retired_ids
from portal.trail.ids import close_ids_hint
from portal.trail.store import commit_files, require_git
from portal.trail.trailers import Change, commit_message


@dataclass
class Ingested:
    submissions: list[Submission]  # one per text of the e-mail, in order
    commit: str
    attachments: list[str]
    converted_from: str
    notes: list[str] = field(default_factory=list)  # what was left out or renamed, and who confirmed the sender
    acknowledgement: Path | None = None

    @property
    def submission(self) -> Submission:
        """The first (usually the only) text published."""
        return self.submissions[0]


def normalised(text: str) -> str:
    """A text compared for sameness: Unicode-normalised, case and spacing ignored."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def current_of(sub_id: str, submissions: list[Submission]) -> str:
    """The current text of a replacement chain that `sub_id` belongs to (itself if not replaced)."""
    newer = replacements(submissions)
    seen = {sub_id}
    while sub_id in newer and newer[sub_id].id not in seen:
        sub_id = newer[sub_id].id
        seen.add(sub_id)
    return sub_id


def check_message_not_published(repo: Repo, mail: ParsedMail, existing: list[Submission]) -> None:
    """Refuse a message already published, naming the current text of its chain to replace."""
    if mail.message_id:
        for sub in existing:
            if sub.meta.get("source", {}).get("message_id") == mail.message_id:
                head = current_of(sub.id, existing)
                advice = f"use `portal replace {head}` with the updated text" + (f" ({sub.id} was replaced since by {head})" if head != sub.id else "")
                raise IngestError(f"this e-mail (Message-ID {mail.message_id}) was already published as {sub.id} ({sub.path}); {advice}")
        earlier = message_ids_in_history(repo).get(mail.message_id)
        if earlier:
            raise IngestError(f"this e-mail (Message-ID {mail.message_id}) was already published as {earlier} (see `portal history {earlier}`)")


def check_text_not_published(prepared: Prepared, code: str, existing: list[Submission], options: Options) -> None:
    """Refuse a text the same submitter already published (a forwarded copy has a new Message-ID)."""
    if options.allow_duplicate:
        return
    fingerprint = text_fingerprint(prepared.text)
    same = normalised(prepared.text)
    for sub in existing:
        if sub.submitter.code == code and (sub.fingerprint == fingerprint or normalised(sub.text) == same):
            head = current_of(sub.id, existing)
            now = f"; the current text of that chain is {head}" if head != sub.id else ""
            raise IngestError(
                f"this text is the same as {sub.id} ({sub.path}), already published for {code} on {sub.published}{now}; "
                f"an update goes with `portal replace {head} MESSAGE`; to publish it again on purpose, give --allow-duplicate"
            )


def check_sender_authentic(repo: Repo, raw: bytes, mail: ParsedMail, options: Options) -> None:
    """Keep on `mail` what the receiving server verified about the sender; refuse a From address
    it found unauthenticated unless the coordinator confirmed the sender (recorded as such)."""
    found = read_authentication(raw, mail.sender_email, repo.settings.authserv_id)
    if found.verdict == FAILED and not options.confirm_sender:
        raise IngestError(found.refusal())
    mail.authentication = found.confirmed_by_hand() if options.confirm_sender else found


@dataclass(frozen=True)
class _Portal:
    """What the portal holds before the message: registers, retired ids, the valid texts."""

    registry: Registry
    senders: list[Sender]
    retired: set[str]
    submissions: list[Submission]


@dataclass(frozen=True)
class _Draft:
    """The submission file to write, the attachments to write beside it, and what to tell."""

    path: str
    meta: dict[str, Any]
    content: str
    attachments: dict[str, bytes]
    origins: dict[str, str]
    notes: list[str]


def ingest_message(repo: Repo, raw: bytes, options: Options, today: dt.date, ask: Ask | None = None, outbox: Path | None = None) -> Ingested:
    """Validate, write and commit the texts of one e-mail (one per header block) in one commit.
    Nothing is written unless all of it is valid; every check that can refuse the message comes
    before any question is asked."""
    require_git(repo)
    mail = read_mail(raw, repo.settings.attachment_bytes, repo.settings.reading)
    texts = prepare_texts(mail, options, repo.settings.reading)
    portal = _portal_now(repo)
    replaced = _replaced_text(repo, options, portal.submissions)
    if not options.text_number:  # one text of several is told from the others by its words, below
        check_message_not_published(repo, mail, portal.submissions)
    check_sender_authentic(repo, raw, mail, options)
    check, known = _submitter(mail, options, portal, replaced, ask)
    for prepared in texts:
        check_text_not_published(prepared, check.code, portal.submissions, options)
    drafts: list[_Draft] = []
    for prepared in texts:
        drafts.append(
            _draft(repo, portal.registry, mail, prepared, options, check.code, known, ask, today, {draft.meta["id"] for draft in drafts}, portal.submissions)
        )
    submissions = _checked(repo, drafts, portal, options, today)
    sender_line = check.record(mail.sender_email, submissions[0].submitter.name)
    commit = _commit(repo, mail, texts, options, drafts, submissions, check, sender_line)
    acknowledgement = None
    if outbox is not None:
        action = Action.REPLACE if drafts[0].meta.get("replaces") else Action.PUBLISH
        acknowledgement = acknowledge(
            repo, submissions, action, today, outbox, recipients=[mail.sender_email] if mail.sender_email else [], in_reply_to=mail.message_id
        )
    attachments = [name for draft in drafts for name in draft.attachments]
    notes = [note for draft in drafts for note in draft.notes]
    return Ingested(submissions, commit, attachments, texts[0].converted, [*notes, sender_line], acknowledgement)


def _checked(repo: Repo, drafts: list[_Draft], portal: _Portal, options: Options, today: dt.date) -> list[Submission]:
    """The drafts as submissions, each checked alone and with the portal's texts and each other;
    every problem of every draft is reported, told as one of the message."""
    problems: list[Problem] = []
    new: list[Submission] = []
    for draft in drafts:
        loaded = parse_submission(draft.content, draft.path)
        found = [loaded] if isinstance(loaded, Problem) else own_problems(SchemaChecker(repo.schema), draft.path, loaded, render_markdown=True)
        problems += [_in_message(problem, draft.origins, options.source_name) for problem in found]
        if not found and not isinstance(loaded, Problem):
            new.append(to_submission(repo, repo.root / draft.path, loaded))
    if not problems:
        planned = {path for draft in drafts for path in draft.attachments}
        across = check_across(repo, [*portal.submissions, *new], portal.registry, portal.retired, today, planned=planned).problems
        origins = {draft.path: draft.origins for draft in drafts}
        problems = [_in_message(p, origins[p.path], options.source_name) for p in across if p.path in origins and p.severity == "error"]
    if problems:
        raise IngestError(f"the submission would not be valid; nothing was written ({len(problems)} problem(s))", problems)
    return [_resolved(sub, portal.registry) for sub in new]


def _portal_now(repo: Repo) -> _Portal:
    registry = load_registry(repo.schema_dir)
    try:
        senders = load_senders(repo.schema_dir, registry)
    except ConfigError as exc:
        raise IngestError(str(exc)) from None
    retired = retired_ids(repo)
    existing = validate_repo(repo, retired_ids=retired, registry=registry)
    return _Portal(registry, senders, retired, existing.submissions)


def _replaced_text(repo: Repo, options: Options, existing: list[Submission]) -> Submission | None:
    """The text `portal replace` names, which must be in submissions/."""
    if not options.replaces:
        return None
    replaced = next((sub for sub in existing if sub.id == options.replaces), None)
    if replaced is None:
        raise IngestError(f"{options.replaces!r} is not the id of a submission in {layout.SUBMISSIONS}/{close_ids_hint(repo, options.replaces)}")
    return replaced


def _submitter(mail: ParsedMail, options: Options, portal: _Portal, replaced: Submission | None, ask: Ask | None) -> tuple[SenderCheck, Submitter | None]:
    """Who the text is for (and how that is known); a replacement must be of the same submitter
    and replace the current text of its chain."""
    try:
        check = submitter_for(mail.sender_email, options.submitter, portal.registry, portal.senders, replaced, ask)
    except SenderError as exc:
        raise IngestError(str(exc)) from None
    code = check.code
    known = portal.registry.states.get(code) or portal.registry.organisations.get(code)
    if replaced is not None and replaced.submitter.code != code:
        raise IngestError(
            f"{options.replaces!r} is a text of {replaced.submitter.name}, not of {known.name if known else code}; a text can only replace one of the same submitter"
        )
    if replaced is not None:
        head = current_of(replaced.id, portal.submissions)
        if head != replaced.id:
            raise IngestError(f"{replaced.id} was already replaced by {head}; replace the current text: `portal replace {head} MESSAGE`")
    return check, known


def _draft(
    repo: Repo,
    registry: Registry,
    mail: ParsedMail,
    prepared: Prepared,
    options: Options,
    code: str,
    known: Submitter | None,
    ask: Ask | None,
    today: dt.date,
    taken: set[str],
    existing: list[Submission],
) -> _Draft:
    """The submission file (front matter and text) and its attachments, not yet checked."""
    try:
        meta, origins = build_metadata(mail, prepared, options, code, ask, today, repo.vocabulary, registry)
    except IngestError as exc:
        raise IngestError(_for_text(prepared, str(exc)) + _attachments_hint(mail, options), list(exc.problems)) from None
    origins["submitter"] = "given with --submitter" if options.submitter else f"the register of senders for {mail.sender_email}"
    meta["expires"] = dates.add_months(today, repo.settings.default_months).isoformat()
    meta["submitter"]["type"] = known.type if known else "state"
    identifier = _unique(choose_id(repo, code, meta["kind"] if meta["kind"] in repo.vocabulary.kinds else "text", meta["title"], today.year), taken)
    path = layout.submission_file(code, identifier)
    folder = PurePosixPath(path).parent
    notes = list(prepared.notes)
    written, listed = _attachments(mail, options, prepared, identifier, folder, notes)
    if listed:
        meta["attachments"] = listed
    outcomes = carried(next((sub for sub in existing if sub.id == meta.get("replaces")), None), existing)
    if outcomes:  # a replacement carries on what became of the texts it replaces
        meta["outcomes"] = outcomes
    meta["source"] = {"sha256": text_fingerprint(prepared.text), "email_sha256": mail.raw_sha256}
    if mail.message_id:
        meta["source"]["message_id"] = mail.message_id
    if prepared.converted:
        meta["source"]["converted_from"] = prepared.converted
    meta["source"]["authentication"] = mail.authentication.label()
    if not taken:  # said once for the e-mail, not for each of its texts
        notes.append(mail.authentication.note())
    meta = {"id": identifier, **meta}
    return _Draft(path, meta, document(meta, prepared.text, repo.vocabulary.fields), written, origins, notes)


def _unique(identifier: str, taken: set[str]) -> str:
    """An id no other text of the same e-mail has."""
    candidate, number = identifier, 2
    while candidate in taken:
        candidate, number = f"{identifier}-{number}", number + 1
    return candidate


def _for_text(prepared: Prepared, message: str) -> str:
    """A refusal about one text of an e-mail that holds several names which."""
    return f"{prepared.named()}: {message}" if prepared.number > 1 or "second header block" in " ".join(prepared.notes) else message


def _attachments_hint(mail: ParsedMail, options: Options) -> str:
    """In a refusal for missing fields: the attachments, where the text may be."""
    if not mail.attachments or options.body_from:
        return ""
    return f" (the e-mail's attachments: {attachment_names(mail)}; if the text is in one of them, give --body-from NAME)"


def _attachments(
    mail: ParsedMail, options: Options, prepared: Prepared, identifier: str, folder: PurePosixPath, notes: list[str]
) -> tuple[dict[str, bytes], list[dict[str, str]]]:
    """The attachments to write (repository path -> bytes) and their front-matter entries; the
    one that gave the text is not kept beside it. Of an e-mail with several texts, they go with
    the one --attachments-with names (none with 0)."""
    written: dict[str, bytes] = {}
    listed: list[dict[str, str]] = []
    wanted = options.attachments_with is None or options.attachments_with == prepared.number
    for attachment in mail.attachments:
        if prepared.source and prepared.source in (attachment.name, attachment.original):
            continue
        if not wanted:
            if options.attachments_with == 0 and prepared.number == 1:
                notes.append(f"left out the attachment {attachment.original or attachment.name!r} (--attachments-with 0)")
            continue
        rel = attachment_path(identifier, attachment.name)
        wrong = attachment_path_problem(rel, identifier)
        if wrong:
            raise IngestError(f"attachment {attachment.original!r}: {wrong}; nothing was written")
        if attachment.original and attachment.original != attachment.name:
            notes.append(f"attachment {attachment.original!r} saved as {attachment.name!r} (a file name stays inside its text's own folder)")
        written[str(folder / rel)] = attachment.data
        listed.append({"path": rel, "title": attachment.original or attachment.name})
    return written, listed


def _commit(
    repo: Repo,
    mail: ParsedMail,
    texts: list[Prepared],
    options: Options,
    drafts: list[_Draft],
    submissions: list[Submission],
    check: SenderCheck,
    sender_line: str,
) -> str:
    """One commit of the texts and their attachments, its message saying what and from whom."""
    sender = f"{mail.sender_email or 'unknown'} ({'register' if check.how == 'register' else 'confirmed by hand'})"
    changes = [
        Change(
            Action.REPLACE if draft.meta.get("replaces") else Action.PUBLISH,
            draft.meta["id"],
            draft.meta["source"]["sha256"],
            mail.message_id,
            draft.meta.get("replaces", ""),
            sender=sender,
            authentication=mail.authentication.trailer(),
        )
        for draft in drafts
    ]
    name = submissions[0].submitter.name
    if len(drafts) == 1:
        first = subject(Action(changes[0].action), kind=drafts[0].meta["kind"], submitter=name, title=drafts[0].meta["title"])
    else:
        first = SEVERAL_SUBJECT.format(count=len(drafts), submitter=name, titles="; ".join(draft.meta["title"] for draft in drafts))
    converted = texts[0].converted
    body = f"Received {drafts[0].meta['received']} from {mail.sender_name or mail.sender_email or 'an unknown sender'}"
    body += (
        (f", converted from {converted}" if converted else "") + (f", the text taken from the attachment {texts[0].source!r}" if texts[0].source else "") + "."
    )
    body += f"\n{sender_line[0].upper()}{sender_line[1:]}."
    for draft in drafts:
        if len(drafts) > 1:
            body += f"\n{draft.meta['kind'].capitalize()} {draft.meta['id']}: {draft.meta['title']} (readers: {draft.meta['audience']})."
        if draft.meta.get("replaces"):
            body += (
                f"\n{draft.meta['id']} replaces {draft.meta['replaces']}, which leaves the portal."
                if len(drafts) > 1
                else f"\nReplaces {draft.meta['replaces']}, which leaves the portal."
            )
    written = {path: data for draft in drafts for path, data in {**draft.attachments, draft.path: draft.content.encode("utf-8")}.items()}
    return commit_files(repo, write=written, message=commit_message(first, body, changes), author=options.author or None)


def _in_message(problem: Problem, origins: dict[str, str], source: str) -> Problem:
    """A problem of the file that would have been written, told as one of the message: the
    file does not exist, so the message names the value and where it came from."""
    top = re.split(r"[.\[]", problem.field, maxsplit=1)[0]
    origin = origins.get(top, "")
    line = 1
    found = re.search(r"line (\d+) of the e-mail's text", origin)
    if found:
        line = int(found.group(1))
    return Problem(source, line, 1, problem.field, problem.message + (f" ({origin})" if origin else ""), problem.severity)


def _resolved(submission: Submission, registry: Any) -> Submission:
    from dataclasses import replace

    known = registry.lookup(submission.submitter.type, submission.submitter.code)
    return replace(submission, submitter=known) if known else submission
