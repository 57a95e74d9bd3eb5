"""`make bench`: the portal at 100, 1,000 and 10,000 submissions, on two corpora: generated texts
as rich as real ones, and the shipped examples multiplied. Prints one table, writes JSON.

Each figure is the median of several runs, beside its reference measured in the same run: for
validate, the plain way with the same libraries (bench/validate_reference.py); for the build, a
plain `mkdocs build` of the same texts, one page each, with the same theme. The machine and its
load are printed.

Usage: python -m bench.run [--sizes 100,1000] [--runs 3] [--corpus generated,examples] [--validate-only]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

from portal.checks.validate import validate_repo
from portal.config import Repo
from portal.publish.build import build_portal
from portal.publish.generate.generator import run_generator

from bench.corpus import ROOT, TODAY, history_repo, make_corpus, make_example_corpus
from tests.helpers import PASSCODES, PORTAL

REFERENCE = str(Path(__file__).with_name("validate_reference.py"))
CORPORA: dict[str, Callable[..., Repo]] = {"generated": make_corpus, "examples": make_example_corpus}
VALIDATE_TARGET_S = {10_000: 2.0}


def median(values: list[float]) -> float:
    return statistics.median(values)


def timed(command: list[str], runs: int, ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> float:
    return timed_with_cpu(command, runs, ok, cwd)[0]


def timed_with_cpu(command: list[str], runs: int, ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> tuple[float, float]:
    """Median seconds on the clock, and median processor seconds (user + system, the command and
    its worker processes): the second hardly moves with the load of other work on the machine."""
    times, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if done.returncode not in ok:
            sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return median(times), median(cpu)


def processor_seconds() -> float:
    """User + system seconds of this process and of its finished children (the build's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reference_build(folder: Path, repo: Repo, runs: int) -> tuple[float, float]:
    """A plain `mkdocs build` of the same texts with the same theme and config: each text on a page
    of its own under its title, as one would publish them without the portal (one site, no tiers,
    no listings, nothing sealed)."""
    docs = folder / "docs"
    if folder.exists():
        shutil.rmtree(folder)
    docs.mkdir(parents=True)
    for sub in validate_repo(repo, today=TODAY).submissions:
        (docs / f"{sub.id}.md").write_text(f"# {sub.title}\n\n{sub.text}\n", encoding="utf-8")
    (docs / "index.md").write_text("# Home\n")
    (folder / "mkdocs.yml").write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\nsite_name: Reference\ndocs_dir: docs\nsite_dir: out\nnav:\n  - Home: index.md\n")
    times, cpu = [], []
    for _ in range(runs):
        start, before = time.perf_counter(), processor_seconds()
        run_generator(folder / "mkdocs.yml")
        times.append(time.perf_counter() - start)
        cpu.append(processor_seconds() - before)
    return median(times), median(cpu)


def large_email(path: Path, megabytes: int = 10) -> None:
    message = EmailMessage()
    message["From"] = "Unit <unit@example.org>"
    message["Message-ID"] = "<bench-large@example.org>"
    message["Date"] = "Mon, 16 Nov 2026 09:00:00 +0000"
    message.set_content(
        "Kind: need\nTitle: A large text with annexes\nThemes: victim-assistance\nAssistance: technical\n----\n\n" + "A paragraph of the text.\n" * 2000
    )
    blob = (b"%PDF-1.4 " + bytes(range(256)) * 64) * (megabytes * 1024 * 1024 // (256 * 64 + 9) // 2)
    message.add_attachment(blob, maintype="application", subtype="pdf", filename="annex-1.pdf")
    message.add_attachment(blob[: len(blob) // 2], maintype="application", subtype="pdf", filename="annex-2.pdf")
    path.write_bytes(message.as_bytes())


CLICK = "(name) => { const link = [...document.querySelectorAll('nav a')].find((a) => a.textContent.trim() === name); const t = performance.now(); link.click(); return t; }"


def browser_timings(site: Path, runs: int) -> dict[str, float]:
    """Unlock (Enter to the page on screen), page (a click in the navigation to the next page
    swapped in, read from app.js's performance mark), search (index ready after focusing the field
    on the fifth page, then typing to results)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, chromium_path, serving

    unlock, page_times, ready_times, search_times = [], [], [], []
    with serving(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        for _ in range(runs):
            context = browser.new_context()
            page = context.new_page()
            page.goto(url)
            page.get_by_label("Passcode").fill(PASSCODES["states"])
            start = time.perf_counter()
            page.get_by_label("Passcode").press("Enter")
            page.wait_for_selector(".md-content h1")
            unlock.append(time.perf_counter() - start)
            # A click before the theme has set up its navigation would load the next page anew.
            page.wait_for_function("() => document.readyState === 'complete' && window.document$ !== undefined")
            for name in ("Offers", "Projects", "Needs", "Home"):
                # The next page opens inside the running one: from the click to the page swapped in.
                shown = page.evaluate("() => performance.getEntriesByName('portal-page-shown').length")
                clicked = page.evaluate(CLICK, name)
                page.wait_for_function(f"() => performance.getEntriesByName('portal-page-shown').length > {shown}")
                page_times.append((page.evaluate("() => performance.getEntriesByName('portal-page-shown').at(-1).startTime") - clicked) / 1000)
            meta = page.locator(".md-search-result__meta")
            start = time.perf_counter()
            page.locator("input.md-search__input").click()
            page.wait_for_function("() => !/Initializing/.test(document.querySelector('.md-search-result__meta')?.textContent || 'Initializing')")
            ready_times.append(time.perf_counter() - start)
            page.locator("input.md-search__input").fill("hectare")  # the theme queries on key-up: no query yet
            start = time.perf_counter()
            page.keyboard.press("s")  # one key: one query for the whole word
            page.wait_for_function("() => /matching/.test(document.querySelector('.md-search-result__meta')?.textContent || '')")
            search_times.append(time.perf_counter() - start)
            del meta
            context.close()
        browser.close()
    return {"unlock_s": median(unlock), "page_s": median(page_times), "search_ready_s": median(ready_times), "search_s": median(search_times)}


def machine_name() -> str:
    model = ""
    with contextlib.suppress(OSError, StopIteration):
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    cores = os.cpu_count() or 1
    return f"{platform.machine()}{', ' + model if model else ''}, {cores} cores, Python {platform.python_version()}"


def load_average() -> float:
    return os.getloadavg()[0]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser-at", type=int, default=1000)
    parser.add_argument("--corpus", default="generated,examples", help="generated, examples or both (comma-separated)")
    parser.add_argument("--validate-only", action="store_true", help="measure validate and its reference only")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    corpora = args.corpus.split(",")
    results = []
    loads = [load_average()]
    extra: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="portal-bench-") as temp:
        work = Path(temp)
        for corpus in corpora:
            for size in sizes:
                print(f"… {corpus}: {size} submissions", file=sys.stderr)
                repo = CORPORA[corpus](work / f"{corpus}{size}", size, git_history=True)
                row: dict[str, float | int | str] = {"corpus": corpus, "submissions": size, "load_before": load_average()}
                validate_s, validate_cpu_s = timed_with_cpu([PORTAL, "validate", "--repo", str(repo.root)], args.runs)
                reference_s, reference_cpu_s = timed_with_cpu([sys.executable, REFERENCE, str(repo.root)], args.runs)
                row.update(
                    validate_s=validate_s,
                    validate_cpu_s=validate_cpu_s,
                    validate_reference_s=reference_s,
                    validate_reference_cpu_s=reference_cpu_s,
                    validate_ratio=validate_s / reference_s,
                )
                if not args.validate_only:
                    measure_build(row, repo, size, args, work)
                row["load_after"] = load_average()
                results.append(row)
                shutil.rmtree(repo.root)
        if not args.validate_only:
            extra = measure_extra(work, args.runs)
    loads.append(load_average())
    machine = machine_name()
    print_table(results, extra, machine, loads)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(
        json.dumps({"date": dt.date.today().isoformat(), "machine": machine, "load_average_1min": loads, "sizes": results, **extra}, indent=2)
    )


def measure_build(row: dict, repo: Repo, size: int, args: argparse.Namespace, work: Path) -> None:
    builds, cpu = [], []
    for _ in range(args.runs if size <= 1000 else 1):
        before = processor_seconds()
        builds.append(build_portal(repo, TODAY, PASSCODES))
        cpu.append(processor_seconds() - before)
    row["build_cpu_s"] = median(cpu)
    for stage in ("load and validate", "render", "generator", "protect", "leak check"):
        row[f"build_{stage.replace(' ', '_')}_s"] = median([b.stages.get(stage, 0.0) for b in builds])
    row["build_s"] = median([b.seconds for b in builds])
    row["pages"] = builds[0].pages
    row["published_bytes"] = builds[0].bytes
    row["bytes_per_submission"] = builds[0].bytes / size
    # The reference is a plain mkdocs build of the same texts, one page each.
    row["reference_mkdocs_s"], row["reference_mkdocs_cpu_s"] = reference_build(work / f"ref{size}", repo, 1 if size > 1000 else args.runs)
    row["ratio_to_reference"] = row["build_s"] / row["reference_mkdocs_s"]
    row["verify_s"] = timed([PORTAL, "verify", "--repo", str(repo.root), "--today", TODAY.isoformat()], args.runs)
    if size == args.browser_at:
        row.update(browser_timings(repo.site_dir, args.runs))


def measure_extra(work: Path, runs: int) -> dict[str, float]:
    history, target = history_repo(work / "history", 5000)
    extra = {"history_5000_commits_s": timed([PORTAL, "history", target, "--repo", str(history)], runs)}
    ingest_repo = make_corpus(work / "ingest", 100, git_history=True)
    mail = work / "large.eml"
    large_email(mail)
    times = []
    for _ in range(runs):
        subprocess.run(["git", "reset", "-q", "--hard"], cwd=ingest_repo.root, check=True)
        start = time.perf_counter()
        done = subprocess.run(
            [PORTAL, "ingest", str(mail), "--repo", str(ingest_repo.root), "--submitter", "LAO", "--today", TODAY.isoformat()], capture_output=True, text=True
        )
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            sys.exit(done.stderr)
        subprocess.run(["git", "reset", "-q", "--hard", "HEAD~1"], cwd=ingest_repo.root, check=True)
    extra["ingest_10mb_email_s"] = median(times)
    extra["email_bytes"] = mail.stat().st_size
    return extra


def print_table(results: list[dict], extra: dict, machine: str, loads: list[float]) -> None:
    columns = [
        ("corpus", "corpus", "{}"),
        ("submissions", "n", "{:d}"),
        ("validate_s", "validate", "{:.2f}"),
        ("validate_reference_s", "val ref", "{:.2f}"),
        ("validate_ratio", "ratio", "{:.2f}"),
        ("validate_cpu_s", "val cpu", "{:.2f}"),
        ("validate_reference_cpu_s", "ref cpu", "{:.2f}"),
        ("build_load_and_validate_s", "load+val", "{:.2f}"),
        ("build_render_s", "render", "{:.2f}"),
        ("build_generator_s", "generator", "{:.2f}"),
        ("build_protect_s", "protect", "{:.2f}"),
        ("build_leak_check_s", "leaks", "{:.2f}"),
        ("build_s", "build", "{:.2f}"),
        ("reference_mkdocs_s", "mkdocs ref", "{:.2f}"),
        ("ratio_to_reference", "ratio", "{:.2f}"),
        ("build_cpu_s", "build cpu", "{:.2f}"),
        ("reference_mkdocs_cpu_s", "mkdocs cpu", "{:.2f}"),
        ("verify_s", "verify", "{:.2f}"),
        ("bytes_per_submission", "bytes/sub", "{:,.0f}"),
        ("load_before", "load", "{:.1f}"),
    ]
    columns = [column for column in columns if any(column[0] in row for row in results)]
    print(f"Portal benchmarks ({machine}; seconds, median; load = 1-minute load average before the row)")
    print(f"load average at start {loads[0]:.1f}, at end {loads[-1]:.1f}")
    print("validate ref: the same files read with PyYAML (libyaml) and checked with jsonschema in one process, no positions, no rules across files")
    print("mkdocs ref: a plain `mkdocs build` of the same texts, one page each, with the same theme")
    print("val cpu, ref cpu, build cpu: processor seconds (user + system, worker processes included), which the load moves far less than the clock")
    print(" | ".join(f"{title:>10}" for _, title, _ in columns))
    for row in results:
        print(" | ".join(f"{fmt.format(row[key]) if key in row else '':>10}" for key, _, fmt in columns))
    for row in results:
        target = VALIDATE_TARGET_S.get(row["submissions"])
        if target:
            verdict = "met" if row["validate_s"] <= target else "NOT met"
            print(f"{row['corpus']}: validate of {row['submissions']:,} texts {row['validate_s']:.2f} s, target {target:.1f} s: {verdict}")
    for row in results:
        if "unlock_s" in row:
            print(
                f"browser at {row['corpus']} {row['submissions']}: unlock {row['unlock_s']:.2f} s; page shown {row['page_s'] * 1000:.0f} ms after navigation; "
                f"search index ready {row['search_ready_s'] * 1000:.0f} ms after focusing the field, results {row['search_s'] * 1000:.0f} ms after typing"
            )
    if extra:
        print(
            f"history over 5,000 commits: {extra['history_5000_commits_s']:.2f} s; ingest of a {extra['email_bytes'] / 1e6:.1f} MB e-mail: {extra['ingest_10mb_email_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
