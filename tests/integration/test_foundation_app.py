"""The foundation end to end through the test client and the CLI: health, language, demo, audit log."""
from datetime import date, datetime

import pytest

from sponsorship.audit.models import AuditEvent
from sponsorship.auth.models import User
from sponsorship.core.formatting import WIB
from sponsorship.extensions import db
from sponsorship.pledges.models import Pledge
from sponsorship.sponsors.models import Sponsor
from tests import factories
from tests.pages import get_page, post_page


def test_healthz_checks_the_database(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(db.session, "execute", broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"] == "unreachable"


def test_english_can_be_switched_on_and_off(app, english_catalog, login, staff):
    client = app.test_client()
    assert get_page(client, "/login").find("h1").get_text(strip=True) == "Masuk"
    response = client.post("/lang/en", headers={"Referer": "/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    page = get_page(client, "/login")
    assert page.find("h1").get_text(strip=True) == "Sign in"
    assert page.find("html")["lang"] == "en"
    # the choice survives signing in, and pages and error pages follow it
    post_page(client, "/login", {"username": staff.username, "password": factories.DEFAULT_PASSWORD})
    assert "Pledges" in {a.get_text(strip=True) for a in get_page(client, "/").select("nav a.nav-link")}
    assert get_page(client, "/admin/users/", 403).find("h1").get_text(strip=True) == "Access denied"
    client.post("/lang/id")
    assert get_page(client, "/admin/users/", 403).find("h1").get_text(strip=True) == "Akses ditolak"
    client.post("/lang/xx")  # unknown languages are ignored
    assert get_page(client, "/admin/users/", 403).find("html")["lang"] == "id"


def test_amounts_and_dates_stay_indonesian_in_english(app, english_catalog, login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, quota=500, months=12)
    client = login(staff)
    client.post("/lang/en")
    page = get_page(client, f"/pledges/{pledge.id}")
    assert page.select_one("[data-testid=pledge-total]").get_text(strip=True) == "Rp 210.000.000"


# --- command line ---------------------------------------------------------------------------

def test_create_user_from_the_shell(app, company_a):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "--username", "Budi", "--full-name", "Budi Santoso",
                                 "--role", "staff", "--password", "kata-sandi-budi"])
    assert result.exit_code == 0, result.output
    assert "created budi (staff)" in result.output
    result = runner.invoke(args=["create-user", "--username", "csr-a", "--full-name", "CSR A",
                                 "--role", "sponsor", "--sponsor-npwp", company_a.npwp_display,
                                 "--password", "kata-sandi-csr"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        budi = db.session.scalar(db.select(User).where(User.username == "budi"))
        csr = db.session.scalar(db.select(User).where(User.username == "csr-a"))
        assert budi.role == "staff" and budi.password_hash.startswith("scrypt:")
        assert (csr.role, csr.sponsor_id) == ("sponsor", company_a.id)
        created = db.session.scalar(db.select(AuditEvent).where(AuditEvent.object_id == budi.id,
                                                                AuditEvent.object_type == "user"))
        assert created.actor_name == "system" and created.changes["password_hash"] == [None, "••••"]
    client = app.test_client()
    post_page(client, "/login", {"username": "budi", "password": "kata-sandi-budi"})


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "staff", "--password", "pendek"], "minimal"),
    (["--role", "sponsor", "--password", "kata-sandi-cukup"], "ditautkan ke perusahaan"),
    (["--role", "sponsor", "--sponsor-npwp", "123", "--password", "kata-sandi-cukup"], "NPWP"),
])
def test_create_user_refusals_are_plain_messages(app, args, message):
    result = app.test_cli_runner().invoke(args=["create-user", "--username", "x", "--full-name", "X", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def _demo_counts():
    return {model.__name__: db.session.scalar(db.select(db.func.count()).select_from(model))
            for model in (User, Sponsor, Pledge, AuditEvent)}


def test_seed_demo_is_idempotent_and_builds_the_demo_city(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = _demo_counts()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert "database not empty" in runner.invoke(args=["seed-demo", "--if-empty"]).output
    with app.app_context():
        assert _demo_counts() == first

        users = {u.username: u for u in db.session.scalars(db.select(User))}
        expected = {"admin": "admin", "staf": "staff", "bsb": "sponsor", "sponsor2": "sponsor",
                    "baznas": "verifier", "walikota": "approver"}
        assert {name: users[name].role for name in expected} == expected

        sponsors = db.session.scalars(db.select(Sponsor).order_by(Sponsor.id)).all()
        assert len(sponsors) == 3
        bank = next(s for s in sponsors if s.short_name == "Bank Sumsel Babel")
        assert bank.name == "PT Bank Pembangunan Daerah Sumatera Selatan dan Bangka Belitung"
        assert users["bsb"].sponsor_id == bank.id
        assert users["sponsor2"].sponsor_id not in (None, bank.id)

        pledges = db.session.scalars(db.select(Pledge)).all()
        premium = [p for p in pledges if p.sponsor_id == bank.id and p.programme == "premium"]
        # the billing demo moves the agreed pledge on to active
        assert [(p.status, p.quota, p.months, p.start_month, p.monthly_amount, p.total_amount)
                for p in premium] == [("active", 500, 12, date(2026, 1, 1), 35_000, 210_000_000)]
        fund = [p for p in pledges if p.sponsor_id == users["sponsor2"].sponsor_id]
        assert [(p.programme, p.status, p.total_amount) for p in fund] == [
            ("aid_fund", "active", 150_000_000)]
        others = {s.id for s in sponsors} - {bank.id, users["sponsor2"].sponsor_id}
        assert [p.status for p in pledges if p.sponsor_id in others] == ["draft"]

    for username in expected:
        client = app.test_client()
        post_page(client, "/login", {"username": username, "password": "pangkalpinang"})
    bsb = app.test_client()
    post_page(bsb, "/login", {"username": "bsb", "password": "pangkalpinang"})
    portal = get_page(bsb, "/portal/")
    assert "Rp 210.000.000" in portal.get_text()
    assert "150.000.000" not in portal.get_text()


# --- audit log ------------------------------------------------------------------------------

def test_global_audit_log_filters(login, staff, admin, company_a, company_b):
    a = factories.make_pledge(sponsor=company_a, actor=staff, title="Pledge A")
    factories.make_pledge(sponsor=company_b, actor=admin, title="Pledge B", status="agreed")
    client = login(staff)

    def rows(query):
        page = get_page(client, "/audit/?" + query)
        return [(tr["data-action"], tr.find_all("td")) for tr in page.select("tbody tr[data-action]")]

    everything = rows("")
    # the three seeded tariffs, two users, two companies, two pledges, one move
    assert len(everything) == 10
    by_type = rows("object_type=pledge")
    assert len(by_type) == 3 and all(cells[1].get_text().count("komitmen") for _, cells in by_type)
    by_object = rows(f"object_type=pledge&object_id={a.id}")
    assert [action for action, _ in by_object] == ["create"]
    by_person = rows(f"person={admin.id}")
    assert by_person and all(cells[1].get_text().startswith(admin.full_name) for _, cells in by_person)
    moves = rows("action=status")
    assert [action for action, _ in moves] == ["status:agree"]
    assert "Disepakati" in moves[0][1][2].get_text() and "agreed" not in moves[0][1][2].get_text()
    assert [action for action, _ in rows("q=Pledge B")][-1] == "create"
    assert rows("from=2000-01-01&to=2000-01-31") == []
    today = datetime.now(WIB).date().isoformat()  # the filter's days are Jakarta days
    assert len(rows(f"from={today}&to={today}")) == len(everything)
    assert len(rows("from=nonsense")) == len(everything)


def test_object_history_shows_old_and_new(login, staff, company_a):
    pledge = factories.make_pledge(sponsor=company_a, actor=staff)
    client = login(staff)
    post_page(client, f"/pledges/{pledge.id}/move/cancel", {"note": "Perusahaan menarik diri"})
    page = get_page(client, f"/pledges/{pledge.id}")
    text = page.get_text(" ", strip=True)
    assert "Perusahaan menarik diri" in text
    assert "Draf" in text and "Dibatalkan" in text
    # a sponsor sees its pledge but not the internal history
    sponsor = factories.make_user(role="sponsor", sponsor=company_a)
    assert "Perusahaan menarik diri" not in get_page(login(sponsor), f"/pledges/{pledge.id}").get_text()


def test_a_commit_that_changes_rows_without_an_audit_event_is_refused(app, app_ctx, staff):
    from sponsorship.audit import service as audit
    from sponsorship.audit.enforce import UnauditedWrite, audit_enforced
    from sponsorship.extensions import db
    from sponsorship.sponsors.models import Sponsor

    with audit_enforced():
        db.session.add(Sponsor(name="PT Tanpa Jejak", npwp="0" * 16, legal_form="PT"))
        with pytest.raises(UnauditedWrite, match="changes to sponsor without an audit event"):
            db.session.commit()
        db.session.rollback()
        sponsor = Sponsor(name="PT Dengan Jejak", npwp="1" * 16, legal_form="PT")
        db.session.add(sponsor)
        audit.record_create(sponsor, actor=staff)
        db.session.commit()
        # an UPDATE statement bypasses the flush, and is seen all the same
        db.session.execute(db.update(Sponsor).where(Sponsor.id == sponsor.id).values(short_name="X"))
        with pytest.raises(UnauditedWrite, match="sponsor"):
            db.session.commit()
        db.session.rollback()
        # a write whose savepoint rolled back changed nothing
        with pytest.raises(RuntimeError), db.session.begin_nested():
            db.session.add(Sponsor(name="PT Batal", npwp="2" * 16, legal_form="PT"))
            db.session.flush()
            raise RuntimeError("undo")
        db.session.commit()
        # signing in touches only exempt columns of the user
        staff.last_login_at = staff.created_at
        db.session.commit()
        staff.full_name = "Nama Baru"
        with pytest.raises(UnauditedWrite, match="user"):
            db.session.commit()
        db.session.rollback()
    assert db.session.scalar(db.select(Sponsor.short_name).where(Sponsor.id == sponsor.id)) is None


def test_a_request_that_would_commit_without_an_audit_event_fails_loudly(app, login, staff, monkeypatch):
    from sponsorship.audit import service as audit
    from sponsorship.audit.enforce import UnauditedWrite
    from sponsorship.sponsors.models import Sponsor

    # a service that forgets its audit event
    monkeypatch.setattr(audit, "record_create", lambda obj, **_kw: db.session.flush())
    client = login(staff)
    with pytest.raises(UnauditedWrite, match="refused to commit changes to sponsor"):
        client.post("/sponsors/new", data={"name": "PT Lupa Audit", "npwp": factories.valid_npwp(),
                                           "legal_form": "PT"})  # TESTING propagates; production logs
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Sponsor)) == 0


def test_reading_requests_never_write_and_skip_transactions_on_postgresql(app, app_ctx, staff):
    from sponsorship.sponsors.models import Sponsor

    with app.test_request_context("/sponsors/", method="GET"):
        app.preprocess_request()  # the app's own hooks mark the request as reading
        options = db.session.connection().get_execution_options()
        if db.engine.dialect.name == "postgresql":
            assert options.get("isolation_level") == "AUTOCOMMIT"  # no BEGIN / ROLLBACK round trips
        else:
            assert "isolation_level" not in options  # SQLite keeps its (free) transactions
        db.session.add(Sponsor(name="PT Lewat GET", npwp="2" * 16, legal_form="PT"))
        with pytest.raises(RuntimeError, match="GET or HEAD request tried to write"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(RuntimeError, match="GET or HEAD request tried to write"):
            db.session.execute(db.update(Sponsor).values(name="PT Diubah"))
        db.session.rollback()
    with app.test_request_context("/sponsors/new", method="POST"):
        app.preprocess_request()
        assert "isolation_level" not in db.session.connection().get_execution_options()
        db.session.rollback()
    assert db.session.scalar(db.select(db.func.count()).select_from(Sponsor)) == 0
