// Runs inside every opened page of the cooperation portal: decrypts the search index for the
// theme's search, decrypts attachments on download, and offers to lock the portal again.
(() => {
  "use strict";
  const STORE = "ccm-portal-key";
  let entry = null;
  try {
    entry = JSON.parse(sessionStorage.getItem(STORE) || "null");
  } catch (error) {
    entry = null;
  }
  if (!entry) return;
  const root = new URL("..", document.currentScript.src);
  const encoder = new TextEncoder();
  const bytes = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  let keyPromise = null;
  const key = () => (keyPromise ||= crypto.subtle.importKey("raw", bytes(entry.key), "AES-GCM", false, ["decrypt"]));

  // A sealed file opens only under its own name and build: kind is "page" or "file".
  async function openUrl(url, kind) {
    const target = new URL(url, location.href);
    const response = await fetch(target);
    if (!response.ok) throw new Error(`${response.status} ${target}`);
    const sealed = new Uint8Array(await response.arrayBuffer());
    const path = decodeURIComponent(target.pathname.slice(root.pathname.length));
    const aad = encoder.encode(`ccm-portal/${kind}/${entry.build}/${path}`);
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: sealed.slice(0, 12), additionalData: aad }, await key(), sealed.slice(12));
    return new Uint8Array(plain, 4, new DataView(plain).getUint32(0));
  }

  function whenSearchIsWanted() {
    return new Promise((resolve) => {
      let done = false;
      const go = () => {
        if (!done) {
          done = true;
          resolve();
        }
      };
      document.addEventListener("focusin", (event) => {
        if (event.target instanceof Element && event.target.matches("input[data-md-component=search-query]")) go();
      });
      const idle = () => (window.requestIdleCallback ? requestIdleCallback(go, { timeout: 1500 }) : setTimeout(go, 300));
      if (document.readyState === "complete") idle();
      else window.addEventListener("load", idle, { once: true });
    });
  }

  // The theme loads search/search_index.json with XMLHttpRequest; that file is sealed like a page.
  const originalOpen = XMLHttpRequest.prototype.open;
  const originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.portalUrl = new URL(String(url), location.href);
    return originalOpen.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    const url = this.portalUrl;
    if (!url || !url.pathname.endsWith("/search/search_index.json")) return originalSend.call(this, body);
    const request = this;
    // The page comes first: the index is opened once the browser is idle, or at once when the
    // reader goes to the search field.
    whenSearchIsWanted()
      .then(() => openUrl(url, "page"))
      .then((plain) => new Response(new Blob([plain]).stream().pipeThrough(new DecompressionStream("gzip"))).blob())
      .then(
        (blob) => {
          const json = new Blob([blob], { type: "application/json" });
          for (const [name, value] of Object.entries({ readyState: 4, status: 200, statusText: "OK", response: json })) {
            Object.defineProperty(request, name, { value, configurable: true });
          }
          request.dispatchEvent(new ProgressEvent("load"));
          request.dispatchEvent(new ProgressEvent("loadend"));
        },
        () => request.dispatchEvent(new ProgressEvent("error")),
      );
  };

  document.addEventListener("click", async (event) => {
    const link = event.target instanceof Element && event.target.closest("a[data-portal-file]");
    if (!link) return;
    event.preventDefault();
    try {
      const plain = await openUrl(link.href, "file");
      const url = URL.createObjectURL(new Blob([plain], { type: "application/octet-stream" }));
      const save = document.createElement("a");
      save.href = url;
      save.download = link.getAttribute("download") || "attachment";
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (error) {
      alert("The attachment could not be opened. Reload the page and try again.");
    }
  });

  document.addEventListener("DOMContentLoaded", () => {
    // The theme's search dialog has no accessible name of its own.
    for (const dialog of document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])')) {
      dialog.setAttribute("aria-label", "Search the portal");
    }
    const header = document.querySelector(".md-header__inner");
    if (!header) return;
    const lock = document.createElement("button");
    lock.type = "button";
    lock.className = "md-header__button portal-lock";
    lock.textContent = "Lock";
    lock.title = "Forget the passcode in this browser tab";
    lock.addEventListener("click", () => {
      sessionStorage.removeItem(STORE);
      location.href = new URL("../index.html", location.href).href;
    });
    header.appendChild(lock);
  });
})();
