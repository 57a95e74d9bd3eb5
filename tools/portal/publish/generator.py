"""The static-site generator stage: rendered pages of a tier -> HTML in a staging folder.

MkDocs with the Material theme today. The stage only writes an ordinary mkdocs.yml (inheriting the
repository's) and ordinary Markdown, then runs the generator, so another generator that reads
mkdocs.yml can take its place. A large tier is generated in parts side by side (run_generator,
join_parts), which relies on the two page-by-page steps of MkDocs's build (can_split); the parts
put together are byte for byte the site of one run.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, redirect_stderr
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from portal.config import Repo
from portal.errors import PortalError
from portal.publish.render import Rendered
from portal.publish.sealedformat import SEARCH_INDEX  # where the theme writes it

if TYPE_CHECKING:
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page


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
    return [*extensions, "portal.publish.rawblocks"]


def _relative(target: Path, start: Path) -> str:
    return os.path.relpath(target, start)


def run_generator(config_file: Path, part: int = 0, parts: int = 1, site_dir: Path | None = None) -> None:
    """`mkdocs build --strict` of one config, in this process; warnings become a GeneratorError.

    With `parts` > 1, only the `part`-th share of the pages is rendered and written (into
    `site_dir`), the others only read for their titles, so that the parts of one site can be
    generated side by side; join_parts puts them together into the site one build would make."""
    from mkdocs import exceptions
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    logger = logging.getLogger("mkdocs")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setLevel(logging.WARNING)
    logger.addHandler(handler)
    try:
        with redirect_stderr(captured), _only_part(part, parts):
            overrides = {"site_dir": str(site_dir)} if site_dir is not None else {}
            config = load_config(str(config_file), strict=True, **overrides)
            build(config)
    except (exceptions.MkDocsException, exceptions.Abort, OSError) as exc:
        raise GeneratorError(f"the site generator failed: {exc}\n{captured.getvalue().strip()}") from None
    finally:
        logger.removeHandler(handler)


def can_split() -> bool:
    """Whether this MkDocs has the page-by-page steps that parts rely on (1.6 has)."""
    from mkdocs.commands import build as steps

    return callable(getattr(steps, "_populate_page", None)) and callable(getattr(steps, "_build_page", None))


@contextmanager
def _only_part(part: int, parts: int) -> Iterator[None]:
    """While MkDocs builds: of the pages in its order, only the `part`-th of `parts` consecutive
    shares is rendered and written; every other page is read (its title and front matter) but
    neither rendered nor written. (MkDocs renders a site in one process; these are the two steps
    of its build that go page by page.)"""
    if parts == 1:
        yield
        return
    from mkdocs.commands import build as steps

    populate, write = steps._populate_page, steps._build_page
    mine: dict[str, bool] = {}

    def populate_mine(page: Page, config: MkDocsConfig, files: Files, dirty: bool = False) -> None:
        if not mine:
            pages = [file.src_uri for file in files.documentation_pages()]
            share = -(-len(pages) // parts)
            mine.update({uri: index // share == part for index, uri in enumerate(pages)})
        if mine[page.file.src_uri]:
            populate(page, config, files, dirty)
        else:
            page.read_source(config)

    def write_mine(page: Page, *args: Any, **kwargs: Any) -> None:
        if mine[page.file.src_uri]:
            write(page, *args, **kwargs)

    steps._populate_page, steps._build_page = populate_mine, write_mine
    try:
        yield
    finally:
        steps._populate_page, steps._build_page = populate, write


_INDEX_DOCS = '"docs":['


def join_parts(site_dir: Path, parts: Sequence[Path]) -> None:
    """Put the parts of one site (run_generator with `parts`) together into `site_dir`, which is
    the first part: the pages of the others moved in, their search indexes' entries appended in
    order. Files every part writes (the theme's, the 404 page) are the same in each."""
    index = site_dir / SEARCH_INDEX
    joined = [index.read_text(encoding="utf-8")]
    for other in parts:
        for path in sorted(other.rglob("*")):
            target = site_dir / path.relative_to(other)
            if path.is_file() and not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                path.rename(target)
        joined.append((other / SEARCH_INDEX).read_text(encoding="utf-8"))
        shutil.rmtree(other)
    # The theme writes each index as {"config":{...},"docs":[...]} without spaces: the entries of
    # the parts, in the order of the pages, are the entries one build would write.
    head = joined[0][: joined[0].index(_INDEX_DOCS) + len(_INDEX_DOCS)]
    entries = []
    for document in joined:
        if not (document.startswith(head) and document.endswith("]}")):
            raise GeneratorError("the parts of the site have different search settings; nothing was published")
        if document[len(head) : -2]:
            entries.append(document[len(head) : -2])
    index.write_text(head + ",".join(entries) + "]}", encoding="utf-8")
