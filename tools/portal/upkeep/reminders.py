"""Reminders before expiry: one ready-to-send draft e-mail per submitter, and a summary.

Both the reminder and the follow-up (a text on the portal for `outcomes.follow_up_months` with
no outcome recorded) ask what became of each text, with the `Outcome:` reply lines that
`portal outcome` reads back. A follow-up needs no record of having been sent: it is drafted by
the runs whose reminder window (the last `reminder_days` days) holds the day the text reached
that age, so a text is asked about once per window, like the reminders before expiry."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from portal import dates
from portal.config import Repo
from portal.files import write_atomic
from portal.intake.ownmail import PLACEHOLDER, SIGN_OFF
from portal.lifecycle import expiring_within, select_active
from portal.model import Submission, Vocabulary
from portal.outcomes import REPLY_KEY, chain_outcomes


@dataclass(frozen=True)
class Reminder:
    code: str
    name: str
    submissions: tuple[Submission, ...]
    recipients: tuple[str, ...]  # empty: the coordinator follows up by hand
    draft: Path | None
    follow_up: bool = False  # asks what became of the texts (they do not expire soon)


def draft_message(repo: Repo, name: str, subs: list[Submission], recipients: list[str], today: dt.date) -> EmailMessage:
    from portal.intake.acknowledge import draft, portal_place, update_header_block

    settings = repo.settings
    message = draft(settings, recipients, f"{settings.site_name}: your text{'s' if len(subs) > 1 else ''} will expire soon", today)
    lines = [
        "Dear colleague,",
        "",
        f"The following text{'s' if len(subs) > 1 else ''} of {name} on {portal_place(settings)} will expire:",
        "",
    ]
    lines += _listed(subs, repo.vocabulary)
    lines += [
        "",
        'To keep a text on the portal as it is, a reply saying "keep unchanged" is enough (name its reference',
        f"if you keep only some of them): we then extend it by {settings.default_months} months.",
        "",
        *outcome_ask(subs, repo.vocabulary),
        "",
        "To update a text instead, send the updated version by replying to this message. Please put the",
        "header block below at the top of your text (with 'Replaces:' giving the reference above); the",
        "text itself is published exactly as you send it.",
        "",
        "If we receive no answer, the text will be removed from the portal on its expiry date. You can",
        "send a new text at any time.",
        "",
        *update_header_block(subs[0]),
        "----",
        PLACEHOLDER,
        "",
        SIGN_OFF,
        settings.coordinator_name,
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def _listed(subs: list[Submission], vocabulary: Vocabulary) -> list[str]:
    lines = []
    for sub in subs:
        lines.append(f"- {sub.title}")
        lines.append(
            f"  ({vocabulary.kind_singular[sub.kind].lower()}, reference {sub.id}, published {dates.long_date(sub.published)}, expires {dates.long_date(sub.expires)})"
        )
    return lines


def outcome_ask(subs: list[Submission], vocabulary: Vocabulary) -> list[str]:
    """The question what became of each text, with one reply line per text to fill in."""
    statuses = ", ".join(f"{key} ({label.lower()})" if label.lower() != key else key for key, label in vocabulary.outcome_statuses.items())
    return [
        f"We would also like to know what became of {'each text' if len(subs) > 1 else 'the text'}: were you contacted, was support agreed or",
        "funded, or is it no longer needed? A reply with one line per text is enough, each line with its",
        "status, the code of the other State or organisation, and a short note after ';' if you wish:",
        "",
        *(f"  {REPLY_KEY}: {sub.id} STATUS CODE; NOTE" for sub in subs),
        "",
        f"The statuses: {statuses}.",
    ]


def follow_up_message(repo: Repo, name: str, subs: list[Submission], recipients: list[str], today: dt.date) -> EmailMessage:
    """The short draft asking what became of texts on the portal for `follow_up_months`."""
    from portal.intake.acknowledge import draft, portal_place

    settings = repo.settings
    plural = len(subs) > 1
    message = draft(settings, recipients, f"{settings.site_name}: what became of your text{'s' if plural else ''}?", today)
    lines = [
        "Dear colleague,",
        "",
        f"The following text{'s' if plural else ''} of {name} on {portal_place(settings)} {'have' if plural else 'has'} been",
        f"on the portal for {settings.follow_up_months} months:",
        "",
        *_listed(subs, repo.vocabulary),
        "",
        *outcome_ask(subs, repo.vocabulary),
        "",
        SIGN_OFF,
        settings.coordinator_name,
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def follow_ups_due(repo: Repo, submissions: list[Submission], today: dt.date, within_days: int) -> list[Submission]:
    """Texts on the portal with no outcome recorded (theirs or their chain's) that reached
    `follow_up_months` within the last `within_days` days; those that expire soon are left out
    (their reminder asks already)."""
    months = repo.settings.follow_up_months
    soon = {sub.id for sub in expiring_within(submissions, today, within_days)}
    start = today - dt.timedelta(days=within_days)
    due = [
        sub
        for sub in select_active(submissions, today)
        if sub.id not in soon and start < dates.add_months(sub.published, months) <= today and not chain_outcomes(sub, submissions)
    ]
    return sorted(due, key=lambda sub: (sub.published, sub.id))


def prepare_follow_ups(repo: Repo, submissions: list[Submission], today: dt.date, within_days: int, outbox: Path) -> list[Reminder]:
    by_submitter: dict[str, list[Submission]] = defaultdict(list)
    for sub in follow_ups_due(repo, submissions, today, within_days):
        by_submitter[sub.submitter.code].append(sub)
    found: list[Reminder] = []
    for code, subs in sorted(by_submitter.items()):
        recipients = sorted({sub.contact_email for sub in subs if sub.contact_email})
        path = None
        if recipients:
            from portal.intake.acknowledge import keep_out_of_git

            keep_out_of_git(repo, outbox)
            path = outbox / f"{today.isoformat()}-follow-up-{code}.eml"
            write_atomic(path, bytes(follow_up_message(repo, subs[0].submitter.name, subs, recipients, today)))
        found.append(Reminder(code, subs[0].submitter.name, tuple(subs), tuple(recipients), path, follow_up=True))
    return found


def prepare_reminders(repo: Repo, submissions: list[Submission], today: dt.date, within_days: int, outbox: Path) -> list[Reminder]:
    soon = expiring_within(submissions, today, within_days)
    by_submitter: dict[str, list[Submission]] = defaultdict(list)
    for sub in soon:
        by_submitter[sub.submitter.code].append(sub)
    reminders: list[Reminder] = []
    if by_submitter:
        from portal.intake.acknowledge import keep_out_of_git

        keep_out_of_git(repo, outbox)  # drafts are never committed, nor shown as changes
    for code, subs in sorted(by_submitter.items()):
        recipients = sorted({sub.contact_email for sub in subs if sub.contact_email})
        draft = None
        if recipients:
            draft = outbox / f"{today.isoformat()}-{code}.eml"
            write_atomic(draft, bytes(draft_message(repo, subs[0].submitter.name, subs, recipients, today)))
        reminders.append(Reminder(code, subs[0].submitter.name, tuple(subs), tuple(recipients), draft))
    return reminders


def summary(reminders: list[Reminder], today: dt.date, within_days: int) -> str:
    expiring = [item for item in reminders if not item.follow_up]
    asked = [item for item in reminders if item.follow_up]
    count = sum(len(r.submissions) for r in expiring)
    lines = [f"{count} text(s) expire between {dates.long_date(today)} and {dates.long_date(today + dt.timedelta(days=within_days))}:"]
    lines += _summary_lines(expiring, lambda sub: f"{sub.expires}")
    if asked:
        lines.append(
            f"{sum(len(r.submissions) for r in asked)} text(s) on the portal for some months with no outcome recorded (a follow-up asks what became of them):"
        )
        lines += _summary_lines(asked, lambda sub: f"{sub.published}")
    return "\n".join(lines)


def _summary_lines(reminders: list[Reminder], day: Callable[[Submission], str]) -> list[str]:
    lines = []
    for reminder in reminders:
        for sub in reminder.submissions:
            lines.append(f"- {day(sub)}  {sub.id}  ({reminder.name}): {sub.title}")
        if reminder.draft:
            lines.append(f"  draft for {', '.join(reminder.recipients)}: {reminder.draft}")
        else:
            lines.append(f"  NO CONTACT E-MAIL: follow up with {reminder.name} by hand")
    return lines


def remind(repo: Repo, submissions: list[Submission], today: dt.date, within_days: int, outbox: Path) -> list[Reminder]:
    """Draft the reminders for the texts that expire within the days and the follow-ups for the
    texts that reached `outcomes.follow_up_months` without an outcome, and write their summary
    beside the drafts (outbox/<today>-summary.txt); nothing is written when none is due."""
    found = prepare_reminders(repo, submissions, today, within_days, outbox)
    found += prepare_follow_ups(repo, submissions, today, within_days, outbox)
    if found:
        write_atomic(outbox / f"{today.isoformat()}-summary.txt", (summary(found, today, within_days) + "\n").encode("utf-8"))
    return found


def summary_counts(reminders: list[Reminder], within_days: int, outbox: Path) -> str:
    """The summary in numbers only, naming no text (for logs that outlive the drafts)."""
    expiring = [item for item in reminders if not item.follow_up]
    asked = [item for item in reminders if item.follow_up]
    texts = sum(len(item.submissions) for item in expiring)
    drafts = sum(1 for item in expiring if item.draft)
    told = (
        f"{texts} text(s) of {len(expiring)} submitter(s) expire in the next {within_days} days: {drafts} draft(s) and the summary "
        f"are in {outbox}; {len(expiring) - drafts} submitter(s) without a contact e-mail to follow up by hand."
    )
    if asked:
        told += (
            f" {sum(len(item.submissions) for item in asked)} text(s) of {len(asked)} submitter(s) have no outcome recorded: "
            f"{sum(1 for item in asked if item.draft)} follow-up draft(s) ask what became of them."
        )
    return told
