"""The size a sealed page is padded to, decided by its content alone.

A page's sealed size is a bucket of its compressed size. Page names are random and new at every
build, and random names compress a few bytes differently each time (and the search index lists
its pages in the order of those names): a page near the edge of a bucket would then change size
from build to build with nothing changed, and a reader comparing two builds could not tell such
noise from a change of texts they may not read. So a page is padded to the bucket of a stand-in
for it: each name replaced, in order of first appearance, by one derived from that order (as
random-looking, so it compresses as much), the search index's entries in an order of their own,
plus a margin for what is left of the noise.
"""

from __future__ import annotations

import hashlib
import json
import re

from portal.publish.seal.keys import compress, sealed_size
from portal.publish.seal.sealedformat import SEALED_NAME

_NAME = re.compile(SEALED_NAME.encode())  # a page name (keys.TierKeys.name), or part of a longer token
MARGIN = 64  # bytes; the names' remaining effect on the compressed size is a few bytes


def steady_size(document: bytes, search_index: bool = False) -> int:
    """The sealed size for `document` (uncompressed): the same for the same content in any build."""
    if search_index:
        document = _ordered_index(document)
    return sealed_size(len(compress(_relabelled(document))) + MARGIN)


def _relabelled(document: bytes) -> bytes:
    seen: dict[bytes, bytes] = {}

    def stand_in(match: re.Match[bytes]) -> bytes:
        name = match.group(0)
        if name not in seen:
            seen[name] = hashlib.sha256(b"%d" % len(seen)).hexdigest()[:20].encode()
        return seen[name]

    return _NAME.sub(stand_in, document)


def _ordered_index(document: bytes) -> bytes:
    """The search index with its entries in the order of their content, names left out."""
    try:
        index = json.loads(document)
        index["docs"] = sorted(index["docs"], key=lambda doc: _NAME.sub(b"", json.dumps(doc, sort_keys=True).encode()))
    except (ValueError, KeyError, TypeError):
        return document
    return json.dumps(index, separators=(",", ":")).encode()
