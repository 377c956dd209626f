// Draws each dashboard chart from the JSON its figure passed with json_script.
// Loaded with <script defer>; no inline script (CSP). The table under every chart
// carries the same numbers for screen readers and for people who prefer to read.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") {
    return;
  }
  var palette = ["#0b3d5c", "#d9822b", "#2b8a3e", "#c92a2a", "#5f3dc4", "#1098ad", "#868e96", "#e64980", "#fab005"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source) {
      return;
    }
    var spec = JSON.parse(source.textContent);
    var round = spec.type === "doughnut" || spec.type === "pie";
    var datasets = spec.datasets.map(function (dataset, index) {
      var colour = palette[index % palette.length];
      return {
        label: dataset.label,
        data: dataset.data,
        backgroundColor: round ? palette : colour,
        borderColor: round ? "#fff" : colour,
        spanGaps: true
      };
    });
    var scales = round ? {} : {
      x: { stacked: spec.stacked },
      y: { stacked: spec.stacked, beginAtZero: true, ticks: { precision: 0 } }
    };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        aspectRatio: round ? 1.6 : 2,
        animation: false,
        scales: scales,
        plugins: { legend: { display: round || datasets.length > 1 } }
      }
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(draw);
})();
