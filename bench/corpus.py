"""Synthetic portal repositories of any size, for the benchmarks and the large-corpus tests.

Realistic shapes: about 130 submitters (States Parties and organisations), every kind, texts of
1 to 6 KB, attachments on some, replacement chains, and optionally a git history.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from portal import dates  # noqa: E402
from portal.config import Repo  # noqa: E402
from portal.frontmatter import document  # noqa: E402
from portal.load import text_fingerprint  # noqa: E402
from portal.model import ASSISTANCE, KINDS, THEMES  # noqa: E402
from portal.registry import load_registry  # noqa: E402

WORDS = ["clearance", "survey", "land", "release", "victim", "assistance", "rehabilitation", "stockpile", "destruction", "training", "national", "authority", "province", "district", "community", "risk", "education", "equipment", "funding", "partners", "coordination", "quality", "management", "report", "survivors", "referral", "database", "women", "men", "children", "farmers", "hectares", "teams", "months", "capacity", "expertise", "legislation", "implementation", "transparency", "cooperation", "support", "project", "results", "lessons", "plan", "budget", "contribution", "priority"]
TODAY = dt.date(2026, 11, 20)


def submitters(schema_dir: Path, count: int = 130) -> list[tuple[str, str, str]]:
    registry = load_registry(schema_dir)
    states = sorted(code for code, s in registry.states.items() if s.status == "state-party")
    orgs = sorted(registry.organisations.values(), key=lambda s: s.code)
    chosen = [("state", code, registry.states[code].name) for code in states[: count - len(orgs)]]
    chosen += [(org.type, org.code, org.name) for org in orgs]
    return chosen[:count]


def paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    lines, line = [], []
    for word in text.split():
        line.append(word)
        if len(" ".join(line)) > 70:
            lines.append(" ".join(line))
            line = []
    lines.append(" ".join(line))
    return "\n".join(lines).capitalize() + "."


def make_corpus(target: Path, count: int, seed: int = 7, attachments: bool = True, git_history: bool = False) -> Repo:
    """A repository at `target` with `count` valid, active (at TODAY) submissions."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "schema", target / "schema", ignore=shutil.ignore_patterns("passcode-rotations.yaml"))
    shutil.copy2(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    rng = random.Random(seed)
    people = submitters(target / "schema")
    kinds, themes, assistance = list(KINDS), list(THEMES), list(ASSISTANCE)
    previous: dict[str, str] = {}
    for index in range(count):
        kind_of_submitter, code, name = people[index % len(people)]
        kind = kinds[index % len(kinds)]
        identifier = f"{code.lower()}-2026-{kind}-{index:05d}"
        published = TODAY - dt.timedelta(days=rng.randrange(0, 300))
        text = f"Text {index} of {name}.\n\n" + "\n\n".join(paragraph(rng, rng.randrange(40, 160)) for _ in range(rng.randrange(3, 8))) + "\n"
        meta: dict = {
            "id": identifier,
            "kind": kind,
            "submitter": {"type": kind_of_submitter, "code": code},
            "title": f"{KINDS[kind][:-1] if kind != 'how-to-apply' else 'How to apply'} {index}: {rng.choice(WORDS)} and {rng.choice(WORDS)}",
            "themes": rng.sample(themes, rng.randrange(1, 3)),
            "assistance": rng.sample(assistance, rng.randrange(1, 3)),
            "contact": {"name": f"Focal point {index}", "email": f"focal{index}@example.org"},
            "received": (published - dt.timedelta(days=2)).isoformat(),
            "published": published.isoformat(),
            "expires": dates.add_months(published, 12).isoformat(),
            "language": "en",
            "audience": "states-and-partners" if index % 3 == 0 else "states",
            "format": "markdown" if index % 5 == 0 else "plain",
            "source": {"sha256": text_fingerprint(text)},
        }
        if code in previous and index % 7 == 0:
            meta["replaces"] = previous[code]
            previous.pop(code)
        else:
            previous[code] = identifier
        folder = target / "submissions" / code
        if attachments and index % 10 == 0:
            rel = f"attachments/{identifier}/annex.csv"
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(("row,value\n" + "".join(f"{i},{rng.random()}\n" for i in range(rng.randrange(50, 500)))).encode())
            meta["attachments"] = [{"path": rel, "title": "Annex"}]
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{identifier}.md").write_text(document(meta, text), encoding="utf-8")
    repo = Repo(target)
    if git_history:
        commit_all(repo)
    return repo


def commit_all(repo: Repo) -> None:
    import git

    handle = git.Repo.init(repo.root, initial_branch="main")
    with handle.config_writer() as config:
        config.set_value("user", "name", "Bench")
        config.set_value("user", "email", "bench@example.org")
    handle.git.add("--all")
    handle.git.commit("--quiet", "-m", "Corpus")
