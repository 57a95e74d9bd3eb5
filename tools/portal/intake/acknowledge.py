"""The receipt: a draft e-mail to the sender once a text is published, replaced or withdrawn.

Other treaty mechanisms acknowledge every submission; here the draft says the reference id,
where the text is on the portal, until when, and how to update or withdraw it. It is a draft
(`X-Unsent: 1`, opened as such by mail clients) in outbox/, which git does not track: the
coordinator reads it and sends it.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from portal import dates
from portal.config import Repo, Settings
from portal.files import write_atomic
from portal.model import AUDIENCES, KIND_SINGULAR, KINDS, Submission

WHAT = {"publish": "published", "replace": "published", "withdraw": "withdrawn"}


def draft(settings: Settings, recipients: list[str], subject: str, today: dt.date) -> EmailMessage:
    """A message from the coordinator that mail clients open as a draft, ready to send."""
    message = EmailMessage()
    message["From"] = formataddr((settings.coordinator_name, settings.coordinator_email))
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.UTC))
    message["Message-ID"] = make_msgid(domain=settings.coordinator_email.rpartition("@")[2] or "localhost")
    message["X-Unsent"] = "1"  # mail clients open it as a draft
    return message


def acknowledgement(repo: Repo, sub: Submission, action: str, today: dt.date, recipients: list[str]) -> EmailMessage:
    settings = repo.settings
    message = draft(settings, recipients, f"{settings.site_name}: your text {sub.id} is {WHAT[action]}", today)
    kind = KIND_SINGULAR[sub.kind].lower()
    lines = ["Dear colleague,", ""]
    if action == "withdraw":
        lines += [
            f"As you asked, the following {kind} of {sub.submitter.name} has been withdrawn from the cooperation portal",
            "of the Convention on Cluster Munitions. It leaves the portal with its next publication.",
            "",
            f"  Title:      {sub.title}",
            f"  Reference:  {sub.id}",
            "",
            "You can send a new text at any time.",
        ]
    else:
        lines += [
            f"Thank you. Your {kind} is published on the cooperation portal of the Convention on Cluster Munitions",
            "exactly as you sent it:",
            "",
            f"  Title:      {sub.title}",
            f"  Reference:  {sub.id}",
            f'  On the portal: {settings.site_name}, page of {sub.submitter.name}, section "{KINDS[sub.kind]}"',
            f"  Readers:    {AUDIENCES.get(sub.audience, sub.audience)}, with the portal's passcode",
            f"  Expires:    {dates.long_date(sub.expires)}",
        ]
        if sub.replaces:
            lines.append(f"  Replaces:   {sub.replaces}, which leaves the portal")
        lines += [
            "",
            "To update it, reply to this message with the new text below this header block (keep 'Replaces:'):",
            "",
            "Kind: " + sub.kind,
            "Title: " + sub.title,
            "Themes: " + ", ".join(sub.themes),
            "Assistance: " + ", ".join(sub.assistance),
            "Audience: " + sub.audience,
            f"Contact: {sub.contact_name}" + (f" <{sub.contact_email}>" if sub.contact_email else ""),
            "Replaces: " + sub.id,
            "----",
            "",
            f"To withdraw it before it expires, reply asking us to withdraw reference {sub.id}.",
        ]
    lines += ["", "With best regards,", settings.coordinator_name]
    message.set_content("\n".join(lines) + "\n")
    return message


def keep_out_of_git(repo: Repo, folder: Path) -> None:
    """Drafts are never committed: a folder inside the repository is listed in git's local
    exclude file (not a tracked file) before anything is written to it, so a draft never shows
    as a change, even one cut short by a kill."""
    from portal.trail.store import open_git

    handle = open_git(repo)
    try:
        relative = folder.resolve().relative_to(repo.root.resolve())
    except ValueError:
        return
    if handle is None or not relative.parts:
        return
    exclude = Path(handle.common_dir) / "info" / "exclude"
    rule = f"/{relative.as_posix()}/"
    current = exclude.read_text(encoding="utf-8") if exclude.exists() else ""
    if rule not in current.splitlines():
        write_atomic(exclude, (current + ("" if not current or current.endswith("\n") else "\n") + rule + "\n").encode("utf-8"))


def acknowledge(repo: Repo, sub: Submission, action: str, today: dt.date, outbox: Path, recipients: list[str]) -> Path | None:
    """Write the draft to `outbox`; None when there is no one to write to."""
    recipients = sorted({address for address in [*recipients, sub.contact_email] if address})
    if not recipients:
        return None
    draft = outbox / f"{today.isoformat()}-{action}-{sub.id}.eml"
    keep_out_of_git(repo, outbox)
    write_atomic(draft, bytes(acknowledgement(repo, sub, action, today, recipients)))
    return draft
