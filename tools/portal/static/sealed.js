// The one sealing helper of the cooperation portal's browser side, loaded by the start page and
// every sealed shell (for loader.js) and by every opened page (for app.js and reader.js). It opens
// what the build seals (keys.py): the key slots of the keys file, pages, the search index, the
// sitemap and attachments. Every name, label and marker comes from format.js, which the build
// writes from its sealedformat.py; none is written here.
(() => {
  "use strict";
  const format = globalThis.portalFormat;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const trim = new RegExp(format.passcodeTrim, "g");
  const separators = new RegExp(format.passcodeSeparators, "g");
  const sealedPage = new RegExp(format.sealedPage);

  function decode64(text) {
    // Native base64 where the browser has it; atob elsewhere (no request: the policy allows none).
    return Uint8Array.fromBase64 ? Uint8Array.fromBase64(text) : Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  }

  // AES-GCM with its associated data; the result without its frame (length, content, padding).
  async function open(key, sealed, associated) {
    const iv = sealed.slice(0, format.nonce);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(associated) }, key, sealed.slice(format.nonce));
    return plain;
  }

  function unframe(plain) {
    return new Uint8Array(plain, format.lengthBytes, new DataView(plain).getUint32(0));
  }

  const contentKeys = new Map();
  function contentKey(entry) {
    if (!contentKeys.has(entry.key)) contentKeys.set(entry.key, crypto.subtle.importKey("raw", decode64(entry.key), "AES-GCM", false, ["decrypt"]));
    return contentKeys.get(entry.key);
  }

  // A sealed page or file opens only under its own name (`path`, in the site) and build: kind is
  // "page" (pages, the search index, the sitemap: gzip inside) or "file" (attachments, exports).
  async function openSealed(entry, sealed, kind, path) {
    return unframe(await open(await contentKey(entry), sealed, `${format.aad[kind]}${entry.build}/${path}`));
  }

  const gunzip = (data) => new Response(new Blob([data]).stream().pipeThrough(new DecompressionStream("gzip")));

  async function openPage(entry, sealed, path) {
    return gunzip(await openSealed(entry, sealed, "page", path)).text();
  }

  // The ciphertext (base64) a fetched shell carries, or null when it is not a sealed page.
  function payloadOf(shell) {
    const start = shell.indexOf(format.shell.payloadStart);
    if (start < 0) return null;
    const from = start + format.shell.payloadStart.length;
    const end = shell.indexOf(format.shell.payloadEnd, from);
    return end < 0 ? null : shell.slice(from, end);
  }

  // The tier a passcode opens in the keys file (its slot and the build), or null.
  async function unlock(keys, passcode) {
    const material = await crypto.subtle.importKey("raw", encoder.encode(passcode), "PBKDF2", false, ["deriveBits"]);
    const master = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: decode64(keys.salt), iterations: keys.iterations }, material, 256);
    // A sub-key for wrapping only (HKDF), as the build derives it.
    const wrapping = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(format.info.wrap) },
      await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveKey"]),
      { name: "AES-GCM", length: 256 },
      false,
      ["decrypt"],
    );
    for (const slot of keys.slots) {
      try {
        const plain = await open(wrapping, decode64(slot), format.aad.slot + keys.build);
        return { ...JSON.parse(decoder.decode(plain)), build: keys.build };
      } catch (error) {
        // not this slot: another tier's
      }
    }
    return null;
  }

  // The tier a tab's stay key opens in the keys file of a later build (its "again" slot), or null:
  // a reader whose passcode has not changed is not asked for it again.
  async function unlockAgain(keys, stay) {
    if (!stay || !keys.again) return null;
    const key = await crypto.subtle.importKey("raw", decode64(stay), "AES-GCM", false, ["decrypt"]);
    for (const slot of keys.again) {
      try {
        const plain = await open(key, decode64(slot), format.aad.again + keys.build);
        return { ...JSON.parse(decoder.decode(plain)), build: keys.build };
      } catch (error) {
        // not this slot: another tier's
      }
    }
    return null;
  }

  // The opened tier's keys, kept for this tab only.
  function remembered() {
    try {
      return JSON.parse(sessionStorage.getItem(format.storage.keys) || "null");
    } catch (error) {
      return null;
    }
  }

  function remember(entry) {
    sessionStorage.setItem(format.storage.keys, JSON.stringify({ key: entry.key, home: entry.home, tier: entry.tier, build: entry.build, reader: entry.reader, stay: entry.stay, mark: entry.mark }));
  }

  function forget() {
    sessionStorage.removeItem(format.storage.keys);
  }

  globalThis.portalSealed = Object.freeze({
    format,
    decode64,
    openSealed,
    openPage,
    gunzip,
    payloadOf,
    unlock,
    unlockAgain,
    remembered,
    remember,
    forget,
    // Trimmed, ASCII letters in lower case, a run of spaces or hyphens one hyphen (sealedformat).
    normalisePasscode: (text) =>
      text
        .replace(trim, "")
        .replace(/[A-Z]/g, (letter) => letter.toLowerCase())
        .replace(separators, String.fromCodePoint(format.passcodeSeparator)),
    isSealedPage: (name) => sealedPage.test(name),
  });
})();
