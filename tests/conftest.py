"""Test fixtures: a real database migrated with the real migrations, one persona per role.

Runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set; each test run, and
each pytest-xdist worker of a run (`make test` runs 2), gets its own database (a temp
file, or a fresh PostgreSQL database dropped at the end), migrated by that process, so parallel
runs and workers never see each other's rows.
"""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests import factories

# Reference data loaded by migrations survives the per-test cleanup.
PRESERVED_TABLES = {"alembic_version"} | set(factories.REFERENCE_TABLES)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    url = make_url(base)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"{url.database}_{worker}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    import flask_migrate

    from sponsorship import create_app

    instance = tmp_path_factory.mktemp("instance")
    application = create_app({
        "TESTING": True,
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "UPLOAD_DIR": str(instance / "uploads"),
        "PUBLIC_BASE_URL": "https://csr.test",  # documents are issued outside requests too
        "SERVER_NAME": None,
        "JOBS_IMMEDIATE": True,  # a job runs at its request's commit (tests/integration/test_jobs.py
                                 # also runs one through a real worker on Redis)
    })
    with application.app_context():
        flask_migrate.upgrade(revision="heads")
        from sponsorship.audit.enforce import audit_exempt
        from sponsorship.extensions import db
        from sponsorship.regions.load import load_regions

        with audit_exempt("test run: the national region data"):
            load_regions()
            db.session.commit()
        application.config["TEST_CITY_SETTINGS"] = factories.city_setting_rows()

    def fresh_request_state():
        # Test requests reuse the test's app context (persona fixtures push one), hence its
        # `g`; a real request starts with an empty `g`: no cached user, locale or flags.
        from flask import g

        for key in list(g):
            g.pop(key)

    application.before_request_funcs.setdefault(None, []).insert(0, fresh_request_state)
    yield application
    with application.app_context():
        from sponsorship.extensions import db

        db.engine.dispose()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashes():
    """scrypt with small parameters: the same code path, ~50x faster than production's.

    tests/unit/test_auth_service.py checks the production parameters separately.
    """
    from sponsorship.auth import service

    real = service.generate_password_hash

    def cheap(password, method="scrypt", salt_length=16):
        return real(password, method="scrypt:1024:8:1", salt_length=salt_length)

    service.generate_password_hash = cheap
    yield
    service.generate_password_hash = real


@pytest.fixture(autouse=True)
def _clean_database(app):
    """Every test starts from migrated, empty tables (plus the seeded tariffs and the test city's
    settings, as `setup-city` writes them: tests/factories.TEST_CITY)."""
    from sponsorship.core.cache import FragmentCache
    from sponsorship.extensions import db, limiter
    from sponsorship.settings.models import Setting
    from sponsorship.settings.service import seed_tariffs

    with app.app_context():
        seed_tariffs()
        db.session.add_all(Setting(key=k, value=v) for k, v in app.config["TEST_CITY_SETTINGS"].items())
        db.session.commit()
        factories.complete_city()
    limiter.reset()
    FragmentCache.clear_all()  # ids start again at 1: a cached rendering's key could recur
    yield
    with app.app_context():
        db.session.remove()
        tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in PRESERVED_TABLES]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Only the tables this test filled (one query finds them).
                probe = " UNION ALL ".join(
                    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM \"{t.name}\")" for t in tables)
                filled = {row[0] for row in conn.execute(text(probe))}
                # DELETE children first, then restart the ids: TRUNCATE ... CASCADE on user or
                # sponsor would touch every table that references them (about 1 s per test).
                for table in tables:
                    if table.name in filled:
                        conn.execute(table.delete())
                        if "id" in table.c and table.c.id.autoincrement in (True, "auto"):
                            conn.execute(text(
                                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), 1, false)"))
            else:
                for table in tables:
                    conn.execute(table.delete())


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def db_session(app_ctx):
    from sponsorship.extensions import db

    yield db.session
    db.session.rollback()


# --- personas: one signed-out user per role ----------------------------------------------

@pytest.fixture
def company_a(app_ctx):
    """A company whose sponsor user is `sponsor_a`."""
    return factories.make_sponsor(name="PT Alpha Sejahtera")


@pytest.fixture
def company_b(app_ctx):
    """Another company: `sponsor_a` must never see anything of it."""
    return factories.make_sponsor(name="PT Beta Makmur")


@pytest.fixture
def admin(app_ctx):
    """The secretariat's IT officer."""
    return factories.make_user(role="admin", username="admin1")


@pytest.fixture
def staff(app_ctx):
    """Sekretariat Daerah staff running the CSR forum."""
    return factories.make_user(role="staff", username="staff1")


@pytest.fixture
def sponsor_a(company_a):
    """The CSR officer of company A (company admin)."""
    return factories.make_user(role="sponsor", username="sponsora", sponsor=company_a,
                               is_company_admin=True)


@pytest.fixture
def sponsor_b(company_b):
    """The CSR officer of company B."""
    return factories.make_user(role="sponsor", username="sponsorb", sponsor=company_b)


@pytest.fixture
def verifier(app_ctx):
    """A Baznas field verifier."""
    return factories.make_user(role="verifier", username="verifier1")


@pytest.fixture
def approver(app_ctx):
    """The mayor (or a delegate)."""
    return factories.make_user(role="approver", username="approver1")


@pytest.fixture
def login(app):
    """login(user) -> a test client signed in as that user."""

    def _login(user, password: str = factories.DEFAULT_PASSWORD):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.data[:500]
        return client

    return _login



@pytest.fixture(autouse=True)
def _own_signing_dir(app, tmp_path, monkeypatch):
    """Every test has its own, empty SIGNING_DIR: a certificate one test (or seed-demo) installs
    never signs another test's documents."""
    monkeypatch.setitem(app.config, "SIGNING_DIR", str(tmp_path / "signing"))


@pytest.fixture
def signing_certificates(app_ctx, admin):
    """Self-signed test certificates for every official (without this fixture none is installed,
    and tests issue the signed kinds unsigned)."""
    from sponsorship.documents import signing
    from sponsorship.extensions import db

    installed = {official: signing.install_test_certificate(official, actor=admin)
                 for official in signing.OFFICIALS}
    db.session.commit()
    return installed


@pytest.fixture(autouse=True, scope="session")
def _test_setup_is_audit_exempt():
    """Tests set up their data directly (factories commit rows no one did), so the audit rule
    (sponsorship.audit.enforce) is lifted for test code itself. Every request and every shell
    command a test makes is checked by the app as in production: `audit_enforced()` wraps it."""
    from sponsorship.audit.enforce import audit_exempt

    with audit_exempt("test setup"):
        yield
