"""Rules that need more than one field or more than one file, one function per rule.

Each rule takes the submissions (whose front matter passed the schema) and what it needs to
know, and returns the problems it finds; none changes its arguments. `checks.validate` runs them
in order. Most rules take the submissions whose submitter is known, as `resolve_submitters`
returns them: a text of an unknown submitter gets that one problem and no other.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from portal import dates, layout
from portal.checks.attachpath import attachment_path_problem
from portal.checks.load import text_fingerprint
from portal.checks.yamlsafe import dotted
from portal.config import Repo, Settings
from portal.model import Attachment, Problem, Submission, Submitter
from portal.outcomes import WITH_REQUIRED, chain_start
from portal.registry import NON_PARTY, STATUS_LABELS, Registry


def problem_at(sub: Submission, keys: tuple[str | int, ...], message: str, severity: str = "error") -> Problem:
    """A problem of one field of `sub`, at the line where that field is written."""
    line, col = sub.position(*keys)
    return Problem(sub.path, line, col, dotted(keys), message, severity)


def resolve_submitters(submissions: Sequence[Submission], registry: Registry) -> list[Submission]:
    """The submissions whose submitter is registered, each with the submitter's name and status."""
    resolved = []
    for sub in submissions:
        known = registry.lookup(sub.submitter.type, sub.submitter.code)
        if known is not None:
            resolved.append(sub if sub.submitter is known else _with_submitter(sub, known))
    return resolved


def _with_submitter(sub: Submission, submitter: Submitter) -> Submission:
    """`dataclasses.replace(sub, submitter=submitter)` at a third of its cost (it runs per text)."""
    copied = copy.copy(sub)
    object.__setattr__(copied, "submitter", submitter)
    return copied


def registered_submitter(submissions: Sequence[Submission], registry: Registry) -> list[Problem]:
    """A State by its ISO code, an organisation as registered, each with its own type."""
    problems = []
    for sub in submissions:
        code, kind = sub.submitter.code, sub.submitter.type
        if registry.lookup(kind, code) is not None:
            continue
        if kind == "state":
            problems.append(problem_at(sub, ("submitter", "code"), f"{code!r} is not an ISO 3166-1 alpha-3 country code{registry.suggestion('state', code)}"))
        elif code in registry.organisations:
            actual = registry.organisations[code].type
            problems.append(problem_at(sub, ("submitter", "type"), f"{code} is registered as {actual}, not {kind}"))
        elif (other := registry.lookup("state", code)) is not None:
            problems.append(problem_at(sub, ("submitter", "type"), f"{code} is a State ({other.name}); use type: state"))
        else:
            problems.append(
                problem_at(
                    sub,
                    ("submitter", "code"),
                    f"{code!r} is not a registered organisation (schema/organisations.yaml){registry.suggestion(kind, code)}",
                )
            )
    return problems


def publishing_status(resolved: Sequence[Submission], settings: Settings) -> list[Problem]:
    """Only States whose convention status the settings allow may publish."""
    problems = []
    allowed = ", ".join(settings.publishing_statuses)
    for sub in resolved:
        known = sub.submitter
        if known.type == "state" and known.status not in settings.publishing_statuses:
            label = STATUS_LABELS.get(known.status, known.status)
            note = " (no status in schema/states.yaml)" if known.status == NON_PARTY else ""
            problems.append(
                problem_at(
                    sub,
                    ("submitter", "code"),
                    f"{known.name} is {label}{note}; States with status {allowed} may publish (schema/settings.yaml: publishing_statuses)",
                )
            )
    return problems


def file_location(resolved: Sequence[Submission]) -> list[Problem]:
    """A text lives at submissions/<submitter code>/<id>.md."""
    problems = []
    for sub in resolved:
        expected = layout.submission_file(sub.submitter.code, sub.id)
        if sub.path != expected:
            problems.append(problem_at(sub, ("id",), f"the file must be at {expected} (folder = submitter code, file name = id)"))
    return problems


def id_prefix(resolved: Sequence[Submission]) -> list[Problem]:
    """An id starts with the submitter's code."""
    problems = []
    for sub in resolved:
        prefix = sub.submitter.code.lower() + "-"
        if not sub.id.startswith(prefix):
            problems.append(problem_at(sub, ("id",), f"{sub.id!r} must start with the submitter's code, e.g. {prefix}{sub.id}"))
    return problems


def unique_id(resolved: Sequence[Submission]) -> list[Problem]:
    """No two texts share an id; the first one keeps it."""
    problems = []
    by_id = first_by_id(resolved)
    for sub in resolved:
        first = by_id[sub.id]
        if first is not sub:
            problems.append(problem_at(sub, ("id",), f"{sub.id!r} is already used by {first.path}"))
    return problems


