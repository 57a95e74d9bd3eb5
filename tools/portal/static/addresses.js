// Lasting addresses: loaded by every page of the cooperation portal, after sealed.js. A page's name
// changes with every build; its lasting address (the query of the address bar, "?" and the token)
// does not while the passcode stays. The tier's sealed map (publish/seal/addresses.py) says which
// page of this build an address opens, or why its text left the portal. In an opened page this
// script puts the page's lasting address into the address bar, so a copied address lasts.
(() => {
  "use strict";
  const sealed = globalThis.portalSealed;
  const format = sealed.format;
  const root = new URL("..", document.currentScript.src);
  const pattern = new RegExp(format.address.pattern);
  const maps = new Map();

  const folderOf = (entry) => new URL(".", new URL(entry.home, root));

  // The tier's map of this build: {mark, marks, pages: {address: file}, gone: {address: said}}.
  function load(entry) {
    if (!maps.has(entry.build)) {
      const path = new URL(entry.home, root).pathname.slice(root.pathname.length).replace(/[^/]*$/, "") + format.files.links;
      const loading = fetch(new URL(path, root))
        .then((response) => {
          if (!response.ok) throw new Error("links");
          return response.arrayBuffer();
        })
        .then((data) => sealed.openSealed(entry, new Uint8Array(data), "page", path))
        .then((plain) => sealed.gunzip(plain).json());
      loading.catch(() => maps.delete(entry.build));
      maps.set(entry.build, loading);
    }
    return maps.get(entry.build);
  }

  const valid = (text) => (pattern.test(text) ? text : "");

  // What an address opens: {url} of the page, {gone, to} for a text that left (`to`: the URL of
  // the text that replaced it), {foreign: label} for another tier's page, or {} when unknown.
  async function resolve(entry, address) {
    const map = await load(entry);
    const folder = folderOf(entry);
    const at = (name, token) => `${new URL(name, folder).href}?${token}`;
    if (map.pages[address]) return { url: at(map.pages[address], address) };
    const said = map.gone[address];
    if (said) {
      const to = said.to && map.pages[said.to] ? at(map.pages[said.to], said.to) : "";
      return { gone: said.why, on: said.on, to };
    }
    const mark = address.slice(0, format.address.mark);
    if (mark !== map.mark && map.marks[mark]) return { foreign: map.marks[mark] };
    return {};
  }

  // The lasting address of a page of this build (its file name in the tier's folder), or "".
  async function addressOf(entry, name) {
    const map = await load(entry);
    for (const [address, file] of Object.entries(map.pages)) {
      if (file === name && address.startsWith(map.mark)) return address;
    }
    return "";
  }

  // In an opened page: the address bar shows the page's lasting address as its query.
  async function mark() {
    const entry = sealed.remembered();
    if (!entry || !document.querySelector(".md-header")) return;
    const name = location.pathname.slice(folderOf(entry).pathname.length);
    if (name.includes("/")) return;
    const address = await addressOf(entry, name || format.files.home).catch(() => "");
    if (!address || location.search === `?${address}`) return;
    const url = new URL(location.href);
    url.search = address;
    history.replaceState(history.state, "", url);
  }

  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("portal:page", mark);

  globalThis.portalAddresses = Object.freeze({ load, resolve, addressOf, valid, hashed: () => valid(location.hash.slice(1)) });
})();
