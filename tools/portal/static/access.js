// Keyboard and screen-reader aids inside every opened page of the cooperation portal: the header's
// menu and search buttons work from the keyboard, the heading of a page opened in place takes the
// focus (so a screen reader reads where the reader now is), and a code block is a named region.
// Runs on DOMContentLoaded and on each `portal:page`
// event (app.js: a page swapped in without reloading the scripts); listeners sit on `document`.
(() => {
  "use strict";
  const NAMES = { __drawer: "Menu", __search: "Search" };

  // The theme's header buttons are labels of hidden checkboxes, which the keyboard cannot reach.
  function headerButtons() {
    for (const label of document.querySelectorAll(".md-header label.md-header__button[for]")) {
      const toggle = document.getElementById(label.htmlFor);
      if (!toggle || !(label.htmlFor in NAMES)) continue;
      label.tabIndex = 0;
      label.setAttribute("role", "button");
      label.setAttribute("aria-label", NAMES[label.htmlFor]);
      label.setAttribute("aria-expanded", String(toggle.checked));
    }
  }

  // Enter on a focused label is the theme's (it clicks it); Space, as on any button, is added here.
  document.addEventListener("keydown", (event) => {
    const label = event.target instanceof Element && event.target.closest(".md-header label.md-header__button[role=button]");
    if (label && event.key === " ") {
      event.preventDefault();
      label.click();
      return;
    }
    const drawer = document.getElementById("__drawer");
    if (event.key === "Escape" && drawer && drawer.checked) {
      drawer.click();
      const button = document.querySelector('.md-header label.md-header__button[for="__drawer"]');
      if (button) button.focus();
    }
  });
  // Opened from its button, the menu or the search takes the focus; the button says it is open.
  document.addEventListener("change", (event) => {
    const toggle = event.target;
    if (!(toggle instanceof HTMLInputElement) || !(toggle.id in NAMES)) return;
    const buttons = [...document.querySelectorAll(`.md-header label.md-header__button[for="${toggle.id}"]`)];
    for (const button of buttons) button.setAttribute("aria-expanded", String(toggle.checked));
    if (!toggle.checked || !buttons.includes(document.activeElement)) return;
    const first = toggle.id === "__search" ? document.querySelector(".md-search__input") : document.querySelector(".md-sidebar--primary .md-nav__link[href]");
    if (first) first.focus();
  });

  // A code block (the guidance pattern's templates) is a named region: the theme makes it a Tab
  // stop where it scrolls sideways (on a touch screen it wraps instead, portal.css).
  function codeBlocks() {
    for (const code of document.querySelectorAll(".md-typeset pre > code:not([role])")) {
      code.setAttribute("role", "region");
      code.setAttribute("aria-label", "Text block");
    }
  }

  // A page opened in place: the focus goes to its heading (or to the part its address names),
  // unless the reader has gone on to type somewhere (the search field) in the meantime.
  function focusHeading() {
    const active = document.activeElement;
    if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement) return;
    const search = document.getElementById("__search");
    if (search instanceof HTMLInputElement && search.checked) return; // the reader opened the search meanwhile
    const named = location.hash && document.getElementById(decodeURIComponent(location.hash.slice(1)));
    const target = named || document.querySelector(".md-content h1");
    if (!target) return;
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
  }

  function setUpPage() {
    headerButtons();
    foldedSearch();
    codeBlocks();
  }

  // On a narrow screen the closed search field is folded away: no Tab stop while it is, yet the
  // theme's "/", "s" and "f" keys can still give it the focus (they open the search).
  function foldedSearch() {
    const search = document.getElementById("__search");
    const field = document.querySelector(".md-search__input");
    if (!(search instanceof HTMLInputElement) || !(field instanceof HTMLInputElement)) return;
    const folded = !search.checked && window.matchMedia("(max-width: 59.9375em)").matches;
    if (folded) field.tabIndex = -1;
    else field.removeAttribute("tabindex");
  }
  document.addEventListener("change", (event) => {
    if (event.target instanceof HTMLInputElement && event.target.id === "__search") foldedSearch();
  });
  window.addEventListener("resize", foldedSearch);
  document.addEventListener("focusin", foldedSearch);

  document.addEventListener("portal:page", () => {
    setUpPage();
    focusHeading();
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpPage);
  else setUpPage();
})();
