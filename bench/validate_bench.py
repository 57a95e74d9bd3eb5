"""`portal validate` alone, beside its reference, on both corpora: a quicker table than `make bench`.

Usage: python -m bench.validate_bench [SIZE ...]   (default: 1000 10000)
"""

from __future__ import annotations

import sys

from bench import run

if __name__ == "__main__":
    sizes = ",".join(sys.argv[1:]) or "1000,10000"
    sys.argv = [sys.argv[0], "--sizes", sizes, "--validate-only", "--runs", "5"]
    run.main()
