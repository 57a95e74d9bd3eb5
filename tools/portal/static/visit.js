// One unlock per visit: loaded by every page of the cooperation portal, after sealed.js. A new tab
// (Ctrl+click, middle click, "open in new tab") asks the open tabs of the portal for the opened
// tier's keys on a same-origin BroadcastChannel, and keeps them in its own sessionStorage: nothing
// outlives the tabs. Lock in one tab locks every tab. A tab opened before a rebuild takes the new
// build's keys with its stay key (sealed.js unlockAgain), without the passcode, while the passcode
// has not changed.
(() => {
  "use strict";
  // A page opened in place of its shell runs this again in the same window: one channel only.
  if (globalThis.portalVisit) globalThis.portalVisit.close();
  const sealed = globalThis.portalSealed;
  const format = sealed.format;
  const root = new URL("..", document.currentScript.src);
  const channel = "BroadcastChannel" in globalThis ? new BroadcastChannel(format.channel) : null;
  const WAIT = 400; // ms an asking tab waits for an answer

  if (channel) {
    channel.addEventListener("message", (event) => {
      const message = event.data || {};
      if (message.ask) {
        const entry = sealed.remembered();
        if (entry) channel.postMessage({ entry });
      } else if (message.lock) {
        sealed.forget();
        // An opened page leaves for the start page; an unlock form stays where it is.
        if (!document.getElementById(format.shell.form)) location.replace(new URL(format.files.home, root));
      }
    });
  }

  // The keys of another open tab of the portal, or null after a short wait.
  function ask() {
    if (!channel) return Promise.resolve(null);
    return new Promise((resolve) => {
      const listener = (event) => {
        if (event.data && event.data.entry) {
          channel.removeEventListener("message", listener);
          resolve(event.data.entry);
        }
      };
      channel.addEventListener("message", listener);
      channel.postMessage({ ask: true });
      setTimeout(() => {
        channel.removeEventListener("message", listener);
        resolve(null);
      }, WAIT);
    });
  }

  async function keysDocument() {
    const response = await fetch(new URL(format.files.keys, root), { cache: "no-store" });
    if (!response.ok) throw new Error("keys");
    return response.json();
  }

  // The keys of this tab, of another tab, or (after a rebuild) of the current build opened with
  // the stay key; kept for this tab. null when the passcode is needed.
  async function current() {
    const entry = sealed.remembered() || (await ask());
    if (!entry) return null;
    let keys;
    try {
      keys = await keysDocument();
    } catch (error) {
      return null;
    }
    const found = keys.build === entry.build ? entry : await sealed.unlockAgain(keys, entry.stay).catch(() => null);
    if (found) sealed.remember(found);
    else sealed.forget();
    return found;
  }

  function lock() {
    sealed.forget();
    if (channel) channel.postMessage({ lock: true });
  }

  globalThis.portalVisit = Object.freeze({ ask, current, keysDocument, lock, close: () => channel && channel.close() });
})();
