"""The static-site generator stage: rendered pages of a tier -> HTML in a staging folder.

MkDocs with the Material theme today. The stage only writes an ordinary mkdocs.yml (inheriting the
repository's) and ordinary Markdown, then runs the generator, so another generator that reads
mkdocs.yml can take its place. It uses MkDocs through `load_config` and `build` only, and the
files the theme writes (the search index and the sitemap, named in `sealedformat`); tests/test_seams.py names what it leans on.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
from contextlib import redirect_stderr
from importlib import resources
from pathlib import Path

import yaml

from portal.config import Repo
from portal.errors import PortalError
from portal.publish.render.site import Rendered


class GeneratorError(PortalError):
    pass


def write_pages(repo: Repo, rendered: Rendered, pages_dir: Path, staging_dir: Path, site_name: str) -> Path:
    """Write docs/ and mkdocs.yml for one tier; returns the config file."""
    if pages_dir.exists():
        shutil.rmtree(pages_dir)
    docs = pages_dir / "docs"
    docs.mkdir(parents=True)
    for name, content in rendered.pages.items():
        (docs / name).write_text(content, encoding="utf-8")
    for name, source in rendered.files.items():
        shutil.copyfile(repo.root / source, docs / name)
    for name, made in rendered.generated.items():
        (docs / name).write_bytes(made)
    (docs / "portal.css").write_bytes((resources.files("portal") / "static" / "portal.css").read_bytes())
    config: dict[str, object] = {
        "INHERIT": _relative(repo.root / "mkdocs.yml", pages_dir),
        "site_name": site_name,
        "docs_dir": "docs",
        "site_dir": _relative(staging_dir, pages_dir),
        "use_directory_urls": False,
        "nav": rendered.nav,
        "extra_css": ["portal.css"],
        # The theme keeps its settings (the palette) in localStorage under this scope: the
        # portal's folder for every tier, so no entry names the tier's folder.
        "extra": {"scope": ".."},
        "markdown_extensions": _extensions(repo.root / "mkdocs.yml"),
        **_single_palette(repo.root / "mkdocs.yml"),
    }
    path = pages_dir / "mkdocs.yml"
    path.write_text(yaml.dump(config, Dumper=_Dumper, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


_UNSAFE_EXTENSIONS = {"attr_list", "md_in_html", "pymdownx.snippets"}


class _PythonName(str):
    """A `!!python/name:` value in the written mkdocs.yml."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_PythonName, lambda dumper, value: dumper.represent_scalar(f"tag:yaml.org,2002:python/name:{value}", ""))


def _extensions(parent: Path) -> list[object]:
    """The repository's Markdown extensions, with heading ids behind "p-" (textformat.page_slug),
    so that no title can take the id of anything the theme or the portal looks up, and without
    attr_list, through which a field of a text could set any attribute; and with rawblocks, which
    spares Markdown's HTML reader the portal's long one-line blocks. (A list given here replaces
    the inherited one, so the whole list is written.)"""
    extensions: list[object] = []
    for entry in yaml.safe_load(parent.read_text(encoding="utf-8")).get("markdown_extensions", []):
        name, options = next(iter(entry.items())) if isinstance(entry, dict) else (entry, {})
        if name in _UNSAFE_EXTENSIONS:
            continue
        if name == "toc":
            options = {**(options or {}), "slugify": _PythonName("portal.textformat.page_slug")}
        extensions.append({name: options} if options else name)
    return [*extensions, "portal.publish.generate.rawblocks"]


def _single_palette(parent: Path) -> dict[str, object]:
    """The repository's one colour palette written as the theme's single palette, not a list of
    one: the theme makes a list into radio buttons to switch palettes, and the one button of a
    list of one is hidden but still a Tab stop that shows nothing. (A list of palettes with
    toggles is left as it is.)"""
    theme = yaml.safe_load(parent.read_text(encoding="utf-8")).get("theme") or {}
    palette = theme.get("palette") if isinstance(theme, dict) else None
    if isinstance(palette, list) and len(palette) == 1 and isinstance(palette[0], dict) and "toggle" not in palette[0]:
        return {"theme": {"palette": palette[0]}}
    return {}


def _relative(target: Path, start: Path) -> str:
    return os.path.relpath(target, start)


def run_generator(config_file: Path) -> None:
    """`mkdocs build --strict` of one config, in this process; warnings become a GeneratorError."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logger = logging.getLogger("mkdocs")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        with redirect_stderr(captured):
            build(load_config(str(config_file), strict=True))
    except (exceptions.MkDocsException, exceptions.Abort, OSError) as exc:
        raise GeneratorError(f"the site generator failed: {exc}\n{captured.getvalue().strip()}") from None
    finally:
        logger.removeHandler(handler)
