"""The worst shapes of a Markdown text known, at the largest size allowed and at 1 MB: what
checking one costs at ingest and `portal validate` (the limits, then the render within its time
budget) and what the check says. No shape may cost more than the budget and a little more.

Usage: python -m bench.markdown_bench [CHARACTERS ...]   (default: the limit, and 1,000,000)
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

from portal.checks.markdownlimits import MAX_CHARS, markdown_problems


def _nested(size: int) -> str:
    lines: list[str] = []
    length = 0
    while length < size:
        lines.append("    " * len(lines) + "- a\n")
        length += len(lines[-1])
    return "".join(lines)


SHAPES: dict[str, Callable[[int], str]] = {
    "nested lists": _nested,
    "nested quotes": lambda n: ">" * (n - 3) + " a\n",
    "nested brackets": lambda n: "[" * (n // 2) + "]" * (n // 2),
    "open brackets": lambda n: "[a" * (n // 2),
    "open images": lambda n: "![" * (n // 2),
    "links without end": lambda n: "[a](" * (n // 4),
    "open tags": lambda n: "<a " * (n // 3),
    "emphasis runs": lambda n: "*a **b " * (n // 7),
    "underscores": lambda n: "_" * n,
    "backslashes": lambda n: "\\" * n,
    "code spans": lambda n: "`a " * (n // 3),
    "same headings": lambda n: "# a\n" * (n // 4),
    "underlined headings": lambda n: "a\n=\n" * (n // 4),
    "rules": lambda n: "* * *\n" * (n // 6),
    "definitions": lambda n: "a\n: b\n" * (n // 6),
    "long table": lambda n: "| a | b |\n|---|---|\n" + "| x | y |\n" * (n // 10 - 2),
    "wide table": lambda n: "|" + "a|" * (n // 4 - 1) + "\n|" + "-|" * (n // 4 - 1) + "\n",
    "short paragraphs": lambda n: "a\n\n" * (n // 3),
    "list items": lambda n: "- a\n" * (n // 4),
    "links": lambda n: "[a](b) " * (n // 7),
}


def measure(size: int) -> list[tuple[str, int, float, str]]:
    """Each shape's size, seconds to check, and the check's verdict (first words of the refusal)."""
    rows = []
    for name, shape in SHAPES.items():
        text = shape(size)
        started = time.perf_counter()
        problems = markdown_problems("text.md", text, 1, render=True)
        seconds = time.perf_counter() - started
        verdict = problems[0].message.split(";")[0] if problems else "accepted"
        rows.append((name, len(text), seconds, verdict))
    return rows


def main() -> None:
    sizes = [int(arg) for arg in sys.argv[1:]] or [MAX_CHARS, 1_000_000]
    print("| shape | characters | seconds | check |\n|---|---:|---:|---|")
    for size in sizes:
        for name, length, seconds, verdict in measure(size):
            print(f"| {name} | {length:,} | {seconds:.2f} | {verdict} |", flush=True)


if __name__ == "__main__":
    main()
