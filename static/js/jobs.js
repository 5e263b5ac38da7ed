// A job's page: poll its figures while it waits or runs, show them, and when it has finished load
// the page again (which shows the result, or continues to what the job made). Built with
// textContent only; every answer is numbers and a status word.
(function () {
  var box = document.querySelector("[data-job]");
  if (!box) { return; }
  var bar = box.querySelector("[data-job-bar]");
  var fill = box.querySelector("[data-job-fill]");
  var percent = box.querySelector("[data-job-percent]");
  var rows = box.querySelector("[data-job-rows]");

  function show(data) {
    var p = Math.max(0, Math.min(100, Number(data.percent) || 0));
    fill.style.width = p + "%";
    bar.setAttribute("aria-valuenow", String(p));
    percent.textContent = String(p);
    rows.textContent = String(Number(data.rows_done) || 0);
  }

  show({ percent: bar.getAttribute("aria-valuenow"), rows_done: rows.textContent });
  var status = box.dataset.jobStatus;
  if (status !== "queued" && status !== "running") { return; }
  fill.classList.add("progress-bar-striped", "progress-bar-animated");

  var delay = 500;
  function poll() {
    fetch(box.dataset.jobStatusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        show(data);
        if (data.finished) {
          window.location.assign(box.dataset.jobPageUrl);
          return;
        }
        delay = Math.min(3000, delay * 1.5);
        window.setTimeout(poll, delay);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, delay);
})();
