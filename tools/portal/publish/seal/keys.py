"""Keys of a protected build: passcode -> wrapping key (PBKDF2, then HKDF), random content keys (AES-256-GCM).

Formats (the labels, associated data and names are sealedformat.py's, which the browser reads too):
- keys.json: {"v": 2, "kdf": "PBKDF2-SHA256", "iterations": N, "salt": b64(16 random bytes, new
  every build), "build": id, "slots": [b64(nonce || AES-GCM(wrapping key, JSON {"key", "home",
  "tier", "reader", "stay", "mark"} padded with spaces to SLOT_BYTES, aad=slot_aad(build)))],
  "again": [the same slots, each wrapped with its tier's stay key, aad=again_aad(build)]}
  where wrapping key = HKDF-SHA256(PBKDF2(passcode, salt), info=purpose("wrap")).
- the tier's steady key: PBKDF2(passcode, READER_SALT + tier), the same from build to build while
  the passcode stays (the passcode normalised first, sealedformat.normalise_passcode). From it:
  the reader key ("reader" in a slot, info=purpose("reader")): reader.js keeps the reader's last
  visit sealed with it in localStorage, under a name derived from it; the stay key ("stay",
  info=purpose("stay")): a tab keeps it and opens the next build's "again" slot with it, so a
  reader whose passcode has not changed is not asked again; the link key (info=purpose("link"),
  never in the browser): names the lasting addresses (addresses.py) and the tier's mark.
- a sealed page (and the search index, the sitemap): nonce || AES-GCM(content key,
  frame(gzip(document)), aad=page_aad(build, its path in the site))
- a sealed file: nonce || AES-GCM(content key, frame(bytes), aad=file_aad(build, path))
- frame(x) = len(x) as LENGTH_BYTES big-endian || x || zero bytes up to a size bucket (padme), so
  sizes say little about the content and a page cannot be swapped for another or replayed from
  another build.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import os
import secrets
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from portal.errors import PortalError
from portal.publish.seal.sealedformat import (
    FOLDER_LENGTH,
    LENGTH_BYTES,
    MARK_LENGTH,
    NAME_LENGTH,
    NONCE,
    READER_SALT,
    TAG,
    again_aad,
    file_aad,
    normalise_passcode,
    page_aad,
    purpose,
    slot_aad,
)

FORMAT = 2
SLOT_BYTES = 320  # every slot the same length, whatever its tier
SALT_BYTES = 16
MIN_SEALED = 4096  # the smallest size bucket of a sealed page or file


class SealError(PortalError):
    pass


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def new_salt() -> bytes:
    """A fresh random salt for every build: no two deployments (or builds) share a key for the
    same passcode, so nothing can be precomputed against a published keys.json."""
    return secrets.token_bytes(SALT_BYTES)


def derive_master(passcode: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(normalise_passcode(passcode).encode("utf-8"))


def subkey(key: bytes, use: str) -> bytes:
    """HKDF-SHA256 of `key` for one purpose only ('wrap', 'names')."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose(use).encode()).derive(key)


def wrapping_key(passcode: str, salt: bytes, iterations: int) -> bytes:
    return subkey(derive_master(passcode, salt, iterations), "wrap")


def compress(document: bytes) -> bytes:
    """A page as it is sealed: gzip, with no time in its header (the same page, the same bytes)."""
    return gzip.compress(document, compresslevel=6, mtime=0)


@dataclass(frozen=True)
class TierKeys:
    tier: str
    wrap: bytes  # wraps the content key in the tier's slot of keys.json
    content: bytes  # random per build: seals the tier's pages and files
    folder: str  # the tier's folder in site/, random per build
    build: str
    reader: bytes = b""  # seals what the reader's browser keeps between visits (reader_key)
    stay: bytes = b""  # opens the tier's "again" slot of the next build while the passcode stays
    link: bytes = b""  # names the tier's lasting addresses; never leaves the build

    @property
    def mark(self) -> str:
        """The tier's mark at the head of its addresses: the same while its passcode stays."""
        return hmac.new(self.link, b"mark", hashlib.sha256).hexdigest()[:MARK_LENGTH]

    def address(self, key: str) -> str:
        """The lasting address of a logical page ('submission/lao-…'): the mark and a token that
        the next build with the same passcode gives the same page."""
        return self.mark + hmac.new(self.link, key.encode("utf-8"), hashlib.sha256).hexdigest()[:NAME_LENGTH]

    def name(self, key: str) -> str:
        """An opaque file name for a logical page ('submission/lao-…'), new every build, so two
        builds cannot be compared page by page."""
        return hmac.new(subkey(self.content, "names"), key.encode("utf-8"), hashlib.sha256).hexdigest()[:NAME_LENGTH]

    def seal_page(self, path: str, document: bytes) -> bytes:
        return self.seal_compressed(path, compress(document))

    def seal_compressed(self, path: str, compressed: bytes, at_least: int = 0) -> bytes:
        """A page already gzip-compressed, sealed to at least `at_least` bytes."""
        return seal(self.content, compressed, page_aad(self.build, path), at_least)

    def seal_file(self, path: str, data: bytes, at_least: int = 0) -> bytes:
        return seal(self.content, data, file_aad(self.build, path), at_least)


