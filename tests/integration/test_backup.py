"""Backup and restore round trip: every table and every file come back identical, into an empty
database and an empty storage path; a damaged backup or a non-empty target is refused."""
from __future__ import annotations

import hashlib
import io
import json
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from sponsorship.extensions import db
from tests import factories
from tests.factories import make_residents

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def empty_target(database_url, tmp_path):
    """A URL of a new, empty database on the same engine as the test run's."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _tables(url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    engine = create_engine(url)
    try:
        found = {}
        inspector = inspect(engine)
        with engine.connect() as conn:
            for table in sorted(inspector.get_table_names()):
                keys = inspector.get_pk_constraint(table)["constrained_columns"] or [
                    c["name"] for c in inspector.get_columns(table)]
                order = ", ".join(f'"{k}"' for k in keys)
                query = text(f'SELECT * FROM "{table}" ORDER BY {order}')
                found[table] = [tuple(r) for r in conn.execute(query)]
        return found
    finally:
        engine.dispose()


def _files(root) -> dict[str, str]:
    root = Path(root)
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def _some_of_everything(app, login, staff, company_a):
    from sponsorship.allocations import service as allocations
    from sponsorship.beneficiaries.models import Beneficiary
    from sponsorship.documents.report import issue_impact_report

    make_residents(4)
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=3)
    eligible = db.session.get(Beneficiary, factories.registry_resident())  # generated ones may lack a desil
    allocations.allocate(pledge, eligible, actor=staff)
    issue_impact_report(company_a, actor=staff, start=date(2026, 1, 1), end=date(2026, 6, 1))
    db.session.commit()
    proposal = factories.make_proposal(staff=staff)
    login(staff).post(f"/proposals/{proposal.id}/attachments", data={
        "kind": "kk", "file": (io.BytesIO(PDF), "kk.pdf")}, content_type="multipart/form-data")
    db.session.remove()


def test_backup_and_restore_give_back_every_table_and_every_file(app, database_url, empty_target, tmp_path,
                                                                 login, staff, company_a):
    from sponsorship import create_app

    _some_of_everything(app, login, staff, company_a)
    backup_dir = tmp_path / "backup"
    done = app.test_cli_runner().invoke(args=["backup", str(backup_dir)])
    assert done.exit_code == 0, done.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    head = db.session.execute(db.text("SELECT version_num FROM alembic_version")).scalar_one()
    assert manifest["revision"] == head and manifest["database"] in ("database.sqlite3", "database.pgdump")
    assert any(p["path"].startswith("files/documents/") for p in manifest["parts"])
    for part in manifest["parts"]:
        assert hashlib.sha256((backup_dir / part["path"]).read_bytes()).hexdigest() == part["sha256"]

    restored_files = tmp_path / "restored-files"
    target = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "target"),
                         "SQLALCHEMY_DATABASE_URI": empty_target, "UPLOAD_DIR": str(restored_files),
                         "SECRET_KEY": "x", "NIK_ENCRYPTION_KEY": app.config["NIK_ENCRYPTION_KEY"]})
    try:
        with target.app_context():  # the command runs in the app whose context is current
            done = target.test_cli_runner().invoke(args=["restore", str(backup_dir)])
        assert done.exit_code == 0, done.output
        assert json.loads(done.output)["revision"] == head

        source_rows, target_rows = _tables(database_url), _tables(empty_target)
        assert sorted(source_rows) == sorted(target_rows)
        assert source_rows["beneficiary"] and source_rows["document"] and source_rows["aid_attachment"]
        for table, rows in source_rows.items():
            assert target_rows[table] == rows, table
        assert _files(app.config["UPLOAD_DIR"]) == _files(restored_files)

        with target.app_context():
            again = target.test_cli_runner().invoke(args=["restore", str(backup_dir)])
        assert again.exit_code != 0 and "not empty" in again.output
    finally:
        with target.app_context():
            db.engine.dispose()


def test_a_damaged_backup_is_refused_before_anything_is_written(app, empty_target, tmp_path, login, staff,
                                                               company_a):
    from sponsorship import create_app

    _some_of_everything(app, login, staff, company_a)
    backup_dir = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["backup", str(backup_dir)]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["backup", str(backup_dir)]).exit_code != 0  # not empty
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    damaged = backup_dir / next(p["path"] for p in manifest["parts"] if p["path"].startswith("files/"))
    damaged.write_bytes(damaged.read_bytes() + b"x")
    target = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "target"),
                         "SQLALCHEMY_DATABASE_URI": empty_target, "UPLOAD_DIR": str(tmp_path / "files"),
                         "SECRET_KEY": "x"})
    try:
        with target.app_context():
            done = target.test_cli_runner().invoke(args=["restore", str(backup_dir)])
            assert done.exit_code != 0 and "sha256 differs" in done.output
            assert inspect(db.engine).get_table_names() == []
        assert not (tmp_path / "files").exists() or _files(tmp_path / "files") == {}
    finally:
        with target.app_context():
            db.engine.dispose()
