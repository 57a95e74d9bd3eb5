"""YAML reading for data that people write by hand.

Dates stay strings (JSON Schema checks their format), every key keeps its line and column,
and the YAML features that hide surprises are refused: anchors and aliases, duplicate keys,
tags of any kind.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from portal.errors import PortalError

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
Path = tuple[str | int, ...]
MAX_DEPTH = 20
_OTHER_BREAKS = re.compile("\r(?!\n)|[\x85\u2028\u2029]")  # where YAML starts a line and the file does not


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_CACHE_LIMIT = 20_000


# The tag of a plain scalar depends on its text only; field names, kinds, themes and dates repeat
# in every file, so their tags are remembered instead of matched again each time.
_PLAIN_SCALAR_TAGS: dict[str, str] = {}


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    def resolve(self, kind: type, value: str | None, implicit: Any, _known: dict[str, str] = _PLAIN_SCALAR_TAGS) -> str:
        # `value` is None for mappings and sequences; `implicit[0]` is true for a plain scalar.
        if value is not None and implicit[0]:
            tag = _known.get(value)
            if tag is None:
                if value and value[0] not in _TYPED_FIRST:
                    return _STR  # no implicit type starts with this character: a title, a hash, a name
                tag = super().resolve(kind, value, implicit)
                if len(_known) < _CACHE_LIMIT:
                    _known[value] = tag
            return tag  # type: ignore[no-any-return]
        return super().resolve(kind, value, implicit)  # type: ignore[no-any-return]

    # The composer calls these around every node for path-based resolvers, which this loader does
    # not have (they do nothing then); built-in callables taking the same arguments cost least.
    descend_resolver = staticmethod(slice)
    ascend_resolver = staticmethod(tuple)


# Timestamps are read as strings: "2026-13-01" must be a located schema error, not a crash.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
assert not _Loader.yaml_path_resolvers and None not in _Loader.yaml_implicit_resolvers
_TYPED_FIRST = frozenset(_Loader.yaml_implicit_resolvers)

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class YamlError(PortalError):
    """A located problem: line and column are 1-based."""

    def __init__(self, line: int, col: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message
        self.field = field


class Positions(Mapping[Path, tuple[int, int]]):
    """Line and column of every key and value of a document (for a key: of the key itself).

    They are needed only to report a problem, which is seldom: a document read the quick way
    keeps its text and reads the positions from it (the careful way) when first asked. Copied
    to another process, it carries only the text."""

    def __init__(self, text: str, line_offset: int, table: dict[Path, tuple[int, int]] | None = None) -> None:
        self.text = text
        self.line_offset = line_offset
        self._table = table

    def _positions(self) -> dict[Path, tuple[int, int]]:
        if self._table is None:
            found = load(self.text, self.line_offset, quick=False).positions
            self._table = found._table if isinstance(found, Positions) and found._table is not None else dict(found)
        return self._table

    def __getitem__(self, path: Path) -> tuple[int, int]:
        return self._positions()[path]

    def __contains__(self, path: object) -> bool:
        return path in self._positions()

    def __iter__(self) -> Iterator[Path]:
        return iter(self._positions())

    def __len__(self) -> int:
        return len(self._positions())

    def __reduce__(self) -> tuple[type[Positions], tuple[str, int]]:
        return (Positions, (self.text, self.line_offset))


@dataclass
class Located:
    """A YAML document as plain data, plus the position of every key and value."""

    data: Any
    positions: Mapping[Path, tuple[int, int]]

    def position(self, path: Path) -> tuple[int, int]:
        """The position of `path`, or of its nearest ancestor that has one."""
        while path not in self.positions and path:
            path = path[:-1]
        return self.positions.get(path, (1, 1))


def load(text: str, line_offset: int = 0, *, quick: bool = True) -> Located:
    """Parse one YAML document; raises YamlError with a 1-based position on any problem.
    `quick=False` reads every document the careful way, the reference for the quick reading."""
    text = text.removeprefix("\ufeff")  # a byte-order mark is not in any line or column (libyaml skips it, PyYAML counts it)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = _Lines(text).position(mark) if mark else (1, 1)
        problem = exc.problem or exc.context or "not valid YAML"
        raise YamlError(line + line_offset, col, f"not valid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1 + line_offset, 1, f"not valid YAML: {exc}") from None
    except RecursionError:
        raise YamlError(1 + line_offset, 1, f"nested more than {MAX_DEPTH} levels deep") from None
    if node is None:
        return Located(None, Positions(text, line_offset, {}))
    # Aliases need a '*' in the text; without one, no node can be reached twice.
    if quick and "*" not in text:
        try:
            return Located(_Plain(loader).convert(node, 0), Positions(text, line_offset))
        except _Unusual:
            pass
    positions: dict[Path, tuple[int, int]] = {}
    converter = _Converter(loader, positions, line_offset, _Lines(text))
    return Located(converter.convert(node, ()), Positions(text, line_offset, positions))


class _Unusual(Exception):
    """Raised by the quick reading on anything it does not handle; the careful reading decides."""


class _Plain:
    """The quick reading of the usual document: plain mappings, lists and scalars with their
    implicit tags, keys that are words given once; data only, positions are read when asked for.
    It gives the same data as `_Converter` for these, and leaves everything else (tags written
    out, merge keys, keys that are not words, duplicates, deep nesting, unreadable values) to
    it, so the messages are its."""

    def __init__(self, loader: Any) -> None:
        self.scalars = {
            "tag:yaml.org,2002:int": loader.construct_yaml_int,
            "tag:yaml.org,2002:float": loader.construct_yaml_float,
            "tag:yaml.org,2002:bool": loader.construct_yaml_bool,
            "tag:yaml.org,2002:null": loader.construct_yaml_null,
        }

    def convert(self, node: yaml.Node, depth: int) -> Any:
        kind = type(node)
        if kind is yaml.ScalarNode:
            return self.scalar(node)
        if depth >= MAX_DEPTH:  # the careful reading says how deep is too deep
            raise _Unusual
        if kind is yaml.MappingNode and node.tag == _MAP:
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                if type(key_node) is not yaml.ScalarNode or key_node.tag != _STR or key_node.value in result:
                    raise _Unusual
                result[key_node.value] = self.convert(value_node, depth + 1)
            return result
        if kind is yaml.SequenceNode and node.tag == _SEQ:
            return [self.convert(item, depth + 1) for item in node.value]
        raise _Unusual

    def scalar(self, node: yaml.Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        construct = self.scalars.get(tag)
        if construct is None:
            raise _Unusual
        try:
            return construct(node)
        except Exception:
            raise _Unusual from None


class _Lines:
    """1-based line and column of a YAML mark, lines counted as in the file and every editor, at
    each line feed: YAML also starts a line at a lone carriage return, NEL (U+0085) and the
    Unicode line and paragraph separators, even inside a quoted value, so its own count runs
    ahead of the file's after one of them."""

    def __init__(self, text: str) -> None:
        self.starts = [0, *(match.end() for match in re.finditer("\n", text))] if _OTHER_BREAKS.search(text) else None

    def position(self, mark: yaml.Mark) -> tuple[int, int]:
        if self.starts is None:
            return mark.line + 1, mark.column + 1
        line = bisect.bisect_right(self.starts, mark.index)
        return line, mark.index - self.starts[line - 1] + 1


class _Converter:
    def __init__(self, loader: Any, positions: dict[Path, tuple[int, int]], offset: int, lines: _Lines) -> None:
        self.loader = loader
        self.positions = positions
        self.offset = offset
        self.lines = lines
        self.seen: set[int] = set()

    def where(self, node: yaml.Node) -> tuple[int, int]:
        line, col = self.lines.position(node.start_mark)
        return line + self.offset, col

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
        except (yaml.YAMLError, ValueError, OverflowError, IndexError) as exc:  # IndexError: an empty !!int
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