def tier_keys(tier: str, passcode: str, salt: bytes, iterations: int, build: str) -> TierKeys:
    steady = steady_key(tier, passcode, iterations)
    wrap = wrapping_key(passcode, salt, iterations)
    content, folder = secrets.token_bytes(32), secrets.token_hex(FOLDER_LENGTH // 2)
    return TierKeys(tier, wrap, content, folder, build, subkey(steady, "reader"), subkey(steady, "stay"), subkey(steady, "link"))


def steady_key(tier: str, passcode: str, iterations: int) -> bytes:
    """The tier's key that stays from build to build while its passcode does (a fixed salt)."""
    return derive_master(passcode, (READER_SALT + tier).encode(), iterations)


def reader_key(tier: str, passcode: str, iterations: int) -> bytes:
    """The key that seals the reader's last visit in the browser: the same in every build while
    the passcode stays, so the visit is remembered across builds and names nothing readable."""
    return subkey(steady_key(tier, passcode, iterations), "reader")


def keys_document(tiers: list[TierKeys], salt: bytes, iterations: int, build_id: str) -> str:
    slots, again = [], []
    for keys in tiers:
        fields = {
            "key": b64(keys.content),
            "home": f"{keys.folder}/index.html",
            "tier": keys.tier,
            "reader": b64(keys.reader),
            "stay": b64(keys.stay),
            "mark": keys.mark,
        }
        payload = json.dumps(fields).encode()
        if len(payload) > SLOT_BYTES:
            raise SealError(f"the key slot of tier {keys.tier!r} is longer than {SLOT_BYTES} bytes; use a shorter tier id")
        padded = payload.ljust(SLOT_BYTES, b" ")
        slots.append(_wrap_slot(keys.wrap, padded, slot_aad(build_id)))
        again.append(_wrap_slot(keys.stay, padded, again_aad(build_id)))
    for listed in (slots, again):
        secrets.SystemRandom().shuffle(listed)  # the order says nothing about which slot is which tier
    document = {"v": FORMAT, "kdf": "PBKDF2-SHA256", "iterations": iterations, "salt": b64(salt), "build": build_id, "slots": slots, "again": again}
    return json.dumps(document, indent=1)


def _wrap_slot(key: bytes, padded: bytes, aad: bytes) -> str:
    nonce = os.urandom(NONCE)
    return b64(nonce + AESGCM(key).encrypt(nonce, padded, aad))


def padme(length: int) -> int:
    """The padmé size bucket of `length` (Nikitin et al., PURBs): at most 12 % larger, and a
    bucket leaks O(log log n) bits of the size instead of log n."""
    if length < 2:
        return length
    exponent = length.bit_length() - 1
    low_bits = exponent - exponent.bit_length()
    mask = (1 << low_bits) - 1
    return (length + mask) & ~mask


def sealed_size(length: int, at_least: int = 0) -> int:
    """The size of `length` bytes once framed and sealed: a bucket, and at least `at_least`."""
    return max(MIN_SEALED, padme(length + LENGTH_BYTES + NONCE + TAG), at_least)


def frame(data: bytes, at_least: int = 0) -> bytes:
    size = sealed_size(len(data), at_least) - NONCE - TAG
    return struct.pack(">I", len(data)) + data + bytes(size - LENGTH_BYTES - len(data))


def unframe(data: bytes) -> bytes:
    if len(data) < LENGTH_BYTES:
        raise SealError("the sealed content is too short to hold its length")
    (length,) = struct.unpack(">I", data[:LENGTH_BYTES])
    if LENGTH_BYTES + length > len(data) or any(data[LENGTH_BYTES + length :]):
        raise SealError("the sealed content's length or padding is wrong")
    return data[LENGTH_BYTES : LENGTH_BYTES + length]


def seal(key: bytes, data: bytes, aad: bytes, at_least: int = 0) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(key).encrypt(nonce, frame(data, at_least), aad)


def unseal(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    try:
        return unframe(AESGCM(key).decrypt(sealed[:NONCE], sealed[NONCE:], aad))
    except (InvalidTag, ValueError):
        raise SealError("does not open with this key (wrong passcode, other tier, other build, other name, or tampered)") from None


def open_page(content_key: bytes, sealed: bytes, build: str, path: str) -> bytes:
    return gzip.decompress(unseal(content_key, sealed, page_aad(build, path)))


def open_file(content_key: bytes, sealed: bytes, build: str, path: str) -> bytes:
    return unseal(content_key, sealed, file_aad(build, path))


def open_slots(document: str, wraps: list[bytes]) -> list[dict[str, str] | None]:
    """For each wrapping key, the slot of keys.json it opens (None if none)."""
    data = json.loads(document)
    aad = slot_aad(str(data["build"]))
    raw = [base64.b64decode(slot) for slot in data["slots"]]
    found: list[dict[str, str] | None] = []
    for wrap in wraps:
        opened = None
        for slot in raw:
            try:
                opened = json.loads(AESGCM(wrap).decrypt(slot[:NONCE], slot[NONCE:], aad))
                break
            except InvalidTag:
                continue
        found.append(opened)
    return found


def open_keys(document: str, passcode: str) -> dict[str, str]:
    """What a reader's browser does, in Python: the slot this passcode opens, with the build."""
    data = json.loads(document)
    wrap = wrapping_key(passcode, base64.b64decode(data["salt"]), int(data["iterations"]))
    (slot,) = open_slots(document, [wrap])
    if slot is None:
        raise SealError("this passcode does not open the portal")
    return {**slot, "build": str(data["build"])}
