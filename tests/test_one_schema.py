"""The repository's schema is the one source of the allowed values in a run: a value added there
(with its label) is accepted, shown and listed; a value without a label (or a label without a
value) is refused by every command, with the place in the schema, never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from portal.config import Repo

from tests.helpers import DEMO_DATE, ENV, PROJECT, STATES, MakeRepo, Run, open_site, snapshot

SCHEMA = "schema/submission.schema.json"
NEW_THEME, NEW_LABEL = "land-release-survey", "Land release survey"
TEXT = """---
id: lao-2026-need-survey
kind: need
submitter:
  type: state
  code: LAO
title: Non-technical survey in Savannakhet
themes: [land-release-survey]
assistance: [technical]
contact:
  name: National Regulatory Authority
  email: nra@example.org
received: 2026-11-01
published: 2026-11-02
expires: 2027-11-02
language: en
audience: states
format: plain
---
Survey teams for three districts.
"""


def edit_schema(repo: Repo, change: Any) -> None:
    """Change the repository's schema as a coordinator would, written back as JSON."""
    schema = json.loads(repo.schema_path.read_text(encoding="utf-8"))
    change(schema)
    repo.schema_path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def add_theme(label: str | None) -> Any:
    def change(schema: dict[str, Any]) -> None:
        items = schema["properties"]["themes"]["items"]
        items["enum"].append(NEW_THEME)
        if label is not None:
            items["x-labels"][NEW_THEME] = label

    return change


def with_text(repo: Repo) -> Repo:
    folder = repo.submissions / "LAO"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "lao-2026-need-survey.md").write_text(TEXT, encoding="utf-8")
    return repo


