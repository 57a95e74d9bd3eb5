"""Lasting addresses without a browser: the key that names them stays while the passcode does,
the texts that left say why, and a tier's map holds only that tier's own pages and texts."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from portal.model import ChangeEvent, Submission, Submitter
from portal.publish.seal.addresses import EXPIRED, LEFT, REPLACED, WITHDRAWN, Departure, departures, links_document, page_keys
from portal.publish.seal.keys import TierKeys, keys_document, new_salt, open_slots, tier_keys, wrapping_key
from portal.publish.seal.sealedformat import ADDRESS, again_aad, normalise_passcode

from tests.helpers import PARTNERS, STATES

ITERATIONS = 1000
TODAY = dt.date(2026, 11, 20)


def text(identifier: str, published: str, expires: str, audience: str = "states", replaces: str = "") -> Submission:
    return Submission(
        path=f"submissions/LAO/{identifier}.md",
        id=identifier,
        kind="need",
        submitter=Submitter("state", "LAO", "Lao People's Democratic Republic", "state-party"),
        title=identifier,
        themes=("clearance",),
        assistance=("technical",),
        contact_name="Desk",
        contact_email="",
        received=dt.date.fromisoformat(published),
        published=dt.date.fromisoformat(published),
        expires=dt.date.fromisoformat(expires),
        audience=audience,
        format="plain",
        text="Text.\n",
        text_line=10,
        replaces=replaces,
    )


def keys_of(tier: str, passcode: str, build: str = "0" * 16) -> TierKeys:
    return tier_keys(tier, passcode, new_salt(), ITERATIONS, build)


def test_an_address_stays_while_the_passcode_does_and_says_nothing_in_clear() -> None:
    first, second = keys_of("states", STATES, "1" * 16), keys_of("states", STATES, "2" * 16)
    assert first.content != second.content and first.folder != second.folder  # a new build's names
    key = "submission/lao-2026-need-survey"
    assert first.address(key) == second.address(key) and first.mark == second.mark
    assert first.address(key) != first.address("submission/lao-2026-need-other")
    assert keys_of("states", "other-words-entirely-for-states").address(key) != first.address(key)  # a rotation
    assert keys_of("partners", STATES).address(key) != first.address(key)  # each tier its own
    assert re.fullmatch(ADDRESS, first.address(key)) and "lao" not in first.address(key)


def test_the_stay_key_opens_the_next_builds_slot_without_the_passcode() -> None:
    salt = new_salt()
    later = [tier_keys(tier, passcode, salt, ITERATIONS, "3" * 16) for tier, passcode in (("states", STATES), ("partners", PARTNERS))]
    earlier = keys_of("states", STATES)
    document = json.loads(keys_document(later, salt, ITERATIONS, "3" * 16))
    opened = []
    for slot in document["again"]:
        raw = base64.b64decode(slot)
        try:
            opened.append(json.loads(AESGCM(earlier.stay).decrypt(raw[:12], raw[12:], again_aad("3" * 16))))
        except InvalidTag:  # another tier's slot
            continue
    assert [slot["tier"] for slot in opened] == ["states"]
    spelled = " ".join(word.capitalize() for word in STATES.split("-"))
    assert open_slots(json.dumps(document, indent=1), [wrapping_key(spelled, salt, ITERATIONS)])[0] is not None


def test_a_passcode_is_one_passcode_whatever_its_case_and_separators() -> None:
    salt = new_salt()
    assert normalise_passcode(" Correct  Horse ") == "correct-horse"
    assert wrapping_key("Correct-Horse", salt, ITERATIONS) == wrapping_key("correct horse", salt, ITERATIONS)


def test_the_texts_that_left_say_why() -> None:
    old = text("lao-2025-need", "2025-01-01", "2026-12-31")
    middle = text("lao-2026-need", "2026-03-01", "2026-04-01", replaces="lao-2025-need")  # itself expired
    new = text("lao-2026-need-update", "2026-10-01", "2027-10-01", replaces="lao-2026-need")
    expired = text("lao-2024-offer", "2024-01-01", "2026-06-30")
    withdrawn = text("lao-2026-project", "2026-02-01", "2027-02-01")
    scheduled = text("lao-2027-need", "2026-12-24", "2027-12-24")
    trail = [(old, None), (middle, None), (new, None), (expired, dt.date(2026, 7, 2)), (withdrawn, dt.date(2026, 9, 9)), (scheduled, None)]
    events = [ChangeEvent(dt.date(2026, 9, 9), "withdraw", withdrawn.id, "Coordinator")]
    gone = {departure.id: departure for departure in departures(trail, {new.id}, events, TODAY)}
    assert gone == {
        old.id: Departure(old.id, "states", REPLACED, "2026-10-01", new.id),
        middle.id: Departure(middle.id, "states", REPLACED, "2026-10-01", new.id),
        expired.id: Departure(expired.id, "states", EXPIRED, "2026-07-01"),
        withdrawn.id: Departure(withdrawn.id, "states", WITHDRAWN, "2026-09-09"),
    }


def test_a_partners_map_says_nothing_of_a_states_only_text() -> None:
    states, partners = keys_of("states", STATES), keys_of("partners", PARTNERS)
    labels = {"states": "States", "partners": "Partner organisations"}
    shared = {"index": "index.html", "submission/shared": "a" * 20 + ".html"}
    only = {**shared, "submission/only": "b" * 20 + ".html"}
    gone = [
        Departure("left-only", "states", WITHDRAWN, "2026-09-09"),
        Departure("left-shared", "states-and-partners", REPLACED, "2026-10-01", "shared"),
        Departure("left-for-states", "states-and-partners", REPLACED, "2026-10-02", "only"),
    ]
    both = [states, partners]
    seen = json.loads(links_document(partners, shared, both, labels, ("states-and-partners",), gone))
    # The partners' pages under the addresses of both tiers (a link a State copied opens); none of States only.
    assert seen["pages"] == {tier.address(key): name for key, name in shared.items() for tier in both}
    replaced = {"why": REPLACED, "on": "2026-10-01", "to": partners.address("submission/shared")}
    assert seen["gone"] == {
        **{tier.address("submission/left-shared"): replaced for tier in both},
        # Replaced by a text for States only: it left, and no more is said.
        **{tier.address("submission/left-for-states"): {"why": LEFT, "on": ""} for tier in both},
    }
    assert seen["marks"] == {states.mark: "States", partners.mark: "Partner organisations"} and seen["mark"] == partners.mark
    for key in ("submission/only", "submission/left-only"):
        assert not any(tier.address(key) in json.dumps(seen) for tier in both)
    # Adding a States-only text leaves the partners' map as it was.
    more = [*gone, Departure("left-again", "states", EXPIRED, "2026-01-01")]
    assert links_document(partners, shared, both, labels, ("states-and-partners",), more) == links_document(
        partners, shared, both, labels, ("states-and-partners",), gone
    )
    assert states.address("submission/only") in json.loads(links_document(states, only, both, labels, ("states", "states-and-partners"), gone))["pages"]


def test_only_pages_get_addresses() -> None:
    named = {"submission/a": "a" * 20, "file/x.pdf": "c" * 20, "theme/clearance": "d" * 20}
    assert page_keys(named, {"a" * 20 + ".md", "d" * 20 + ".md", "index.md"}) == {
        "submission/a": "a" * 20 + ".html",
        "theme/clearance": "d" * 20 + ".html",
        "index": "index.html",
    }