def first_by_id(resolved: Sequence[Submission]) -> dict[str, Submission]:
    """Each id and the first text that has it."""
    by_id: dict[str, Submission] = {}
    for sub in resolved:
        by_id.setdefault(sub.id, sub)
    return by_id


def published_after_received(resolved: Sequence[Submission]) -> list[Problem]:
    return [
        problem_at(sub, ("published",), f"{sub.published} is before received ({sub.received}); a text is published after it arrives")
        for sub in resolved
        if sub.published < sub.received
    ]


def expiry_within_limit(resolved: Sequence[Submission], settings: Settings) -> list[Problem]:
    """A text expires after it is published, and at most `maximum_months` after it was published
    or, when its submitter asked for an extension (`extended`), after that day."""
    problems = []
    for sub in resolved:
        extended = _extended(sub)
        start, named = (extended, "extended") if extended else (sub.published, "published")
        latest = dates.add_months(start, settings.maximum_months)
        if extended and extended < sub.published:
            problems.append(problem_at(sub, ("extended",), f"{extended} is before published ({sub.published}); a text is extended after it is published"))
        elif sub.expires <= sub.published:
            problems.append(
                problem_at(
                    sub,
                    ("expires",),
                    f"{sub.expires} is not after published ({sub.published}); use {dates.add_months(sub.published, settings.default_months)}",
                )
            )
        elif sub.expires > latest:
            problems.append(
                problem_at(
                    sub,
                    ("expires",),
                    f"{sub.expires} is more than {settings.maximum_months} months after {named} ({start}); use {latest} or earlier",
                )
            )
    return problems


def _extended(sub: Submission) -> dt.date | None:
    """The day of the text's last extension, if it has one (the schema checked the date's form)."""
    value = sub.meta.get("extended")
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def text_unchanged(resolved: Sequence[Submission]) -> list[Problem]:
    """The text is still the one received: its fingerprint matches."""
    return [
        problem_at(
            sub,
            ("source", "sha256"),
            "does not match the text: the text was changed after it was received (texts are published verbatim; send an update with `portal replace`)",
        )
        for sub in resolved
        if sub.fingerprint and text_fingerprint(sub.text) != sub.fingerprint
    ]


def period_in_order(resolved: Sequence[Submission]) -> list[Problem]:
    problems = []
    for sub in resolved:
        period = sub.meta.get("period")
        if period and period.get("end") and period["end"] < period["start"]:
            problems.append(problem_at(sub, ("period", "end"), f"{period['end']} is before the start of the period ({period['start']})"))
    return problems


def countries_known(resolved: Sequence[Submission], registry: Registry) -> list[Problem]:
    """Each country a text is about is one ISO 3166 knows (a State need not be a party of the
    Convention for a text to be about it); naming the submitter itself is a warning: its own
    page lists the text already."""
    problems = []
    for sub in resolved:
        for index, code in enumerate(sub.meta.get("countries") or ()):
            if registry.lookup("state", code) is None:
                message = f"{code!r} is not an ISO 3166-1 alpha-3 code{registry.suggestion('state', code)}"
                problems.append(problem_at(sub, ("countries", index), message))
            elif code == sub.submitter.code:
                message = f"{code} is the submitter itself, whose page lists the text already; name only the other countries the text is about"
                problems.append(problem_at(sub, ("countries", index), message, "warning"))
    return problems


def attachments_in_place(resolved: Sequence[Submission], repo: Repo, planned: AbstractSet[str] = frozenset()) -> list[Problem]:
    """Each attachment is a file of the text's own folder, within the size limit. `planned`:
    attachment paths about to be written (their path is checked, not the file)."""
    problems = []
    limit = repo.settings.attachment_bytes
    for sub in resolved:
        for index, attachment in enumerate(sub.attachments):
            if attachment.path in planned:
                reason = attachment_path_problem(attachment.given, sub.id)  # the same rule, before the file exists
            else:
                reason = _attachment_problem(repo, sub, attachment, limit)
            if reason:
                problems.append(problem_at(sub, ("attachments", index, "path"), reason))
    return problems


def _attachment_problem(repo: Repo, sub: Submission, attachment: Attachment, limit: int) -> str:
    given = attachment.given
    wrong = attachment_path_problem(given, sub.id)
    if wrong:
        return wrong
    folder = (repo.root / layout.attachments_dir(sub.path, sub.id)).resolve()
    full = repo.root / attachment.path
    try:
        full.resolve().relative_to(folder)
    except ValueError:
        return f"{given!r} leads outside the submission's own folder (a link or a folder that points elsewhere); keep its attachments under {layout.attachment_folder(sub.id)}/"
    if full.is_symlink():
        return f"{given!r} is a symbolic link; attach the file itself"
    if not full.is_file():
        return f"{given!r} does not exist (looked for {attachment.path})"
    size = full.stat().st_size
    if size > limit:
        return f"{given!r} is {size:,} bytes, over the limit of {limit:,} (limits.attachment_bytes)"
    return ""


