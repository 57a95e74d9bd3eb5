// The theme's search inside every opened page of the cooperation portal: what the reader types
// right after opening the next page is not lost.
//
// The theme closes its search 125 ms after every navigation starts (the link's click or the
// browser's back and forward). A sealed page opens here in less than that, so a reader who presses
// "/" and types as soon as the next page shows had the search closed under their fingers, and saw
// no results. The search stays open when the reader typed in it after the navigation began; it
// closes as before on Escape, Tab, a click outside it, or a result chosen.
(() => {
  "use strict";
  const GRACE = 1000; // ms after a navigation starts in which the theme's own closing is undone
  let navigated = -Infinity;
  let typed = -Infinity;

  function toggle() {
    return document.getElementById("__search");
  }

  function watchNavigation() {
    if (window.location$ && typeof window.location$.subscribe === "function") {
      window.location$.subscribe(() => {
        navigated = performance.now();
      });
    }
  }

  // Keys the reader types toward the search: into its field, or "/", "s", "f" that open it.
  window.addEventListener(
    "keydown",
    (event) => {
      if (event.key === "Escape" || event.key === "Tab") {
        typed = -Infinity;
        return;
      }
      const target = event.target;
      const inField = target instanceof Element && target.matches("input[data-md-component=search-query]");
      if (inField || ["/", "s", "f"].includes(event.key)) typed = performance.now();
    },
    true,
  );
  // A click anywhere but the field (a result, the overlay, a link) lets the search close.
  document.addEventListener(
    "pointerdown",
    (event) => {
      if (!(event.target instanceof Element && event.target.matches("input[data-md-component=search-query]"))) typed = -Infinity;
    },
    true,
  );

  // The theme closes the search by clicking its toggle: that click is undone when it comes from
  // the navigation's delayed close while the reader is typing.
  function keepOpen(event) {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.checked) return; // opening: nothing to keep
    const now = performance.now();
    if (typed > navigated && now - navigated < GRACE) {
      event.preventDefault(); // the box stays checked and no change is announced
    }
  }

  function start() {
    watchNavigation();
    const box = toggle();
    if (box) box.addEventListener("click", keepOpen);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
