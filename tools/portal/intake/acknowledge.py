"""The receipt: a draft e-mail to the sender once a text is published, replaced, extended or withdrawn,
or once what became of it is recorded.

Other treaty mechanisms acknowledge every submission; here the draft says the reference id,
where the text is on the portal, until when, and how to update or withdraw it. It is a draft
(`X-Unsent: 1`, opened as such by mail clients) in outbox/, which git does not track: the
coordinator reads it and sends it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from pathlib import Path

from portal import dates
from portal.config import Repo, Settings
from portal.files import write_atomic
from portal.model import Submission, Vocabulary
from portal.trail.actions import WORDS, Action

# How the e-mails name a kind in a sentence: "your need", "your how-to-apply text".
KIND_PROSE = {"need": "need", "offer": "offer", "how-to-apply": "how-to-apply text", "project": "project"}
# How the e-mails name what a text was converted from (front matter source.converted_from).
CONVERTED = {"html": "HTML", "docx": "Word", "odt": "OpenDocument", "pdf": "PDF", "txt": "a text file"}


def kind_prose(sub: Submission, vocabulary: Vocabulary) -> str:
    """The text's kind as a sentence names it: 'need', 'how-to-apply text'."""
    return KIND_PROSE.get(sub.kind, vocabulary.kind_singular.get(sub.kind, "text").lower())


def draft(settings: Settings, recipients: list[str], subject: str, today: dt.date, in_reply_to: str = "") -> EmailMessage:
    """A message from the coordinator that mail clients open as a draft, ready to send; with
    `in_reply_to` (a Message-ID) it threads with the e-mail it answers."""
    message = EmailMessage()
    message["From"] = formataddr((settings.coordinator_name, settings.coordinator_email))
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = format_datetime(dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.UTC))
    message["Message-ID"] = make_msgid(domain=settings.coordinator_email.rpartition("@")[2] or "localhost")
    if in_reply_to.strip():
        message["In-Reply-To"] = in_reply_to.strip()
        message["References"] = in_reply_to.strip()
    message["X-Unsent"] = "1"  # mail clients open it as a draft
    return message


def portal_place(settings: Settings) -> str:
    """'the cooperation portal … at https://…' (the address when the settings give one)."""
    where = f" at {settings.portal_url}" if settings.portal_url else ""
    return f"the cooperation portal of the Convention on Cluster Munitions{where}"


def as_sent(sub: Submission) -> str:
    """How the text stands to what was sent: as sent, or converted with every word kept."""
    converted = str(sub.meta.get("source", {}).get("converted_from", ""))
    if converted:
        return f"converted from {CONVERTED.get(converted, converted)} as you sent it, every word kept"
    return "exactly as you sent it"


def update_header_block(sub: Submission) -> list[str]:
    """The header block of the guidance pattern that updates `sub`: every field it has, in the
    forms `portal ingest` reads back, and 'Replaces:' naming it (the line of dashes that ends
    the block follows it)."""
    meta = sub.meta
    lines = [
        "Kind: " + sub.kind,
        "Title: " + sub.title,
        "Themes: " + ", ".join(sub.themes),
        "Assistance: " + ", ".join(sub.assistance),
        "Audience: " + sub.audience,
        f"Contact: {sub.contact_name}" + (f" <{sub.contact_email}>" if sub.contact_email else ""),
    ]
    if meta.get("regions"):  # '; ' keeps a region whose name holds a comma one region
        lines.append("Regions: " + "; ".join(str(region) for region in meta["regions"]))
    if meta.get("countries"):
        lines.append("Countries: " + ", ".join(str(code) for code in meta["countries"]))
    budget = meta.get("budget") or {}
    if budget.get("amount") is not None and budget.get("currency"):
        lines.append(f"Budget: {budget['amount']} {budget['currency']}")
    period = meta.get("period") or {}
    if period.get("start"):  # a period of one day or with no end is read back as its start
        lines.append(f"Period: {period['start']} to {period['end']}" if period.get("end") else f"Period: {period['start']}")
    return [*lines, "Replaces: " + sub.id]


