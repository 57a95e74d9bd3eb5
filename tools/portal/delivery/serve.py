"""A local preview server for site/, rebuilding when submissions or settings change."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from portal import layout
from portal.config import Repo
from portal.errors import PortalError
from portal.publish.seal.sealedformat import NOT_FOUND_PAGE

WATCHED = (layout.SUBMISSIONS, "schema", "mkdocs.yml")
HOST = "127.0.0.1"  # a preview for the coordinator's own machine, never the network


class ServeError(PortalError):
    pass


def _snapshot(repo: Repo) -> dict[str, float]:
    seen: dict[str, float] = {}
    for name in WATCHED:
        root = repo.root / name
        paths = [root] if root.is_file() else list(root.rglob("*")) if root.is_dir() else []
        for path in paths:
            try:
                seen[str(path)] = path.stat().st_mtime
            except OSError:
                continue
    return seen


class _Handler(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *args, site: Path, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.site = site
        super().__init__(*args, directory=str(site), **kwargs)

    def translate_path(self, path: str) -> str:
        # Serve the current site/ even after a rebuild swapped the folder.
        self.directory = str(self.site)
        return super().translate_path(path)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = self.site / NOT_FOUND_PAGE
        if code == 404 and page.is_file():
            body = page.read_bytes()
            self.send_response(404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().send_error(code, message, explain)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")  # a preview: always the latest build
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def listening(site: Path, port: int) -> Iterator[http.server.ThreadingHTTPServer]:
    """A server for the `site` folder bound to 127.0.0.1:PORT and listening (PORT 0: a free one),
    closed on exit; a port that cannot be had is a ServeError, before anything is built or announced."""
    handler = functools.partial(_Handler, site=site)
    try:
        server = http.server.ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot serve on {HOST}:{port}: {exc.strerror}; choose another with --port") from None
    try:
        yield server
    finally:
        server.server_close()


def address(server: http.server.ThreadingHTTPServer) -> str:
    """The URL the server answers on (with the port the system chose for --port 0)."""
    return f"http://{HOST}:{server.server_address[1]}/"


def serve_forever(server: http.server.ThreadingHTTPServer, repo: Repo, rebuild: Callable[[], None], interval: float = 1.0) -> None:
    """Answer requests until Ctrl+C, rebuilding when submissions or settings change."""
    stop = threading.Event()
    # What the watch compares with is read before the first request is answered: a change made as
    # soon as the site answers (a coordinator's edit, a test's) is a change, not the starting point.
    first = _snapshot(repo)

    def watch() -> None:
        last = first
        while not stop.wait(interval):
            current = _snapshot(repo)
            if current != last:
                time.sleep(0.3)
                rebuild()
                last = _snapshot(repo)

    threading.Thread(target=watch, daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
