// CSV import progress (templates/coordinate/csv_import.html). Without JavaScript the page has
// a "Check progress" link; with it, the page re-reads itself every 2 seconds while the import
// runs and swaps in the new progress section (a polite live region), then stops. No timed
// page refresh: focus and scroll position stay where the reader left them.
(function () {
  "use strict";
  var box = document.getElementById("import-job");
  if (!box || box.getAttribute("data-finished") === "yes") {
    return;
  }
  function later(ms) {
    window.setTimeout(tick, ms);
  }
  function tick() {
    window
      .fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("import-job");
        if (!fresh) {
          return;
        }
        box.innerHTML = fresh.innerHTML;
        box.setAttribute("data-finished", fresh.getAttribute("data-finished"));
        if (fresh.getAttribute("data-finished") !== "yes") {
          later(2000);
        }
      })
      .catch(function () {
        later(5000);
      });
  }
  later(2000);
})();
