"""Keys of a protected build: passcode -> wrapping key (PBKDF2), random content keys (AES-256-GCM).

Formats (all shared with static/loader.js and static/app.js):
- keys.json: {"v": 1, "kdf": "PBKDF2-SHA256", "iterations": N, "salt": b64, "build": id,
  "slots": [b64(nonce || AES-GCM(wrapping key, JSON {"key", "home", "tier"}, aad="ccm-portal/slot/" + build))]}
- a sealed page: nonce(12) || AES-GCM(content key, gzip(document), aad="ccm-portal/page")
- a sealed file: nonce(12) || AES-GCM(content key, bytes, aad="ccm-portal/file")
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

PAGE_AAD = b"ccm-portal/page"
FILE_AAD = b"ccm-portal/file"
SLOT_AAD = "ccm-portal/slot/"


class SealError(Exception):
    pass


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def deployment_salt(site_name: str) -> bytes:
    """One public salt for every tier of a deployment, so the browser derives a key only once.
    It stays the same across builds so that page names (below) survive rebuilds."""
    return hashlib.sha256(b"ccm-cooperation-portal/v1/" + site_name.encode("utf-8")).digest()[:16]


def derive_master(passcode: str, salt: bytes, iterations: int) -> bytes:
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt, iterations=iterations)
    return kdf.derive(passcode.encode("utf-8"))


@dataclass(frozen=True)
class TierKeys:
    tier: str
    master: bytes  # PBKDF2 output: the wrapping key of the tier's slot
    content: bytes  # random per build
    folder: str  # the tier's folder in site/, opaque

    def name(self, key: str) -> str:
        """An opaque, stable file name for a logical page ('submission/lao-…')."""
        names = hmac.new(self.master, b"ccm-portal/names", hashlib.sha256).digest()
        return hmac.new(names, key.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def tier_keys(tier: str, passcode: str, salt: bytes, iterations: int) -> TierKeys:
    master = derive_master(passcode, salt, iterations)
    folder = hmac.new(master, b"ccm-portal/folder", hashlib.sha256).hexdigest()[:12]
    return TierKeys(tier, master, secrets.token_bytes(32), folder)


def keys_document(tiers: list[TierKeys], salt: bytes, iterations: int, build_id: str) -> str:
    slots = []
    for keys in tiers:
        payload = json.dumps({"key": b64(keys.content), "home": f"{keys.folder}/index.html", "tier": keys.tier}).encode()
        nonce = os.urandom(12)
        slots.append(b64(nonce + AESGCM(keys.master).encrypt(nonce, payload, (SLOT_AAD + build_id).encode())))
    secrets.SystemRandom().shuffle(slots)  # the order says nothing about which slot is which tier
    return json.dumps({"v": 1, "kdf": "PBKDF2-SHA256", "iterations": iterations, "salt": b64(salt), "build": build_id, "slots": slots}, indent=1)


def seal_page(content_key: bytes, document: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(content_key).encrypt(nonce, gzip.compress(document, compresslevel=6, mtime=0), PAGE_AAD)


def seal_file(content_key: bytes, data: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(content_key).encrypt(nonce, data, FILE_AAD)


def open_page(content_key: bytes, sealed: bytes) -> bytes:
    try:
        return gzip.decompress(AESGCM(content_key).decrypt(sealed[:12], sealed[12:], PAGE_AAD))
    except InvalidTag:
        raise SealError("the page does not open with this key (wrong passcode, other tier, or tampered)") from None


def open_keys(document: str, passcode: str) -> dict[str, str]:
    """What a reader's browser does, in Python: the slot this passcode opens."""
    data = json.loads(document)
    master = derive_master(passcode, base64.b64decode(data["salt"]), int(data["iterations"]))
    for slot in data["slots"]:
        raw = base64.b64decode(slot)
        try:
            plain = AESGCM(master).decrypt(raw[:12], raw[12:], (SLOT_AAD + data["build"]).encode())
        except InvalidTag:
            continue
        result: dict[str, str] = json.loads(plain)
        return result
    raise SealError("this passcode does not open the portal")
