// The public loader of the cooperation portal. Every published page is a shell holding the
// AES-256-GCM ciphertext of the real page; this script asks for the passcode once per browser
// session, derives the key with PBKDF2 (WebCrypto), opens the page and shows it.
(() => {
  "use strict";
  const STORE = "ccm-portal-key";
  const root = new URL("..", document.currentScript.src);
  const encoder = new TextEncoder();
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const payload = document.getElementById("portal-data");
  const form = document.getElementById("portal-form");
  const input = document.getElementById("portal-passcode");
  const status = document.getElementById("portal-status");
  const button = form && form.querySelector("button");

  function remembered() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE) || "null");
    } catch (error) {
      return null;
    }
  }

  function decode64(text) {
    // Native base64 where the browser has it; atob elsewhere (no request: the policy allows none).
    return Uint8Array.fromBase64 ? Uint8Array.fromBase64(text) : bytes(text);
  }

  // Where this page lies in the site: a sealed page opens only under its own name and build.
  function here() {
    const path = decodeURIComponent(location.pathname.slice(root.pathname.length));
    return path === "" || path.endsWith("/") ? path + "index.html" : path;
  }

  function unframe(plain) {
    const view = new DataView(plain);
    return new Uint8Array(plain, 4, view.getUint32(0));
  }

  async function openPage(entry, encoded, path = here()) {
    const sealed = decode64(encoded);
    const key = await crypto.subtle.importKey("raw", bytes(entry.key), "AES-GCM", false, ["decrypt"]);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: sealed.slice(0, 12), additionalData: encoder.encode(`ccm-portal/page/${entry.build}/${path}`) },
      key,
      sealed.slice(12),
    );
    const stream = new Blob([unframe(plain)]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  function show(html) {
    document.open();
    document.write(html);
    document.close();
    performance.mark("portal-page-shown");
  }

  async function unlock(passcode) {
    const response = await fetch(new URL("_portal/keys.json", root), { cache: "no-store" });
    if (!response.ok) throw new Error("keys");
    const keys = await response.json();
    const material = await crypto.subtle.importKey("raw", encoder.encode(passcode), "PBKDF2", false, ["deriveBits"]);
    const master = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: bytes(keys.salt), iterations: keys.iterations }, material, 256);
    // A sub-key for wrapping only (HKDF), as the build derives it.
    const wrapping = await crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode("ccm-portal/wrap") },
      await crypto.subtle.importKey("raw", master, "HKDF", false, ["deriveKey"]),
      { name: "AES-GCM", length: 256 },
      false,
      ["decrypt"],
    );
    for (const slot of keys.slots) {
      const sealed = bytes(slot);
      try {
        const plain = await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: sealed.slice(0, 12), additionalData: encoder.encode("ccm-portal/slot/" + keys.build) },
          wrapping,
          sealed.slice(12),
        );
        return { ...JSON.parse(new TextDecoder().decode(plain)), build: keys.build };
      } catch (error) {
        // not this slot: another tier's
      }
    }
    return null;
  }

  function say(message, isError) {
    status.textContent = message;
    status.classList.toggle("portal-error", Boolean(isError));
  }

  function ready(message) {
    form.hidden = false;
    if (message) say(message, true);
    input.focus();
  }

  // From the start page, the tier's home opens in this very page: one page load fewer. Its
  // address becomes the home's, so that its links, reload and back work as on the home itself.
  async function goHome(entry) {
    const home = new URL(entry.home, root);
    try {
      const shell = await (await fetch(home)).text();
      const payload = /id="portal-data">([A-Za-z0-9+/=]*)</.exec(shell);
      if (!payload) throw new Error("not a sealed page");
      const html = await openPage(entry, payload[1], entry.home);
      history.replaceState(null, "", home);
      show(html);
    } catch (error) {
      location.replace(home);
    }
  }

  async function showThisPage(entry) {
    show(await openPage(entry, payload.textContent.trim()));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // A passcode copied from an e-mail often brings a space or a line break with it.
    const passcode = input.value.trim();
    if (!passcode) {
      say("Enter the passcode.", true);
      input.focus();
      return;
    }
    button.disabled = true;
    say("Checking the passcode…", false);
    let entry = null;
    try {
      entry = await unlock(passcode);
    } catch (error) {
      button.disabled = false;
      say("The portal could not be opened: its key file is missing or damaged. Please tell the coordinator.", true);
      return;
    }
    button.disabled = false;
    if (!entry) {
      input.value = "";
      say("This passcode does not open the portal. Check it, or ask the coordinator for the current one.", true);
      input.focus();
      return;
    }
    sessionStorage.setItem(STORE, JSON.stringify({ key: entry.key, home: entry.home, tier: entry.tier, build: entry.build, reader: entry.reader }));
    if (payload) {
      try {
        await showThisPage(entry);
        return;
      } catch (error) {
        // a page of another tier, or of an earlier build: go to the start page instead
      }
    }
    await goHome(entry);
  });

  (async () => {
    const entry = remembered();
    if (!entry) return ready("");
    if (!payload) {
      // The start page: go to the reader's home, unless the portal was rebuilt with new keys since.
      try {
        const response = await fetch(new URL("_portal/keys.json", root), { cache: "no-store" });
        if ((await response.json()).build === entry.build) return goHome(entry);
      } catch (error) {
        // fall through to the form
      }
      sessionStorage.removeItem(STORE);
      return ready("The portal has been updated since you opened it, and its passcode may have changed. Enter the current passcode.");
    }
    try {
      await showThisPage(entry);
    } catch (error) {
      sessionStorage.removeItem(STORE);
      ready("This page does not open with the passcode you entered earlier: the passcode may have changed, or the page is not for your group of readers. Enter the current passcode.");
    }
  })();
})();
