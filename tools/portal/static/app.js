// Runs inside every opened page of the cooperation portal: decrypts the search index for the
// theme's search, decrypts attachments on download, puts the texts into printable pages, and
// offers to lock the portal again. The opening itself is sealed.js's, the names format.js's.
(() => {
  "use strict";
  const sealed = globalThis.portalSealed;
  const format = sealed.format;
  const entry = sealed.remembered();
  if (!entry) return;
  const root = new URL("..", document.currentScript.src);
  const folder = new URL(".", new URL(entry.home, root)).pathname; // this tier's folder
  const decoder = new TextDecoder();
  const gunzip = sealed.gunzip;

  // A sealed file opens only under its own name and build: kind is "page" or "file".
  function openSealed(target, data, kind) {
    return sealed.openSealed(entry, data, kind, decodeURIComponent(target.pathname.slice(root.pathname.length)));
  }

  async function fetchBytes(target) {
    const response = await fetch(target);
    if (!response.ok) throw new Error(`${response.status} ${target}`);
    return response;
  }

  async function openUrl(url, kind) {
    const target = new URL(url, location.href);
    return openSealed(target, new Uint8Array(await (await fetchBytes(target)).arrayBuffer()), kind);
  }

  // The next page, opened inside the running one: its shell is fetched and its ciphertext opened
  // here, and the theme's instant navigation swaps it in, so the theme and the opened search
  // index live for the whole visit.
  async function openPage(target) {
    const shell = await (await fetchBytes(target)).text();
    const payload = sealed.payloadOf(shell);
    if (payload === null) throw new Error("not a sealed page");
    return gunzip(await openSealed(target, sealed.decode64(payload), "page")).blob();
  }

  // The theme asks for the tier's sitemap to know which links it may open in place: the sealed
  // list of the tier's pages, turned into the addresses they have here.
  async function openSitemap(target) {
    const names = JSON.parse(decoder.decode(await (await gunzip(await openUrl(target, "page"))).arrayBuffer()));
    const urls = names.map((name) => `<url><loc>${new URL(name, target).href}</loc></url>`).join("");
    return new Blob([`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">${urls}</urlset>`], { type: "application/xml" });
  }

  function sealedKind(url) {
    if (!url || url.origin !== location.origin || !url.pathname.startsWith(folder)) return null;
    const rest = url.pathname.slice(folder.length);
    if (rest === format.files.searchIndex) return "index";
    if (rest === format.files.sitemap) return "sitemap";
    return sealed.isSealedPage(rest) ? "page" : null;
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

  function respond(request, blob) {
    for (const [name, value] of Object.entries({ readyState: 4, status: 200, statusText: "OK", response: blob })) {
      Object.defineProperty(request, name, { value, configurable: true });
    }
    request.dispatchEvent(new ProgressEvent("load"));
    request.dispatchEvent(new ProgressEvent("loadend"));
  }

  // The theme loads the search index, the sitemap and (navigating in place) the next page with
  // XMLHttpRequest; each is sealed, and opened here before the theme sees it.
  const originalOpen = XMLHttpRequest.prototype.open;
  const originalSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.portalUrl = new URL(String(url), location.href);
    return originalOpen.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    const url = this.portalUrl;
    const kind = sealedKind(url);
    if (!kind) return originalSend.call(this, body);
    const request = this;
    let opened;
    if (kind === "index") {
      // The page comes first: the index is opened once the browser is idle, or at once when the
      // reader goes to the search field.
      opened = whenSearchIsWanted()
        .then(() => openUrl(url, "page"))
        .then((plain) => gunzip(plain).blob())
        .then((blob) => new Blob([blob], { type: "application/json" }));
    } else if (kind === "sitemap") {
      opened = openSitemap(url);
    } else {
      opened = openPage(url).catch(async () => {
        // Not in this build any more (the portal was rebuilt): the start page opens the new build
        // (without the passcode if it has not changed) and goes to the page's lasting address.
        const address = await globalThis.portalAddresses.addressOf(entry, url.pathname.slice(folder.length)).catch(() => "");
        location.assign(new URL(format.files.home + (address ? `#${address}` : ""), root));
        return new Promise(() => {});
      });
    }
    opened.then(
      (blob) => respond(request, blob),
      () => request.dispatchEvent(new ProgressEvent("error")),
    );
  };

  // A printable page names its texts; each text's own sealed page is opened here and its title,
  // byline, facts and text put in the text's place, so the build publishes every text once.
  async function printableText(article) {
    const target = new URL(article.dataset.portalPrintText, location.href);
    const page = new DOMParser().parseFromString(await (await openPage(target)).text(), "text/html");
    const content = page.querySelector(".md-content");
    const title = content && content.querySelector("h1");
    const text = content && content.querySelector(".portal-text");
    if (!title || !text) throw new Error("not a text's page");
    for (const anchor of title.querySelectorAll(".headerlink")) anchor.remove();
    const heading = document.createElement("h2");
    heading.textContent = title.textContent.trim();
    const parts = [heading];
    const byline = content.querySelector(".portal-byline");
    if (byline) parts.push(document.importNode(byline, true));
    const card = content.querySelector("dl.portal-card:not(details dl)");
    if (card) {
      const facts = document.importNode(card, true);
      facts.removeAttribute("data-search-exclude");
      // The identifier (folded away on the text's page) names the text in a meeting's papers.
      for (const term of content.querySelectorAll("details.portal-provenance dt")) {
        if (term.textContent !== "Identifier" || !term.nextElementSibling) continue;
        facts.append(document.importNode(term, true), document.importNode(term.nextElementSibling, true));
      }
      parts.push(facts);
    }
    parts.push(document.importNode(text, true));
    article.replaceChildren(...parts);
    article.dataset.portalPrinted = "";
  }

  async function fillPrintable() {
    const articles = [...document.querySelectorAll("article[data-portal-print-text]:not([data-portal-printed])")];
    if (!articles.length) return;
    const status = document.querySelector(".portal-print-status");
    const results = await Promise.allSettled(articles.map(printableText));
    const failed = results.filter((result) => result.status === "rejected").length;
    if (status) {
      status.textContent = failed
        ? `${failed} of ${articles.length} texts could not be opened: they are shown as links. Reload the page to try again.`
        : `All ${articles.length} texts are on this page.`;
    }
    for (const button of document.querySelectorAll("button[data-portal-print]")) button.hidden = false;
    document.dispatchEvent(new CustomEvent("portal:printable"));
  }

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
    // Each page swapped in by the theme: a mark for the benchmarks, an event for other scripts.
    if (window.document$) {
      let first = true;
      window.document$.subscribe(() => {
        if (first) {
          first = false;
          return;
        }
        performance.mark("portal-page-shown");
        document.dispatchEvent(new CustomEvent("portal:page"));
        fillPrintable();
      });
    }
    fillPrintable();
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
    lock.title = "Forget the passcode in every tab of the portal";
    lock.addEventListener("click", () => {
      globalThis.portalVisit.lock();
      location.href = new URL(format.files.home, root).href;
    });
    header.appendChild(lock);
  });
})();
