"""Structured logs that never carry a NIK, a name or a health fact; /metrics for allowed addresses
only; a readiness check that names what is down."""
from __future__ import annotations

import io
import json
import logging

import pytest

from sponsorship.beneficiaries.demo import to_csv
from sponsorship.core.observability import JsonFormatter
from sponsorship.extensions import db
from tests import factories
from tests.factories import resident_row
from tests.pages import after_job

NIK = "1971015708450001"
NAME = "Siti Aminah Rahasia"
HEALTH = "Onkologi Kemoterapi"


@pytest.fixture
def logs():
    """Every record the app logs while the test runs, formatted as production formats it."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    root.addHandler(handler)
    yield buffer
    root.removeHandler(handler)


def _lines(buffer) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.startswith("{")]


def test_a_nik_name_and_health_fact_fed_through_every_logged_path_never_reach_the_log(
        app, login, staff, logs, monkeypatch):
    from sponsorship.beneficiaries import importer

    app.config["PROPAGATE_EXCEPTIONS"] = False
    try:
        anonymous = app.test_client()
        # sign-in refused for a NIK typed as the user name (and its rate-limit bookkeeping)
        anonymous.post("/login", data={"username": NIK, "password": NAME})
        client = login(staff)
        # the registry: an import of that resident (a job), with a bad row naming them again
        rows = [resident_row(NIK, NAME), resident_row("19710157084500", NAME)]
        preview = after_job(client, client.post("/beneficiaries/import", data={
            "source": "manual", "file": (io.BytesIO(to_csv(rows)), "warga.csv")},
            content_type="multipart/form-data"))
        after_job(client, client.post(preview.request.path + "/confirm"))
        # a lookup by NIK, found and not found
        client.post("/beneficiaries/find", data={"nik": NIK})
        client.post("/beneficiaries/find", data={"nik": "1971015708459999"})
        # an aid proposal with the patient's NIK, name and where they are treated
        client.post("/proposals/new", data={
            "patient_name": NAME, "patient_nik": NIK, "patient_kk": "1971010101200001",
            "applicant_name": NAME, "applicant_relation": "Suami", "phone": "0812 1111 2222",
            "address": "Jl. Mawar 3", "kelurahan_code": "19.71.01.1006", "referral_origin": HEALTH,
            "referral_destination": HEALTH, "referral_city": "Jakarta", "referral_letter_no": "R/1",
            "referral_letter_date": "2026-11-20", "lines-0-category": "transport_air",
            "lines-0-quantity": "1", "lines-0-unit_amount": "1.500.000"})
        # a job that fails with the data in its exception's message
        def leaking(*args, **kwargs):
            raise RuntimeError(f"row {NIK} {NAME} {HEALTH}")

        monkeypatch.setattr(importer, "plan_import", leaking)
        after_job(client, client.post("/beneficiaries/import", data={
            "source": "manual", "file": (io.BytesIO(to_csv(rows[:1])), "warga.csv")},
            content_type="multipart/form-data"))
        # a page that fails (500) with the data in its exception's message
        monkeypatch.setitem(app.view_functions, "dashboard.home", leaking)
        assert client.get("/").status_code == 500
        # a write refused by the database (a unique key), whose driver message repeats the row
        data = {"name": NAME, "npwp": factories.valid_npwp(5), "legal_form": "PT"}
        client.post("/sponsors/new", data=data)
        client.post("/sponsors/new", data=data)
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
    text = logs.getvalue()
    lines = _lines(logs)
    # The log saw all of it: requests with their fields, the failed job, the 500 with its frames.
    requests = [r for r in lines if r["message"] == "request"]
    assert {"/login", "/beneficiaries/import", "/beneficiaries/find", "/proposals/new", "/"} <= {
        r["route"] for r in requests}
    signed_in = [r for r in requests if r.get("user_id") == staff.id]
    assert signed_in and all(r["role"] == "staff" and r["request_id"] and "duration_ms" in r
                             for r in signed_in)
    assert any(r.get("exception") == "RuntimeError" and r.get("traceback") for r in lines)
    assert any(r["message"].startswith("job failed: RuntimeError") for r in lines)
    # ... and none of the resident's facts.
    for secret in (NIK, NIK[-4:] + "\"", NAME, "Siti Aminah", HEALTH, "Onkologi"):
        assert secret not in text, secret


def test_every_response_carries_a_request_id_and_keeps_a_given_one(app):
    client = app.test_client()
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32
    assert client.get("/healthz", headers={"X-Request-ID": "nginx-abc.123"}).headers["X-Request-ID"] == \
        "nginx-abc.123"
    assert client.get("/healthz", headers={"X-Request-ID": "bad id!"}).headers["X-Request-ID"] != "bad id!"


def test_metrics_in_prometheus_format_for_allowed_addresses_only(app, login, staff, company_a):
    from datetime import date

    from sponsorship.documents.report import issue_impact_report

    factories.make_residents(3)
    issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    db.session.commit()
    login(staff).get("/pledges/")
    client = app.test_client()
    response = client.get("/metrics")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert 'http_request_duration_seconds_bucket{le="0.2",method="GET",route="/pledges/"}' in body
    assert "sponsorship_job_queue_length 0.0" in body
    assert 'sponsorship_jobs{status="failed"} 0.0' in body
    assert "sponsorship_import_rows 3.0" in body
    assert 'sponsorship_documents_issued{kind="impact_report"} 1.0' in body
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 404
    app.config["METRICS_ALLOWED"] = __import__("sponsorship.config", fromlist=["x"])._addresses("10.1.2.0/24")
    try:
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200
        assert client.get("/metrics").status_code == 404  # loopback is no longer on the list
    finally:
        app.config["METRICS_ALLOWED"] = None


def test_readiness_checks_database_shared_store_and_storage(app, monkeypatch, tmp_path):
    from sponsorship.core import shared

    client = app.test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ok", "database": "ok", "shared_store": "ok", "storage": "ok"}

    def down():
        raise ConnectionError("refused")

    monkeypatch.setattr(app.extensions["shared_store"], "ping", down)
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.get_json()["shared_store"] == "unreachable"
    monkeypatch.undo()
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("x")
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(blocked))
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503 and not_ready.get_json()["storage"] == "not writable"
    assert shared  # the module the store comes from
