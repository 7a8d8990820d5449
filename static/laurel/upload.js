/* Laurel upload page: resumable upload of a submission's film with tus-js-client.
 * The server has the last word on every rule; the checks here only save a wasted upload. */
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form || !window.tus) { return; }
  var cfg = form.dataset;
  var input = document.getElementById("film-file");
  var startButton = document.getElementById("upload-start");
  var pauseButton = document.getElementById("upload-pause");
  var resumeButton = document.getElementById("upload-resume");
  var panel = document.getElementById("upload-panel");
  var progress = document.getElementById("upload-progress");
  var statusLine = document.getElementById("upload-status");
  var errorBox = document.getElementById("upload-error");
  var doneBox = document.getElementById("upload-done");
  var resumable = document.getElementById("upload-resumable");
  var extensions = cfg.extensions ? cfg.extensions.split(",") : [];
  var maxSize = Number(cfg.maxSize);
  var upload = null;
  var busy = false;  // one upload at a time: Upload cannot start a second one
  var filmCheck = document.getElementById("film-check");
  var checked = { file: null, problem: "" };  // the chosen file's duration and picture, read here
  var lastAnnounced = -1;
  var samples = [];

  function formatBytes(n) {
    var units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return i === 0 ? n + " bytes" : n.toFixed(1) + " " + units[i];
  }
  function formatDuration(seconds) {
    if (!isFinite(seconds) || seconds < 0) { return "—"; }
    seconds = Math.round(seconds);
    if (seconds < 60) { return seconds + " s"; }
    var minutes = Math.floor(seconds / 60);
    if (minutes < 60) { return minutes + " min " + (seconds % 60) + " s"; }
    return Math.floor(minutes / 60) + " h " + (minutes % 60) + " min";
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function show(el, visible) { el.hidden = !visible; }
  function setError(message) {
    errorBox.textContent = message;
    show(errorBox, Boolean(message));
  }
  function extensionOf(name) {
    var dot = name.lastIndexOf(".");
    return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  }
  function fingerprint(file) {
    // Per submission: the same file chosen for two submissions must not resume the other's upload.
    return "laurel-" + cfg.submission + "|" + [file.name, file.type, file.size, file.lastModified].join("|");
  }
  function precheck(file) {
    if (!file) { return "Choose your film's file first."; }
    var ext = extensionOf(file.name);
    if (extensions.length && extensions.indexOf(ext) === -1) {
      return (ext ? "Files of type ." + ext : "Files without an extension") +
        " are not accepted; use one of: " + extensions.map(function (e) { return "." + e; }).join(", ") + ".";
    }
    if (file.size === 0) { return "The file is empty."; }
    if (file.size > maxSize) {
      return "The file is " + formatBytes(file.size) + "; this festival takes files up to " + cfg.maxSizeLabel + ".";
    }
    return "";
  }
  function serverMessage(error) {
    var response = error && error.originalResponse;
    if (!response) {
      return "The connection to the server was lost and could not be restored. Press Resume to try again.";
    }
    var body = "";
    try { body = response.getBody() || ""; } catch (e) { body = ""; }
    var status = response.getStatus();
    if (body && body.length < 500 && body.charAt(0) !== "<" && body.charAt(0) !== "{") { return body; }
    if (status === 413) { return "The file is larger than this festival accepts (" + cfg.maxSizeLabel + ")."; }
    if (status === 403) { return "The upload was refused: the deadline may have passed, or you are over your quota."; }
    if (status === 410 || status === 404) { return "This upload expired; choose the file again to start over."; }
    return "The upload failed (error " + status + "). Please try again.";
  }
  function setPaused(paused) {
    show(pauseButton, !paused);
    show(resumeButton, paused);
  }
  function onProgress(sent, total) {
    var now = Date.now();
    samples.push([now, sent]);
    while (samples.length > 2 && now - samples[0][0] > 5000) { samples.shift(); }
    var first = samples[0];
    var seconds = (now - first[0]) / 1000;
    var speed = seconds > 0.2 ? (sent - first[1]) / seconds : 0;
    var percent = total ? Math.floor((sent / total) * 100) : 0;
    progress.value = percent;
    progress.textContent = percent + "%";
    document.getElementById("upload-bytes").textContent = formatBytes(sent) + " of " + formatBytes(total);
    document.getElementById("upload-percent").textContent = percent + "%";
    document.getElementById("upload-speed").textContent = speed > 0 ? formatBytes(speed) + "/s" : "—";
    document.getElementById("upload-eta").textContent = speed > 0 ? formatDuration((total - sent) / speed) : "—";
    // Screen readers hear every tenth percent, not every progress event.
    var step = Math.floor(percent / 10);
    if (step !== lastAnnounced) {
      lastAnnounced = step;
      statusLine.textContent = "Uploading: " + percent + "% sent.";
    }
  }
  function label(seconds) {
    seconds = Math.round(seconds);
    var m = Math.floor(seconds / 60);
    var s = seconds % 60;
    return m + ":" + (s < 10 ? "0" : "") + s;
  }
  // What the edition's rules say about a film of this runtime and picture ("" when fine).
  function judgeFilm(duration, width, height) {
    if (isFinite(duration) && duration > 0) {
      if (duration < Number(cfg.runtimeMin)) {
        return "The film runs " + label(duration) + "; this festival takes films from " + cfg.runtimeMinLabel + " to " + cfg.runtimeMaxLabel + ".";
      }
      if (duration > Number(cfg.runtimeMax) + 0.5) {
        return "The film runs " + label(duration) + "; this festival takes films up to " + cfg.runtimeMaxLabel + ".";
      }
    }
    if (width && height && Math.min(width, height) < Number(cfg.minShortSide)) {
      return "The picture is " + width + "×" + height + " px; its shorter side must be at least " + cfg.minShortSide + " px.";
    }
    return "";
  }
  // Read duration and dimensions from the file itself (a <video> element's metadata); a
  // file the browser cannot read is left to the server, which has the last word.
  function readFilm(file) {
    return new Promise(function (resolve) {
      var video = document.createElement("video");
      var url = URL.createObjectURL(file);
      var finish = function (info) {
        clearTimeout(timeout);
        URL.revokeObjectURL(url);
        video.removeAttribute("src");
        resolve(info);
      };
      var timeout = setTimeout(function () { finish(null); }, 8000);
      video.preload = "metadata";
      video.muted = true;
      video.addEventListener("loadedmetadata", function () {
        finish({ duration: video.duration, width: video.videoWidth, height: video.videoHeight });
      });
      video.addEventListener("error", function () { finish(null); });
      video.src = url;
    });
  }
  function checkChosen() {
    var file = input.files && input.files[0];
    checked = { file: file || null, problem: "", pending: null };
    filmCheck.textContent = "";
    if (!file || precheck(file)) { return Promise.resolve(); }
    filmCheck.textContent = "Checking the film…";
    var pending = readFilm(file).then(function (info) {
      if (checked.file !== file) { return; }
      if (!info) {
        filmCheck.textContent = "This browser cannot read the film; the festival checks it after the upload.";
        return;
      }
      checked.problem = judgeFilm(info.duration, info.width, info.height);
      filmCheck.textContent = checked.problem ? "" :
        "Runtime " + label(info.duration) + (info.width ? ", picture " + info.width + "×" + info.height + " px" : "") + ": within the rules.";
      if (checked.problem) { setError(checked.problem); } else { setError(""); }
    });
    checked.pending = pending;
    return pending;
  }
  input.addEventListener("change", function () { setError(""); checkChosen(); });

  function start() {
    if (busy) { return; }
    setError("");
    var file = input.files && input.files[0];
    var problem = precheck(file);
    if (problem) { setError(problem); input.focus(); return; }
    busy = true;
    var ready = checked.file === file && checked.pending ? checked.pending : checkChosen();
    ready.then(function () {
      if (checked.problem) { busy = false; setError(checked.problem); input.focus(); return; }
      send(file);
    });
  }
  function send(file) {
    samples = [];
    lastAnnounced = -1;
    show(panel, true);
    show(startButton, false);
    input.disabled = true;
    statusLine.textContent = "Starting the upload…";
    upload = new window.tus.Upload(file, {
      endpoint: cfg.endpoint,
      chunkSize: Number(cfg.chunkSize) || Infinity,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000, 30000],
      metadata: { submission: cfg.submission, filename: file.name, filetype: file.type || "" },
      headers: { "X-CSRFToken": csrfToken() },
      fingerprint: function (f) { return Promise.resolve(fingerprint(f)); },
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: onProgress,
      onError: function (error) {
        setPaused(true);
        statusLine.textContent = "The upload stopped.";
        setError(serverMessage(error));
        var status = error && error.originalResponse ? error.originalResponse.getStatus() : 0;
        if (status >= 400 && status < 500 && status !== 409 && status !== 423) {
          // Refused for good (too large, deadline, quota, expired): start over with another file.
          show(resumeButton, false);
          show(startButton, true);
          input.disabled = false;
          busy = false;
          upload = null;
          input.focus();
        } else {
          resumeButton.focus();
        }
      },
      onSuccess: function () {
        onProgress(file.size, file.size);
        statusLine.textContent = "Upload complete: 100% sent. Your film is processing.";
        show(pauseButton, false);
        show(resumeButton, false);
        show(doneBox, true);
        show(resumable, false);
        var next = doneBox.querySelector("a");
        if (next) { next.focus(); }
      },
    });
    upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        upload.resumeFromPreviousUpload(previous[0]);
        statusLine.textContent = "Continuing the earlier upload of this file…";
      }
      setPaused(false);
      pauseButton.focus();  // the Upload button just went away: keep the keyboard here
      upload.start();
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); start(); });
  pauseButton.addEventListener("click", function () {
    if (!upload) { return; }
    upload.abort();
    setPaused(true);
    statusLine.textContent = "Paused at " + progress.value + "%.";
    resumeButton.focus();
  });
  resumeButton.addEventListener("click", function () {
    if (!upload) { return; }
    setError("");
    setPaused(false);
    statusLine.textContent = "Resuming…";
    upload.start();
    pauseButton.focus();
  });

  // An upload of this submission left unfinished (page closed, browser restarted) can go on.
  try {
    var prefix = "tus::laurel-" + cfg.submission + "|";
    for (var i = 0; i < window.localStorage.length; i += 1) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(prefix) === 0) {
        var name = key.slice(prefix.length).split("|")[0];
        resumable.textContent = "An earlier upload of “" + name + "” did not finish: choose that file again to continue where it stopped.";
        show(resumable, true);
        break;
      }
    }
  } catch (e) { /* storage may be disabled; resuming then needs the server's offset only */ }
}());