def key_position(path: Path, *keys: str) -> tuple[int, int]:
    """Where the last of `keys` is written, each searched after the one before (as a reader would)."""
    text = path.read_text(encoding="utf-8")
    offset = 0
    for key in keys:
        offset = text.index(json.dumps(key), offset)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_a_theme_added_with_its_label_is_accepted(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo()
    edit_schema(repo, add_theme(NEW_LABEL))
    with_text(repo)
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 0, result.output
    assert Repo(repo.root).vocabulary.themes[NEW_THEME] == NEW_LABEL


def test_a_theme_without_a_label_is_refused_where_the_labels_are(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo()
    edit_schema(repo, add_theme(None))
    with_text(repo)
    result = run("validate", "--repo", str(repo.root))
    assert result.exit_code == 1
    line, col = key_position(repo.schema_path, "properties", "themes", "items", "x-labels")
    assert f"{SCHEMA}:{line}:{col}: error: themes: x-labels must give a label to each of " in result.output
    assert f"universalisation, {NEW_THEME}, in that order (no label for {NEW_THEME})" in result.output
    assert "Traceback" not in result.output and "KeyError" not in result.output


@pytest.mark.parametrize(
    ("change", "field", "keys", "why"),
    [
        (
            lambda s: s["properties"]["themes"]["items"]["x-labels"].update({"demining": "Demining"}),
            "themes",
            ("properties", "themes", "items", "x-labels"),
            "a label for demining, which is not an allowed value",
        ),
        (lambda s: s["properties"]["kind"]["x-plural-labels"].pop("project"), "kind", ("properties", "kind", "x-plural-labels"), "no label for project"),
        (
            lambda s: s["properties"]["assistance"]["items"].pop("x-labels"),
            "assistance",
            ("properties", "assistance", "items", "enum"),
            "no label for technical, material, financial",
        ),
        (
            lambda s: s["properties"]["submitter"]["properties"]["type"]["x-labels"].pop("ngo"),
            "submitter.type",
            ("properties", "submitter", "properties", "type", "x-labels"),
            "no label for ngo",
        ),
    ],
)
def test_labels_that_do_not_match_the_values_are_refused_by_every_command(
    make_repo: MakeRepo, run: Run, change: Any, field: str, keys: tuple[str, ...], why: str
) -> None:
    repo = make_repo()
    edit_schema(repo, change)
    line, col = key_position(repo.schema_path, *keys)
    for command in (
        ["validate"],
        ["list"],
        ["new", "--kind", "need", "--submitter", "LAO", "--title", "T", "--theme", "transparency", "--assistance", "technical"],
    ):
        before = snapshot(repo.root)
        result = run(*command, "--repo", str(repo.root))
        assert result.exit_code == 1, (command, result.output)
        assert re.search(rf"{re.escape(SCHEMA)}:{line}:{col}: error: {re.escape(field)}: .*\({re.escape(why)}\)", result.output), (command, result.output)
        assert "Traceback" not in result.output
        assert snapshot(repo.root) == before


@pytest.mark.slow
def test_the_build_shows_the_new_themes_label_on_the_page_and_in_the_listing(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo()
    edit_schema(repo, add_theme(NEW_LABEL))
    with_text(repo)
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 0, result.output
    site = open_site(repo.site_dir, STATES)
    page = site.page_titled("Non-technical survey in Savannakhet")
    assert re.search(rf'<a href="[^"]+">{NEW_LABEL}</a>', page), "the text's page links its theme by the schema's label"
    themes = site.page_titled("Themes")
    assert re.search(rf"<li>.*{NEW_LABEL}.*</li>", themes), "the themes page lists the new theme"
    listing = site.page_titled(NEW_LABEL)
    assert "Non-technical survey in Savannakhet" in listing
    need_list = site.page_titled("Needs")
    assert re.search(rf'<td data-label="Themes"[^>]*>{NEW_LABEL}</td>', need_list), "the listing's Themes column shows the label"


@pytest.mark.slow
def test_the_build_refuses_a_theme_without_a_label(make_repo: MakeRepo, run: Run) -> None:
    repo = make_repo()
    edit_schema(repo, add_theme(None))
    with_text(repo)
    result = run("build", "--repo", str(repo.root), "--today", DEMO_DATE, env=ENV)
    assert result.exit_code == 1
    line, col = key_position(repo.schema_path, "properties", "themes", "items", "x-labels")
    assert f"{SCHEMA}:{line}:{col}: error: themes: " in result.output
    assert "Traceback" not in result.output and "KeyError" not in result.output
    assert not repo.site_dir.exists()


# The templates States fill in list the allowed values by hand: they must list the schema's.


def template_lines(path: Path) -> dict[str, str]:
    header = path.read_text(encoding="utf-8").split("----", 1)[0]
    return dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)


def listed(value_line: str) -> list[str]:
    """'[one or more of: a, b, c]' -> [a, b, c]."""
    found = re.fullmatch(r"\[one or more of: (.*)\]", value_line)
    assert found, f"{value_line!r} is not '[one or more of: …]'"
    return [value.strip() for value in found.group(1).split(",")]


def value_words(value_line: str) -> list[str]:
    """The words of a line that read as values: lower-case words, hyphenated ones or 'states'."""
    return [word for word in re.findall(r"[a-z]+(?:-[a-z]+)*", value_line) if "-" in word or word == "states"]


@pytest.mark.parametrize("root", [PROJECT], ids=["project"])
def test_each_template_lists_exactly_the_schemas_values(root: Path) -> None:
    vocabulary = Repo(root).vocabulary
    templates = root / "schema" / "templates"
    assert sorted(path.stem for path in templates.glob("*.md")) == sorted(vocabulary.kinds), "one template per kind of the schema"
    for kind in vocabulary.kinds:
        lines = template_lines(templates / f"{kind}.md")
        assert lines["Kind"] == kind, kind
        assert listed(lines["Themes"]) == list(vocabulary.themes), f"{kind}.md: Themes"
        assert listed(lines["Assistance"]) == list(vocabulary.assistance), f"{kind}.md: Assistance"
        assert sorted(set(value_words(lines["Audience"]))) == sorted(vocabulary.audiences), f"{kind}.md: Audience"


def test_a_template_that_misses_a_value_of_the_schema_is_caught(make_repo: MakeRepo) -> None:
    """The check above fails when a theme is added to the schema and not to the templates."""
    repo = make_repo(commit=False)
    edit_schema(repo, add_theme(NEW_LABEL))
    with pytest.raises(AssertionError, match="Themes"):
        test_each_template_lists_exactly_the_schemas_values(repo.root)


def test_a_place_in_the_schema_is_found_also_where_the_yaml_reader_declines() -> None:
    """JSON is YAML, so the position-aware reader finds a key; a schema it declines (a key given
    twice) is searched key after key in the text."""
    from portal.config import json_position

    assert json_position('{\n\t"a": {\n\t\t"b": 1}}', ("a", "b")) == (3, 3)
    assert json_position('{"a": 1,\n "a": {"b": 2}}', ("a", "b")) == (2, 8)
