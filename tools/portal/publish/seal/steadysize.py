"""The size a sealed page is padded to, decided by its content alone.

A page's sealed size is a bucket of its compressed size. Page names, the tier's folder, the
build's id and its canary are random and new at every build, and random tokens compress a few
bytes differently each time (and the search index lists its pages in the order of those names):
a page near the edge of a bucket would then change size from build to build with nothing
changed, and a reader comparing two builds could not tell such noise from a change of texts they
may not read. So a page is padded to the bucket of a stand-in for it: each run of hex digits as
long as a folder's name or longer (every random token of a build is one) replaced, in order of
first appearance, by one of the same length derived from that order (as random-looking, so it
compresses as much), the search index's entries in an order of their own, plus a margin for the
difference between the stand-in and the page.
"""

from __future__ import annotations

import hashlib
import json
import re

from portal.publish.seal.keys import compress, sealed_size
from portal.publish.seal.sealedformat import FOLDER_LENGTH

# A random token of the build: a page's name (20 hex digits), the tier's folder (12), the build's
# id (16), the canary's digits (24); and anything else as long, which is then content and maps to
# the same stand-in in every build.
_TOKEN = re.compile(rb"[0-9a-f]{%d,}" % FOLDER_LENGTH)
MARGIN = 64  # bytes; the stand-ins compress as the tokens do, within a few bytes


def steady_size(document: bytes, search_index: bool = False) -> int:
    """The sealed size for `document` (uncompressed): the same for the same content in any build."""
    if search_index:
        document = _ordered_index(document)
    return sealed_size(len(compress(_relabelled(document))) + MARGIN)


def _relabelled(document: bytes) -> bytes:
    seen: dict[bytes, bytes] = {}

    def stand_in(match: re.Match[bytes]) -> bytes:
        token = match.group(0)
        if token not in seen:
            seen[token] = hashlib.shake_256(b"%d" % len(seen)).hexdigest(len(token))[: len(token)].encode()
        return seen[token]

    return _TOKEN.sub(stand_in, document)


def _ordered_index(document: bytes) -> bytes:
    """The search index with its entries in the order of their content, names left out."""
    try:
        index = json.loads(document)
        index["docs"] = sorted(index["docs"], key=lambda doc: _TOKEN.sub(b"", json.dumps(doc, sort_keys=True).encode()))
    except (ValueError, KeyError, TypeError):
        return document
    return json.dumps(index, separators=(",", ":")).encode()
