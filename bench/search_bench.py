"""Search at scale: the search index's size, the time from the first key to the first results, and
the tab's memory, at 1,000 and 10,000 generated texts, on a processor slowed four times as a
phone's would be. Prints a table (a benchmark, not a test).

For each size: a generated corpus (bench/corpus.py) is built for real (sealed, leak-checked), served
locally and opened in the system Chromium as a reader opens it. The processor is slowed four times
(CDP `Emulation.setCPUThrottlingRate`) from the unlock page on, then, on the first page opened:

- cold: the reader goes to the search field on a page just opened and types a word; from the first
  key to the first results (the sealed index is fetched, opened, parsed and indexed by the theme's
  search worker in that time);
- warm: the index ready, one more key to new results;
- memory: the page's JavaScript heap (CDP `Performance.getMetrics`, JSHeapUsedSize; the search
  worker's heap is not in it) and the renderer process of the tab, which holds the page and the
  search worker (its resident and proportional sizes, from /proc; Linux only).

Goal: first results within 1 s at 10,000 texts, the tab under 300 MB.

Usage: python -m bench.search_bench [--sizes 1000,10000] [--throttle 4]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
import time
from pathlib import Path

from portal.publish.build import build_portal
from portal.publish.seal.keys import open_keys, open_page
from portal.publish.seal.sealedformat import KEYS_FILE, PUBLIC_DIR, SEARCH_INDEX

from bench.corpus import TODAY, make_corpus
from tests.helpers import PASSCODES

WORD = "rehabilitation"  # a word of the corpus (bench/corpus.py WORDS): many hits
GOAL_S = 1.0
GOAL_MB = 300


def index_sizes(site: Path) -> dict[str, float]:
    """The sealed index as published and as the browser opens it (gunzipped JSON), in MB, with its
    entries (pages and sections)."""
    import base64

    slot = open_keys((site / PUBLIC_DIR / KEYS_FILE).read_text(), PASSCODES["states"])
    folder = site / slot["home"].split("/")[0]
    sealed = (folder / SEARCH_INDEX).read_bytes()
    plain = open_page(base64.b64decode(slot["key"]), sealed, slot["build"], f"{folder.name}/{SEARCH_INDEX}")
    opened = plain if plain.startswith(b"{") else gzip.decompress(plain)
    docs = json.loads(opened)["docs"]
    return {"index_sealed_mb": len(sealed) / 1e6, "index_json_mb": len(opened) / 1e6, "index_entries": len(docs)}


def renderer_mb(browser_session: object) -> tuple[float, float]:
    """The largest renderer process's memory (the tab and its search worker), in MB: resident (RSS)
    and proportional (PSS: its share of memory shared with other processes counted in part)."""
    info = browser_session.send("SystemInfo.getProcessInfo")  # type: ignore[attr-defined]
    found = [(0.0, 0.0)]
    for process in info["processInfo"]:
        rollup = Path(f"/proc/{process['id']}/smaps_rollup")
        if process["type"] == "renderer" and rollup.exists():
            fields = {line.split(":")[0]: int(line.split()[1]) / 1024 for line in rollup.read_text().splitlines()[1:]}
            found.append((fields.get("Rss", 0.0), fields.get("Pss", 0.0)))
    return max(found)


def measure(site: Path, throttle: float) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    from tests.browser import ARGS, chromium_path, serving

    with serving(site) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.goto(url)
        cdp = context.new_cdp_session(page)  # slowed from the passcode on: opening the index, too
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": throttle})
        cdp.send("Performance.enable")
        page.get_by_label("Passcode").fill(PASSCODES["states"])
        page.get_by_label("Passcode").press("Enter")
        page.wait_for_selector(".md-content h1", timeout=600_000)
        field = page.locator("input.md-search__input")
        meta = "() => /matching/.test(document.querySelector('.md-search-result__meta')?.textContent || '')"
        field.focus()
        start = time.perf_counter()
        page.keyboard.type(WORD[0])  # the first key
        page.keyboard.type(WORD[1:], delay=60)
        page.wait_for_function(meta, timeout=600_000, polling=20)
        cold = time.perf_counter() - start
        # The next key (a new query) once the index is ready: the results' line is cleared first,
        # and written again by the theme with the new results.
        page.evaluate("() => { document.querySelector('.md-search-result__meta').textContent = '' }")
        start = time.perf_counter()
        page.keyboard.press("Backspace")
        page.wait_for_function(meta, timeout=600_000, polling=20)
        warm = time.perf_counter() - start
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        rss, pss = renderer_mb(browser.new_browser_cdp_session())
        browser.close()
    return {
        "first_results_cold_s": cold,
        "next_results_warm_s": warm,
        "js_heap_mb": metrics["JSHeapUsedSize"] / 1e6,
        "renderer_rss_mb": rss,
        "renderer_pss_mb": pss,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--throttle", type=float, default=4.0)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="portal-search-bench-") as temp:
        for size in [int(size) for size in args.sizes.split(",")]:
            print(f"… {size} texts: generating and building", file=sys.stderr)
            repo = make_corpus(Path(temp) / f"generated{size}", size, attachments=False)
            start = time.perf_counter()
            build_portal(repo, TODAY, PASSCODES)
            row: dict[str, float] = {"texts": size, "build_s": time.perf_counter() - start}
            row.update(index_sizes(repo.site_dir))
            print(f"… {size} texts: searching in Chromium, processor slowed {args.throttle:g}×", file=sys.stderr)
            row.update(measure(repo.site_dir, args.throttle))
            rows.append(row)
    print(f"\nSearch at scale (Chromium, processor slowed {args.throttle:g}×, phone viewport; goal: first results ≤ {GOAL_S:g} s, tab < {GOAL_MB} MB)\n")
    print(
        "| texts | build s | index sealed MB | index JSON MB | entries | first key → results s | next key s | page JS heap MB | renderer RSS MB | renderer PSS MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['texts']:,} | {r['build_s']:.0f} | {r['index_sealed_mb']:.1f} | {r['index_json_mb']:.1f} | {r['index_entries']:,.0f} "
            f"| {r['first_results_cold_s']:.2f} | {r['next_results_warm_s']:.2f} | {r['js_heap_mb']:.0f} | {r['renderer_rss_mb']:.0f} | {r['renderer_pss_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
