"""The allowed values (kinds, themes, assistance, submitter types, audiences, formats) have one
home, the schema: the model, every command's choices and the pages of a real build agree with it."""

from __future__ import annotations

import copy
import html
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from portal import model
from portal.cli import main
from portal.config import Repo
from portal.intake.documents import CONVERTIBLE

from tests.helpers import PROJECT, STATES, BuildOutput, OpenedSite, open_site

SCHEMA: dict[str, Any] = json.loads((PROJECT / "schema" / "submission.schema.json").read_text(encoding="utf-8"))
# field -> where its allowed values are in the schema
FIELDS = {
    "kind": ("kind",),
    "themes": ("themes",),
    "assistance": ("assistance",),
    "submitter.type": ("submitter", "type"),
    "audience": ("audience",),
    "format": ("format",),
    "source.converted_from": ("source", "converted_from"),
}


def spec(field: str) -> dict[str, Any]:
    found: dict[str, Any] = SCHEMA
    for name in FIELDS[field]:
        found = found["properties"][name]
    return found.get("items", found)


def enum(field: str) -> list[str]:
    return list(spec(field)["enum"])


def test_the_vocabulary_lists_exactly_the_values_and_labels_of_the_schema() -> None:
    vocabulary = Repo(PROJECT).vocabulary
    assert list(vocabulary.kinds.items()) == list(spec("kind")["x-plural-labels"].items())
    assert list(vocabulary.kind_singular.items()) == list(spec("kind")["x-labels"].items())
    assert list(vocabulary.themes.items()) == list(spec("themes")["x-labels"].items())
    assert list(vocabulary.assistance.items()) == list(spec("assistance")["x-labels"].items())
    assert list(vocabulary.submitter_types.items()) == list(spec("submitter.type")["x-labels"].items())
    assert list(vocabulary.audiences.items()) == list(spec("audience")["x-labels"].items())
    assert list(vocabulary.formats) == enum("format")
    assert list(vocabulary.conversions) == enum("source.converted_from")
    assert vocabulary.fields == tuple(SCHEMA["properties"])
    for field in FIELDS:  # each list of labels names the allowed values, in their order
        for keyword in ("x-labels", "x-plural-labels"):
            if keyword in spec(field):
                assert list(spec(field)[keyword]) == enum(field), (field, keyword)


def test_the_package_keeps_no_copy_of_the_allowed_values() -> None:
    with pytest.raises(AttributeError, match=r"portal.model.THEMES is gone: .* use repo.vocabulary.themes"):
        model.THEMES  # noqa: B018
    assert not (PROJECT / "tools" / "portal" / "submission.schema.json").exists()


def test_labels_that_do_not_match_the_allowed_values_are_refused() -> None:
    schema = copy.deepcopy(SCHEMA)
    schema["properties"]["themes"]["items"]["x-labels"]["demining"] = "Demining"
    with pytest.raises(ValueError, match=r"themes: x-labels must give a label to each of stockpile-destruction, .*universalisation, in that order"):
        model.value_labels(schema, "themes")
    del schema["properties"]["kind"]["x-labels"]["project"]
    with pytest.raises(ValueError, match=r"kind: x-labels .*\(no label for project\)"):
        model.value_labels(schema, "kind")


def test_conversions_are_the_ones_the_schema_allows() -> None:
    assert {*CONVERTIBLE.values(), "html"} == set(enum("source.converted_from"))


def commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in sorted(group.commands.items()):
        yield f"{prefix}{name}", command
        if isinstance(command, click.Group):
            yield from commands(command, f"{prefix}{name} ")


def schema_field_of(choices: set[str]) -> str | None:
    """The field whose allowed values a list of choices is about (shares a value with)."""
    return next((field for field in FIELDS if choices & set(enum(field))), None)


def test_no_command_fixes_the_schemas_values_at_import() -> None:
    """The values come from the repository a command runs in, so no option lists them itself."""
    checked = 0
    for name, command in commands(main):
        for param in command.params:
            if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
                choices = {str(choice) for choice in param.type.choices}
                assert schema_field_of(choices) is None, f"portal {name} {param.opts[0]} lists the schema's values at import: {sorted(choices)}"
                checked += 1
    assert checked >= 3  # e.g. --format text|json, list --state, deploy --kind


