"""Make the passcode word list (tools/portal/data/passcode-words.txt) from the EFF long list and WordNet.

A word is kept only when WordNet knows it and every one of its senses is a noun of a harmless
category (food, plant, animal, artifact, natural object…) that lies under none of the denied
hypernyms (person, weapon, violence, crime, religion, illness, death, body, politics, sex, drugs…).
docs/passcodes.md explains the method; this script is its only home. It runs at development time:

    apt-get install wordnet-base wordnet-sense-index    # Princeton WordNet 3.0, as Debian ships it
    pip install -e '.[passcode-words]'                  # NLTK, to read it
    python -m bench.passcode_words                      # write the list
    python -m bench.passcode_words --check              # exit 1 when the committed list differs
    python -m bench.passcode_words --why revolver       # why a word is in or out
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "tools/portal/data/passcode-words.txt"
WORDNET = Path("/usr/share/wordnet")  # where Debian's wordnet-base and wordnet-sense-index put it
SHORTEST, LONGEST = 3, 9

# WordNet's lexicographer categories (lexnames(5WN)) of things one can see, hold, eat or visit.
ALLOWED_CATEGORIES = frozenset(
    {
        "noun.animal",
        "noun.artifact",
        "noun.food",
        "noun.location",
        "noun.object",
        "noun.phenomenon",
        "noun.plant",
        "noun.quantity",
        "noun.shape",
        "noun.substance",
        "noun.time",
    }
)

# Subtrees of WordNet 3.0 no sense of a kept word may lie under, whatever its category.
DENIED_HYPERNYMS = frozenset(
    {
        # people (insults, roles, believers), and beings of belief
        "person.n.01",
        "spiritual_being.n.01",
        # weapons, war, the military
        "weapon.n.01",
        "weaponry.n.01",
        "platform.n.04",
        "explosive.n.01",
        "explosive_device.n.01",
        "ammunition.n.01",
        "military_vehicle.n.01",
        "military_unit.n.01",
        "military_quarters.n.01",
        "defensive_structure.n.01",
        "gun_enclosure.n.01",
        "silencer.n.01",
        "war.n.01",
        "radioactive_material.n.01",
        "nuclear_reactor.n.01",
        # violence, crime, punishment
        "violence.n.01",
        "crime.n.01",
        "wrongdoing.n.02",
        "instrument_of_punishment.n.01",
        "instrument_of_execution.n.01",
        "correctional_institution.n.01",
        "blood_sport.n.01",
        "bullfight.n.01",
        "wreckage.n.01",
        # religion, the occult
        "religion.n.01",
        "religious_holiday.n.01",
        "feast_day.n.01",
        "rest_day.n.01",
        "life.n.05",
        "pentacle.n.01",
        "place_of_worship.n.01",
        "religious_residence.n.01",
        "sacred_text.n.01",
        "charm.n.03",
        "occultism.n.01",
        "astrology.n.01",
        # illness, medicine, death
        "illness.n.01",
        "ill_health.n.01",
        "pathological_state.n.01",
        "injury.n.01",
        "medical_care.n.01",
        "diagnostic_procedure.n.01",
        "radiogram.n.02",
        "calculus.n.01",
        "death.n.01",
        "cemetery.n.01",
        "memorial.n.03",
        "burial_chamber.n.01",
        # the body, its waste, undress and sex
        "body_part.n.01",
        "body_waste.n.01",
        "toilet.n.01",
        "sewer.n.01",
        "undergarment.n.01",
        "nightwear.n.01",
        "sexual_activity.n.01",
        "whorehouse.n.01",
        "hosiery.n.01",
        "athletic_supporter.n.01",
        "negligee.n.01",
        "cesspool.n.01",
        # drugs, poisons, alcohol
        "drug.n.01",
        "drug_of_abuse.n.01",
        "poison.n.01",
        "alcohol.n.01",
        "tobacco.n.01",
        # politics, government, jurisdictions
        "political_unit.n.01",
        "administrative_district.n.01",
        "jurisdiction.n.02",
        "government_building.n.01",
    }
)

# The lexicographer file names in WordNet 3.0's order (lexnames(5WN)): NLTK reads them from a
# `lexnames` file that Debian's package does not ship.
LEXNAMES = [
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
]


@dataclass(frozen=True)
class Sense:
    """One WordNet sense of a word: its synset, part of speech, category and every synset above it."""

    name: str
    pos: str
    category: str
    above: frozenset[str]


def refusal(senses: Sequence[Sense]) -> str | None:
    """Why a word with these senses is left out, or None when every sense is harmless."""
    if not senses:
        return "not in WordNet"
    for sense in senses:
        if sense.pos != "n":
            return f"{sense.name}: not a noun, and WordNet places no adjective or adverb under a hypernym"
        if sense.category not in ALLOWED_CATEGORIES:
            return f"{sense.name}: category {sense.category} is not allowed"
        denied = sorted(({sense.name} | sense.above) & DENIED_HYPERNYMS)
        if denied:
            return f"{sense.name}: lies under {', '.join(denied)}"
    return None


def curate(words: Iterable[str], senses_of: Callable[[str], Sequence[Sense]]) -> list[str]:
    """The words, a–z only and of the passcode's lengths, whose senses `refusal` finds harmless."""
    candidates = sorted({word for word in words if word.isascii() and word.isalpha() and word.islower() and SHORTEST <= len(word) <= LONGEST})
    return [word for word in candidates if refusal(senses_of(word)) is None]


