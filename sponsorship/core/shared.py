"""State that every worker process (and, with Redis, every host) must see alike.

What must be shared, and where it lives:

- rate-limit counters (login, /track): Redis, or `SqliteLimits` below (instance/shared.db);
- the job queue (huey): Redis, or huey's SQLite storage (instance/jobs-queue.db);
- a running job's progress and its worker's lease: Redis, or `SqliteStore` (instance/shared.db).

Nothing else is kept per process that must be shared: the page-frame and summary caches
(`core/cache.py`, `layout.py`) and the built signed-in users are per process by design, keyed on
data every process reads from the database (the newest audit event, the user's row), so two
workers never disagree for longer than one request.
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits.storage import Storage


class _SqliteFile:
    """One SQLite file, a connection per thread, autocommit, waiting for the write lock."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
              "expires REAL NOT NULL)",
              "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, "
              "expires REAL NOT NULL)")

    def __init__(self, path: str) -> None:
        self.path = path
        self.local = threading.local()

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            for statement in self.SCHEMA:
                conn.execute(statement)
            self.local.conn = conn
        return conn


class SqliteLimits(Storage):
    """Fixed-window counters for Flask-Limiter in a SQLite file: `sqlite:////abs/path.db`.

    One host's gunicorn workers share the file, so a limit of 5 is 5 whatever worker answers;
    BEGIN IMMEDIATE makes each increment atomic across processes.
    """

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        path = urlsplit(uri or "").path
        if not path or path == "/":
            raise ValueError("sqlite:////absolute/path.db")
        self.file = _SqliteFile(path)

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        conn = self.file.conn()
        now = time.time()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT value, expires FROM counter WHERE key = ?", (key,)).fetchone()
            if row is None or row[1] <= now:
                value, expires = amount, now + expiry
            else:
                value, expires = row[0] + amount, row[1]
            conn.execute("INSERT INTO counter (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) "
                         "DO UPDATE SET value = excluded.value, expires = excluded.expires",
                         (key, value, expires))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return value

    def get(self, key: str) -> int:
        row = self.file.conn().execute("SELECT value FROM counter WHERE key = ? AND expires > ?",
                                       (key, time.time())).fetchone()
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        row = self.file.conn().execute("SELECT expires FROM counter WHERE key = ?", (key,)).fetchone()
        return row[0] if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        try:
            self.file.conn().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self.file.conn().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self.file.conn().execute("DELETE FROM counter WHERE key = ?", (key,))


class SqliteStore:
    """Small values with a lifetime (a job's progress, a worker's lease) in a SQLite file."""

    def __init__(self, path: str) -> None:
        self.file = _SqliteFile(path)

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.file.conn().execute(
            "INSERT INTO kv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
            "value = excluded.value, expires = excluded.expires", (key, json.dumps(value), time.time() + ttl))

    def get(self, key: str) -> Any:
        row = self.file.conn().execute("SELECT value FROM kv WHERE key = ? AND expires > ?",
                                       (key, time.time())).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, key: str) -> None:
        self.file.conn().execute("DELETE FROM kv WHERE key = ?", (key,))

    def ping(self) -> bool:
        self.file.conn().execute("SELECT 1")
        return True


class RedisStore:
    def __init__(self, client) -> None:
        self.client = client

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.client.set(key, json.dumps(value), px=max(1, int(ttl * 1000)))

    def get(self, key: str) -> Any:
        raw = self.client.get(key)
        return json.loads(raw) if raw is not None else None

    def delete(self, key: str) -> None:
        self.client.delete(key)

    def ping(self) -> bool:
        return bool(self.client.ping())


def redis_client(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


class Shared:
    """The app's shared store, every key under the app's prefix."""

    def __init__(self, backend, prefix: str) -> None:
        self.backend, self.prefix = backend, prefix

    def set(self, key: str, value: Any, ttl: float) -> None:
        self.backend.set(self.prefix + key, value, ttl)

    def get(self, key: str) -> Any:
        return self.backend.get(self.prefix + key)

    def delete(self, key: str) -> None:
        self.backend.delete(self.prefix + key)

    def ping(self) -> bool:
        return self.backend.ping()


def init_app(app) -> None:
    url = app.config.get("REDIS_URL")
    backend = RedisStore(redis_client(url)) if url else SqliteStore(app.config["SHARED_SQLITE"])
    app.extensions["shared_store"] = Shared(backend, app.config["JOBS_NAME"] + ":")


def store() -> Shared:
    from flask import current_app

    return current_app.extensions["shared_store"]
