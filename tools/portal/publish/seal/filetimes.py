"""Published files that say nothing by their times or their order on disk.

A build writes each tier's real pages and attachments first, then its decoys in one burst, then
its sitemap: the file times (which a web server publishes as `Last-Modified`, and Apache in its
`ETag`) would sort every file into real or decoy and into its tier. So what is published is a
copy made in one random order over the whole site, in which every file and folder carries one
time: the time the copy was made (a later build gets a later time, so caches see the change).
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from pathlib import Path


def copy_shuffled(source: Path, target: Path) -> None:
    """Copy every file under `source` into the folder `target` (new or empty) in one random order;
    every file and folder of `target` then carries the same time, whole seconds, now."""
    stamp = int(time.time())
    files: list[Path] = []
    folders: list[Path] = []
    for path in source.rglob("*"):
        (folders if path.is_dir() else files).append(path.relative_to(source))
    target.mkdir(exist_ok=True)
    for folder in sorted(folders):
        (target / folder).mkdir()
    secrets.SystemRandom().shuffle(files)
    for rel in files:
        shutil.copyfile(source / rel, target / rel)
        os.utime(target / rel, (stamp, stamp))
    for folder in [*folders, Path()]:
        os.utime(target / folder, (stamp, stamp))
