// Reading aids inside every opened page of the cooperation portal: marks the texts published or
// updated since the reader's previous visit, and makes the print buttons print.
//
// What the reader has seen is kept in this browser's localStorage only (the portal's "as of" date
// at the previous visit); nothing is sent anywhere.
//
// The work for one page is `setUpPage`, and it may run more than once: on DOMContentLoaded, and on
// each `portal:page` event that in-page navigation sends on `document` after it swaps the page's
// body in without reloading the scripts. Listeners that must exist once sit on `document`.
(() => {
  "use strict";
  const VISITS = "ccm-portal-visits/";
  const SESSION = "ccm-portal-visit";

  function read(storage, key) {
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function write(storage, key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // storage full or disabled: the marks are a convenience, the page works without them
    }
  }

  // A visit is one browser session (the tab that holds the passcode). At the start of a visit,
  // the "as of" date of the previous one becomes the date after which texts count as new.
  function sinceDate(marker) {
    const asof = marker.dataset.portalAsof;
    const key = VISITS + (marker.dataset.portalTier || "");
    let state = read(localStorage, key);
    const inVisit = read(sessionStorage, SESSION) === key;
    if (!state || typeof state.asof !== "string") {
      state = { since: null, asof };
    } else if (!inVisit) {
      state = { since: state.asof, asof };
    } else if (asof > state.asof) {
      state = { since: state.since, asof };
    }
    write(localStorage, key, state);
    write(sessionStorage, SESSION, key);
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

  function setUpPage() {
    const marker = document.querySelector(".portal-reader[data-portal-asof]");
    if (marker) {
      const since = sinceDate(marker);
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
