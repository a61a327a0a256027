// Progressive enhancement for the gift listing: filters, chips, sorting and pages update the
// results in place and keep the address in step. Without this script every link and form works
// as a normal page load.
(function () {
  "use strict";
  var region = document.getElementById("listing");
  if (!region || !window.fetch || !window.history || !window.DOMParser) return;
  var pending = null;

  function sameListing(url) {
    return url.origin === window.location.origin && url.pathname === window.location.pathname;
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
  }

  function load(url, push) {
    if (pending) pending.abort();
    pending = new AbortController();
    region.classList.add("is-loading");
    region.setAttribute("aria-busy", "true");
    return fetch(url, { signal: pending.signal, headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.text().then(function (html) { return [response, html]; }); })
      .then(function (pair) {
        var doc = new DOMParser().parseFromString(pair[1], "text/html");
        var fresh = doc.getElementById("listing");
        if (!fresh) { window.location.assign(url); return; }
        region.replaceWith(fresh);
        region = fresh;
        document.title = doc.title;
        if (push) window.history.pushState({ listing: true }, "", url);
        enhance(region);
        var heading = region.querySelector("#results-heading") || region.querySelector("h1");
        if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus({ preventScroll: true }); }
      })
      .catch(function (error) { if (error.name !== "AbortError") window.location.assign(url); })
      .finally(function () { region.classList.remove("is-loading"); region.removeAttribute("aria-busy"); });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    if (!link || !region.contains(link) || event.defaultPrevented || event.button !== 0 ||
        event.metaKey || event.ctrlKey || event.shiftKey || event.altKey || link.hasAttribute("download")) return;
    var url = new URL(link.href, window.location.href);
    if (!sameListing(url)) return;
    event.preventDefault();
    load(url.href, true);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!region.contains(form) || (form.method || "get").toLowerCase() !== "get") return;
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

  window.addEventListener("popstate", function () { load(window.location.href, false); });
  enhance(region);
})();
