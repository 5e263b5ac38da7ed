"""Fixtures of the integration tests: an empty database of their own and an app bound to it
(migration tests); the English catalog compiled fresh (language tests)."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@pytest.fixture
def empty_database(tmp_path, database_url):
    """An empty SQLite file, or an empty schema of its own in the run's PostgreSQL database
    (a schema is much cheaper than CREATE/DROP DATABASE on a busy server)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    schema = f"mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def migration_app(empty_database, tmp_path):
    from sponsorship import create_app

    app = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
                      "SQLALCHEMY_DATABASE_URI": empty_database, "SECRET_KEY": "x"})
    yield app
    with app.app_context():
        from sponsorship.extensions import db

        db.engine.dispose()


@pytest.fixture
def english_catalog(app, tmp_path):
    """The repository's English catalog, compiled fresh (pytest may run before `make translations`)."""
    target = tmp_path / "en" / "LC_MESSAGES"
    target.mkdir(parents=True)
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    from sponsorship.config import ROOT

    with open(ROOT / "sponsorship/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)
    with open(target / "messages.mo", "wb") as fh:
        write_mo(fh, catalog)
    babel = app.extensions["babel"]
    saved = babel.translation_directories
    babel.translation_directories = [str(tmp_path)]
    with app.app_context():
        cache = babel.instance.domain_instance.cache
    cache.clear()
    yield
    babel.translation_directories = saved
    cache.clear()
