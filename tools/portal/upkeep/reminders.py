"""Reminders before expiry: one ready-to-send draft e-mail per submitter, and a summary."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from portal import dates
from portal.config import Repo
from portal.files import write_atomic
from portal.intake.ownmail import PLACEHOLDER
from portal.lifecycle import expiring_within
from portal.model import Submission


@dataclass(frozen=True)
class Reminder:
    code: str
    name: str
    submissions: tuple[Submission, ...]
    recipients: tuple[str, ...]  # empty: the coordinator follows up by hand
    draft: Path | None


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
    for sub in subs:
        lines.append(f"- {sub.title}")
        lines.append(
            f"  ({repo.vocabulary.kind_singular[sub.kind].lower()}, reference {sub.id}, published {dates.long_date(sub.published)}, expires {dates.long_date(sub.expires)})"
        )
    lines += [
        "",
        'To keep a text on the portal as it is, a reply saying "keep unchanged" is enough (name its reference',
        f"if you keep only some of them): we then extend it by {settings.default_months} months.",
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
        "With best regards,",
        settings.coordinator_name,
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


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
    count = sum(len(r.submissions) for r in reminders)
    lines = [f"{count} text(s) expire between {dates.long_date(today)} and {dates.long_date(today + dt.timedelta(days=within_days))}:"]
    for reminder in reminders:
        for sub in reminder.submissions:
            lines.append(f"- {sub.expires}  {sub.id}  ({reminder.name}): {sub.title}")
        if reminder.draft:
            lines.append(f"  draft for {', '.join(reminder.recipients)}: {reminder.draft}")
        else:
            lines.append(f"  NO CONTACT E-MAIL: follow up with {reminder.name} by hand")
    return "\n".join(lines)


def remind(repo: Repo, submissions: list[Submission], today: dt.date, within_days: int, outbox: Path) -> list[Reminder]:
    """Draft the reminders for the texts that expire within the days and write their summary
    beside the drafts (outbox/<today>-summary.txt); nothing is written when none is due."""
    found = prepare_reminders(repo, submissions, today, within_days, outbox)
    if found:
        write_atomic(outbox / f"{today.isoformat()}-summary.txt", (summary(found, today, within_days) + "\n").encode("utf-8"))
    return found


def summary_counts(reminders: list[Reminder], within_days: int, outbox: Path) -> str:
    """The summary in numbers only, naming no text (for logs that outlive the drafts)."""
    texts = sum(len(item.submissions) for item in reminders)
    drafts = sum(1 for item in reminders if item.draft)
    return (
        f"{texts} text(s) of {len(reminders)} submitter(s) expire in the next {within_days} days: {drafts} draft(s) and the summary "
        f"are in {outbox}; {len(reminders) - drafts} submitter(s) without a contact e-mail to follow up by hand."
    )
