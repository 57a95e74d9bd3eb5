"""`portal validate` over generated corpora: prints a table of seconds (median of runs)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from corpus import make_corpus

SIZES = [int(arg) for arg in sys.argv[1:]] or [1000, 10000]
PORTAL = Path(sys.executable).with_name("portal")


def main() -> None:
    print(f"{'submissions':>11}  {'validate (s)':>12}  {'per file (ms)':>13}")
    with tempfile.TemporaryDirectory() as temp:
        for size in SIZES:
            repo = make_corpus(Path(temp) / f"c{size}", size)
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                done = subprocess.run([str(PORTAL), "validate", "--repo", str(repo.root)], capture_output=True, text=True)
                runs.append(time.perf_counter() - start)
                if done.returncode != 0:
                    sys.exit(done.stdout[-2000:])
            median = statistics.median(runs)
            print(f"{size:>11}  {median:>12.2f}  {1000 * median / size:>13.3f}")


if __name__ == "__main__":
    main()
