// Suggestions while typing in a search box (an input with data-suggest="<address>"): leaders,
// countries, donors, occasions and gift titles from /gifts/suggest/?q=, shown in a list under
// the box. The ARIA 1.2 combobox pattern: the input is a combobox that controls a listbox of
// options in labelled groups; the highlighted option is the input's aria-activedescendant, so
// focus stays in the box.
// - Down and Up arrows move the highlight (from the box: Down to the first, Up to the last);
// - Enter follows the highlighted suggestion, or searches as the form always has when none is;
// - Escape closes the list, a second Escape clears the box; Tab leaves it and closes the list;
// - a click (or tap) on a suggestion follows it.
// A polite live region says how many suggestions there are. Typing waits 120 ms before asking,
// and an answer that a later keystroke has made stale is abandoned (AbortController).
// Without this script every search box is a plain form that searches the gifts.
(function () {
  "use strict";
  if (!window.fetch || !window.AbortController || !window.URLSearchParams) return;
  var DELAY = 120;
  var count = 0;

  function element(tag, className, attributes) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    Object.keys(attributes || {}).forEach(function (name) { el.setAttribute(name, attributes[name]); });
    return el;
  }

  function enhance(input) {
    if (input.hasAttribute("data-suggest-ready")) return;
    input.setAttribute("data-suggest-ready", "");
    count += 1;
    var id = input.id || "suggest-" + count;
    input.id = id;
    var host = input.parentNode;
    host.classList.add("suggest-host");
    var list = element("div", "suggest-list", { id: id + "-suggestions", role: "listbox" });
    var label = input.labels && input.labels[0];
    if (label) {
      if (!label.id) label.id = id + "-label";
      list.setAttribute("aria-labelledby", label.id);
    } else {
      list.setAttribute("aria-label", "Suggestions");
    }
    list.hidden = true;
    var status = element("div", "visually-hidden", { role: "status" });
    host.appendChild(list);
    host.appendChild(status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    input.setAttribute("autocomplete", "off");

    var timer = null;
    var pending = null;
    var options = [];
    var active = -1;
    var asked = "";

    function setActive(index) {
      if (active >= 0 && options[active]) options[active].setAttribute("aria-selected", "false");
      active = index;
      if (index >= 0) {
        var option = options[index];
        option.setAttribute("aria-selected", "true");
        input.setAttribute("aria-activedescendant", option.id);
        // Keep the highlighted option in view within the list (not the page).
        var top = option.offsetTop, bottom = top + option.offsetHeight;
        if (top < list.scrollTop) list.scrollTop = top;
        else if (bottom > list.scrollTop + list.clientHeight) list.scrollTop = bottom - list.clientHeight;
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // The list is as tall as the screen has room for below the box; with too little room (a
    // box low on a phone's screen), the box is scrolled up first.
    function fit() {
      var room = window.innerHeight - input.getBoundingClientRect().bottom - 12;
      if (room < 160) {
        input.scrollIntoView({ block: "start" });
        room = window.innerHeight - input.getBoundingClientRect().bottom - 12;
      }
      list.style.maxHeight = Math.max(Math.min(room, 416), 120) + "px";
    }

    function open() {
      if (!options.length) return;
      var wasOpen = isOpen();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      if (!wasOpen) fit();
    }

    function close() {
      setActive(-1);
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function isOpen() { return !list.hidden; }

    function announce(text) {
      if (status.textContent !== text) status.textContent = text;
    }

    function render(data) {
      list.textContent = "";
      options = [];
      active = -1;
      input.removeAttribute("aria-activedescendant");
      (data.groups || []).forEach(function (group, g) {
        var box = element("div", "suggest-group", { role: "group", "aria-labelledby": id + "-g" + g });
        var heading = element("div", "suggest-kind", { role: "presentation", id: id + "-g" + g });
        heading.textContent = group.heading;
        box.appendChild(heading);
        group.suggestions.forEach(function (found) {
          var option = element("div", "suggest-option", {
            role: "option", id: id + "-o" + options.length, "aria-selected": "false"
          });
          option.setAttribute("data-url", found.url);
          var text = element("span", "suggest-text");
          var name = element("span", "suggest-label");
          name.textContent = found.label;
          text.appendChild(name);
          if (found.detail) {
            var detail = element("span", "suggest-detail");
            if (found.lang) detail.setAttribute("lang", found.lang);
            detail.textContent = found.detail;
            text.appendChild(document.createTextNode(" "));
            text.appendChild(detail);
          }
          option.appendChild(text);
          if (found.count) {
            var n = element("span", "n");
            n.textContent = found.count.toLocaleString("en");
            var unit = element("span", "visually-hidden");
            unit.textContent = found.count === 1 ? " gift" : " gifts";
            n.appendChild(unit);
            option.appendChild(document.createTextNode(" "));
            option.appendChild(n);
          }
          box.appendChild(option);
          options.push(option);
        });
        list.appendChild(box);
      });
      var total = options.length;
      announce(total ? total + (total === 1 ? " suggestion" : " suggestions") : "No suggestions");
      if (total && document.activeElement === input) open(); else close();
    }

    function ask() {
      var q = input.value.trim();
      if (pending) pending.abort();
      pending = null;
      if (!q) { asked = ""; render({ groups: [] }); announce(""); return; }
      if (q === asked && options.length) { open(); return; }
      pending = new AbortController();
      var url = new URL(input.getAttribute("data-suggest"), window.location.href);
      url.search = new URLSearchParams({ q: q }).toString();
      fetch(url.href, { signal: pending.signal, headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error("suggestions: " + response.status);
          return response.json();
        })
        .then(function (data) { asked = q; pending = null; render(data); })
        .catch(function (error) { if (error.name !== "AbortError") close(); });
    }

    function follow(option) {
      close();
      window.location.assign(option.getAttribute("data-url"));
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, DELAY);
    });

    input.addEventListener("keydown", function (event) {
      // Keys that compose a word (Hangul, Chinese) belong to the input method, not the list.
      if (event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
      var key = event.key;
      if (key === "ArrowDown" || key === "ArrowUp") {
        if (!options.length) return;
        event.preventDefault();
        if (!isOpen()) { open(); setActive(key === "ArrowDown" ? 0 : options.length - 1); return; }
        var last = options.length - 1;
        if (key === "ArrowDown") setActive(active >= last ? 0 : active + 1);
        else setActive(active <= 0 ? last : active - 1);
      } else if (key === "Enter") {
        if (isOpen() && active >= 0) { event.preventDefault(); follow(options[active]); }
      } else if (key === "Escape") {
        // The browser's own Escape would clear a search box at once: here the first one closes.
        if (isOpen()) { event.preventDefault(); close(); }
        else if (input.value) { event.preventDefault(); input.value = ""; asked = ""; announce(""); }
      } else if (key === "Tab") {
        close();
      }
    });

    input.addEventListener("focus", function () {
      if (input.value.trim() && input.value.trim() === asked) open();
    });
    input.addEventListener("blur", function () { close(); });

    // Pressing on a suggestion must not take focus from the box (which would close the list).
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) follow(option);
    });
  }

  function enhanceAll(root) {
    root.querySelectorAll("input[data-suggest]").forEach(enhance);
  }

  enhanceAll(document);
  // The listing replaces its region (and its search box) in place: enhance the new box too.
  if (window.MutationObserver) {
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) { if (node.querySelectorAll) enhanceAll(node); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }
})();
