// Sorting and filtering the listings of the cooperation portal in the page (by country, kind,
// theme, expiry), with the keyboard as with the pointer.
//
// The build marks a listing `table[data-portal-listing]`; each header says how its column sorts
// (`data-portal-sort`: text, date, number) and filters (`data-portal-filter`: values, expiry), and
// each cell carries its key (`data-portal-key`, an ISO date) or its values (`data-portal-values`,
// JSON). Nothing is fetched or sent: the rows are those of the page. A page swapped in by the
// theme's navigation (app.js's `portal:page`) has its listings set up again.
(() => {
  "use strict";
  const EXPIRY = [
    ["", "Any expiry date"],
    ["30", "Expires within 30 days"],
    ["90", "Expires within 90 days"],
    ["later", "Expires in more than 90 days"],
  ];
  const ORDER = {
    text: ["A to Z", "Z to A"],
    date: ["earliest first", "latest first"],
    number: ["fewest first", "most first"],
  };
  let made = 0;

  function key(cell, sort) {
    if (!cell) return "";
    if (sort === "date") return cell.dataset.portalKey || "";
    if (sort === "number") return Number(cell.textContent.trim()) || 0;
    return cell.textContent.trim().toLocaleLowerCase();
  }

  function values(cell) {
    try {
      const found = JSON.parse((cell && cell.dataset.portalValues) || "[]");
      return Array.isArray(found) ? found.map(String) : [];
    } catch (error) {
      return [];
    }
  }

  function dayAfter(iso, days) {
    const day = new Date(`${iso}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + days);
    return day.toISOString().slice(0, 10);
  }

  // A control and its label, side by side in one box (the label names the control alone).
  function labelled(text, control) {
    const box = document.createElement("span");
    box.className = "portal-listing-control";
    const label = document.createElement("label");
    control.id = `portal-listing-control-${++made}`;
    label.htmlFor = control.id;
    label.textContent = text;
    box.append(label, control);
    return box;
  }

  function select(options) {
    const element = document.createElement("select");
    for (const [value, text] of options) element.append(new Option(text, value));
    return element;
  }

  // One select per column that filters: the values found in its cells, or the expiry ranges.
  function filterControls(listing) {
    const { headers, rows, today, group } = listing;
    headers.forEach((th, index) => {
      const how = th.dataset.portalFilter;
      let options = null;
      if (how === "values") {
        const found = [...new Set(rows.flatMap((row) => values(row.cells[index])))].sort((a, b) => a.localeCompare(b));
        if (found.length > 1) options = [["", "Any"], ...found.map((value) => [value, value])];
      } else if (how === "expiry" && today) {
        options = EXPIRY;
      }
      if (!options) return;
      const control = select(options);
      listing.filters.push({ index, how, control });
      group.append(labelled(th.textContent.trim(), control));
      control.addEventListener("change", () => show(listing));
    });
  }

  function matches(listing, row) {
    const today = listing.today;
    return listing.filters.every(({ index, how, control }) => {
      const wanted = control.value;
      if (!wanted) return true;
      if (how === "values") return values(row.cells[index]).includes(wanted);
      const expires = key(row.cells[index], "date");
      if (wanted === "later") return expires > dayAfter(today, 90);
      return expires >= today && expires <= dayAfter(today, Number(wanted));
    });
  }

  function show(listing) {
    const { rows, status } = listing;
    let shown = 0;
    for (const row of rows) {
      row.hidden = !matches(listing, row);
      shown += !row.hidden;
    }
    status.textContent = shown === rows.length ? `All ${rows.length} shown.` : `${shown} of ${rows.length} shown.`;
  }

  // "Sort by" (every column that sorts, either way), and on a wide screen a button in each header.
  function sortControls(listing) {
    const sortable = listing.headers.map((th, index) => [th, index]).filter(([th]) => ORDER[th.dataset.portalSort]);
    const orders = [["", "As listed"]];
    for (const [th, index] of sortable) {
      const [up, down] = ORDER[th.dataset.portalSort];
      orders.push([`${index}:up`, `${th.textContent.trim()}, ${up}`], [`${index}:down`, `${th.textContent.trim()}, ${down}`]);
    }
    const order = select(orders);
    listing.group.append(labelled("Sort by", order));
    order.addEventListener("change", () => sortBy(listing, sortable, order.value));
    for (const [th, index] of sortable) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "portal-sort";
      button.append(...th.childNodes);
      th.append(button);
      button.addEventListener("click", () => {
        order.value = `${index}:${th.getAttribute("aria-sort") === "ascending" ? "down" : "up"}`;
        sortBy(listing, sortable, order.value);
      });
    }
  }

  function sortBy(listing, sortable, choice) {
    const [column, direction] = choice.split(":");
    const index = Number(column);
    const sort = choice ? listing.headers[index].dataset.portalSort : "";
    for (const [th, at] of sortable) {
      if (choice && at === index) th.setAttribute("aria-sort", direction === "up" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    const sign = direction === "down" ? -1 : 1;
    const order = (row) => Number(row.dataset.portalOrder);
    const sorted = [...listing.rows].sort((a, b) => {
      if (!choice) return order(a) - order(b);
      const [x, y] = [key(a.cells[index], sort), key(b.cells[index], sort)];
      if (x === y) return order(a) - order(b);
      if (x === "") return 1; // an empty cell comes last either way
      if (y === "") return -1;
      return sign * (x < y ? -1 : 1);
    });
    listing.body.append(...sorted);
  }

  function setUp(table) {
    table.dataset.portalListingReady = "";
    const body = table.tBodies[0];
    const rows = [...body.rows];
    if (rows.length < 2) return;
    rows.forEach((row, index) => (row.dataset.portalOrder = String(index)));
    const marker = document.querySelector(".portal-reader[data-portal-asof]");
    const group = document.createElement("div");
    group.className = "portal-listing-tools portal-no-print";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Sort and filter this list");
    group.id = `portal-listing-${++made}`;
    const status = document.createElement("p");
    status.className = "portal-listing-status";
    status.setAttribute("role", "status");
    status.id = `${group.id}-status`;
    const headers = [...table.tHead.rows[0].cells];
    const listing = { headers, body, rows, group, status, filters: [], today: marker ? marker.dataset.portalAsof : "" };
    filterControls(listing);
    sortControls(listing);
    table.setAttribute("aria-describedby", status.id);
    group.append(status);
    (table.closest(".md-typeset__table") || table).before(group);
    show(listing);
  }

  function setUpPage() {
    for (const table of document.querySelectorAll("table[data-portal-listing]:not([data-portal-listing-ready])")) setUp(table);
  }

  document.addEventListener("portal:page", setUpPage);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpPage);
  else setUpPage();
})();

// The overview's bars are links drawn in SVG (overview.py). The theme's navigation leaves SVG links
// to the browser (a full load of the page); the click is handed to an HTML link with the same
// address instead, which the theme opens in place as it opens any other.
(() => {
  "use strict";
  window.addEventListener(
    "click",
    (event) => {
      const link = event.target instanceof Element && event.target.closest("a.portal-chart-link");
      if (!link || !(link instanceof SVGAElement) || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      event.stopPropagation();
      const html = document.createElement("a");
      html.href = new URL(link.href.baseVal, location.href).href;
      html.hidden = true;
      document.body.append(html);
      html.click();
      html.remove();
    },
    true,
  );
})();
