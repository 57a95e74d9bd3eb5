"""Active submissions -> the Markdown pages and navigation of one tier of the portal.

Everything a submitter wrote reaches a page either HTML-escaped or through the sanitiser.
Page file names come from `namer`, so a protected build can use opaque names.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from portal import dates
from portal.model import ASSISTANCE, AUDIENCES, KIND_SINGULAR, KINDS, SUBMITTER_TYPES, THEMES, ChangeEvent, Submission
from portal.publish import meeting
from portal.publish.matching import match_needs
from portal.publish.sections import plain_block
from portal.publish.textformat import text_block

Namer = Callable[[str], str]
LISTING_PAGE = 100  # rows on one page of a listing
MATCHES_PAGE = 25  # needs on one page of possible matches
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def readable_namer(key: str) -> str:
    """'submitter/LAO' -> 'submitter-lao': for unprotected previews and tests of the render stage."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


def md(text: str) -> str:
    """Text placed inline in Markdown, shown literally."""
    return _MD_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def h(text: str) -> str:
    return html.escape(text, quote=True)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table as one line of raw HTML (cells already escaped): the generator passes it through
    untouched, which keeps long listings cheap to build. Each cell carries its column's name, so
    on a phone the rows become cards that name their fields (portal.css)."""
    head = "".join(f'<th scope="col">{cell}</th>' for cell in headers)
    labels = [f' data-label="{h(html.unescape(re.sub("<[^>]+>", "", cell)))}"' for cell in headers]
    body = "".join("<tr>" + "".join(f"<td{label}>{cell}</td>" for label, cell in zip(labels, row, strict=True)) + "</tr>" for row in rows)
    return f'<table class="portal-list"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def published_dates(subs: Sequence[Submission]) -> str:
    """'2026-11-18:3 2026-10-02:1': how many texts were published on which day, for the count of
    texts new since the reader's previous visit (reader.js)."""
    counts: dict[str, int] = defaultdict(int)
    for sub in subs:
        counts[sub.published.isoformat()] += 1
    return " ".join(f"{day}:{count}" for day, count in sorted(counts.items(), reverse=True))


@dataclass
class TierInput:
    site_name: str
    tier_label: str
    submissions: Sequence[Submission]  # active in this tier
    today: dt.date
    reminder_days: int
    coordinator_name: str
    coordinator_email: str
    canary: str = ""
    changes: Sequence[ChangeEvent] = ()
    guide_markdown: str = ""
    partners_tier: bool = False
    earlier: dict[str, Submission] = field(default_factory=dict)  # every text of the tier's audiences, by id
    headings: tuple[str, ...] = ()  # the guidance pattern's section headings, shown as headings in plain texts


@dataclass
class Rendered:
    pages: dict[str, str] = field(default_factory=dict)  # file name (in docs/) -> Markdown
    files: dict[str, str] = field(default_factory=dict)  # file name (in docs/) -> repository path to copy
    generated: dict[str, bytes] = field(default_factory=dict)  # file name (in docs/) -> bytes made here (exports); sealed like attachments
    alike: dict[str, str] = field(default_factory=dict)  # file name -> what it is in every tier ("export/csv"): sealed to one size across tiers
    nav: list[dict[str, object]] = field(default_factory=list)


