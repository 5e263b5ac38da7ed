// Sponsor portal charts: reads the JSON block #portal-data and draws each <canvas data-portal-chart>.
// The tables under each chart hold the same numbers, so the page stays usable without JavaScript.
(function () {
  "use strict";

  function draw(canvas, spec) {
    if (!spec || typeof Chart === "undefined") return;
    const number = new Intl.NumberFormat(document.documentElement.lang || "id");
    const chart = new Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{ label: canvas.getAttribute("aria-label"), data: spec.values, backgroundColor: "#0b5d3b" }],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0, callback: (v) => number.format(v) } } },
        plugins: { legend: { display: false } },
      },
    });
    canvas.dataset.rendered = String(chart.data.labels.length);
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("portal-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);
    document.querySelectorAll("canvas[data-portal-chart]").forEach((canvas) => {
      draw(canvas, data[canvas.dataset.portalChart]);
    });
  });
})();
