"""Options whose choices come from the schema, shared by the commands that take them.

The allowed values are the repository's (`Repo.vocabulary`), known only once the command knows
its repository: the options take any word and `allowed` checks it when the command runs, with a
message that lists what the schema allows (click's Choice would need the values at import)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any

import click
from click.core import ParameterSource

from portal.config import Repo, find_repo

Command = Callable[..., Any]
SCHEMA = "schema/submission.schema.json"


def allowed(repo: Repo, option: str, given: str | Iterable[str] | None, field: str) -> None:
    """Refuse a value of `option` that the repository's schema does not allow for `field` (an
    attribute of Vocabulary: kinds, themes, assistance, audiences, formats), naming the values it
    allows."""
    values = getattr(repo.vocabulary, field)
    for value in [given] if isinstance(given, str) else list(given or ()):
        if value not in values:
            raise click.BadParameter(f"{value!r} is not one of: {', '.join(values)} (the allowed values in {SCHEMA})", param_hint=f"'{option}'")


def _format_notice(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        click.echo(f"portal {ctx.info_name}: --format is deprecated here and goes in the next release; use --text-format {value}", err=True)
    return value


def text_format_option(default: str | None, help: str) -> Callable[[Command], Command]:
    """`--text-format plain|markdown`: how the text is shown. `--format` meant this in the
    commands that make a submission (elsewhere it is the output's format); it still works here,
    hidden, for one release, and says so on standard error."""

    def decorate(func: Command) -> Command:
        @functools.wraps(func)
        def command(*args: Any, format_alias: str | None, **kwargs: Any) -> Any:
            if format_alias is not None:
                given = click.get_current_context().get_parameter_source("text_format") is ParameterSource.COMMANDLINE
                if given and kwargs["text_format"] != format_alias:
                    raise click.UsageError(f"--text-format {kwargs['text_format']} and --format {format_alias} disagree; give --text-format only")
                kwargs["text_format"] = format_alias
            if kwargs["text_format"] is not None:
                allowed(find_repo(kwargs.get("repo_path")), "--text-format", kwargs["text_format"], "formats")
            return func(*args, **kwargs)

        command = click.option("--format", "format_alias", metavar="FORMAT", default=None, hidden=True, callback=_format_notice)(command)
        return click.option(
            "--text-format",
            "text_format",
            metavar="FORMAT",
            default=default,
            show_default=default is not None,
            help=f"{help} The formats are the schema's ({SCHEMA}).",
        )(command)

    return decorate
