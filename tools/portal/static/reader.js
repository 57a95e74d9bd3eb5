// Reading aids inside every opened page of the cooperation portal: marks the texts published or
// updated since the reader's previous visit, and makes the print buttons print.
//
// What the reader has seen is kept in this browser's localStorage only (the portal's "as of" date
// at the previous visit), sealed with the tier's reader key (AES-GCM; keys.py) under a name
// derived from that key: after Lock, the browser's storage names no tier, folder or date. Nothing
// is sent anywhere.
//
// The work for one page is `setUpPage`, and it may run more than once: on DOMContentLoaded, and on
// each `portal:page` event that in-page navigation sends on `document` after it swaps the page's
// body in without reloading the scripts. Listeners that must exist once sit on `document`.
(() => {
  "use strict";
  // The names and labels are format.js's (the build's sealedformat.py).
  const format = globalThis.portalFormat;
  const VISITS = format.storage.visits;
  const SESSION = format.storage.visit;
  const encoder = new TextEncoder();
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const text64 = (data) => btoa(String.fromCharCode(...new Uint8Array(data)));
  const hex = (data) => Array.from(new Uint8Array(data), (b) => b.toString(16).padStart(2, "0")).join("");

  function read(storage, key) {
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function write(storage, key, value) {
    try {
      storage.setItem(key, typeof value === "string" ? value : JSON.stringify(value));
    } catch (error) {
      // storage full or disabled: the marks are a convenience, the page works without them
    }
  }

  // Where the visits of this tier are kept, and the key that seals them (both from the reader key).
  let visitsPromise = null;
  function visits() {
    return (visitsPromise ||= (async () => {
      const entry = read(sessionStorage, format.storage.keys); // the opened tier's keys (sealed.js)
      if (!entry || !entry.reader) return null;
      const base = await crypto.subtle.importKey("raw", bytes(entry.reader), "HKDF", false, ["deriveBits", "deriveKey"]);
      const purpose = (info) => ({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(info) });
      const name = VISITS + hex(await crypto.subtle.deriveBits(purpose(format.info.visitsName), base, 128));
      const key = await crypto.subtle.deriveKey(purpose(format.info.visitsSeal), base, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
      return { name, key };
    })());
  }

  async function load(store) {
    try {
      const sealed = bytes(localStorage.getItem(store.name) || "");
      const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.slice(0, 12) }, store.key, sealed.slice(12));
      return JSON.parse(new TextDecoder().decode(plain));
    } catch (error) {
      return null; // none yet, or sealed with an earlier passcode
    }
  }

  async function save(store, state) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv }, store.key, encoder.encode(JSON.stringify(state)));
    const stored = new Uint8Array(iv.length + sealed.byteLength);
    stored.set(iv);
    stored.set(new Uint8Array(sealed), iv.length);
    write(localStorage, store.name, text64(stored));
  }

  // A visit is one browser session (the tab that holds the passcode). At the start of a visit,
  // the "as of" date of the previous one becomes the date after which texts count as new.
  async function sinceDate(marker) {
    const asof = marker.dataset.portalAsof;
    const store = await visits();
    if (!store) return null;
    let state = await load(store);
    const inVisit = read(sessionStorage, SESSION) === store.name;
    if (!state || typeof state.asof !== "string") {
      state = { since: null, asof };
    } else if (!inVisit) {
      state = { since: state.asof, asof };
    } else if (asof > state.asof) {
      state = { since: state.since, asof };
    }
    await save(store, state);
    write(sessionStorage, SESSION, JSON.stringify(store.name));
    return state.since;
  }

  function longDate(iso) {
    const [year, month, day] = iso.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day)).toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  }

  function markNew(root, since) {
    for (const element of root.querySelectorAll("[data-portal-published]")) {
      if (element.dataset.portalPublished <= since || element.querySelector(".portal-new")) continue;
      const mark = document.createElement("span");
      mark.className = "portal-new";
      mark.textContent = "New";
      mark.title = "Published or updated since your previous visit";
      element.append(" ", mark);
    }
  }

  function summarise(root, since) {
    const summary = root.querySelector(".portal-new-summary");
    if (!summary) return;
    let count = 0;
    for (const pair of (summary.dataset.portalDates || "").split(" ")) {
      const [day, number] = pair.split(":");
      if (day && day > since) count += Number(number) || 0;
    }
    summary.textContent = "";
    const text = count
      ? `${count} text${count === 1 ? " was" : "s were"} published or updated since your previous visit (portal as of ${longDate(since)}); they are marked New. See `
      : `Nothing new since your previous visit (portal as of ${longDate(since)}). See `;
    const link = document.createElement("a");
    link.href = summary.dataset.portalRecent;
    link.textContent = "Recently published";
    summary.append(text, link, ".");
    summary.hidden = false;
  }

  // The running header of a printout (portal.css puts it in the top margin of every sheet): the
  // portal, the tier and the "as of" date, as the page says them.
  function runningHeader(marker) {
    const line = (marker && marker.dataset.portalRunning) || "";
    const quoted = `"${line.replace(/[\\"]/g, "\\$&").replace(/[\r\n\f]+/g, " ")}"`;
    document.documentElement.style.setProperty("--portal-running", quoted);
  }

  async function setUpPage() {
    const marker = document.querySelector(".portal-reader[data-portal-asof]");
    runningHeader(marker);
    if (marker) {
      const since = await sinceDate(marker);
      if (since) {
        markNew(document, since);
        summarise(document, since);
      }
    }
  }

  document.addEventListener("click", (event) => {
    if (event.target instanceof Element && event.target.closest("button[data-portal-print]")) window.print();
  });
  document.addEventListener("portal:page", setUpPage);
  // A printable page's texts arrive after the page (app.js, which shows its print button then).
  document.addEventListener("portal:printable", setUpPage);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpPage);
  else setUpPage();
})();
