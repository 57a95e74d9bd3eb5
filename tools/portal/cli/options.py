"""Options whose choices come from the schema, shared by the commands that take them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click
from click.core import ParameterSource

from portal.model import TEXT_FORMATS

Command = Callable[..., Any]


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
            return func(*args, **kwargs)

        choice = click.Choice(TEXT_FORMATS)
        command = click.option("--format", "format_alias", type=choice, default=None, hidden=True, callback=_format_notice)(command)
        return click.option("--text-format", "text_format", type=choice, default=default, show_default=default is not None, help=help)(command)

    return decorate
