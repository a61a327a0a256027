// The page of a large download being prepared (exports app): while the file is being written, it
// asks for the page again every few seconds and puts what changed in place, without reloading
// the page or moving the reader. Only a change of state is announced (the role="status"
// sentence); the rows written are updated silently. Without JavaScript the "Check again" link
// does the same at the visitor's own pace.
(function () {
  "use strict";
  var box = document.querySelector("[data-export-state]");
  if (!box || !window.fetch || !window.DOMParser) return;
  var every = (parseInt(box.getAttribute("data-refresh"), 10) || 3) * 1000;
  var wait = every;

  function pending(state) {
    return state === "queued" || state === "running";
  }

  function update(fresh) {
    var status = box.querySelector("[role=status]");
    var freshStatus = fresh.querySelector("[role=status]");
    Array.prototype.slice.call(box.children).forEach(function (child) {
      if (child !== status) box.removeChild(child);
    });
    Array.prototype.slice.call(fresh.children).forEach(function (child) {
      if (child.getAttribute("role") !== "status") box.appendChild(document.importNode(child, true));
    });
    if (status && freshStatus && status.textContent !== freshStatus.textContent) {
      status.textContent = freshStatus.textContent;
    }
    box.setAttribute("data-export-state", fresh.getAttribute("data-export-state"));
  }

  function check() {
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.querySelector("[data-export-state]");
        if (!fresh) throw new Error("not an export's page");
        update(fresh);
        wait = every;
        if (pending(box.getAttribute("data-export-state"))) window.setTimeout(check, wait);
      })
      .catch(function () {
        // The site is briefly out of reach: look again, less often.
        wait = Math.min(wait * 2, 30000);
        window.setTimeout(check, wait);
      });
  }

  if (pending(box.getAttribute("data-export-state"))) window.setTimeout(check, every);
})();
