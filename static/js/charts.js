// Draws every <canvas data-chart="ID"> from the JSON in <script type="application/json" id="ID">.
// The data tables beside each chart carry the same numbers; without JavaScript they remain.
(function () {
  "use strict";
  const palette = ["#0b5d3b", "#1f6fb2", "#b26a00", "#8e2c48", "#5a5a5a"];

  function formatter(unit) {
    const number = new Intl.NumberFormat(document.documentElement.lang || "id");
    if (unit === "Rp") return (v) => "Rp " + number.format(v);
    if (unit === "%") return (v) => number.format(v) + " %";
    return (v) => number.format(v);
  }

  function build(canvas) {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    const spec = JSON.parse(source.textContent);
    const fmt = formatter(spec.unit);
    const isLine = spec.unit === "%";
    const datasets = spec.series.map((s, i) => ({
      label: s.label,
      data: s.data,
      borderColor: palette[i % palette.length],
      backgroundColor: palette[i % palette.length],
      borderDash: s.threshold ? [6, 4] : [],
      pointRadius: s.threshold ? 0 : 3,
      borderWidth: s.threshold ? 1.5 : 2,
      fill: false,
    }));
    let min;
    if (isLine) {
      const values = spec.series.flatMap((s) => s.data);
      min = values.length ? Math.max(0, Math.floor(Math.min(...values) - 2)) : 0;
    }
    const chart = new Chart(canvas, {
      type: isLine ? "line" : "bar",
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { stacked: !!spec.stacked },
          y: { stacked: !!spec.stacked, min: min, ticks: { callback: fmt } },
        },
        plugins: {
          tooltip: { callbacks: { label: (ctx) => ctx.dataset.label + ": " + fmt(ctx.parsed.y) } },
          legend: { position: "bottom" },
        },
      },
    });
    canvas.dataset.rendered = String(chart.data.labels.length);
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("canvas[data-chart]").forEach(build);
  });
})();
