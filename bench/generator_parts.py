"""Whether generating a tier in parts pays: the build of the same corpus with parts switched off
(every tier in one MkDocs run) and on (every tier in one part per core), alternating, at each size.

Usage: python -m bench.generator_parts [--sizes 100,400,1000] [--runs 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from portal.publish import tiers
from portal.publish.build import build_portal

from bench.corpus import TODAY, make_corpus
from tests.helpers import PASSCODES

OFF = 10**9  # no tier is this large: every tier in one run
ON = 0  # every tier in one part per core


def measure(size: int, runs: int, work: Path) -> dict[str, float]:
    repo = make_corpus(work / f"parts{size}", size)
    times: dict[str, list[float]] = {"off": [], "on": []}
    generator: dict[str, list[float]] = {"off": [], "on": []}
    pages = 0
    for _ in range(runs):
        for mode, split_from in (("off", OFF), ("on", ON)):
            tiers.SPLIT_FROM_PAGES = split_from
            started = time.perf_counter()
            summary = build_portal(repo, TODAY, PASSCODES)
            times[mode].append(time.perf_counter() - started)
            generator[mode].append(summary.stages.get("generator", 0.0))
            pages = summary.pages
    off, on = statistics.median(times["off"]), statistics.median(times["on"])
    return {
        "size": size,
        "pages": pages,
        "off_s": off,
        "on_s": on,
        "saved_s": off - on,
        "saved_pct": 100 * (off - on) / off,
        "generator_off_s": statistics.median(generator["off"]),
        "generator_on_s": statistics.median(generator["on"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,400,1000")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(item) for item in args.sizes.split(",")):
            row = measure(size, args.runs, Path(folder))
            print(
                f"{row['size']:>5} texts ({row['pages']} pages): off {row['off_s']:.1f} s, on {row['on_s']:.1f} s,"
                f" saved {row['saved_s']:.1f} s ({row['saved_pct']:.0f}%); generator stage off {row['generator_off_s']:.1f} s, on {row['generator_on_s']:.1f} s;"
                f" load {os.getloadavg()[0]:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