@pytest.mark.parametrize(
    ("args", "option", "field"),
    [
        (["new", "--kind", "request", "--submitter", "LAO", "--title", "T", "--theme", "victim-assistance", "--assistance", "technical"], "--kind", "kind"),
        (["new", "--kind", "need", "--submitter", "LAO", "--title", "T", "--theme", "demining", "--assistance", "technical"], "--theme", "themes"),
        (
            ["new", "--kind", "need", "--submitter", "LAO", "--title", "T", "--theme", "victim-assistance", "--assistance", "moral"],
            "--assistance",
            "assistance",
        ),
        (
            ["new", "--kind", "need", "--submitter", "LAO", "--title", "T", "--theme", "victim-assistance", "--assistance", "technical", "--audience", "all"],
            "--audience",
            "audience",
        ),
        (
            [
                "new",
                "--kind",
                "need",
                "--submitter",
                "LAO",
                "--title",
                "T",
                "--theme",
                "victim-assistance",
                "--assistance",
                "technical",
                "--text-format",
                "html",
            ],
            "--text-format",
            "format",
        ),
        (["list", "--kind", "request"], "--kind", "kind"),
    ],
)
def test_a_value_the_schema_does_not_allow_is_refused_naming_the_allowed_ones(example_repo: Repo, args: list[str], option: str, field: str) -> None:
    before = sorted(path.name for path in example_repo.submissions.rglob("*.md"))
    result = CliRunner().invoke(main, [*args, "--repo", str(example_repo.root)])
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}'" in result.output
    assert f"is not one of: {', '.join(enum(field))} (the allowed values in schema/submission.schema.json)" in result.output
    assert "Traceback" not in result.output
    assert sorted(path.name for path in example_repo.submissions.rglob("*.md")) == before


@pytest.fixture(scope="module")
def site(example_site: tuple[Path, BuildOutput]) -> OpenedSite:
    """The examples, built for real and opened as a States reader opens them."""
    return open_site(example_site[0] / "site", STATES)


def words(markup: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", markup)).strip()


def test_the_navigation_lists_the_schemas_kinds(site: OpenedSite) -> None:
    labels = [words(label) for label in re.findall(r'class="md-nav__link[^"]*"[^>]*>\s*<span class="md-ellipsis">(.*?)</span>', site.page_titled("Home"), re.S)]
    top = list(dict.fromkeys(labels))
    between = top[top.index("Countries and organisations") + 1 : top.index("Themes")]
    assert between == list(spec("kind")["x-plural-labels"].values())


def test_the_home_page_counts_the_schemas_kinds(site: OpenedSite) -> None:
    counts = re.search(r'<ul class="portal-counts".*?</ul>', site.page_titled("Home"), re.S)
    assert counts
    labels = [words(re.sub(r'<span class="portal-count">\d+</span>', "", item)) for item in re.findall(r"<li>(.*?)</li>", counts.group(0))]
    assert labels == [*spec("kind")["x-plural-labels"].values(), "Countries and organisations"]


def test_the_table_of_publishers_has_a_column_per_kind_of_the_schema(site: OpenedSite) -> None:
    headers = [words(cell) for cell in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', site.page_titled("Countries and organisations"))]
    assert headers == ["Country or organisation", "Type", "On the portal", *spec("kind")["x-plural-labels"].values(), "Latest text"]
    types = {words(cell) for cell in re.findall(r'<td data-label="Type"[^>]*>(.*?)</td>', site.page_titled("Countries and organisations"))}
    assert types == set(spec("submitter.type")["x-labels"].values())  # the examples have every type


def test_the_themes_page_lists_the_schemas_themes(site: OpenedSite) -> None:
    items = [words(item).rsplit(":", 1)[0] for item in re.findall(r"<li>(.*?)</li>", site.page_titled("Themes"))]
    assert items == list(spec("themes")["x-labels"].values())
