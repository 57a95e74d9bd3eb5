"""Finding and comparing, as the build prepares it: listings marked for sorting and filtering in the
page, budgets summed per currency, the overview's bars linked to their listings, what every search
hit says of its text, and the guidance pattern kept out of the search. (In Chromium:
test_finding_browser.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
import yaml

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.lifecycle import select_active
from portal.model import Submission
from portal.publish.render.overview import budget_rows
from portal.publish.render.site import TierInput, readable_namer, render_tier
from portal.publish.render.templating import listing_table

from tests.helpers import DEMO_DATE, VOCABULARY

TODAY = dt.date.fromisoformat(DEMO_DATE)


@pytest.fixture(scope="module")
def subs(example_repo_template: Path) -> list[Submission]:
    return select_active(validate_repo(Repo(example_repo_template)).submissions, TODAY)


def rendered(subs: Sequence[Submission]) -> dict[str, str]:
    data = TierInput("Portal", "States", subs, TODAY, 30, "Coordinator", "c@example.org", VOCABULARY, canary="portalcanaryx")
    return render_tier(data, readable_namer).pages


def front_matter(page: str) -> dict[str, object]:
    found = yaml.safe_load(page.split("---\n")[1])
    assert isinstance(found, dict)
    return found


def test_budgets_are_summed_per_currency_and_never_across_currencies(subs: list[Submission]) -> None:
    def budgeted(sub: Submission, amount: float, currency: str) -> Submission:
        return dataclasses.replace(sub, meta={**sub.meta, "budget": {"amount": amount, "currency": currency}})

    needs = [s for s in subs if s.kind == "need"][:3]
    offers = [s for s in subs if s.kind == "offer"][:1]
    others = [dataclasses.replace(s, meta={k: v for k, v in s.meta.items() if k != "budget"}) for s in subs if s not in needs and s not in offers]
    chosen = [budgeted(needs[0], 1000, "USD"), budgeted(needs[1], 250.5, "USD"), budgeted(needs[2], 70, "EUR"), budgeted(offers[0], 5000, "EUR"), *others]
    rows = {row.currency: row for row in budget_rows(chosen)}
    assert set(rows) == {"EUR", "USD"}
    assert (rows["USD"].needs, rows["USD"].need_count, rows["USD"].offers, rows["USD"].offer_count) == (1250.5, 2, 0, 0)
    assert (rows["EUR"].needs, rows["EUR"].need_count, rows["EUR"].offers, rows["EUR"].offer_count) == (70, 1, 5000, 1)
    overview = rendered(chosen)["overview.md"]
    section = overview.split("## Indicative budgets", 1)[1].split("\n## ", 1)[0]
    assert (
        '<td data-label="Currency">EUR</td><td data-label="Needs (texts)">70 (1)</td><td data-label="Offers and how to apply (texts)">5,000 (1)</td>' in section
    )
    assert ">1,250.50 (2)</td>" in section and "6,320" not in section  # no sum across currencies
    nothing = rendered(others)["overview.md"].split("## Indicative budgets", 1)[1]
    assert nothing.lstrip().startswith("_No text on the portal gives a budget._")


def test_the_overviews_bars_lead_to_the_listings_of_their_theme_or_submitter(subs: list[Submission]) -> None:
    pages = rendered(subs)
    overview = pages["overview.md"]
    themes = overview.split("## Needs and offers per theme", 1)[1].split("\n## ", 1)[0]
    links = re.findall(r'<a xlink:href="([^"]+)" class="portal-chart-link"', themes)
    assert links == [f"theme-{theme}.html" for theme in VOCABULARY.themes]
    assert all(link.removesuffix(".html") + ".md" in pages for link in links)
    people = overview.split("## Who seeks and who offers", 1)[1]
    codes = re.findall(r'<a xlink:href="submitter-([a-z0-9-]+)\.html"', people)
    assert codes and all(f"submitter-{code}.md" in pages for code in codes)
    # The same links in the table of figures, for the keyboard and screen readers.
    assert all(f'<th scope="row"><a href="{link}">' in themes for link in links)
    assert ' href="' not in re.sub(r"<table.*?</table>", "", themes).replace("xlink:href", "")  # no bare [href] in the SVG


def test_listings_carry_what_the_page_sorts_and_filters_by(subs: list[Submission]) -> None:
    page = rendered(subs)["kind-need.md"]
    table = re.search(r"<table class=\"portal-list\" data-portal-listing>.*?</table>", page)
    assert table, "the needs' listing is marked for listing.js"
    headers = re.findall(r'<th scope="col" data-portal-sort="(\w+)"(?: data-portal-filter="(\w+)")?>([^<]+)</th>', table.group(0))
    needs = [s for s in subs if s.kind == "need"]
    about = [("Countries", "text", "values")] if any(s.countries for s in needs) else []
    outcome = [("Outcome", "text", "")] if "Outcome</th>" in table.group(0) else []
    assert [(name, sort, how) for sort, how, name in headers] == [
        ("Title", "text", ""),
        ("Published by", "text", "values"),
        *about,
        ("Themes", "text", "values"),
        *outcome,
        ("Published", "date", ""),
        ("Expires", "date", "expiry"),
    ]
    expiries = re.findall(r'data-label="Expires" data-portal-key="([0-9-]+)"', table.group(0))
    assert sorted(expiries) == sorted(s.expires.isoformat() for s in needs)
    values = [json.loads(html.unescape(v)) for v in re.findall(r'data-label="Published by" data-portal-values="([^"]+)"', table.group(0))]
    assert sorted(v[0] for v in values) == sorted(s.submitter.name for s in needs)
    publishers = rendered(subs)["publishers.md"]
    assert "data-portal-listing" in publishers and 'data-portal-sort="number"' in publishers
    # The day of each publisher's latest text, which reader.js marks New.
    assert len(re.findall(r'<span data-portal-published="[0-9-]{10}">', publishers)) == len({s.submitter.code for s in subs})


def test_a_listing_column_says_how_it_sorts_and_filters_or_is_refused() -> None:
    with pytest.raises(ValueError, match="sort 'size'"):
        listing_table([("Title", "size", "")], [])
    table = listing_table([("Name", "text", "values")], [[("<b>x</b>", ["Côte d'Ivoire", "<i>"])]])
    assert 'data-portal-values="[&quot;Côte d&#x27;Ivoire&quot;, &quot;&lt;i&gt;&quot;]"' in table


def test_every_text_names_its_submitter_kind_and_expiry_for_its_search_hits_and_the_pattern_is_not_searched(subs: list[Submission]) -> None:
    pages = rendered(subs)
    for sub in subs:
        meta = front_matter(pages[f"submission-{readable_namer(sub.id)}.md"])
        about = [f"about {c.name}" for c in sub.countries if c.code != sub.submitter.code]
        expected = [sub.submitter.name, *about, VOCABULARY.kind_singular[sub.kind], f"expires {sub.expires.day} {sub.expires:%B %Y}"]
        assert meta["tags"] == [html.escape(tag, quote=False) for tag in expected]
        assert "search" not in meta
    assert any(c.code != s.submitter.code for s in subs for c in s.countries), "some example text is about another country"
    assert front_matter(pages["pattern.md"])["search"] == {"exclude": True}
