"""What every page builder of a tier shares (`Pages`: links, the page frame, listings, pagers, the
texts' HTML, and the result), with the tier's input and how pages are named. The builders in
pages/ and meeting.py read it; site.py runs them."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from portal import dates
from portal.checks.markdownlimits import RENDER_SECONDS
from portal.deadline import TooSlow, within
from portal.model import ChangeEvent, Submission, Submitter, Vocabulary
from portal.publish.render.outcomeview import PartyNames, ShownOutcome, tier_outcomes
from portal.publish.render.sections import plain_block
from portal.publish.render.templating import fragment, h, listing_table, portal_html
from portal.textformat import UnrenderableText, text_block

PRINT_PAGE = 100  # texts on one printable page

Namer = Callable[[str], str]


def readable_namer(key: str) -> str:
    """'submitter/LAO' -> 'submitter-lao': for unprotected previews and tests of the render stage."""
    return re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-")


@dataclass
class TierInput:
    site_name: str
    tier_label: str
    submissions: Sequence[Submission]  # active in this tier
    today: dt.date
    reminder_days: int
    coordinator_name: str
    coordinator_email: str
    vocabulary: Vocabulary  # the allowed values and labels of the repository's schema
    canary: str = ""
    changes: Sequence[ChangeEvent] = ()
    guide_markdown: str = ""
    partners_tier: bool = False
    earlier: dict[str, Submission] = field(default_factory=dict)  # every text of the tier's audiences, by id
    headings: tuple[str, ...] = ()  # the guidance pattern's section headings, shown as headings in plain texts
    parties: dict[str, Submitter] = field(default_factory=dict)  # the registry's entry of each code an outcome names (`with`)


@dataclass
class Rendered:
    pages: dict[str, str] = field(default_factory=dict)  # file name (in docs/) -> Markdown
    files: dict[str, str] = field(default_factory=dict)  # file name (in docs/) -> repository path to copy
    generated: dict[str, bytes] = field(default_factory=dict)  # file name (in docs/) -> bytes made here (exports); sealed like attachments
    alike: dict[str, str] = field(default_factory=dict)  # file name -> what it is in every tier ("export/csv"): sealed by protect.seal_alike
    nav: list[dict[str, object]] = field(default_factory=list)


class Pages:
    """The pages of one tier while they are made: what every page builder shares (links, the page
    frame, listings, pagers, the texts' HTML) and the result."""

    def __init__(self, data: TierInput, namer: Namer) -> None:
        self.data = data
        self.namer = namer
        self.vocabulary = data.vocabulary
        self.out = Rendered()
        self.texts: dict[str, str] = {}
        self.bylines: dict[str, Markup] = {}
        self.by_submitter: dict[str, list[Submission]] = defaultdict(list)
        self.about: dict[str, list[Submission]] = defaultdict(list)  # country code -> texts of others about it
        self.countries: dict[str, Submitter] = {}  # every country named in a text's `countries`
        for sub in sorted(data.submissions, key=lambda s: (-s.published.toordinal(), s.id)):
            self.by_submitter[sub.submitter.code].append(sub)
            for country in sub.countries:
                self.countries[country.code] = country
                if country.code != sub.submitter.code:
                    self.about[country.code].append(sub)
        names = PartyNames(data.parties, {sub.submitter.code: sub.submitter.name for sub in data.submissions}, data.partners_tier)
        # What became of each text (outcomeview): of the texts it replaced too, where the tier may read them.
        self.outcomes: dict[str, tuple[ShownOutcome, ...]] = tier_outcomes(
            data.submissions, data.earlier.values() if data.earlier else data.submissions, names, data.vocabulary.outcome_statuses
        )

    def link(self, key: str) -> str:
        return "index.md" if key == "index" else f"{self.namer(key)}.md"

    def href(self, key: str) -> str:
        """A link from raw HTML, which the generator does not rewrite: the built page's name."""
        return self.link(key).removesuffix(".md") + ".html"

    def sub_link(self, sub: Submission) -> Markup:
        """A link to a text; its publication date lets reader.js mark it when it is new to the reader."""
        return portal_html(f'<a href="{self.href("submission/" + sub.id)}" data-portal-published="{sub.published.isoformat()}">{h(sub.title)}</a>')

    def submitter_link(self, sub: Submission) -> Markup:
        return portal_html(f'<a href="{self.href("submitter/" + sub.submitter.code)}">{h(sub.submitter.name)}</a>')

    def country_links(self, sub: Submission) -> Markup:
        """The countries a text is about, each a link to its page (empty if it names none)."""
        return portal_html(", ".join(f'<a href="{self.href("submitter/" + c.code)}">{h(c.name)}</a>' for c in sub.countries))

    def page(self, key: str, title: str, body: str, searchable: bool = True, tags: Sequence[str] = ()) -> None:
        """One page. Listings are left out of the search index: they only repeat titles that the
        submissions' own pages hold, and the index is loaded on every page. `tags`: words the
        search shows with every hit of the page, its sections' too (the theme shows a page's tags
        with each of its results; they are never shown on the page)."""
        # The canary proves the leak scan works; the search index must never hold it.
        canary = f'<p class="portal-canary" hidden data-search-exclude>{h(self.data.canary)}</p>' if self.data.canary else ""
        marker = f'<div class="portal-reader" hidden data-search-exclude data-portal-asof="{self.data.today.isoformat()}" data-portal-tier="{h(self.data.tier_label)}"{self.running_header()}></div>'
        canary = f"\n\n{marker}{canary}\n"
        search = "" if searchable else "search:\n  exclude: true\n"
        if tags:
            # The theme's search puts them into its results as HTML.
            search += f"tags: {json.dumps([html.escape(tag, quote=False) for tag in tags], ensure_ascii=False)}\n"
        # The theme prints the title into <title> and the header without escaping it.
        self.out.pages[self.link(key)] = f"---\ntitle: {json.dumps(h(title), ensure_ascii=False)}\n{search}---\n\n{body.strip()}{canary}"

    def running_header(self) -> str:
        """The line printed at the top of every sheet (reader.js hands it to portal.css)."""
        return f' data-portal-running="{h(self.data.site_name)} · {h(self.data.tier_label)} · as of {dates.long_date(self.data.today)}"'

    def listing(self, subs: Sequence[Submission], with_submitter: bool = True, kind_column: bool = False) -> Markup:
        if not subs:
            return portal_html("_None at the moment._\n")
        # The countries a text is about, in a column of their own where any text of the listing names some.
        about = any(sub.countries for sub in subs)
        became = any(sub.id in self.outcomes for sub in subs)  # an outcome column where any text has one
        # (header, sort, filter) of each column, and each row's cells as (HTML, sort or filter key): listing.js.
        columns = [("Title", "text", ""), *([("Kind", "text", "values")] if kind_column else [])]
        columns += [*([("Published by", "text", "values")] if with_submitter else []), *([("Countries", "text", "values")] if about else [])]
        columns += [("Themes", "text", "values"), *([("Outcome", "text", "")] if became else []), ("Published", "date", ""), ("Expires", "date", "expiry")]
        rows = []
        for sub in subs:
            themes = [self.vocabulary.themes[t].split(" (")[0] for t in sub.themes]
            kind = self.vocabulary.kind_singular[sub.kind]
            rows.append(
                [
                    (self.sub_link(sub), ""),
                    *([(h(kind), [kind])] if kind_column else []),
                    *([(self.submitter_link(sub), [sub.submitter.name])] if with_submitter else []),
                    *([(self.country_links(sub), [c.name for c in sub.countries])] if about else []),
                    (h(", ".join(themes)), themes),
                    *([(self.latest_outcome(sub), "")] if became else []),
                    (dates.long_date(sub.published), sub.published.isoformat()),
                    (dates.long_date(sub.expires), sub.expires.isoformat()),
                ]
            )
        return listing_table(columns, rows) + "\n"

    def latest_outcome(self, sub: Submission) -> str:
        """The newest outcome of a text in plain words, escaped ('' if it has none)."""
        found = self.outcomes.get(sub.id)
        return h(found[-1].sentence(sub.kind, with_note=False)) if found else ""

    def pager(self, keys: Sequence[str], number: int, title: str, printable: bool = False) -> Markup:
        """Links to the other pages of a listing split in `keys` (nothing if there is only one)."""
        if len(keys) < 2:
            return Markup()
        return fragment("fragments.html.j2", "pager", [self.href(key) for key in keys], number, title, printable)

    def paged(self, key: str, title: str, intro: str, blocks: Sequence[str], per_page: int, empty: str) -> None:
        """A listing split into pages of `per_page` blocks, so no page grows with the portal."""
        chunks = [blocks[i : i + per_page] for i in range(0, len(blocks), per_page)] or [[]]
        keys = [key if number == 1 else f"{key}/{number}" for number in range(1, len(chunks) + 1)]
        for number, (page_key, chunk) in enumerate(zip(keys, chunks, strict=True), 1):
            pager = self.pager(keys, number, title)
            body = "\n".join(chunk) if chunk else empty
            self.page(page_key, title if number == 1 else f"{title} (page {number})", f"{intro}\n\n{pager}\n\n{body}\n\n{pager}", searchable=False)

    def print_link(self, key: str, count: int) -> Markup:
        """The link to the printable page of a listing's `count` texts (nothing if there are none)."""
        if not count:
            return Markup()
        return fragment("fragments.html.j2", "print_link", self.href("print/" + key), count, PRINT_PAGE)

    def byline(self, sub: Submission) -> Markup:
        """Kind, author and expiry in one line under the title: the first words of the page in the
        search index. The heading above the text says the same, as a result found in the text shows
        that heading and not this line."""
        made = self.bylines.get(sub.id)
        if made is None:
            made = fragment(
                "fragments.html.j2",
                "byline",
                sub.published.isoformat(),
                self.vocabulary.kind_singular[sub.kind],
                sub.submitter.name,
                sub.published,
                sub.expires,
            )
            self.bylines[sub.id] = made
        return made

    def search_tags(self, sub: Submission) -> list[str]:
        """What every search hit in a text says of it: who published it, the countries it is about
        (an organisation's project in a country), its kind and its expiry."""
        about = [f"about {country.name}" for country in sub.countries if country.code != sub.submitter.code]
        return [sub.submitter.name, *about, self.vocabulary.kind_singular[sub.kind], f"expires {dates.long_date(sub.expires)}"]

    def tells_replacement(self, sub: Submission) -> bool:
        """Whether this tier is told that `sub` replaces an earlier text: partners only where they
        could read that text, so that no page tells them a States-only text existed."""
        return bool(sub.replaces) and (not self.data.partners_tier or sub.replaces in self.data.earlier)

    def text(self, sub: Submission) -> Markup:
        """The text's HTML, made once per tier."""
        made = self.texts.get(sub.id)
        if made is None:
            try:
                if sub.format == "markdown":
                    made = within(RENDER_SECONDS, lambda: text_block(sub.text, sub.format))
                else:
                    made = plain_block(sub.text, self.data.headings) if self.data.headings else text_block(sub.text, sub.format)
            except (RecursionError, TooSlow):
                raise UnrenderableText(f"text {sub.id} cannot be rendered: {UnrenderableText.why}") from None
            self.texts[sub.id] = made
        return portal_html(made)
