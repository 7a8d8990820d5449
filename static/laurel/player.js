/* Laurel film player.
 *
 * - HLS natively where the browser has it (Safari), else hls.js, else the MP4 fallback.
 * - A keyboard-accessible scrub bar that previews storyboard thumbnails from a WebVTT
 *   thumbnails track ("sprite.jpg#xywh=x,y,w,h" cues, URIs relative to the track).
 * - Dispatches `laurel:watch` CustomEvents on the <video> every few seconds of playback and
 *   on pause/end, detail {position, duration, watchedSeconds}, for judging's watch tracking.
 *   watchedSeconds counts only time actually played (seeking ahead adds nothing).
 */
(function () {
  "use strict";

  var WATCH_EVERY_SECONDS = 5;

  function formatTime(seconds) {
    seconds = Math.max(0, Math.floor(seconds || 0));
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    var mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(s).padStart(2, "0");
  }

  function parseTimestamp(text) {
    var parts = text.trim().split(":").map(parseFloat);
    var seconds = 0;
    for (var i = 0; i < parts.length; i++) { seconds = seconds * 60 + parts[i]; }
    return seconds;
  }

  function parseThumbnails(vtt, baseUrl) {
    var cues = [];
    var blocks = vtt.replace(/\r/g, "").split(/\n\n+/);
    blocks.forEach(function (block) {
      var lines = block.split("\n").filter(Boolean);
      for (var i = 0; i < lines.length; i++) {
        if (lines[i].indexOf("-->") === -1) { continue; }
        var times = lines[i].split("-->");
        var target = lines[i + 1];
        if (!target) { return; }
        var hash = target.split("#xywh=");
        var box = (hash[1] || "0,0,0,0").split(",").map(function (n) { return parseInt(n, 10); });
        cues.push({
          start: parseTimestamp(times[0]), end: parseTimestamp(times[1]),
          url: new URL(hash[0], baseUrl).href, x: box[0], y: box[1], w: box[2], h: box[3]
        });
        return;
      }
    });
    return cues;
  }

  function cueAt(cues, time) {
    for (var i = 0; i < cues.length; i++) {
      if (time >= cues[i].start && time < cues[i].end) { return cues[i]; }
    }
    return cues.length ? cues[cues.length - 1] : null;
  }

  function attachSource(figure, video, status) {
    var hlsUrl = figure.dataset.hls, mp4Url = figure.dataset.mp4;
    function fallBack() {
      if (mp4Url && video.currentSrc.indexOf(mp4Url) === -1) {
        video.src = mp4Url;
        status.textContent = "Playing the MP4 version.";
      }
    }
    if (!hlsUrl) { return; }
    if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = hlsUrl;
      video.addEventListener("error", fallBack, { once: true });
    } else if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({ xhrSetup: function (xhr) { xhr.withCredentials = true; } });
      hls.on(window.Hls.Events.ERROR, function (_event, data) {
        if (data.fatal) { hls.destroy(); fallBack(); }
      });
      hls.loadSource(hlsUrl);
      hls.attachMedia(video);
      figure.laurelHls = hls;
    }
    // Otherwise the <source> MP4 plays as is.
  }

  function setUpScrub(figure, video) {
    var scrub = figure.querySelector(".laurel-player-scrub");
    var seek = figure.querySelector(".laurel-player-seek");
    var thumb = figure.querySelector(".laurel-player-thumb");
    var thumbImg = figure.querySelector(".laurel-player-thumb-img");
    var thumbTime = thumb.querySelector("span");
    var cues = [];
    var storyboard = figure.dataset.storyboard;
    var duration = parseFloat(figure.dataset.duration) || 0;
    scrub.hidden = false;

    function currentDuration() { return isFinite(video.duration) && video.duration > 0 ? video.duration : duration; }

    function showThumb(time, fraction) {
      thumbTime.textContent = formatTime(time);
      var cue = cueAt(cues, time);
      if (cue) {
        thumbImg.style.width = cue.w + "px";
        thumbImg.style.height = cue.h + "px";
        thumbImg.style.backgroundImage = "url(\"" + cue.url + "\")";
        thumbImg.style.backgroundPosition = "-" + cue.x + "px -" + cue.y + "px";
      }
      thumb.style.left = (Math.min(Math.max(fraction, 0), 1) * 100) + "%";
      thumb.hidden = false;
    }
    function hideThumb() { thumb.hidden = true; }

    if (storyboard) {
      var trackUrl = new URL(storyboard, window.location.href).href;
      fetch(trackUrl, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (text) { cues = parseThumbnails(text, trackUrl); figure.dataset.thumbnails = String(cues.length); })
        .catch(function () { cues = []; });
    }

    video.addEventListener("loadedmetadata", function () { seek.max = String(currentDuration()); });
    video.addEventListener("timeupdate", function () {
      if (document.activeElement !== seek) { seek.value = String(video.currentTime); }
      seek.setAttribute("aria-valuetext", formatTime(video.currentTime) + " of " + formatTime(currentDuration()));
    });
    seek.addEventListener("input", function () {
      var time = parseFloat(seek.value);
      video.currentTime = time;
      showThumb(time, time / (currentDuration() || 1));
    });
    seek.addEventListener("pointermove", function (event) {
      var rect = seek.getBoundingClientRect();
      var fraction = (event.clientX - rect.left) / (rect.width || 1);
      showThumb(fraction * currentDuration(), fraction);
    });
    seek.addEventListener("pointerleave", hideThumb);
    seek.addEventListener("blur", hideThumb);
    seek.addEventListener("keyup", function (event) { if (event.key === "Escape") { hideThumb(); } });
  }

  function setUpWatchEvents(video) {
    var watched = 0, last = null, lastSent = 0;
    function send() {
      lastSent = watched;
      video.dispatchEvent(new CustomEvent("laurel:watch", {
        bubbles: true,
        detail: { position: video.currentTime, duration: isFinite(video.duration) ? video.duration : 0, watchedSeconds: watched }
      }));
    }
    video.addEventListener("timeupdate", function () {
      var now = video.currentTime;
      // Only small forward steps during playback count as watching; jumps are seeks.
      if (last !== null && !video.seeking && !video.paused && now > last && now - last < 2) { watched += now - last; }
      last = now;
      if (watched - lastSent >= WATCH_EVERY_SECONDS) { send(); }
    });
    video.addEventListener("seeking", function () { last = null; });
    video.addEventListener("pause", send);
    video.addEventListener("ended", send);
  }

  function setUp(figure) {
    if (figure.dataset.laurelReady) { return; }
    figure.dataset.laurelReady = "1";
    var video = figure.querySelector("video");
    var status = figure.querySelector(".laurel-player-status");
    attachSource(figure, video, status);
    setUpScrub(figure, video);
    setUpWatchEvents(video);
  }

  function setUpAll() { document.querySelectorAll("[data-laurel-player]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", setUpAll); } else { setUpAll(); }
  window.LaurelPlayer = { setUpAll: setUpAll, parseThumbnails: parseThumbnails };
}());
