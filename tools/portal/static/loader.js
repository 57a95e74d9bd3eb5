// The public loader of the cooperation portal. Every published page is a shell holding the
// AES-256-GCM ciphertext of the real page; this script asks for the passcode once per browser
// session, derives the key with PBKDF2 (WebCrypto), opens the page and shows it. The opening
// itself is sealed.js's, the names and markers format.js's.
(() => {
  "use strict";
  const sealed = globalThis.portalSealed;
  const format = sealed.format;
  const root = new URL("..", document.currentScript.src);
  const payload = document.getElementById(format.shell.payload);
  const form = document.getElementById(format.shell.form);
  const input = document.getElementById(format.shell.passcode);
  const status = document.getElementById(format.shell.status);
  const button = form && form.querySelector("button");
  const keysFile = () => new URL(format.files.keys, root);

  // Where this page lies in the site: a sealed page opens only under its own name and build.
  function here() {
    const path = decodeURIComponent(location.pathname.slice(root.pathname.length));
    return path === "" || path.endsWith("/") ? path + format.files.home : path;
  }

  function openPage(entry, encoded, path = here()) {
    return sealed.openPage(entry, sealed.decode64(encoded), path);
  }

  function show(html) {
    document.open();
    document.write(html);
    document.close();
    performance.mark("portal-page-shown");
  }

  async function unlock(passcode) {
    const response = await fetch(keysFile(), { cache: "no-store" });
    if (!response.ok) throw new Error("keys");
    return sealed.unlock(await response.json(), passcode);
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
      const payload = sealed.payloadOf(shell);
      if (payload === null) throw new Error("not a sealed page");
      const html = await openPage(entry, payload, entry.home);
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
    const passcode = sealed.normalisePasscode(input.value);
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
    sealed.remember(entry);
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
    const entry = sealed.remembered();
    if (!entry) return ready("");
    if (!payload) {
      // The start page: go to the reader's home, unless the portal was rebuilt with new keys since.
      try {
        const response = await fetch(keysFile(), { cache: "no-store" });
        if ((await response.json()).build === entry.build) return goHome(entry);
      } catch (error) {
        // fall through to the form
      }
      sealed.forget();
      return ready("The portal has been updated since you opened it, and its passcode may have changed. Enter the current passcode.");
    }
    try {
      await showThisPage(entry);
    } catch (error) {
      sealed.forget();
      ready("This page does not open with the passcode you entered earlier: the passcode may have changed, or the page is not for your group of readers. Enter the current passcode.");
    }
  })();
})();