class _Pages:
    def __init__(self, data: TierInput, namer: Namer) -> None:
        self.data = data
        self.namer = namer
        self.out = Rendered()
        self.texts: dict[str, str] = {}
        self.by_submitter: dict[str, list[Submission]] = defaultdict(list)
        for sub in sorted(data.submissions, key=lambda s: (-s.published.toordinal(), s.id)):
            self.by_submitter[sub.submitter.code].append(sub)

    def link(self, key: str) -> str:
        return "index.md" if key == "index" else f"{self.namer(key)}.md"

    def href(self, key: str) -> str:
        """A link from raw HTML, which the generator does not rewrite: the built page's name."""
        return self.link(key).removesuffix(".md") + ".html"

    def sub_link(self, sub: Submission) -> str:
        """A link to a text; its publication date lets reader.js mark it when it is new to the reader."""
        return f'<a href="{self.href("submission/" + sub.id)}" data-portal-published="{sub.published.isoformat()}">{h(sub.title)}</a>'

    def submitter_link(self, sub: Submission) -> str:
        return f'<a href="{self.href("submitter/" + sub.submitter.code)}">{h(sub.submitter.name)}</a>'

    def page(self, key: str, title: str, body: str, searchable: bool = True) -> None:
        """One page. Listings are left out of the search index: they only repeat titles that the
        submissions' own pages hold, and the index is loaded on every page."""
        # The canary proves the leak scan works; the search index must never hold it.
        canary = f'<p class="portal-canary" hidden data-search-exclude>{h(self.data.canary)}</p>' if self.data.canary else ""
        marker = f'<div class="portal-reader" hidden data-search-exclude data-portal-asof="{self.data.today.isoformat()}" data-portal-tier="{h(self.data.tier_label)}"></div>'
        canary = f"\n\n{marker}{canary}\n"
        search = "" if searchable else "search:\n  exclude: true\n"
        # The theme prints the title into <title> and the header without escaping it.
        self.out.pages[self.link(key)] = f"---\ntitle: {json.dumps(h(title), ensure_ascii=False)}\n{search}---\n\n{body.strip()}{canary}"

    def listing(self, subs: Sequence[Submission], with_submitter: bool = True, kind_column: bool = False) -> str:
        if not subs:
            return "_None at the moment._\n"
        headers = ["Title", *(["Kind"] if kind_column else []), *(["Published by"] if with_submitter else []), "Themes", "Published", "Expires"]
        rows = [
            [
                self.sub_link(sub),
                *([h(KIND_SINGULAR[sub.kind])] if kind_column else []),
                *([self.submitter_link(sub)] if with_submitter else []),
                h(", ".join(THEMES[t].split(" (")[0] for t in sub.themes)),
                dates.long_date(sub.published),
                dates.long_date(sub.expires),
            ]
            for sub in subs
        ]
        return html_table(headers, rows) + "\n"

    # -- pages ---------------------------------------------------------------------------------

    def home(self) -> None:
        data = self.data
        subs = data.submissions
        soon = sorted((s for s in subs if s.expires <= data.today + dt.timedelta(days=data.reminder_days)), key=lambda s: (s.expires, s.id))
        counts = {kind: sum(s.kind == kind for s in subs) for kind in KINDS}
        audience = (
            "You are reading the texts that their authors opened to partner organisations."
            if data.partners_tier
            else "You are reading the texts of every State and partner; some are open to States only."
        )
        body = f"""
# {md(data.site_name)}

Article 6 of the Convention on Cluster Munitions gives each State Party the right to seek and
receive assistance, and asks each State Party in a position to do so to provide it. The Vientiane
Action Plan calls on States to report the resources, capabilities and programmes available, and
their needs. This portal is where, on a voluntary basis, States publish their **needs** and
project suggestions, donors publish **available resources** and **how to apply** for support, and
anyone shares **ongoing projects** as an exchange of experience. {audience}

{self.example_notice(subs)}
{self.counts(counts)}

{self.new_summary()}

For a meeting: the [overview]({self.link("overview")}) charts needs and offers per theme, per type
of assistance and per country; every listing has a printable page of all its texts; and the texts
can be [exported]({self.link("export")}) as a spreadsheet, CSV or JSON.

## Expiring in the next {data.reminder_days} days

{self.expiring_list(soon)}

## How to contribute

1. Copy the [guidance pattern]({self.link("pattern")}) for your kind of text into an e-mail and
   fill it in: the header block at the top, then your text, organised as suits you.
2. Send it to the coordinator, {md(data.coordinator_name)} ([{md(data.coordinator_email)}](mailto:{h(data.coordinator_email)})).
3. The coordinator publishes it **as sent, without editing**, and tells you when it is online.

Each State (or organisation) is responsible for the content it publishes. Texts stay on the portal
for a year at most and are then removed, so that nothing here is out of date. You may send an
updated text at any time: it replaces the earlier one. You may withdraw a text at any time by
writing to the coordinator. You receive a reminder before your text expires.

## Access

The portal is protected by a passcode that is changed regularly. States (and partner
organisations, where the coordinator has given them access) ask the coordinator for it. Please do
not share it. Written in English, the working language of the portal.

Shown as of {dates.long_date(data.today)}.
"""
        # The tab reads "Home - <site name>", not the site name twice.
        self.page("index", "Home", body)

    def counts(self, counts: dict[str, int]) -> str:
        """The home page's figures as a list of links, which wraps on a narrow screen."""
        items = [(self.href(f"kind/{kind}"), counts[kind], label) for kind, label in KINDS.items()]
        items.append((self.href("publishers"), len(self.by_submitter), "Countries and organisations"))
        cells = "".join(f'<li><a href="{href}"><span class="portal-count">{count}</span> {h(label)}</a></li>' for href, count, label in items)
        return f'<ul class="portal-counts" aria-label="Texts on the portal">{cells}</ul>'

    def new_summary(self) -> str:
        """Filled in by reader.js from the reader's previous visit, kept in that browser only."""
        dates_attr = published_dates(self.data.submissions)
        return f'<p class="portal-new-summary" hidden data-portal-dates="{dates_attr}" data-portal-recent="{self.href("recent")}"></p>'

    def example_notice(self, subs: Sequence[Submission]) -> str:
        if not any(s.example for s in subs):
            return ""
        return '!!! warning "Example content"\n    Texts marked as examples are fictional. They show how the portal works and are not submissions of the States or organisations named.\n'

    def expiring_list(self, soon: Sequence[Submission]) -> str:
        if not soon:
            return "_No text expires in this period._"
        today = self.data.today
        items = "".join(
            f"<li>{self.sub_link(s)} ({h(s.submitter.name)}): expires {dates.long_date(s.expires)}, {dates.days_phrase((s.expires - today).days)}</li>"
            for s in soon
        )
        return f"<ul>{items}</ul>"

    def publishers(self) -> None:
        rows = []
        for subs in sorted(self.by_submitter.values(), key=lambda subs: subs[0].submitter.name):
            first = subs[0]
            counts = [str(sum(s.kind == kind for s in subs)) for kind in KINDS]
            rows.append([self.submitter_link(first), h(SUBMITTER_TYPES[first.submitter.type]), *counts, dates.long_date(max(s.published for s in subs))])
        headers = ["Country or organisation", "Type", *KINDS.values(), "Latest text"]
        table = html_table(headers, rows) if rows else "_No text has been published yet._"
        body = f"# Countries and organisations that have published\n\n{len(self.by_submitter)} have texts on the portal today.\n\n{table}\n"
        self.page("publishers", "Countries and organisations", body, searchable=False)

    def submitter(self, code: str, subs: list[Submission]) -> None:
        first = subs[0].submitter
        parts = [
            f"# {md(first.name)}\n",
            f"{md(SUBMITTER_TYPES[first.type])}. {len(subs)} text{'s' if len(subs) != 1 else ''} on the portal.\n",
            self.print_link(f"submitter/{code}", len(subs)),
        ]
        for kind, label in KINDS.items():
            chosen = [s for s in subs if s.kind == kind]
            if chosen:
                parts.append(f"## {label}\n\n{self.listing(chosen, with_submitter=False)}")
        self.page(f"submitter/{code}", first.name, "\n".join(parts), searchable=False)
        self.printable(f"submitter/{code}", f"All texts of {first.name}", subs)

    def submission(self, sub: Submission, replaced: dict[str, Submission]) -> None:
        today = self.data.today
        rows: list[tuple[str, str]] = [
            ("Kind", h(KIND_SINGULAR[sub.kind])),
            ("Published by", f'<a href="{self.href("submitter/" + sub.submitter.code)}">{h(sub.submitter.name)}</a>'),
            ("Themes", ", ".join(f'<a href="{self.href("theme/" + t)}">{h(THEMES[t])}</a>' for t in sub.themes)),
            ("Assistance", ", ".join(h(ASSISTANCE[a]) for a in sub.assistance)),
            ("Contact", h(sub.contact_name) + (f' — <a href="mailto:{h(sub.contact_email)}">{h(sub.contact_email)}</a>' if sub.contact_email else "")),
        ]
        meta = sub.meta
        if meta.get("regions"):
            rows.append(("Regions", h(", ".join(meta["regions"]))))
        if meta.get("budget"):
            rows.append(("Indicative budget", h(f"{meta['budget']['amount']:,} {meta['budget']['currency']}")))
        if meta.get("period"):
            period = meta["period"]
            end = f" to {dates.long_date(dt.date.fromisoformat(period['end']))}" if period.get("end") else ""
            rows.append(("Period", h(f"{dates.long_date(dt.date.fromisoformat(period['start']))}{end}")))
        rows += [
            ("Published", h(dates.long_date(sub.published))),
            ("Expires", h(f"{dates.long_date(sub.expires)} (expires {dates.days_phrase((sub.expires - today).days)})")),
            ("Readers", h(AUDIENCES[sub.audience])),
        ]
        if sub.replaces:
            earlier = replaced.get(sub.replaces)
            # The earlier text's id only where this tier could read it: a text shared with partners
            # may replace one that was for States only.
            if earlier:
                rows.append(("Replaces", f"<code>{h(sub.replaces)}</code> (the earlier text of {h(dates.long_date(earlier.published))}, no longer shown)"))
            else:
                rows.append(("Replaces", "an earlier text, no longer shown"))
        card = '<dl class="portal-card" data-search-exclude>' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows) + "</dl>"
        extras = []
        # Lists of front-matter values as one line of raw HTML: Markdown never reads them, so a
        # title such as "![x](https://…)" stays text.
        if meta.get("links"):
            items = [f'<li><a href="{h(link["url"])}" rel="noopener noreferrer nofollow">{h(link["title"])}</a></li>' for link in meta["links"]]
            extras.append("## Links\n\n<ul>" + "".join(items) + "</ul>")
        if sub.attachments:
            items = []
            for attachment in sub.attachments:
                name = f"{self.namer('file/' + attachment.path)}.bin"
                self.out.files[name] = attachment.path
                items.append(f'<li><a href="{name}" download="{h(attachment.name)}" data-portal-file>{h(attachment.title)}</a> ({h(attachment.name)})</li>')
            extras.append("## Attachments\n\n<ul>" + "".join(items) + "</ul>")
        example = self.example_notice([sub])
        body = f"""
# {md(sub.title)}

{self.byline(sub)}

{example}
{card}

## Text as received from {md(sub.submitter.name)} ({md(KIND_SINGULAR[sub.kind].lower())}, expires {dates.long_date(sub.expires)})

{self.text(sub)}

{chr(10).join(extras)}

{self.provenance(sub)}
"""
        self.page(f"submission/{sub.id}", sub.title, body)

    def byline(self, sub: Submission) -> str:
        """Kind, author and expiry in one line under the title: the first words of the page in the
        search index. The heading above the text says the same, as a result found in the text shows
        that heading and not this line."""
        return (
            f'<p class="portal-byline" data-portal-published="{sub.published.isoformat()}"><strong>{h(KIND_SINGULAR[sub.kind])}</strong>'
            f" · {h(sub.submitter.name)} · published {dates.long_date(sub.published)} · expires {dates.long_date(sub.expires)}</p>"
        )

    def text(self, sub: Submission) -> str:
        """The text's HTML, made once: printable pages show each text again."""
        made = self.texts.get(sub.id)
        if made is None:
            made = plain_block(sub.text, self.data.headings) if sub.format == "plain" and self.data.headings else text_block(sub.text, sub.format)
            self.texts[sub.id] = made
        return made

    def provenance(self, sub: Submission) -> str:
        """Where the text comes from, folded away: most readers never need it."""
        fingerprint = f"<code>{h(sub.fingerprint)}</code>" if sub.fingerprint else "not recorded"
        source = sub.meta.get("source", {})
        if source.get("converted_from"):
            fingerprint += h(f" (converted from {source['converted_from']})")
        rows = [
            ("Received", h(dates.long_date(sub.received))),
            ("Fingerprint (SHA-256 of the text as received)", fingerprint),
            ("Identifier", f"<code>{h(sub.id)}</code>"),
        ]
        items = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
        return f'<details class="portal-provenance" data-search-exclude><summary>Provenance</summary><dl class="portal-card">{items}</dl></details>'

    def paged(self, key: str, title: str, intro: str, blocks: Sequence[str], per_page: int, empty: str) -> None:
        """A listing split into pages of `per_page` blocks, so no page grows with the portal."""
        chunks = [blocks[i : i + per_page] for i in range(0, len(blocks), per_page)] or [[]]
        for number, chunk in enumerate(chunks, 1):
            page_key = key if number == 1 else f"{key}/{number}"
            pager = ""
            if len(chunks) > 1:
                links = " ".join(
                    f"<strong>{n}</strong>" if n == number else f'<a href="{self.href(key if n == 1 else f"{key}/{n}")}">{n}</a>'
                    for n in range(1, len(chunks) + 1)
                )
                pager = f'<nav class="portal-pager" aria-label="Pages of {h(title)}">Page {number} of {len(chunks)}: {links}</nav>'
            body = "\n".join(chunk) if chunk else empty
            self.page(page_key, title if number == 1 else f"{title} (page {number})", f"{intro}\n\n{pager}\n\n{body}\n\n{pager}", searchable=False)

    def by_kind(self) -> None:
        for kind, label in KINDS.items():
            subs = sorted((s for s in self.data.submissions if s.kind == kind), key=lambda s: (s.submitter.name, s.title))
            blocks = [self.listing(subs[i : i + LISTING_PAGE]) for i in range(0, len(subs), LISTING_PAGE)]
            self.paged(
                f"kind/{kind}",
                label,
                f"# {label}\n\n{len(subs)} on the portal.\n\n{self.print_link(f'kind/{kind}', len(subs))}",
                blocks,
                1,
                "_None at the moment._",
            )
            self.printable(f"kind/{kind}", f"{label}: all texts", subs)

    def by_theme(self) -> None:
        lines = ["# Themes\n", "The themes follow the articles of the Convention.\n"]
        for theme, label in THEMES.items():
            subs = sorted((s for s in self.data.submissions if theme in s.themes), key=lambda s: (list(KINDS).index(s.kind), s.submitter.name, s.title))
            lines.append(f"- [{md(label)}]({self.link('theme/' + theme)}): {len(subs)}")
            blocks = [self.listing(subs[i : i + LISTING_PAGE], kind_column=True) for i in range(0, len(subs), LISTING_PAGE)]
            self.paged(
                f"theme/{theme}",
                label,
                f"# {md(label)}\n\n{len(subs)} on the portal.\n\n{self.print_link(f'theme/{theme}', len(subs))}",
                blocks,
                1,
                "_Nothing on this theme at the moment._",
            )
            self.printable(f"theme/{theme}", f"{label}: all texts", subs)
        self.page("themes", "Themes", "\n".join(lines), searchable=False)

    def matches(self) -> None:
        found = match_needs(self.data.submissions)
        intro = (
            "# Possible matches\n\nFor each need, the offers and how-to-apply texts that share at least one of its themes, ranked: "
            "each shared theme counts twice, each shared type of assistance once. A match is a suggestion to get in touch, nothing more."
        )
        needs = sorted((s for s in self.data.submissions if s.kind == "need"), key=lambda s: (s.submitter.name, s.title))
        blocks = []
        for need in needs:
            block = f"## {md(need.title)}\n\n<p>{self.submitter_link(need)} · {self.sub_link(need)}</p>\n"
            matched = found.get(need.id, [])
            if matched:
                items = "".join(
                    f"<li>{self.sub_link(m.resource)} — {h(KIND_SINGULAR[m.resource.kind])} by {h(m.resource.submitter.name)}. {h(m.reason)}.</li>"
                    for m in matched
                )
                block += f"<ol>{items}</ol>\n"
            else:
                block += "_No offer or how-to-apply text shares its themes yet._\n"
            blocks.append(block)
        self.paged("matches", "Possible matches", intro, blocks, MATCHES_PAGE, "_No need is published at the moment._")

    def recent(self) -> None:
        subs = sorted(self.data.submissions, key=lambda s: (-s.published.toordinal(), s.id))[:30]
        rows = [
            [dates.long_date(sub.published), self.sub_link(sub) + (" (update)" if sub.replaces else ""), self.submitter_link(sub), h(KIND_SINGULAR[sub.kind])]
            for sub in subs
        ]
        body = "# Recently published and updated\n\nThe 30 latest texts.\n\n" + (
            html_table(["Published", "Title", "By", "Kind"], rows) if subs else "_Nothing yet._"
        )
        self.page("recent", "Recently published", body, searchable=False)

    def changes(self) -> None:
        """The history of the texts on the portal today; texts that left it are not named."""
        visible = {s.id: s for s in self.data.submissions}
        words = {"publish": "Published", "replace": "Updated (replaces an earlier text)"}
        rows = []
        for event in self.data.changes:
            sub = visible.get(event.submission)
            if sub is not None and event.action in words:
                rows.append([dates.long_date(event.date), words[event.action], self.sub_link(sub), self.submitter_link(sub)])
        body = (
            "# Changes\n\nHow the texts on the portal today arrived, newest first, from the portal's history. "
            "Texts that were withdrawn or expired are no longer named here.\n\n"
            + (html_table(["Date", "Change", "Text", "By"], rows[:200]) if rows else "_No change recorded._")
        )
        self.page("changes", "Changes", body, searchable=False)

    def print_link(self, key: str, count: int) -> str:
        if not count:
            return ""
        parts = f", in parts of {meeting.PRINT_PAGE}" if count > meeting.PRINT_PAGE else ""
        return f'<p class="portal-no-print"><a href="{self.href("print/" + key)}">Printable page of all {count} text{"s" if count != 1 else ""}</a> (for a meeting folder{parts})</p>\n'

    def printable(self, key: str, title: str, subs: Sequence[Submission]) -> None:
        meeting.printable(self, key, title, subs)

    def overview(self) -> None:
        meeting.overview(self)

    def export(self) -> None:
        meeting.export(self)

    def guide(self) -> None:
        self.page("pattern", "Guidance pattern", self.data.guide_markdown or "# Guidance pattern\n")


def render_tier(data: TierInput, namer: Namer = readable_namer) -> Rendered:
    pages = _Pages(data, namer)
    pages.home()
    pages.publishers()
    replaced = data.earlier or {s.id: s for s in data.submissions}
    for code, subs in pages.by_submitter.items():
        pages.submitter(code, subs)
    for sub in data.submissions:
        pages.submission(sub, replaced)
    pages.by_kind()
    pages.by_theme()
    pages.matches()
    pages.recent()
    pages.changes()
    pages.overview()
    pages.export()
    pages.guide()
    link = pages.link
    kinds: list[dict[str, object]] = [{label: link(f"kind/{kind}")} for kind, label in KINDS.items()]
    pages.out.nav = [
        {"Home": link("index")},
        {"Overview": link("overview")},
        {"Countries and organisations": link("publishers")},
        *kinds,
        {"Themes": link("themes")},
        {"Possible matches": link("matches")},
        {"Recently published": link("recent")},
        {"Changes": link("changes")},
        {"Export": link("export")},
        {"Guidance pattern": link("pattern")},
    ]
    return pages.out
