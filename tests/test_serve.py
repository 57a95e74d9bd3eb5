"""portal demo and portal serve: what `make demo` runs."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from portal.config import Repo
from portal.delivery.serve import ServeError, address, listening
from portal.publish.seal.sealedformat import KEYS_FILE, PASSCODE_ID, PUBLIC_DIR

from tests.helpers import DEMO_DATE, ENV, PORTAL, PROJECT, Run, open_site


def fetch(url: str) -> bytes:
    with urllib.request.urlopen(url) as response:
        return bytes(response.read())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_builds_the_example_portal_and_prints_its_passcodes(tmp_path: Path) -> None:
    import shutil

    for name in ("schema", "docs"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    shutil.copy2(PROJECT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    result = subprocess.run([PORTAL, "demo", "--no-serve", "--today", DEMO_DATE, "--repo", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Built 17 submissions from 15 submitters" in result.stdout
    passcode = next(line.split(": ", 1)[1] for line in result.stdout.splitlines() if "passcode for States" in line)
    site = open_site(tmp_path / "build/demo/site", passcode)
    assert "Lao PDR" in site.page_titled("Countries and organisations")


@pytest.mark.slow
def test_serve_serves_the_protected_site_and_rebuilds_on_change(example_repo: Repo) -> None:
    port = free_port()
    env = {**os.environ, **ENV}
    process = subprocess.Popen(
        [PORTAL, "serve", "--port", str(port), "--today", DEMO_DATE, "--repo", str(example_repo.root)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = ""
        for _ in range(300):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/").read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert f'id="{PASSCODE_ID}"' in page
        keys = urllib.request.urlopen(f"http://127.0.0.1:{port}/{PUBLIC_DIR}/{KEYS_FILE}").read()
        target = example_repo.root / "submissions/TCD/tcd-2026-need-national-implementation-law.md"
        target.unlink()
        for _ in range(300):
            time.sleep(0.2)
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/{PUBLIC_DIR}/{KEYS_FILE}").read() != keys:
                break
        else:
            raise AssertionError("the site was not rebuilt after a change")
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_serve_on_a_port_in_use_says_so_before_building(example_repo: Repo) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {**os.environ, **ENV}
        result = subprocess.run(
            [PORTAL, "serve", "--port", str(port), "--today", DEMO_DATE, "--repo", str(example_repo.root)], env=env, capture_output=True, text=True, timeout=300
        )
    assert result.returncode == 1
    assert f"Error: cannot serve on 127.0.0.1:{port}: Address already in use; choose another with --port" in result.stderr
    assert "Traceback" not in result.stderr and "Serving" not in result.stderr
    assert "Built" not in result.stdout and not example_repo.site_dir.exists()  # refused at once, not after a build


def test_a_port_out_of_range_is_refused_by_the_option(example_repo: Repo, run: Run) -> None:
    result = run("serve", "--port", "70000", "--repo", str(example_repo.root), env=ENV)
    assert result.exit_code == 2 and "70000 is not in the range 0<=x<=65535" in result.output


def test_the_server_listens_as_soon_as_it_is_announced(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>portal</p>")
    with listening(tmp_path, 0) as server:
        url = address(server)
        port = int(url.rsplit(":", 1)[1].strip("/"))
        assert url == f"http://127.0.0.1:{port}/" and port != 0
        socket.create_connection(("127.0.0.1", port), timeout=5).close()  # bound and listening before any request is answered
        with (
            pytest.raises(ServeError, match=f"cannot serve on 127.0.0.1:{port}: Address already in use; choose another with --port"),
            listening(tmp_path, port),
        ):
            pass
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=5):
        pass  # closed on leaving


@pytest.mark.slow
def test_serve_answers_at_the_address_it_prints(example_repo: Repo) -> None:
    process = subprocess.Popen(
        [PORTAL, "serve", "--port", "0", "--today", DEMO_DATE, "--repo", str(example_repo.root)],
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = next(line for line in process.stderr if line.startswith("Serving"))
        url = line.split()[1]
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0/")
        assert f'id="{PASSCODE_ID}"'.encode() in fetch(url)  # at once: no retry, the line comes only once it listens
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr is not None:
            process.stderr.close()
