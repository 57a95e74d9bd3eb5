"""The shape of the code: no circles of imports, and the stages in the order of the pipeline.

Read from the import graph of the installed package (grimp), every import counted: those at the
top of a module, those inside a function and those only for the type checker."""

from __future__ import annotations

import grimp
import pytest

# The stages in the order they build on each other (intake checks what it commits; publishing
# renders what the checks let through); a stage may import those before it, never one after it. The modules at the root of the package (model, config, dates, errors, …) are the
# vocabulary every stage reads.
STAGES = (
    "portal.trail",
    "portal.checks",
    "portal.intake",
    "portal.publish.render",
    "portal.report",
    "portal.publish.generate",
    "portal.publish.seal",
    "portal.publish.prove",
    "portal.publish",
    "portal.delivery",
    "portal.upkeep",
    "portal.cli",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("portal")


def stage_of(module: str) -> str | None:
    found = [stage for stage in STAGES if module == stage or module.startswith(stage + ".")]
    return max(found, key=len) if found else None


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each a circle of imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in edges.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_through_others(graph: grimp.ImportGraph) -> None:
    edges = {module: graph.find_modules_directly_imported_by(module) for module in graph.modules}
    assert circles(edges) == []


def test_each_stage_imports_only_the_stages_before_it(graph: grimp.ImportGraph) -> None:
    backwards = []
    for module in sorted(graph.modules):
        here = stage_of(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            there = stage_of(imported)
            if here and there and here != there and STAGES.index(there) > STAGES.index(here) and not there.startswith(here + "."):
                backwards.append(f"{module} -> {imported}")
    assert backwards == []


def test_the_circle_finder_finds_a_circle() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
