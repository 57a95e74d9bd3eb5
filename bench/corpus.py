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
    """One commit that publishes every submission, with the trailers `portal verify` reads."""
    import git

    from portal.audit import Change, commit_message
    from portal.validate import validate_repo

    handle = git.Repo.init(repo.root, initial_branch="main")
    with handle.config_writer() as config:
        config.set_value("user", "name", "Bench")
        config.set_value("user", "email", "bench@example.org")
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
        message = f"{action.title()} need of Lao PDR: text {number}\n\nPortal-Action: {action}\nPortal-Submission: {identifier}\nPortal-Fingerprint: sha256:{'ab' * 32}\n"
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
