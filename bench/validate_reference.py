"""The reference for `portal validate`: the plain way with the same libraries. Every file read, its
front matter loaded with PyYAML on libyaml (CSafeLoader, dates as strings) and checked with
jsonschema, in one process: no positions, no refusal of YAML tricks, none of the rules across files.

Usage: python bench/validate_reference.py REPOSITORY   (prints the number of schema errors)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator


class Loader(yaml.CSafeLoader):
    pass


Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
}


def main(root: Path) -> int:
    schema = json.loads((root / "schema" / "submission.schema.json").read_text(encoding="utf-8"))
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors = 0
    for directory, subdirs, names in os.walk(root / "submissions"):
        subdirs[:] = [name for name in subdirs if name != "attachments"]
        for name in names:
            if name.endswith(".md"):
                text = Path(directory, name).read_text(encoding="utf-8")
                front = text.removeprefix("---\n").split("\n---\n", 1)[0]
                errors += sum(1 for _ in validator.iter_errors(yaml.load(front, Loader=Loader)))
    return errors


if __name__ == "__main__":
    print(main(Path(sys.argv[1])))
