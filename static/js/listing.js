// Progressive enhancement for the gift listing. Without this script every link and form works as
// a normal page load, and "Filters" jumps to the filters below the results.
// With it:
// - filters, chips, sorting and pages update the results in place and keep the address in step;
//   afterwards the visitor is taken to the top of the results, focus moves to their heading and
//   the new count is announced (#listing-status);
// - on a narrow screen "Filters" opens the filters over the results in a modal dialog (focus
//   stays in it, Escape closes it). Choices made in it update the list behind it and the count on
//   its "Show … gifts" button; closing it goes back to the top of the results.
(function () {
  "use strict";
  var region = document.getElementById("listing");
  if (!region || !window.fetch || !window.history || !window.DOMParser) return;
  var status = document.getElementById("listing-status");
  var narrow = window.matchMedia("(max-width: 55.99rem)");
  var pending = null;
  var drawer = null;

  function sameListing(url) {
    return url.origin === window.location.origin && url.pathname === window.location.pathname;
  }

  function isAnchor(url) {  // a link within this page ("#facets-heading"), not a new listing
    return sameListing(url) && url.hash && url.search === window.location.search;
  }

  function enhance(root) {
    root.querySelectorAll("[data-hide-with-js]").forEach(function (el) { el.hidden = true; });
    root.querySelectorAll("[data-facet-filter]").forEach(function (input) {
      input.hidden = false;
      input.addEventListener("input", function () {
        var needle = input.value.trim().toLowerCase();
        input.parentNode.querySelectorAll("li").forEach(function (item) {
          item.hidden = needle && item.textContent.toLowerCase().indexOf(needle) === -1;
        });
      });
    });
    root.querySelectorAll("[data-open-filters]").forEach(function (link) {
      link.setAttribute("role", "button");
      link.setAttribute("aria-haspopup", "dialog");
    });
  }

  function resultsHeading() {
    return region.querySelector("#results-heading") || region.querySelector("h1");
  }

  function headingText(name) {  // "1,234 gifts" (data-count-text), "…, page 2 of 52" (data-status)
    var heading = region.querySelector("#results-heading");
    return heading ? heading.getAttribute(name) : "";
  }

  function countText() { return headingText("data-count-text"); }

  function toResults() {
    var heading = resultsHeading();
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.scrollIntoView({ block: "start" });
    heading.focus({ preventScroll: true });
  }

  // Where focus was inside the filters, so it can be put back after they are replaced.
  function focusPath(element) {
    var panel = element && element.closest("[data-panel]");
    if (!panel) return null;
    var option = element.closest("a");
    return { panel: panel.getAttribute("data-panel"), label: option ? option.textContent : null };
  }

  function restoreFocus(root, path) {
    var panel = path && root.querySelector('[data-panel="' + path.panel + '"]');
    if (!panel) { root.querySelector("summary, button").focus(); return; }
    var target = null;
    panel.querySelectorAll("a").forEach(function (a) {
      if (!target && a.textContent === path.label) target = a;
    });
    (target || panel.querySelector("summary") || panel).focus();
  }

  function load(url, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    var inDrawer = drawer && drawer.open;
    var path = inDrawer ? focusPath(document.activeElement) : null;
    region.classList.add("is-loading");
    region.setAttribute("aria-busy", "true");
    return fetch(url, { signal: pending.signal, headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("listing");
        if (!fresh) { window.location.assign(url); return; }
        region.replaceWith(fresh);
        region = fresh;
        document.title = doc.title;
        if (push) window.history.pushState({ listing: true }, "", url);
        enhance(region);
        if (status) status.textContent = headingText("data-status");
        if (inDrawer && drawer.open) {
          fillDrawer();
          restoreFocus(drawer, path);
        } else {
          toResults();
        }
      })
      .catch(function (error) { if (error.name !== "AbortError") window.location.assign(url); })
      .finally(function () { region.classList.remove("is-loading"); region.removeAttribute("aria-busy"); });
  }

  // The filters' dialog ---------------------------------------------------------------------

  function makeDrawer() {
    var dialog = document.createElement("dialog");
    dialog.className = "drawer";
    dialog.setAttribute("aria-labelledby", "drawer-title");
    dialog.innerHTML =
      '<div class="drawer-bar"><h2 id="drawer-title">Filters</h2>' +
      '<button type="button" class="button-secondary" data-close-drawer>Close</button></div>' +
      '<div class="drawer-body"></div>' +
      '<div class="drawer-foot"><button type="button" class="drawer-show" data-close-drawer></button></div>';
    dialog.addEventListener("click", function (event) {
      if (event.target.closest("[data-close-drawer]") || event.target === dialog) dialog.close();
    });
    // A modal dialog makes the page behind it inert, but Tab from its last control would still
    // leave for the browser's own controls: it goes round to the first instead.
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var stops = Array.prototype.filter.call(
        dialog.querySelectorAll("a[href], button, input, select, summary, [tabindex='0']"),
        function (el) { return !el.disabled && el.getClientRects().length; });
      if (!stops.length) return;
      var first = stops[0], last = stops[stops.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    });
    dialog.addEventListener("close", function () {
      var facets = dialog.querySelector(".facets");
      var listing = region.querySelector(".listing");
      if (facets && listing) listing.insertBefore(facets, listing.firstChild);
      document.documentElement.classList.remove("drawer-open");
      // After the browser has put focus back where the dialog was opened from.
      window.setTimeout(toResults, 0);
    });
    document.body.appendChild(dialog);
    return dialog;
  }

  // Put the listing's current filters in the dialog (the list behind it may have been replaced).
  function fillDrawer() {
    var body = drawer.querySelector(".drawer-body");
    var facets = region.querySelector(".facets");
    body.textContent = "";
    if (facets) body.appendChild(facets);
    var count = countText();
    drawer.querySelector(".drawer-show").textContent = count ? "Show " + count : "Show the results";
  }

  function openDrawer() {
    drawer = drawer || makeDrawer();
    fillDrawer();
    document.documentElement.classList.add("drawer-open");
    drawer.showModal();
    var first = drawer.querySelector(".facets summary, .facets input");
    if (first) first.focus();
  }

  // The "Filters" link acts as a button when it opens the dialog: Space presses it too.
  document.addEventListener("keydown", function (event) {
    var link = event.target.closest && event.target.closest("[data-open-filters]");
    if (link && event.key === " " && narrow.matches) { event.preventDefault(); link.click(); }
  });

  narrow.addEventListener("change", function () { if (!narrow.matches && drawer && drawer.open) drawer.close(); });

  // Links, forms and the sort menu -----------------------------------------------------------

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey ||
        event.shiftKey || event.altKey || link.hasAttribute("download")) return;
    if (link.hasAttribute("data-open-filters") && narrow.matches && window.HTMLDialogElement) {
      event.preventDefault();
      openDrawer();
      return;
    }
    var inFilters = drawer && drawer.contains(link);
    if (!region.contains(link) && !inFilters) return;
    var url = new URL(link.href, window.location.href);
    if (!sameListing(url) || isAnchor(url)) return;
    event.preventDefault();
    load(url.href, true);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var inFilters = drawer && drawer.contains(form);
    if ((!region.contains(form) && !inFilters) || (form.method || "get").toLowerCase() !== "get") return;
    var url = new URL(form.action, window.location.href);
    if (!sameListing(url)) return;
    event.preventDefault();
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) { if (value !== "") params.append(key, value); });
    url.search = params.toString();
    load(url.href, true);
  });

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && region.contains(form) && form.hasAttribute("data-autosubmit")) form.requestSubmit();
  });

  window.addEventListener("popstate", function () {
    if (drawer && drawer.open) drawer.close();
    load(window.location.href, false);
  });
  enhance(region);
})();
