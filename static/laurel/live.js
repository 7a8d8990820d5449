/* Live status without reloads: poll the page's status endpoint (data-live-url on <main> or
 * any element) and write each value into the element marked data-live="<key>".
 * Backs off while nothing changes (3 s → 60 s), resets on a change, pauses while the tab is
 * hidden, sends If-None-Match so an unchanged status is a bodiless 304, and stops when the
 * server says nothing is in progress. See festival/live.py. */
(function () {
  "use strict";
  var root = document.querySelector("[data-live-url]");
  if (!root) { return; }
  var url = root.getAttribute("data-live-url");
  var first = Number(root.getAttribute("data-live-first") || 3) * 1000;
  var max = Number(root.getAttribute("data-live-max") || 60) * 1000;
  var delay = first;
  var etag = null;
  var timer = null;
  var stopped = false;
  var reloading = false;

  function apply(values) {
    var changed = false;
    document.querySelectorAll("[data-live]").forEach(function (node) {
      var key = node.getAttribute("data-live");
      if (!Object.prototype.hasOwnProperty.call(values, key)) { return; }
      var value = values[key];
      if (node.hasAttribute("data-live-reload")) {
        // The server re-renders what depends on this (e.g. Submit once the film is ready).
        if (value && !reloading) { reloading = true; window.location.reload(); }
        return;
      }
      if (node.hasAttribute("data-live-show")) {
        var show = Boolean(value);
        if (node.hidden === show) { node.hidden = !show; changed = true; }
        return;
      }
      if (node.tagName === "PROGRESS") {
        if (String(node.value) !== String(value)) {
          node.value = Number(value);
          node.textContent = value + "%";
          changed = true;
        }
        return;
      }
      var text = value === null || value === undefined ? "" : String(value);
      if (node.textContent !== text) { node.textContent = text; changed = true; }
    });
    return changed;
  }

  function schedule() {
    clearTimeout(timer);
    if (!stopped && !document.hidden) { timer = setTimeout(poll, delay); }
  }

  function poll() {
    var headers = { Accept: "application/json" };
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, { credentials: "same-origin", headers: headers, cache: "no-cache" }).then(function (response) {
      if (response.status === 304) { delay = Math.min(max, delay * 1.5); return null; }
      if (!response.ok) { delay = max; return null; }
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (body) {
      if (body) {
        var changed = apply(body.values || {});
        delay = changed ? first : Math.min(max, delay * 1.5);
        if (body.active === false) { stopped = true; }
        root.setAttribute("data-live-state", stopped ? "idle" : "polling");
      }
      schedule();
    }, function () { delay = max; schedule(); });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !stopped) { delay = first; poll(); }
  });
  if (root.getAttribute("data-live-active") !== "0") { schedule(); } else { root.setAttribute("data-live-state", "idle"); }
}());
