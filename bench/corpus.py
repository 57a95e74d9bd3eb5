"""Portal repositories of any size, for the benchmarks and the large-corpus tests.

`make_corpus`: generated texts as rich as real ones. About 130 submitters (States Parties and
organisations), every kind, texts of 300 to 3,000 words (one in five in Markdown, with headings,
lists, links and tables; the others plain, in sections as the examples are), and every optional
field of the guidance pattern in the share of the shipped examples that use it (regions, budget,
period, links, attachments, replaces, the source's message id). `example: true` is left out: it
marks the shipped fiction, and real texts never carry it.

`make_example_corpus`: the shipped examples themselves, multiplied, so that anyone can check the
figures against texts they can read.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path

from portal import dates
from portal.checks.load import parse_submission, text_fingerprint
from portal.config import Repo
from portal.examples import examples_root
from portal.intake.frontmatter import document
from portal.registry import load_registry

ROOT = Path(__file__).resolve().parents[1]

WORDS = [
    "clearance",
    "survey",
    "land",
    "release",
    "victim",
    "assistance",
    "rehabilitation",
    "stockpile",
    "destruction",
    "training",
    "national",
    "authority",
    "province",
    "district",
    "community",
    "risk",
    "education",
    "equipment",
    "funding",
    "partners",
    "coordination",
    "quality",
    "management",
    "report",
    "survivors",
    "referral",
    "database",
    "women",
    "men",
    "children",
    "farmers",
    "hectares",
    "teams",
    "months",
    "capacity",
    "expertise",
    "legislation",
    "implementation",
    "transparency",
    "cooperation",
    "support",
    "project",
    "results",
    "lessons",
    "plan",
    "budget",
    "contribution",
    "priority",
]
SECTIONS = [
    "Summary",
    "Background",
    "What is needed",
    "What we offer",
    "How to apply",
    "Activities",
    "National contribution",
    "Expected results",
    "Lessons learned",
    "Contact and next steps",
]
REGIONS = [
    "Northern Province",
    "Southern Province",
    "Eastern District",
    "Western District",
    "Capital Region",
    "Highlands",
    "Border area",
    "Coastal Zone",
    "River Valley",
    "Central Plateau",
]
CURRENCIES = ["USD", "EUR", "CHF", "NOK", "JPY", "GBP"]
TODAY = dt.date(2026, 11, 20)
WORDS_PER_TEXT = (300, 3000)
MARKDOWN_EVERY = 5  # one text in five is Markdown
OPTIONAL = ("regions", "budget", "period", "links", "attachments", "replaces", "message_id")


def example_shares() -> dict[str, float]:
    """The share of the shipped examples that use each optional field."""
    metas = []
    for path in sorted(examples_root().rglob("*.md")):
        loaded = parse_submission(path.read_text(encoding="utf-8"), path.name)
        assert not hasattr(loaded, "message"), loaded
        metas.append(loaded.meta)  # type: ignore[union-attr]
    present = {name: sum(1 for meta in metas if name in meta or name in meta.get("source", {})) for name in OPTIONAL}
    return {name: count / len(metas) for name, count in present.items()}


def submitters(schema_dir: Path, count: int = 130) -> list[tuple[str, str, str]]:
    registry = load_registry(schema_dir)
    states = sorted(code for code, s in registry.states.items() if s.status == "state-party")
    orgs = sorted(registry.organisations.values(), key=lambda s: s.code)
    chosen = [("state", code, registry.states[code].name) for code in states[: count - len(orgs)]]
    chosen += [(org.type, org.code, org.name) for org in orgs]
    return chosen[:count]


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def paragraph(rng: random.Random, words: int, width: int = 70) -> str:
    """Sentences of 8 to 25 words, broken into lines as e-mail is."""
    text: list[str] = []
    while words > 0:
        length = min(words, rng.randrange(8, 26))
        text.append(sentence(rng, length))
        words -= length
    lines, line = [], []
    for word in " ".join(text).split():
        line.append(word)
        if len(" ".join(line)) > width:
            lines.append(" ".join(line))
            line = []
    if line:
        lines.append(" ".join(line))
    return "\n".join(lines)


def plain_text(rng: random.Random, words: int) -> str:
    """About `words` words (headings and lists included) in sections with a title line,
    paragraphs and numbered or dashed lists, as the examples are."""
    parts: list[str] = []
    left = words
    for title in rng.sample(SECTIONS, rng.randrange(3, 7)):
        if left < 120:
            break
        block = [title]
        if rng.random() < 0.3:
            marker = rng.choice(["- ", "{n}. "])
            block.append("\n".join(marker.format(n=n + 1) + sentence(rng, rng.randrange(5, 14)) for n in range(rng.randrange(2, 6))))
        used = sum(len(line.split()) for line in block)
        block.append(paragraph(rng, max(20, min(left - used, words // 5))))
        left -= sum(len(line.split()) for line in block)
        parts.append("\n".join(block[:-1]) + "\n" + block[-1] + "\n")
    if left > 0:
        parts.append(paragraph(rng, left) + "\n")
    return "\n".join(parts)


def markdown_text(rng: random.Random, words: int, index: int) -> str:
    """About `words` words in sections with headings, emphasis, lists, a link and sometimes a table."""
    parts: list[str] = []
    left = words
    for number, title in enumerate(rng.sample(SECTIONS, rng.randrange(3, 7))):
        if left < 200:
            break
        block = [f"## {title}"]
        body = paragraph(rng, max(20, min(words // 5, left - 120)), width=90).split(" ")
        body[rng.randrange(len(body))] = f"**{rng.choice(WORDS)}**"
        block.append(" ".join(body))
        if number == 0:
            block.append(f"See the [annual report](https://www.example.org/reports/{index}) for details.")
        if rng.random() < 0.5:
            block.append("\n".join(f"- {sentence(rng, rng.randrange(5, 14))}" for _ in range(rng.randrange(2, 6))))
        if rng.random() < 0.2:
            rows = "\n".join(f"| {rng.choice(WORDS)} | {rng.randrange(1, 900)} | {rng.choice(REGIONS)} |" for _ in range(rng.randrange(3, 8)))
            block.append(f"| Item | Quantity | Where |\n|---|---:|---|\n{rows}")
        left -= sum(len(part.split()) for part in block)
        parts.extend(block)
    if left > 0:
        parts.append(paragraph(rng, left, width=90))
    return "\n\n".join(parts) + "\n"


def make_corpus(target: Path, count: int, seed: int = 7, attachments: bool = True, git_history: bool = False) -> Repo:
    """A repository at `target` with `count` valid, active (at TODAY) submissions."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "schema", target / "schema", ignore=shutil.ignore_patterns("passcode-rotations.yaml"))
    shutil.copy2(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    rng = random.Random(seed)
    shares = example_shares()
    people = submitters(target / "schema")
    vocabulary = Repo(target).vocabulary  # the copied schema's values
    kinds, themes, assistance = list(vocabulary.kinds), list(vocabulary.themes), list(vocabulary.assistance)
    previous: dict[str, str] = {}
    for index in range(count):
        kind_of_submitter, code, name = people[index % len(people)]
        kind = kinds[index % len(kinds)]
        identifier = f"{code.lower()}-2026-{kind}-{index:05d}"
        published = TODAY - dt.timedelta(days=rng.randrange(0, 300))
        words = rng.randrange(WORDS_PER_TEXT[0], WORDS_PER_TEXT[1] + 1)
        markdown = index % MARKDOWN_EVERY == 0
        heading = f"Text {index} of {name}.\n\n"
        left = words - len(heading.split())
        text = heading + (markdown_text(rng, left, index) if markdown else plain_text(rng, left))
        meta: dict = {
            "id": identifier,
            "kind": kind,
            "submitter": {"type": kind_of_submitter, "code": code},
            "title": f"{vocabulary.kinds[kind][:-1] if kind != 'how-to-apply' else 'How to apply'} {index}: {rng.choice(WORDS)} and {rng.choice(WORDS)}",
            "themes": rng.sample(themes, rng.randrange(1, 3)),
            "assistance": rng.sample(assistance, rng.randrange(1, 3)),
            "contact": {"name": f"Focal point {index}, National Authority", "email": f"focal{index}@example.org"},
            "received": (published - dt.timedelta(days=2)).isoformat(),
            "published": published.isoformat(),
            "expires": dates.add_months(published, 12).isoformat(),
            "language": "en",
            "audience": "states-and-partners" if index % 3 == 0 else "states",
            "format": "markdown" if markdown else "plain",
        }
        if rng.random() < shares["regions"]:
            meta["regions"] = rng.sample(REGIONS, rng.randrange(1, 4))
        if rng.random() < shares["budget"]:
            meta["budget"] = {"amount": rng.randrange(20, 5000) * 1000, "currency": rng.choice(CURRENCIES)}
        if rng.random() < shares["period"]:
            start = published + dt.timedelta(days=rng.randrange(0, 120))
            meta["period"] = {"start": start.isoformat(), "end": dates.add_months(start, rng.randrange(6, 25)).isoformat()}
        if rng.random() < shares["links"]:
            meta["links"] = [{"title": "Article 7 report", "url": f"https://www.example.org/article-7/{code.lower()}-{index}"}]
        if code in previous and rng.random() < shares["replaces"]:
            meta["replaces"] = previous.pop(code)
        else:
            previous[code] = identifier
        folder = target / "submissions" / code
        if attachments and rng.random() < shares["attachments"]:
            rel = f"attachments/{identifier}/annex.csv"
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(("row,value\n" + "".join(f"{i},{rng.random()}\n" for i in range(rng.randrange(50, 500)))).encode())
            meta["attachments"] = [{"path": rel, "title": "Annex"}]
        meta["source"] = {"sha256": text_fingerprint(text)}
        if rng.random() < shares["message_id"]:
            meta["source"]["message_id"] = f"<{identifier}@mail.example.org>"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{identifier}.md").write_text(document(meta, text, vocabulary.fields), encoding="utf-8")
    repo = Repo(target)
    if git_history:
        commit_all(repo)
    return repo


def make_example_corpus(target: Path, count: int, git_history: bool = False) -> Repo:
    """A repository with `count` copies of the shipped examples, round after round: each copy is
    its example word for word under a new id (`<id>-r<round>`), with its attachments; a text that
    replaces another replaces that one's copy of the same round."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(ROOT / "schema", target / "schema", ignore=shutil.ignore_patterns("passcode-rotations.yaml"))
    shutil.copy2(ROOT / "mkdocs.yml", target / "mkdocs.yml")
    fields = Repo(target).vocabulary.fields
    examples = []
    for path in sorted(examples_root().rglob("*.md")):
        if "attachments" in path.parts:
            continue
        loaded = parse_submission(path.read_text(encoding="utf-8"), path.name)
        examples.append((path, loaded.meta, loaded.text))  # type: ignore[union-attr]
    examples.sort(key=lambda item: "replaces" in item[1])  # a replaced text comes before its replacement
    for number in range(count):
        path, meta, text = examples[number % len(examples)]
        suffix = f"-r{number // len(examples):04d}"
        copy = {**meta, "id": meta["id"] + suffix}
        if "replaces" in meta:
            copy["replaces"] = meta["replaces"] + suffix
        folder = target / "submissions" / meta["submitter"]["code"]
        folder.mkdir(parents=True, exist_ok=True)
        if "attachments" in meta:
            copy["attachments"] = []
            for item in meta["attachments"]:
                rel = f"attachments/{copy['id']}/{Path(item['path']).name}"
                (folder / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path.parent / item["path"], folder / rel)
                copy["attachments"].append({**item, "path": rel})
        (folder / f"{copy['id']}.md").write_text(document(copy, text, fields), encoding="utf-8")
    repo = Repo(target)
    if git_history:
        commit_all(repo)
    return repo


def commit_all(repo: Repo) -> None:
    """One commit that publishes every submission, with the trailers `portal verify` reads."""
    import git

    from portal.checks.validate import validate_repo
    from portal.trail.trailers import Change, commit_message

    handle = git.Repo.init(repo.root, initial_branch="main")
    with handle.config_writer() as config:
        config.set_value("user", "name", "Bench")
        config.set_value("user", "email", "bench@example.org")
        # A commit of thousands of files would start `git gc` in the background, which would take
        # a core from the first figures measured.
        config.set_value("gc", "auto", "0")
    subs = validate_repo(repo).submissions
    changes = [Change("publish", sub.id, sub.fingerprint) for sub in subs]
    handle.git.add("--all")
    path = repo.root / ".git" / "BENCH_MSG"
    path.write_text(commit_message(f"Publish {len(subs)} generated texts", "", changes))
    handle.git.commit("--quiet", "-F", str(path))
    path.unlink()


def history_repo(target: Path, commits: int, seed: int = 3) -> tuple[Path, str]:
    """A repository with `commits` commits of publishing, replacing and expiring, made with
    git fast-import; returns it and the id of a text touched early and late in that history."""
    import subprocess

    from portal.trail.trailers import Change, commit_message

    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["git", "init", "-q", "-b", "main", str(target)], check=True)
    rng = random.Random(seed)
    stream: list[bytes] = []
    ids = [f"lao-2026-need-{n:05d}" for n in range(commits // 2)]
    for number in range(commits):
        identifier = ids[number % len(ids)] if number < len(ids) * 2 else ids[0]
        action = "publish" if number < len(ids) else rng.choice(["replace", "expire"])
        body = f"Text {number} " * 40
        message = commit_message(f"{action.title()} need of Lao PDR: text {number}", "", [Change(action, identifier, "ab" * 32)])
        path = f"submissions/LAO/{identifier}.md"
        data = f"---\nid: {identifier}\n---\n{body}\n".encode()
        stream.append(b"commit refs/heads/main\n")
        stream.append(f"committer Bench <bench@example.org> {1700000000 + number * 60} +0000\n".encode())
        encoded = message.encode()
        stream.append(f"data {len(encoded)}\n".encode() + encoded + b"\n")
        if action == "expire":
            stream.append(f"D {path}\n".encode())
        else:
            stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], input=b"".join(stream), cwd=target, check=True)
    subprocess.run(["git", "checkout", "-q", "main"], cwd=target, check=True)
    shutil.copytree(ROOT / "schema", target / "schema", ignore=shutil.ignore_patterns("passcode-rotations.yaml"))
    return target, ids[0]
