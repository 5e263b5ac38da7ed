"""Configuration read from the environment (see .env.example)."""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_secret(instance_path: Path, name: str, nbytes: int = 32) -> str:
    """Return a secret kept under instance/, creating it once on first use.

    The embedded default must never ship a hard-coded key, yet must survive restarts
    (sessions, encrypted NIKs) and be shared by every worker on the host.
    """
    instance_path.mkdir(parents=True, exist_ok=True)
    path = instance_path / name
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


class Config:
    """Defaults for a real deployment; everything can be overridden from the environment."""

    def __init__(self, instance_path: Path) -> None:
        env = os.environ
        self.SECRET_KEY = env.get("SECRET_KEY") or instance_secret(instance_path, "secret_key")
        self.SQLALCHEMY_DATABASE_URI = env.get("DATABASE_URL") or (
            f"sqlite:///{instance_path / 'sponsorship.db'}"
        )
        # No ping before each checkout: on PostgreSQL it doubled the round trips of a page.
        # A connection the server dropped fails one request, and SQLAlchemy then replaces the
        # whole pool; DB_PRE_PING=1 buys that request back where connections drop often.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": _flag("DB_PRE_PING", False),
                                          "pool_recycle": 1800}
        self.UPLOAD_DIR = env.get("UPLOAD_DIR") or str(instance_path / "uploads")
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", 60 * 1024 * 1024))

        # Cookies: secure by default; SESSION_COOKIE_SECURE=0 only for plain-http demos.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _flag("SESSION_COOKIE_SECURE", True)
        self.SESSION_COOKIE_NAME = "sponsorship_session"
        # A sign-in lasts SESSION_HOURS (a working day) from when the session last changed (sign-in,
        # a language switch, a message shown), not from every click: the cookie is not signed and
        # sent again on every response.
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=int(env.get("SESSION_HOURS", 8)))
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.REMEMBER_COOKIE_DURATION = timedelta(days=1)
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.REMEMBER_COOKIE_HTTPONLY = True
        self.REMEMBER_COOKIE_SAMESITE = "Lax"
        # total_seconds: timedelta.seconds is 0 for whole days, and 0 would expire every token.
        self.WTF_CSRF_TIME_LIMIT = int(self.PERMANENT_SESSION_LIFETIME.total_seconds())

        # Login throttling; use redis://... when several workers or hosts serve the app.
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = False
        self.LOGIN_LIMIT_PER_ACCOUNT = env.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
        self.LOGIN_LIMIT_PER_ADDRESS = env.get("LOGIN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", 0))

        self.BABEL_DEFAULT_LOCALE = "id"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "sponsorship" / "translations")
        self.LANGUAGES = ("id", "en")

        self.PASSWORD_MIN_LENGTH = int(env.get("PASSWORD_MIN_LENGTH", 10))
        self.PAGE_SIZE = 25
        self.BENCH_ROUTES = _flag("BENCH_ROUTES", False)
        # NIK secrecy (sponsorship/identity): the current key, as an id stored beside each row and a
        # secret (HKDF derives the encryption and the blind-index key from it), and the older keys
        # still read during a rotation, "id:secret,id:secret" (`flask rotate-nik-keys` moves rows
        # off them). Kept outside the database.
        self.NIK_KEY_ID = env.get("NIK_KEY_ID") or "k1"
        self.NIK_ENCRYPTION_KEY = env.get("NIK_ENCRYPTION_KEY") or instance_secret(instance_path, "nik_key")
        self.NIK_PREVIOUS_KEYS = env.get("NIK_PREVIOUS_KEYS", "")
        self.IMPORT_MAX_BYTES = int(env.get("IMPORT_MAX_BYTES", 50 * 1024 * 1024))
