/*
 * Names the autocomplete boxes of the admin (Django's vendored select2) for screen readers.
 * select2 labels its combobox by the span that shows the choice, which is empty while nothing
 * is chosen, and marks that span as a text box without a name (axe: aria-input-field-name,
 * WCAG 4.1.2). Each combobox is labelled here by its field's name, then the choice: the name is
 * the field's <label>, or the aria-label the tabular inlines give their inputs
 * (desk.admin.LabelledTabularInline).
 */
(function () {
  "use strict";

  function fieldName(select) {
    var label = document.querySelector('label[for="' + select.id + '"]');
    var text = label ? label.textContent : select.getAttribute("aria-label") || "";
    return text.replace(/:\s*$/, "").trim();
  }

  function name(combobox) {
    var container = combobox.closest(".select2-container");
    var select = container && container.previousElementSibling;
    // Django gives every autocomplete <select> an id; select2 puts its box right after it.
    if (!select || select.tagName !== "SELECT" || !select.id || combobox.dataset.named) {
      return;
    }
    var text = fieldName(select);
    if (!text) {
      return;
    }
    var span = document.createElement("span");
    span.id = select.id + "-name";
    span.hidden = true;
    span.textContent = text;
    container.appendChild(span);
    var shown = combobox.getAttribute("aria-labelledby");
    combobox.setAttribute("aria-labelledby", shown ? span.id + " " + shown : span.id);
    // The span showing the choice says role="textbox" with no name of its own; it is only
    // part of the combobox's name, so it is left a plain span.
    combobox.querySelectorAll(".select2-selection__rendered[role=textbox]").forEach(function (el) {
      el.removeAttribute("role");
      el.removeAttribute("aria-readonly");
    });
    combobox.dataset.named = "1";
  }

  function nameAll(root) {
    root.querySelectorAll(".select2-selection[role=combobox]").forEach(name);
  }

  function start() {
    nameAll(document);
    // select2 builds its boxes after this script runs, and again for each inline row added.
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) {
            nameAll(node.parentNode || node);
          }
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
