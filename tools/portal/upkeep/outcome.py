"""`portal outcome`: record what became of a text (contacted, agreed, funded, declined, closed).

The text, its id and its fingerprint stay as they are; the front matter's `outcomes` list gets
one entry more, by a line edit that leaves every other line as it was. It is one commit whose
trailers say the outcome and who told it: the text's submitter or the other party, by e-mail
(its Message-ID is kept in the entry), or the coordinator's own record by hand.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from portal import dates
from portal.checks.load import parse_submission
from portal.checks.schema import SchemaChecker
from portal.checks.validate import check_across, to_submission, validate_repo
from portal.config import Repo
from portal.intake.acknowledge import acknowledge
from portal.intake.frontmatter import list_item_lines
from portal.lifecycle import EXPIRED, SCHEDULED, replacements, status
from portal.model import Problem, Submission
from portal.outcomes import WITH_REQUIRED, Outcome, chain_outcomes, chain_start, outcomes_of, said
from portal.registry import Registry, load_registry
from portal.trail.actions import Action, subject
from portal.trail.history import retired_ids
from portal.trail.ids import close_ids_hint
from portal.trail.store import commit_files, require_git
from portal.trail.trailers import Change, commit_message
from portal.upkeep.outcome_mail import OutcomeError, Said, Teller, read_outcome_mail, said_in_reply, teller

__all__ = ["OutcomeError", "Recorded", "Said", "record_outcome"]

_KEY = "outcomes"


@dataclass(frozen=True)
class Recorded:
    submission: Submission  # as recorded on: the current text of the chain
    outcome: Outcome
    commit: str
    teller: Teller
    notes: tuple[str, ...]  # who vouched for the sender; the text it was recorded on instead of the one named
    acknowledgement: Path | None


def record_outcome(
    repo: Repo,
    identifier: str,
    today: dt.date,
    given: Said,
    *,
    day: dt.date | None = None,
    raw: bytes | None = None,
    source_name: str = "the message",
    submitter: str = "",
    confirm_sender: bool = False,
    author: str | None = None,
    outbox: Path | None = None,
) -> Recorded:
    """Record an outcome of `identifier` (or of the current text of its chain) in one commit.
    `given`: what the options say; without a status, the `Outcome:` line of the e-mail `raw`."""
    require_git(repo)
    if raw is None and (submitter or confirm_sender):
        flag = "--submitter" if submitter else "--confirm-sender"
        raise OutcomeError(f"{flag} is about the sender of an e-mail; give the e-mail (MESSAGE) too, or leave {flag} out")
    retired = retired_ids(repo)
    found = validate_repo(repo, today=today, retired_ids=retired)
    sub, notes = _current_text(repo, identifier, found.submissions, found.errors, today)
    chain = _chain_ids(sub, found.submissions)
    mail = read_outcome_mail(repo, raw, source_name, confirm_sender) if raw is not None else None
    if not given.status and mail is None:
        raise OutcomeError("say what became of the text with --status (and --with for contacted, agreed, funded), or give the e-mail that tells it (MESSAGE)")
    if not given.status and mail is not None:
        given = said_in_reply(mail, source_name, chain, repo.vocabulary.outcome_statuses)
    registry = load_registry(repo.schema_dir)
    outcome = _checked_outcome(sub, given, day or today, today, found.submissions, registry, repo.vocabulary.outcome_statuses)
    who, sender_line = Teller(), ""
    if mail is not None:
        who, sender_line = teller(repo, mail, source_name, sub, outcome.with_code, submitter, registry)
        outcome = Outcome(outcome.status, outcome.date, outcome.with_code, outcome.note, who.message_id, sub.id)
    _not_recorded_yet(sub, outcome, found.submissions)
    content = with_outcome(repo, sub, outcome)
    recorded = _checked_file(repo, sub, content, outcome, found.submissions, retired, today)
    commit = commit_files(repo, write={sub.path: content.encode("utf-8")}, message=_message(repo, sub, outcome, who, sender_line, notes), author=author)
    draft = None
    if outbox is not None:
        what = f"{repo.vocabulary.outcome_statuses[outcome.status]}" + (f" with {_name(registry, outcome.with_code)}" if outcome.with_code else "")
        draft = acknowledge(
            repo,
            recorded,
            Action.OUTCOME,
            today,
            outbox,
            recipients=who.recipients,
            in_reply_to=who.message_id,
            outcome=f"{what}, {dates.long_date(outcome.date)}",
        )
    return Recorded(recorded, outcome, commit, who, tuple(filter(None, [*notes, sender_line])), draft)


def _current_text(repo: Repo, identifier: str, submissions: list[Submission], errors: list[Problem], today: dt.date) -> tuple[Submission, list[str]]:
    """The text on the portal today that `identifier` is (or that replaced it), and a note when
    it is another; a text not on the portal is refused, saying what to do."""
    sub = next((item for item in submissions if item.id == identifier), None)
    if sub is None:
        path = next(iter(sorted(repo.submissions.glob(f"*/{identifier}.md"))), None) if identifier and "/" not in identifier else None
        if path is not None:
            rel = repo.relative(path)
            raise OutcomeError(f"{rel} is not valid; fix it first (`portal validate` shows how)", [p for p in errors if p.path == rel])
        raise OutcomeError(
            f"no text {identifier!r} in submissions/{close_ids_hint(repo, identifier)}; an outcome is recorded on a text on the portal (or on the one that replaced it)"
        )
    newer = replacements(submissions)
    notes: list[str] = []
    seen = {sub.id}
    while sub.id in newer and newer[sub.id].published <= today and newer[sub.id].id not in seen:
        sub = newer[sub.id]
        seen.add(sub.id)
        notes = [f"{identifier} was replaced by {sub.id}: recorded on {sub.id}, the current text, which carries the outcomes of the texts it replaced"]
    state = status(sub, today, newer)
    if state == EXPIRED:
        raise OutcomeError(
            f"{sub.id} expired on {sub.expires} and is no longer on the portal, so no outcome is recorded on it; "
            "its history keeps what was recorded (`portal history`), and a new text of its submitter starts a new record"
        )
    if state == SCHEDULED:
        raise OutcomeError(f"{sub.id} is not on the portal yet (it is published on {sub.published}); record the outcome once it is")
    return sub, notes


def _chain_ids(sub: Submission, submissions: list[Submission]) -> list[str]:
    """The ids of `sub` and of the texts it replaced, newest first."""
    by_id = {item.id: item for item in submissions}
    ids, current = [sub.id], sub
    while current.replaces and current.replaces not in ids:
        ids.append(current.replaces)
        if current.replaces not in by_id:
            break
        current = by_id[current.replaces]
    return ids


def _checked_outcome(
    sub: Submission, given: Said, day: dt.date, today: dt.date, submissions: list[Submission], registry: Registry, statuses: dict[str, str]
) -> Outcome:
    """The outcome, refused with what would be right when a value cannot be."""
    state = given.status.strip().lower()
    if state not in statuses:
        raise OutcomeError(f"--status {given.status!r}: is not an outcome; use one of {', '.join(statuses)}")
    code = given.with_code.strip().upper()
    if state in WITH_REQUIRED and not code:
        raise OutcomeError(f"--with: {state} needs the other party; give its code, e.g. --with IRL (a State) or --with GICHD (an organisation)")
    if code and registry.lookup("state", code) is None and code not in registry.organisations:
        raise OutcomeError(
            f"--with {code}: is not a State's ISO 3166-1 alpha-3 code (schema/states.yaml) nor a registered organisation "
            f"(schema/organisations.yaml){registry.suggestion('organisation', code) or registry.suggestion('state', code)}"
        )
    if code == sub.submitter.code:
        raise OutcomeError(f"--with {code}: is the text's own submitter; name the other party (the State or organisation it was {state} with)")
    if day > today:
        raise OutcomeError(f"--date {day}: is in the future (today is {today}); give the day it happened, {today} or earlier")
    start = chain_start(sub, submissions)
    if start is not None and day < start.published:
        raise OutcomeError(f"--date {day}: is before {start.id} was published ({start.published}); give the day it happened, {start.published} or later")
    return Outcome(state, day, code, " ".join(given.note.split()), "", sub.id)


def _not_recorded_yet(sub: Submission, outcome: Outcome, submissions: list[Submission]) -> None:
    for earlier in chain_outcomes(sub, submissions):
        same = (earlier.status, earlier.date, earlier.with_code, earlier.note) == (outcome.status, outcome.date, outcome.with_code, outcome.note)
        told = (
            bool(outcome.message_id)
            and earlier.message_id == outcome.message_id
            and said(earlier.status, earlier.with_code) == said(outcome.status, outcome.with_code)
        )
        if same or told:
            raise OutcomeError(
                f"{sub.id}: '{said(outcome.status, outcome.with_code)}' of {earlier.date} is already recorded (on {earlier.text}); nothing was changed"
            )


def with_outcome(repo: Repo, sub: Submission, outcome: Outcome) -> str:
    """The submission file with one more entry at the end of its `outcomes` list (the list is
    added where the guidance pattern puts it when the text has none); every other byte kept."""
    lines = (repo.root / sub.path).read_bytes().decode("utf-8").splitlines(keepends=True)
    new = list_item_lines(_KEY, outcome.front_matter())
    if (_KEY,) in sub.positions:
        line, _col = sub.position(_KEY)
        index = line - 1
        if not re.fullmatch(rf"{_KEY}:[ \t]*(#.*)?", lines[index].rstrip("\r\n")):
            raise OutcomeError(
                f"{sub.path}:{line}:1: error: {_KEY}: write it as a block list ('{_KEY}:' alone on its line, one '- status: …' item after another) so that an entry can be added; nothing was changed"
            )
        at, new = _block_end(lines, index), new[1:]
    else:
        at = _insert_at(sub, lines, repo.vocabulary.fields)
    end = lines[at - 1][len(lines[at - 1].rstrip("\r\n")) :] or "\n"
    lines[at:at] = [item.rstrip("\n") + end for item in new]
    return "".join(lines)


def _block_end(lines: list[str], index: int) -> int:
    """The index after the last line of the block list whose key is on line `index`."""
    at = index + 1
    while at < len(lines) and (lines[at].startswith((" ", "\t", "-")) and not lines[at].startswith("---")):
        at += 1
    return at


def _insert_at(sub: Submission, lines: list[str], order: tuple[str, ...]) -> int:
    """Where the guidance pattern's order puts `outcomes`: before the first field after it in
    the file, else before the line that closes the front matter."""
    later = order[order.index(_KEY) + 1 :] if _KEY in order else ()
    found = [sub.position(key)[0] - 1 for key in later if (key,) in sub.positions]
    if found:
        return min(found)
    return next(index for index in range(1, len(lines)) if lines[index].rstrip("\r\n") == "---")


def _checked_file(repo: Repo, sub: Submission, content: str, outcome: Outcome, submissions: list[Submission], retired: set[str], today: dt.date) -> Submission:
    """The changed submission, checked as `portal validate` checks it: its text unchanged and
    its outcomes those it had and the new one."""
    loaded = parse_submission(content, sub.path)
    problems = [loaded] if isinstance(loaded, Problem) else SchemaChecker(repo.schema).check(sub.path, loaded.located)
    if problems or isinstance(loaded, Problem):
        raise OutcomeError(f"{sub.path} would not be valid with this outcome; nothing was changed", problems)
    registry = load_registry(repo.schema_dir)
    new = to_submission(repo, repo.root / sub.path, loaded, registry)
    others = [item for item in submissions if item.path != sub.path]
    found = check_across(repo, [*others, new], registry, retired, today).problems
    errors = [problem for problem in found if problem.path == sub.path and problem.severity == "error"]
    if errors or new.fingerprint != sub.fingerprint or outcomes_of(new) != (*outcomes_of(sub), outcome):
        raise OutcomeError(f"{sub.path} would not be valid with this outcome; nothing was changed", errors)
    return new


def _message(repo: Repo, sub: Submission, outcome: Outcome, who: Teller, sender_line: str, notes: list[str]) -> str:
    kind = repo.vocabulary.kind_singular[sub.kind].lower()
    label = repo.vocabulary.outcome_statuses[outcome.status] + (f" with {outcome.with_code}" if outcome.with_code else "")
    body = f"What became of the {kind}: {label}, on {outcome.date.isoformat()}" + (f" ({outcome.note})" if outcome.note else "") + "."
    body += "\nThe text is unchanged."
    if who.vouched:
        body += f"\nTold by e-mail by the {who.told_by(sub)}; {sender_line}."
    else:
        body += "\nRecorded by the coordinator by hand, without an e-mail."
    body += "".join(f"\n{note[0].upper()}{note[1:]}." for note in notes)
    change = Change(
        Action.OUTCOME,
        sub.id,
        sub.fingerprint,
        who.message_id,
        sender=who.trailer,
        authentication=who.authentication,
        outcome=said(outcome.status, outcome.with_code),
        outcome_from=who.told_by(sub),
    )
    return commit_message(subject(Action.OUTCOME, kind=sub.kind, submitter=sub.submitter.name, title=sub.title), body, [change])


def _name(registry: Registry, code: str) -> str:
    found = registry.states.get(code) or registry.organisations.get(code)
    return found.name if found else code
