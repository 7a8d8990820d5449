/* The organizer dashboard's charts (Chart.js, vendored from npm). Data comes from the page's
 * json_script "dashboard-data"; every chart has the same numbers in a table next to it. */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.Chart) { return; }
  var charts = JSON.parse(node.textContent);
  // Colour-blind-safe palette (Okabe–Ito), with the house accent first.
  var colours = ["#7a5c00", "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#56b4e9", "#e69f00", "#000000"];
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  // A vertical line at the deadline / close date, drawn by a tiny inline plugin.
  var markerPlugin = {
    id: "laurelMarker",
    afterDatasetsDraw: function (chart) {
      var label = chart.options.plugins.laurelMarker && chart.options.plugins.laurelMarker.label;
      if (!label) { return; }
      var index = chart.data.labels.indexOf(label);
      if (index < 0) { return; }
      var x = chart.scales.x.getPixelForValue(index);
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#a4161a";
      ctx.setLineDash([4, 4]);
      ctx.beginPath();
      ctx.moveTo(x, chart.chartArea.top);
      ctx.lineTo(x, chart.chartArea.bottom);
      ctx.stroke();
      ctx.fillStyle = "#a4161a";
      ctx.fillText(chart.options.plugins.laurelMarker.text, x + 4, chart.chartArea.top + 10);
      ctx.restore();
    },
  };

  charts.forEach(function (spec) {
    var canvas = document.querySelector('canvas[data-chart="' + spec.key + '"]');
    if (!canvas) { return; }
    var stacked = spec.kind === "stacked";
    var type = spec.kind === "line" ? "line" : "bar";
    var datasets = spec.datasets.map(function (set, i) {
      var colour = colours[i % colours.length];
      return {
        label: set.label,
        data: set.data,
        borderColor: colour,
        backgroundColor: type === "line" ? colour : colour + "cc",
        borderWidth: 2,
        pointRadius: spec.labels.length > 40 ? 0 : 2,
        spanGaps: false,
        borderDash: /pace/.test(set.label) ? [6, 4] : [],
      };
    });
    new window.Chart(canvas, {
      type: type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        indexAxis: type === "bar" && !stacked && spec.labels.length > 6 ? "y" : "x",
        scales: {
          x: { stacked: stacked, ticks: { maxRotation: 0, autoSkip: true } },
          y: { stacked: stacked, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: {
          legend: { position: "bottom" },
          laurelMarker: { label: spec.marker, text: /burndown/.test(spec.key) ? "closes" : "deadline" },
        },
      },
      plugins: [markerPlugin],
    });
  });
}());
