"""YAML reading for data that people write by hand.

Dates stay strings (JSON Schema checks their format), every key keeps its line and column,
and the YAML features that hide surprises are refused: anchors and aliases, duplicate keys,
tags of any kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path = tuple[str | int, ...]
MAX_DEPTH = 20


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    pass


# Timestamps are read as strings: "2026-13-01" must be a located schema error, not a crash.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class YamlError(Exception):
    """A located problem: line and column are 1-based."""

    def __init__(self, line: int, col: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message
        self.field = field


@dataclass
class Located:
    """A YAML document as plain data, plus the position of every key and value."""

    data: Any
    positions: dict[Path, tuple[int, int]]

    def position(self, path: Path) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


def load(text: str, line_offset: int = 0) -> Located:
    """Parse one YAML document; raises YamlError with a 1-based position on any problem."""
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "not valid YAML"
        raise YamlError(line + line_offset, col, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1 + line_offset, 1, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise YamlError(1 + line_offset, 1, f"nested more than {MAX_DEPTH} levels deep") from None
    positions: dict[Path, tuple[int, int]] = {}
    if node is None:
        return Located(None, positions)
    converter = _Converter(loader, positions, line_offset)
    return Located(converter.convert(node, ()), positions)


class _Converter:
    def __init__(self, loader: Any, positions: dict[Path, tuple[int, int]], offset: int) -> None:
        self.loader = loader
        self.positions = positions
        self.offset = offset
        self.seen: set[int] = set()

    def where(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def fail(self, node: yaml.Node, path: Path, message: str) -> YamlError:
        line, col = self.where(node)
        return YamlError(line, col, message, dotted(path))

    def convert(self, node: yaml.Node, path: Path) -> Any:
        if len(path) > MAX_DEPTH:
            raise self.fail(node, path, f"nested more than {MAX_DEPTH} levels deep; the guidance pattern needs at most 3")
        if id(node) in self.seen:
            raise self.fail(node, path, "anchors and aliases (& and *) are not allowed; write the value out")
        self.seen.add(id(node))
        if getattr(node, "anchor", None):
            raise self.fail(node, path, "anchors and aliases (& and *) are not allowed; write the value out")
        if node.tag not in _PLAIN_TAGS:
            raise self.fail(node, path, f"YAML tags such as {node.tag!r} are not allowed; write a plain value")
        self.positions.setdefault(path, self.where(node))
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, path, "a key must be a plain word")
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise self.fail(key_node, path, "merge keys (<<) are not allowed; write the fields out")
                key = str(self.scalar(key_node, path))
                if key in result:
                    first_line, _ = self.positions[(*path, key)]
                    raise self.fail(key_node, (*path, key), f"duplicate key {key!r} (first given on line {first_line})")
                self.positions[(*path, key)] = self.where(key_node)
                result[key] = self.convert(value_node, (*path, key))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, index)) for index, item in enumerate(node.value)]
        return self.scalar(node, path)

    def scalar(self, node: yaml.Node, path: Path) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            raise self.fail(node, path, f"cannot read this value: {exc}") from None


def dotted(path: Path) -> str:
    """('contact', 'email') -> 'contact.email'; ('themes', 1) -> 'themes[1]'."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
