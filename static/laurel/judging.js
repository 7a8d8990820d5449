/* Scoring page: autosave drafts, submit, watch reports, keyboard navigation.
 * Saves go to the judging JSON API with the version the page loaded; a 409 means another
 * tab changed the score, and the page says so instead of overwriting it. */
(function () {
  "use strict";
  var dataNode = document.getElementById("judging-data");
  if (!dataNode) return;
  var data = JSON.parse(dataNode.textContent);
  var form = document.getElementById("score-form");
  var saveStatus = document.getElementById("save-status");
  var errorBox = document.getElementById("score-error");
  var watchStatus = document.getElementById("watch-status");
  var version = data.version;
  var dirty = false;
  var failed = false;  // the last save was refused: what is on the page is not stored
  var saving = false;
  var stopped = form.dataset.locked === "1";
  var timer = null;

  function csrf() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
      body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        return { status: response.status, body: json };
      });
    });
  }

  function payload() {
    var values = {};
    form.querySelectorAll("[data-criterion]").forEach(function (input) {
      var raw = input.value.trim();
      values[input.dataset.criterion] = raw === "" ? null : (/^-?\d+$/.test(raw) ? parseInt(raw, 10) : raw);
    });
    return {
      version: version,
      values: values,
      comment_to_organizers: form.elements.comment_to_organizers.value,
      feedback_to_filmmaker: form.elements.feedback_to_filmmaker.value,
    };
  }

  function showErrors(body) {
    form.querySelectorAll("[data-error-for]").forEach(function (node) { node.textContent = ""; });
    form.querySelectorAll("[data-criterion]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
    var fields = (body && body.fields) || {};
    var first = null;
    Object.keys(fields).forEach(function (key) {
      var node = form.querySelector('[data-error-for="' + key + '"]');
      var input = form.querySelector('[data-criterion="' + key + '"]');
      if (node) node.textContent = fields[key];
      if (input) {
        input.setAttribute("aria-invalid", "true");
        if (!first) first = input;
      }
    });
    errorBox.textContent = body && body.detail ? body.detail : "";
    return first;
  }

  function handle(result, what) {
    if (result.status === 200) {
      version = result.body.version;
      showErrors(null);
      return true;
    }
    if (result.status === 409 || result.status === 403) {
      stopped = true;  // stale or locked: stop autosaving over someone else's work
    }
    var first = showErrors(result.body);
    saveStatus.textContent = what + " failed.";
    if (first && what === "Submitting") first.focus();  // the first missing or wrong field
    return false;
  }

  function save() {
    if (!dirty || saving || stopped) return Promise.resolve(true);
    saving = true;
    dirty = false;
    saveStatus.textContent = "Saving…";
    return send("PUT", data.scoreUrl, payload()).then(function (result) {
      saving = false;
      failed = !handle(result, "Saving");
      if (!failed) saveStatus.textContent = "Draft saved.";
      return !failed;
    }, function () {
      saving = false;
      dirty = true;
      failed = true;
      saveStatus.textContent = "Could not reach the server; will retry.";
      return false;
    });
  }

  function schedule() {
    dirty = true;
    clearTimeout(timer);
    timer = setTimeout(save, 1500);
  }

  if (!stopped) {
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    setInterval(save, 5000);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (stopped) return;
    clearTimeout(timer);
    var button = document.getElementById("submit-score");
    if (button) button.disabled = true;
    saveStatus.textContent = "Submitting…";
    var go = function () {
      return send("POST", data.submitUrl, payload()).then(function (result) {
        if (handle(result, "Submitting")) {
          saveStatus.textContent = "Score submitted.";
          stopped = true;
          dirty = failed = false;
          window.location.reload();
        } else if (button) {
          button.disabled = stopped;
        }
      });
    };
    // Let a save in flight finish first, so the versions line up.
    var wait = function () { return saving ? new Promise(function (r) { setTimeout(r, 100); }).then(wait) : Promise.resolve(); };
    wait().then(go);
  });

  /* Watch progress: the player dispatches laurel:watch {position, duration, watchedSeconds}. */
  var lastWatch = null;
  var lastSent = 0;
  var watchTimer = null;
  function reportWatch() {
    watchTimer = null;
    if (!lastWatch) return;
    lastSent = Date.now();
    var body = { session: data.session, watchedSeconds: lastWatch.watchedSeconds || 0, duration: lastWatch.duration || null, position: lastWatch.position || 0 };
    send("POST", data.watchUrl, body).then(function (result) {
      if (result.status === 200 && watchStatus) {
        var share = Math.round(result.body.watched_share * 100);
        var need = Math.round(data.requiredWatchShare * 100);
        watchStatus.textContent = "Watched: " + share + " %" + (need ? " (at least " + need + " % needed to submit)" : "");
      }
    });
  }
  // The player already reports every few seconds and on pause/end; at most one request a
  // second, and the latest report is always sent (trailing).
  document.addEventListener("laurel:watch", function (event) {
    lastWatch = event.detail || {};
    if (watchTimer === null) watchTimer = setTimeout(reportWatch, Math.max(0, 1000 - (Date.now() - lastSent)));
  });
  function flushWatch() { if (watchTimer !== null) { clearTimeout(watchTimer); reportWatch(); } }
  document.addEventListener("visibilitychange", function () { if (document.hidden) flushWatch(); });
  window.addEventListener("pagehide", flushWatch);

  /* Leaving the page: save the draft first; if it cannot be saved, say so and stay, and a
   * second try leaves without it. The browser's own prompt covers closing the tab. */
  var warned = null;
  function leave(url) {
    url = new URL(url, window.location.href).href;
    clearTimeout(timer);
    save().then(function (ok) {
      if (ok || stopped || warned === url) {
        window.location.href = url;
        return;
      }
      warned = url;
      saveStatus.textContent = "Your changes are not saved. Fix the marked fields, or go there again to leave without saving.";
    });
  }
  window.addEventListener("beforeunload", function (event) {
    if (!stopped && (dirty || failed) && warned === null) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  document.querySelectorAll(".judging-nav a").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      leave(link.href);
    });
  });

  /* Keyboard navigation that never steals typing from fields. */
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    if (tag === "input" || tag === "textarea" || tag === "select" || (target && target.isContentEditable)) return;
    var url = null;
    if ((event.key === "j" || event.key === "n") && data.nextUrl) url = data.nextUrl;
    else if (event.key === "k" && data.previousUrl) url = data.previousUrl;
    else if (event.key === "q") url = data.queueUrl;
    if (!url) return;
    event.preventDefault();
    leave(url);
  });
})();
