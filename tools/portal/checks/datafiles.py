"""Settings and registers (schema/settings.yaml, states.yaml, organisations.yaml, senders.yaml),
read with positions and checked by the JSON Schemas of the portal version, through the same
checker and in the same located form as submissions: `path:line:col: error: field: message`.

The schemas are in the package (`portal/data/*.schema.json`), not in a repository: what a
setting may be is a fact of the portal that reads it, and a repository cannot loosen it. A schema
may take a definition of another with `{"$ref": "states.schema.json#/$defs/status"}` (or `#/$defs/…`
within itself); it is put in place when the schema is loaded, so each value has one home (the
convention statuses: states.schema.json). What a schema cannot say (a reference to another file,
two tiers with one id, a password in an address) the loaders check beside it, with
`located_error`, in the same form.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from portal.checks import yamlsafe
from portal.checks.schema import SchemaChecker
from portal.errors import PortalError
from portal.model import Problem


class ConfigError(PortalError):
    """A setting or a register that cannot be used; the message names the file, line and field."""


@cache
def data_schema(name: str) -> dict[str, Any]:
    """The package's schema `name` (e.g. 'settings.schema.json'), its references put in place."""
    text = (resources.files("portal") / "data" / name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    resolved = _inlined(schema, schema)
    resolved.pop("$defs", None)
    return resolved  # type: ignore[no-any-return]


def definition(name: str, key: str) -> dict[str, Any]:
    """A definition of a package schema (`$defs`), e.g. ('states.schema.json', 'status')."""
    text = (resources.files("portal") / "data" / name).read_text(encoding="utf-8")
    found: dict[str, Any] = json.loads(text)["$defs"][key]
    return found


def _inlined(node: Any, root: dict[str, Any]) -> Any:
    if isinstance(node, list):
        return [_inlined(item, root) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        file, _hash, pointer = ref.partition("#/$defs/")
        source = root if not file else json.loads((resources.files("portal") / "data" / file).read_text(encoding="utf-8"))
        return _inlined(copy.deepcopy(source["$defs"][pointer]), source)
    return {key: (value if key == "$defs" else _inlined(value, root)) for key, value in node.items()}


@cache
def _checker(name: str) -> SchemaChecker:
    return SchemaChecker(data_schema(name), missing_hint=f"the portal's own schema/{name.replace('.schema.json', '.yaml')} shows each field")


def read_bytes(path: Path) -> bytes:
    """A data file's bytes; a missing file is an error that names it."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file is missing") from None


def read_yaml_file(path: Path, data: bytes | None = None) -> yamlsafe.Located:
    """A data file (or `data`, its bytes already read) with the positions of its keys; a file
    that is no YAML is a located error."""
    try:
        text = (read_bytes(path) if data is None else data).decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}:1:1: error: not UTF-8 text") from None
    try:
        return yamlsafe.load(text)
    except yamlsafe.YamlError as exc:
        raise ConfigError(f"{path}:{exc.line}:{exc.col}: error: {exc.field or 'file'}: {exc.message}") from None


def load_checked(path: Path, schema_name: str, data: bytes | None = None) -> yamlsafe.Located:
    """`path` (or `data`, its bytes already read) read and checked against the package's schema
    `schema_name`; every problem found is in the ConfigError raised, one located line each."""
    located = read_yaml_file(path, data)
    problems = _checker(schema_name).check(str(path), located)
    if problems:
        raise ConfigError("\n".join(_line(problem) for problem in sorted(problems, key=Problem.sort_key)))
    return located


def located_error(path: Path, located: yamlsafe.Located, keys: yamlsafe.Path, message: str) -> ConfigError:
    """A problem a schema cannot express (a cross-reference, a rule across fields), located alike."""
    line, col = located.position(keys)
    return ConfigError(f"{path}:{line}:{col}: error: {yamlsafe.dotted(keys)}: {message}")


def _line(problem: Problem) -> str:
    return f"{problem.path}:{problem.line}:{problem.col}: error: {problem.field or 'file'}: {problem.message}"
