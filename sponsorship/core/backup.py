"""`flask --app app backup DIR` and `flask --app app restore DIR`: the database and the storage
path, with a manifest of every part's sha256.

A backup directory holds:

- `database.pgdump` (PostgreSQL: `pg_dump --format=custom`, one consistent snapshot) or
  `database.sqlite3` (SQLite: the online backup API, consistent while the app runs);
- `files/`: every file under the storage path (UPLOAD_DIR: uploads, issued documents, import
  previews), copied as they are;
- `manifest.json`: the engine, the migration revision, and the size and sha256 of each part.

`restore` checks every sha256 first and refuses a damaged or incomplete backup, then loads the
database into an EMPTY database (no tables) and the files into an EMPTY storage path, and checks
them again. It never overwrites: restoring over live data is a decision for a person, who empties
them first. The NIK keys (NIK_ENCRYPTION_KEY, NIK_PREVIOUS_KEYS) are NOT in the backup, on
purpose: keep them apart (a vault, the deployment's secrets), or the backup is unreadable.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import inspect

FORMAT = 1
MANIFEST = "manifest.json"


class BackupError(click.ClickException):
    pass


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _libpq(url):
    """A libpq connection string for pg_dump/pg_restore; a password goes through a passfile of
    mode 0600 (never the command line, which other users of the machine can read)."""
    plain = url.set(drivername="postgresql", password=None)
    if not url.password:
        yield plain.render_as_string(hide_password=False)
        return
    with tempfile.TemporaryDirectory() as folder:
        passfile = Path(folder) / "pgpass"
        fd = os.open(passfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(f"*:*:*:*:{url.password.replace(chr(92), chr(92) * 2).replace(':', chr(92) + ':')}\n")
        yield plain.update_query_dict({"passfile": str(passfile)}).render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def _storage_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]).resolve()


def _revision(engine) -> str | None:
    from sqlalchemy import text

    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # noqa: BLE001 - an empty database has no revision
            return None


def make_backup(target: Path) -> dict:
    from sponsorship.extensions import db

    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: a backup goes into a new or empty directory")
    target.mkdir(parents=True, exist_ok=True)
    url = db.engine.url
    parts = []
    if url.get_backend_name() == "postgresql":
        name = "database.pgdump"
        with _libpq(url) as conninfo:
            done = subprocess.run([_tool("pg_dump"), "--format=custom",  # noqa: S603 - our arguments "--no-owner", "--no-privileges",
                                   "--file", str(target / name), "--dbname", conninfo],
                                  capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {done.stderr.strip()[-500:]}")
    elif url.get_backend_name() == "sqlite":
        name = "database.sqlite3"
        source = sqlite3.connect(url.database)
        try:
            dest = sqlite3.connect(target / name)
            with dest:
                source.backup(dest)
            dest.close()
        finally:
            source.close()
    else:
        raise BackupError(f"no backup for {url.get_backend_name()}")
    parts.append({"path": name, "size": (target / name).stat().st_size, "sha256": sha256_file(target / name)})

    root = _storage_root()
    files_dir = target / "files"
    files_dir.mkdir()
    if root.exists():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            relative = path.relative_to(root)
            copy = files_dir / relative
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, copy)
            parts.append({"path": f"files/{relative.as_posix()}", "size": copy.stat().st_size,
                          "sha256": sha256_file(copy)})
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "engine": url.get_backend_name(), "revision": _revision(db.engine),
                "database": name, "parts": parts}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


def check_backup(source: Path) -> dict:
    """The manifest, once every part listed is there with its sha256 (else BackupError)."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source / MANIFEST}: not readable ({exc.__class__.__name__})") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for part in manifest["parts"]:
        path = (source / part["path"]).resolve()
        if source.resolve() not in path.parents:
            raise BackupError(f"{part['path']}: outside the backup")
        if not path.is_file():
            raise BackupError(f"{part['path']}: missing")
        if sha256_file(path) != part["sha256"]:
            raise BackupError(f"{part['path']}: sha256 differs from the manifest (damaged)")
    return manifest


def restore_backup(source: Path) -> dict:
    from sponsorship.extensions import db

    manifest = check_backup(source)
    url = db.engine.url
    if url.get_backend_name() != manifest["engine"]:
        raise BackupError(f"the backup is of {manifest['engine']}, the app uses {url.get_backend_name()}")
    tables = inspect(db.engine).get_table_names()
    if tables:
        raise BackupError(f"the database is not empty ({len(tables)} tables): restore into an empty one")
    root = _storage_root()
    if root.exists() and any(p.is_file() for p in root.rglob("*")):
        raise BackupError(f"the storage path {root} is not empty: restore into an empty one")
    dump = source / manifest["database"]
    if manifest["engine"] == "postgresql":
        with _libpq(url) as conninfo:
            done = subprocess.run([_tool("pg_restore"), "--no-owner",  # noqa: S603 - our arguments "--no-privileges", "--single-transaction",
                                   "--exit-on-error", "--dbname", conninfo, str(dump)],
                                  capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()[-500:]}")
    else:
        db.engine.dispose()
        backup = sqlite3.connect(dump)
        try:
            dest = sqlite3.connect(url.database)
            with dest:
                backup.backup(dest)
            dest.close()
        finally:
            backup.close()
    root.mkdir(parents=True, exist_ok=True)
    restored = 0
    for part in manifest["parts"]:
        if not part["path"].startswith("files/"):
            continue
        target = root / part["path"][len("files/"):]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / part["path"], target)
        if sha256_file(target) != part["sha256"]:
            raise BackupError(f"{target}: written, but its sha256 differs (the storage path is failing)")
        restored += 1
    db.engine.dispose()
    return {"revision": _revision(db.engine), "files": restored, "engine": manifest["engine"]}


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Back up the database and the storage path into DIRECTORY (new or empty), with a manifest."""
    manifest = make_backup(directory)
    click.echo(json.dumps({"directory": str(directory), "engine": manifest["engine"],
                           "revision": manifest["revision"], "parts": len(manifest["parts"])}))


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@with_appcontext
def restore_command(directory: Path) -> None:
    """Restore a backup into this app's EMPTY database and EMPTY storage path (checked first)."""
    click.echo(json.dumps(restore_backup(directory)))


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
