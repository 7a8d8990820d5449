// Live countdown on the organizers' announcements page: [data-countdown] holds the ISO time.
(function () {
  "use strict";
  function format(ms) {
    if (ms <= 0) return "a moment (reload the page)";
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    return (d ? d + " d " : "") + h + " h " + m + " min " + sec + " s";
  }
  var nodes = document.querySelectorAll("[data-countdown]");
  function tick() {
    nodes.forEach(function (node) {
      var text = node.querySelector("[data-countdown-text]");
      if (text) text.textContent = format(new Date(node.getAttribute("data-countdown")) - new Date());
    });
  }
  if (nodes.length) { tick(); setInterval(tick, 1000); }
})();