def acknowledgement(
    repo: Repo, subs: Submission | Sequence[Submission], action: Action, today: dt.date, recipients: list[str], in_reply_to: str = "", outcome: str = ""
) -> EmailMessage:
    """The draft that tells the sender what was done with their text (or, for an e-mail that
    held several, with each of its texts); `outcome`: what was recorded of it, as said."""
    settings, vocabulary = repo.settings, repo.vocabulary
    texts = [subs] if isinstance(subs, Submission) else list(subs)
    sub = texts[0]
    kind = kind_prose(sub, vocabulary)
    done = WORDS[action].acknowledged
    if action == Action.OUTCOME:
        subject = f"{settings.site_name}: what became of {sub.id} is recorded"
    elif len(texts) > 1:
        subject = f"{settings.site_name}: your {len(texts)} texts are {done}"
    else:
        subject = f"{settings.site_name}: your {kind} {sub.id} is {done}"
    message = draft(settings, recipients, subject, today, in_reply_to)
    lines = ["Dear colleague,", ""]
    if action == Action.OUTCOME:
        lines += [
            f"{'Thank you. ' if in_reply_to else ''}We have recorded what became of this {kind} of {sub.submitter.name} on {portal_place(settings)}:",
            "",
            f"  Title:      {sub.title}",
            f"  Reference:  {sub.id}",
            f"  Recorded:   {outcome}",
            "",
            "It is kept with the text on the portal. If it changes, a reply with a line such as",
            f"'Outcome: {sub.id} funded CODE; NOTE' is enough.",
        ]
    elif action == Action.WITHDRAW:
        lines += [
            f"As you asked, your {kind} below has been withdrawn from {portal_place(settings)}.",
            "It leaves the portal with its next publication.",
            "",
            f"  Title:      {sub.title}",
            f"  Reference:  {sub.id}",
            "",
            "You can send a new text at any time.",
        ]
    elif len(texts) > 1:
        lines += [
            f"Thank you. Your e-mail held {len(texts)} texts, each with its own header block; each is published on",
            f"{portal_place(settings)} as a text of its own, {as_sent(sub)}:",
        ]
        for number, each in enumerate(texts, 1):
            lines += ["", f"{number}. Your {kind_prose(each, vocabulary)}", *_details(each, action, settings, vocabulary)]
    else:
        lines += _opening(sub, action, settings, kind)
        lines += _details(sub, action, settings, vocabulary)
    lines += ["", "With best regards,", settings.coordinator_name]
    message.set_content("\n".join(lines) + "\n")
    return message


def _details(sub: Submission, action: Action, settings: Settings, vocabulary: Vocabulary) -> list[str]:
    """Where one text is, until when, and how to update or withdraw it."""
    lines = [
        "",
        f"  Title:      {sub.title}",
        f"  Reference:  {sub.id}",
        f'  On the portal: {settings.site_name}, page of {sub.submitter.name}, section "{vocabulary.kinds[sub.kind]}"',
        f"  Readers:    {vocabulary.audiences.get(sub.audience, sub.audience)}, with the portal's passcode",
        f"  Expires:    {dates.long_date(sub.expires)}",
    ]
    if sub.replaces and action != Action.EXTEND:
        lines.append(f"  Replaces:   {sub.replaces}, which leaves the portal")
    return [
        *lines,
        "",
        "To update it, reply to this message with the new text below this header block (keep 'Replaces:'):",
        "",
        *update_header_block(sub),
        "----",
        "",
        f"To withdraw it before it expires, reply asking us to withdraw reference {sub.id}.",
    ]


def _opening(sub: Submission, action: Action, settings: Settings, kind: str) -> list[str]:
    if action == Action.EXTEND:
        return [
            f"As you asked, your {kind} stays on {portal_place(settings)}, unchanged;",
            f"it now expires on {dates.long_date(sub.expires)}:",
        ]
    return [
        f"Thank you. Your {kind} is published on {portal_place(settings)},",
        f"{as_sent(sub)}:",
    ]


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


def acknowledge(
    repo: Repo,
    subs: Submission | Sequence[Submission],
    action: Action,
    today: dt.date,
    outbox: Path,
    recipients: list[str],
    in_reply_to: str = "",
    outcome: str = "",
) -> Path | None:
    """Write the draft to `outbox`; None when there is no one to write to. `in_reply_to`: the
    Message-ID of the e-mail it answers, so that the draft threads with it."""
    texts = [subs] if isinstance(subs, Submission) else list(subs)
    recipients = sorted({address for address in [*recipients, *(sub.contact_email for sub in texts)] if address})
    if not recipients:
        return None
    draft = outbox / f"{today.isoformat()}-{action}-{texts[0].id}.eml"
    keep_out_of_git(repo, outbox)
    write_atomic(draft, bytes(acknowledgement(repo, texts, action, today, recipients, in_reply_to, outcome)))
    return draft
