"""Registry import in Chromium: a large CSV uploads with a progress bar (percentage, then
"Memeriksa baris…" while the server queues the check), the check runs as a job whose page shows
its progress (here jobs run at once, so its page goes straight on), and the preview with the
counts follows."""
from __future__ import annotations

import pytest

from sponsorship.beneficiaries.demo import generate_rows, to_csv
from tests import factories
from tests.pages import e2e_login

pytestmark = pytest.mark.e2e

ROWS = 3000

# Records every state of the upload progress bar into window.__progress__ via a binding that
# survives the navigation to the preview page (the page's own variables do not).
RECORDER = """
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-upload-progress]");
  if (!box) { return; }
  const bar = box.querySelector("[role=progressbar]");
  const fill = box.querySelector(".progress-bar");
  const text = box.querySelector("[data-upload-progress-text]");
  const report = () => window.recordProgress({
    hidden: box.classList.contains("d-none"), now: bar.getAttribute("aria-valuenow"),
    width: fill.style.width, text: text.textContent,
    visible: !!(bar.offsetWidth || bar.offsetHeight),
  });
  new MutationObserver(report).observe(box, {attributes: true, subtree: true, childList: true,
                                             characterData: true});
});
"""


def test_large_csv_upload_shows_progress_then_preview(page, live_server, app_ctx):
    staff = factories.make_user(role="staff", username="staff_progress")
    data = to_csv(generate_rows(ROWS, seed=4242))
    assert len(data) > 300_000

    states: list[dict] = []
    errors: list[str] = []  # a CSP violation would show here
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.expose_binding("recordProgress", lambda _source, state: states.append(state))
    page.add_init_script(RECORDER)
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)

    page.goto(f"{live_server}/beneficiaries/import")
    progress = page.get_by_test_id("upload-progress")
    assert progress.is_hidden()
    page.get_by_label("Sumber").select_option("manual")
    page.set_input_files("#file", files=[{"name": "warga.csv", "mimeType": "text/csv", "buffer": data}])
    # Slow the upload down (about 2 s for the file) so it reports progress in several steps.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                  "downloadThroughput": -1,
                                                  "uploadThroughput": len(data) // 2})
    with page.expect_navigation(url="**/beneficiaries/import/*", timeout=60_000):
        page.get_by_role("button", name="Pratinjau").click()
        bar = progress.get_by_role("progressbar")
        bar.wait_for(state="visible")
        assert page.get_by_role("button", name="Pratinjau").is_disabled()
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                  "downloadThroughput": -1, "uploadThroughput": -1})

    # The preview page, with the counts of the whole file.
    assert page.locator("[data-count=created]").inner_text() == str(ROWS)
    assert page.locator("[data-count=invalid]").inner_text() == "0"
    assert page.get_by_test_id("confirm-import").is_visible()
    assert errors == []

    # What the bar showed on the way: visible, percentages rising to 100 with a readable text and
    # the bar's width following, then the indeterminate check without aria-valuenow.
    shown = [s for s in states if not s["hidden"]]
    assert shown and all(s["visible"] for s in shown)
    percents = [int(s["now"]) for s in shown if s["now"] is not None]
    assert percents == sorted(percents) and percents[-1] == 100
    assert any(0 < p < 100 for p in percents), percents
    for s in shown:
        if s["now"] is not None:
            assert s["text"] == f"Mengunggah berkas: {s['now']}%" and s["width"] == f"{s['now']}%"
    checking = [s for s in shown if s["now"] is None]
    assert checking and shown[-1] == checking[-1]
    assert checking[-1]["text"] == "Memeriksa baris…" and checking[-1]["width"] == "100%"

    # The check was a job: its page (kept for the record) shows every row done, at 100 %.
    from sponsorship.extensions import db
    from sponsorship.jobs.models import Job

    db.session.rollback()  # end the test's read snapshot, taken before the upload
    job = db.session.scalar(db.select(Job).where(Job.kind == "registry-preview"))
    assert (job.status, job.rows_done, job.rows_total) == ("done", ROWS, ROWS)
    page.goto(f"{live_server}/jobs/{job.id}?stay=1")
    assert page.get_by_test_id("job-percent").inner_text() == "100"
    assert page.get_by_test_id("job-rows").inner_text() == str(ROWS)
    assert page.get_by_test_id("job-result").is_visible() and errors == []


def test_refused_file_is_shown_on_its_job_page_and_the_form_works_again(page, live_server, app_ctx):
    staff = factories.make_user(role="staff", username="staff_refused")
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    page.goto(f"{live_server}/beneficiaries/import")
    page.set_input_files("#file", files=[{"name": "salah.csv", "mimeType": "text/csv",
                                          "buffer": b"foo,bar\n1,2\n"}])
    with page.expect_navigation(url="**/jobs/*"):
        page.get_by_role("button", name="Pratinjau").click()
    alert = page.get_by_test_id("job-error")
    alert.wait_for()
    assert "kolom wajib tidak ada" in alert.inner_text()
    assert page.get_by_test_id("job-status").get_attribute("data-status") == "failed"
    # From the refused job, straight back to the form, which works again with a good file.
    page.get_by_test_id("upload-again").click()
    page.wait_for_url("**/beneficiaries/import?source=manual")
    assert page.get_by_test_id("upload-progress").is_hidden()
    page.set_input_files("#file", files=[{"name": "warga.csv", "mimeType": "text/csv",
                                          "buffer": to_csv(generate_rows(3, seed=7))}])
    with page.expect_navigation(url="**/beneficiaries/import/*"):
        page.get_by_role("button", name="Pratinjau").click()
    assert page.locator("[data-count=created]").inner_text() == "3"


def test_without_javascript_the_form_posts_normally(new_page, live_server, app_ctx):
    staff = factories.make_user(role="staff", username="staff_nojs")
    page = new_page(java_script_enabled=False)
    e2e_login(page, live_server, staff.username, factories.DEFAULT_PASSWORD)
    page.goto(f"{live_server}/beneficiaries/import")
    assert page.get_by_test_id("upload-progress").is_hidden()
    page.set_input_files("#file", files=[{"name": "warga.csv", "mimeType": "text/csv",
                                          "buffer": to_csv(generate_rows(5, seed=8))}])
    with page.expect_navigation(url="**/beneficiaries/import/*"):
        page.get_by_role("button", name="Pratinjau").click()
    assert page.locator("[data-count=created]").inner_text() == "5"