def eff_long_list() -> list[str]:
    """The EFF long word list, as xkcdpass ships it."""
    from xkcdpass import xkcd_password

    return list(xkcd_password.generate_wordlist(wordfile=xkcd_password.locate_wordfile(), min_length=SHORTEST, max_length=LONGEST))


def sense_of(synset: Any) -> Sense:
    above = synset.closure(lambda node: node.hypernyms() + node.instance_hypernyms())
    return Sense(synset.name(), synset.pos(), synset.lexname(), frozenset(node.name() for node in above))


@contextmanager
def wordnet(source: Path = WORDNET) -> Iterator[Callable[[str], list[Sense]]]:
    """`senses_of(word)` over the WordNet database files in `source`, read with NLTK from a
    temporary data folder (NLTK reads only under its data path, and never downloads here)."""
    if not (source / "data.noun").exists() or not (source / "index.sense").exists():
        raise SystemExit(f"{source}: no WordNet 3.0 database here; install it with `apt-get install wordnet-base wordnet-sense-index`")
    import nltk.data

    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        corpus = root / "corpora" / "wordnet"
        corpus.mkdir(parents=True)
        for path in source.iterdir():
            if path.is_file():
                shutil.copyfile(path, corpus / path.name)
        (corpus / "lexnames").write_text("".join(f"{index:02d}\t{name}\t0\n" for index, name in enumerate(LEXNAMES)), encoding="utf-8")
        nltk.data.path.insert(0, str(root))
        try:
            from nltk.corpus.reader.wordnet import WordNetCorpusReader

            with warnings.catch_warnings():
                # The Open Multilingual Wordnet is not used: only English senses are read.
                warnings.filterwarnings("ignore", "The multilingual functions are not available", UserWarning)
                reader = WordNetCorpusReader(str(corpus), None)
            check_denied(reader)
            yield lambda word: [sense_of(synset) for synset in reader.synsets(word)]
        finally:
            nltk.data.path.remove(str(root))


def check_denied(reader: Any) -> None:
    """Refuse a denied name that is not a synset's own name: `synset()` also takes a lemma's
    sense number (brothel.n.01 is whorehouse.n.01), which `refusal` would never meet."""
    from nltk.corpus.reader.wordnet import WordNetError

    for name in sorted(DENIED_HYPERNYMS):
        try:
            actual = reader.synset(name).name()
        except (WordNetError, ValueError):
            raise SystemExit(f"DENIED_HYPERNYMS: {name} is not a synset of this WordNet") from None
        if actual != name:
            raise SystemExit(f"DENIED_HYPERNYMS: {name} is the synset {actual}; write {actual}")


def render(words: Sequence[str]) -> str:
    header = "# Passcode words: the EFF long list less every word with a sense outside harmless WordNet categories.\n"
    return header + "# Made by `python -m bench.passcode_words` (see docs/passcodes.md); do not edit by hand.\n" + "".join(f"{word}\n" for word in words)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help=f"exit 1 when {OUTPUT.name} differs from what the method makes")
    parser.add_argument("--why", metavar="WORD", help="say why WORD is kept or left out")
    parser.add_argument("--wordnet", type=Path, default=WORDNET, help="folder of the WordNet 3.0 database files")
    args = parser.parse_args(argv)
    with wordnet(args.wordnet) as senses_of:
        if args.why:
            print(f"{args.why}: {refusal(senses_of(args.why)) or 'kept'}")
            return 0
        text = render(curate(eff_long_list(), senses_of))
    if args.check:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print(f"{OUTPUT.name}: {'as the method makes it' if same else 'differs from what the method makes; run python -m bench.passcode_words'}")
        return 0 if same else 1
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"{OUTPUT.name}: {len(text.splitlines()) - 2} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
