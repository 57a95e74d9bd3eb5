// The public loader of the cooperation portal. Every published page is a shell holding the
// AES-256-GCM ciphertext of the real page; this script asks for the passcode once per browser
// session, derives the key with PBKDF2 (WebCrypto), opens the page and shows it. The opening
// itself is sealed.js's, the names and markers format.js's.
(() => {
  "use strict";
  const sealed = globalThis.portalSealed;
  const visit = globalThis.portalVisit;
  const addresses = globalThis.portalAddresses;
  const format = sealed.format;
  const root = new URL("..", document.currentScript.src);
  const payload = document.getElementById(format.shell.payload);
  const form = document.getElementById(format.shell.form);
  const input = document.getElementById(format.shell.passcode);
  const status = document.getElementById(format.shell.status);
  const button = form && form.querySelector("button");
  // The lasting address asked for, on the start page (a sealed page is itself what was asked for).
  const wanted = payload ? "" : addresses.hashed();
  // A sealed page's own lasting address (its query): where to go when the page does not open with
  // this tier's keys (a page of another tier, whose reader copied the address).
  const asked = payload ? addresses.valid(location.search.slice(1)) : "";

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
    return sealed.unlock(await visit.keysDocument(), passcode);
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
      input.select();
      say("This passcode does not open the portal. Check it, or ask the coordinator for the current one.", true);
      input.focus();
      return;
    }
    sealed.remember(entry);
    if (wanted && (await goTo(entry, wanted))) return;
    if (payload) {
      try {
        await showThisPage(entry);
        return;
      } catch (error) {
        // a page of another tier, or of an earlier build: its lasting address, or the start page
        if (asked && (await goTo(entry, asked))) return;
      }
    }
    await goHome(entry);
  });

  // Instead of the form: what became of the page asked for, and where to go from here.
  function tell(message, links) {
    form.hidden = true;
    const box = document.createElement("div");
    box.className = "portal-told";
    box.setAttribute("role", "status");
    const text = document.createElement("p");
    text.textContent = message;
    box.append(text);
    for (const [words, href] of links) {
      const paragraph = document.createElement("p");
      const link = document.createElement("a");
      link.href = href;
      link.textContent = words;
      paragraph.append(link);
      box.append(paragraph);
    }
    form.after(box);
  }

  // The page a lasting address names: opened, or why it is not (left, another tier's, unknown).
  // False when the map cannot be read (the start page then opens as before).
  async function goTo(entry, address) {
    let found;
    try {
      found = await addresses.resolve(entry, address);
    } catch (error) {
      return false;
    }
    const home = [["Go to the portal's home page", new URL(entry.home, root).href]];
    if (found.url) {
      // This very page, which did not open (tampered, or cut short): no going round in circles.
      if (new URL(found.url).pathname === location.pathname) return false;
      location.replace(found.url);
    } else if (found.gone) {
      const when = found.on ? ` on ${found.on}` : "";
      const why = { withdrawn: `was withdrawn${when}, so it is`, expired: `expired${when}, so it is`, replaced: `was replaced by a newer text${when}, so it is` }[found.gone] || "is";
      const next = found.to ? [["Open the text that replaced it", found.to]] : [];
      tell(`The text at this address ${why} no longer on the portal.`, [...next, ...home]);
    } else if (found.foreign) {
      tell(`This page is for ${found.foreign} only: the passcode you entered does not open it.`, home);
    } else {
      tell("This address is not on the portal any more: the page it named has left.", home);
    }
    return true;
  }

  (async () => {
    const had = sealed.remembered();
    const entry = await visit.current();
    if (!entry) {
      return ready(had ? "The portal has been updated since you opened it, and its passcode has changed. Enter the current passcode." : "");
    }
    if (wanted && (await goTo(entry, wanted))) return;
    if (!payload) return goHome(entry);
    try {
      await showThisPage(entry);
    } catch (error) {
      if (asked && (await goTo(entry, asked))) return;
      sealed.forget();
      ready("This page does not open with the passcode you entered earlier: the passcode may have changed, or the page is not for your group of readers. Enter the current passcode.");
    }
  })();
})();