def contact_email(resolved: Sequence[Submission]) -> list[Problem]:
    """A warning: without an e-mail, nobody can be reminded before the text expires."""
    return [
        problem_at(sub, ("contact",), "has no e-mail; reminders before expiry cannot be sent (the coordinator must follow up by hand)", "warning")
        for sub in resolved
        if not sub.contact_email
    ]


def not_expired(resolved: Sequence[Submission], today: dt.date | None) -> list[Problem]:
    """A warning for a text past its expiry that is still in submissions/."""
    if today is None:
        return []
    return [
        problem_at(sub, ("expires",), f"expired on {sub.expires}; it is not shown and `portal expire` removes it", "warning")
        for sub in resolved
        if sub.expires < today
    ]


def replaces_known_text(resolved: Sequence[Submission], retired: AbstractSet[str]) -> list[Problem]:
    """A text replaces an existing (or earlier removed) text of the same submitter, and a text is
    replaced by one text only."""
    problems = []
    by_id = first_by_id(resolved)
    replaced_by: dict[str, Submission] = {}
    for sub in resolved:
        if not sub.replaces:
            continue
        target = by_id.get(sub.replaces)
        if target is None:
            if sub.replaces not in retired:
                problems.append(
                    problem_at(sub, ("replaces",), f"{sub.replaces!r} is not the id of any submission (nor of one removed earlier, in git history)")
                )
        elif target.submitter.code != sub.submitter.code:
            problems.append(
                problem_at(sub, ("replaces",), f"{sub.replaces!r} belongs to {target.submitter.name}; a text can only replace one of the same submitter")
            )
        elif sub.replaces in replaced_by:
            problems.append(problem_at(sub, ("replaces",), f"{sub.replaces!r} is already replaced by {replaced_by[sub.replaces].id}"))
        else:
            replaced_by[sub.replaces] = sub
    return problems


def no_replacement_cycle(resolved: Sequence[Submission]) -> list[Problem]:
    """Following `replaces` from a text never leads back to it."""
    problems = []
    by_id = first_by_id(resolved)
    for sub in resolved:
        seen = [sub.id]
        current = sub
        while current.replaces and current.replaces in by_id:
            current = by_id[current.replaces]
            if current.id in seen:
                if current.id == sub.id:
                    problems.append(problem_at(sub, ("replaces",), f"replacement cycle: {' -> '.join([*seen, current.id])}"))
                break
            seen.append(current.id)
    return problems


def outcomes_consistent(resolved: Sequence[Submission], registry: Registry, today: dt.date | None) -> list[Problem]:
    """Each recorded outcome names the other party where its status needs one, a party that is
    known and is not the submitter itself, on a day not before the chain's first text in
    submissions/ was published (a replacement carries the outcomes of the texts it replaced); one
    after today is a warning."""
    problems = []
    for sub in resolved:
        start = chain_start(sub, resolved)
        for index, entry in enumerate(sub.meta.get("outcomes") or ()):
            state, code, day = str(entry.get("status", "")), str(entry.get("with", "")), str(entry.get("date", ""))
            if state in WITH_REQUIRED and not code:
                problems.append(
                    problem_at(
                        sub,
                        ("outcomes", index, "status"),
                        f"{state} needs the other party; add `with: CODE` (a State's ISO code or an organisation's identifier)",
                    )
                )
            elif code and registry.lookup("state", code) is None and code not in registry.organisations:
                message = f"{code!r} is not a State's ISO 3166-1 alpha-3 code nor a registered organisation (schema/organisations.yaml){registry.suggestion('organisation', code)}"
                problems.append(problem_at(sub, ("outcomes", index, "with"), message))
            elif code and code == sub.submitter.code:
                problems.append(problem_at(sub, ("outcomes", index, "with"), f"{code} is the text's own submitter; name the other party"))
            problems += _outcome_day(sub, index, day, start, today)
    return problems


def _outcome_day(sub: Submission, index: int, day: str, start: Submission | None, today: dt.date | None) -> list[Problem]:
    try:
        when = dt.date.fromisoformat(day)
    except ValueError:
        return []  # the schema reports it
    if start is not None and when < start.published:
        first = "it" if start is sub else start.id
        return [problem_at(sub, ("outcomes", index, "date"), f"{when} is before {first} was published ({start.published}); use {start.published} or later")]
    if today is not None and when > today:  # a warning: a portal built as of an earlier day still builds
        return [problem_at(sub, ("outcomes", index, "date"), f"{when} is in the future (today is {today}); give the day it happened", "warning")]
    return []
