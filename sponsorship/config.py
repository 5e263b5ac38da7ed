"""Configuration: the one place that reads the environment (see .env.example).

`ENVIRONMENT` declares every variable an operator may set, with its type, default and meaning;
`read_environment` parses them all at startup, and a value that does not parse stops the app
with a message naming the variable. `Config` turns the values into Flask's settings.
"""
from __future__ import annotations

import ipaddress
import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration cannot work: raised at startup, or where a missing value is needed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _flag(text: str) -> bool:
    value = text.lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError("expected 1/0, true/false, yes/no or on/off")


def _linkage_backend(text: str) -> str:
    value = text.strip().lower()
    if value not in ("auto", "duckdb", "postgres"):
        raise ValueError("expected auto, duckdb or postgres")
    return value


def _whole(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise ValueError("expected a whole number") from None
        if value < minimum:
            raise ValueError(f"must be at least {minimum}")
        return value

    return parse


def _text(text: str) -> str:
    return text


def _choice(text: str, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise ValueError("expected one of " + ", ".join(allowed))
    return text


def _database_url(text: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(text)
    except (ArgumentError, ValueError):
        raise ValueError("expected a database URL such as postgresql+psycopg://user@host/name") from None
    return text


def _public_url(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("expected an http(s) address such as https://csr.example.go.id")
    if parts.query or parts.fragment:
        raise ValueError("no query or fragment: only the address the app is served at")
    return text.rstrip("/")


def _rate_limit(text: str) -> str:
    from limits import parse_many

    parse_many(text)  # ValueError: "couldn't parse rate limit string ..."
    return text


def _limiter_storage(text: str) -> str:
    from limits.storage import SCHEMES

    import sponsorship.core.shared  # noqa: F401  (registers the sqlite:// storage of one host)

    scheme = text.partition("://")[0]
    if "://" not in text or scheme not in SCHEMES:
        raise ValueError(f"unknown storage {scheme!r}: memory://, redis://host:port/db, "
                         "memcached://host:port ...")
    return text


def _redis_url(text: str) -> str:
    scheme = text.partition("://")[0]
    if "://" not in text or scheme not in ("redis", "rediss", "unix"):
        raise ValueError("expected redis://host:port/db, rediss://... or unix:///path")
    return text


def _addresses(text: str) -> tuple:
    """"127.0.0.1, 10.0.0.0/24" -> networks; an empty list is refused (unset means loopback)."""
    networks = []
    for item in text.split(","):
        item = item.strip()
        if item:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                raise ValueError(f"{item!r} is not an address or network such as 10.0.0.0/24") from None
    if not networks:
        raise ValueError("list at least one address or network")
    return tuple(networks)


@dataclass(frozen=True)
class EnvSetting:
    name: str
    parse: Callable[[str], Any]  # raises ValueError with the reason
    default: Any  # None: worked out at startup, as `doc` says
    doc: str
    secret: bool = False  # never repeated in an error message (keys, URLs with passwords)


MIB = 1024 * 1024
ENVIRONMENT: tuple[EnvSetting, ...] = (
    EnvSetting("SECRET_KEY", _text, None,
               "signs session cookies and CSRF tokens; unset: generated once into instance/", secret=True),
    EnvSetting("DATABASE_URL", _database_url, None,
               "SQLAlchemy URL; unset: SQLite under instance/", secret=True),
    EnvSetting("DB_PRE_PING", _flag, False, "ping each pooled connection before use"),
    EnvSetting("PUBLIC_BASE_URL", _public_url, None,
               "the address QR codes and verification links of documents point to; unset: "
               "issuing documents is refused (outside debug and tests)"),
    EnvSetting("SIGNING_DIR", _text, None,
               "officials' signing certificates (PKCS#12, outside the database); unset: instance/signing"),
    EnvSetting("SIGNING_KEY_PASSWORD", _text, None,
               "encrypts the stored signing keys; unset: generated once into instance/", secret=True),
    EnvSetting("UPLOAD_DIR", _text, None,
               "the storage path: uploads, issued documents, import previews (a volume shared by "
               "every host); unset: instance/uploads"),
    EnvSetting("REDIS_URL", _redis_url, None,
               "Redis for the job queue, rate limits and job progress shared by every worker and "
               "host; unset: SQLite files under instance/ (one host only)", secret=True),
    EnvSetting("MAX_CONTENT_LENGTH", _whole(1), 60 * MIB, "largest request body, in bytes"),
    EnvSetting("IMPORT_MAX_BYTES", _whole(1), 50 * MIB, "largest registry import file, in bytes"),
    EnvSetting("LINKAGE_BACKEND", _linkage_backend, "auto",
               "where record linkage runs: auto (PostgreSQL when the database is, else DuckDB in "
               "process), duckdb or postgres"),
    EnvSetting("SESSION_COOKIE_SECURE", _flag, True, "session cookie only over https"),
    EnvSetting("SESSION_HOURS", _whole(1), 8, "how long a sign-in lasts, in hours"),
    EnvSetting("RATELIMIT_STORAGE_URI", _limiter_storage, None,
               "where login throttling counts; unset: REDIS_URL, else a SQLite file under instance/ "
               "shared by the workers of one host (memory:// is per process: never with 2 workers)",
               secret=True),
    EnvSetting("LOGIN_LIMIT_PER_ACCOUNT", _rate_limit, "5 per 15 minutes", "failed logins per account"),
    EnvSetting("LOGIN_LIMIT_PER_ADDRESS", _rate_limit, "20 per 15 minutes", "failed logins per address"),
    EnvSetting("TRACK_LIMIT", _rate_limit, "10 per 10 minutes", "status look-ups on /track per address"),
    EnvSetting("TRUSTED_PROXIES", _whole(0), 0, "proxies in front of the app whose X-Forwarded-* count"),
    EnvSetting("PASSWORD_MIN_LENGTH", _whole(8), 10, "shortest password accepted"),
    EnvSetting("REDIS_NAMESPACE", _text, "sponsorship",
               "what this installation's keys in Redis begin with (job queue, rate limits, progress): "
               "the same on every host of one installation, another for another installation"),
    EnvSetting("METRICS_ALLOWED", _addresses, None,
               "addresses or networks that may read /metrics; unset: loopback only"),
    EnvSetting("PROMETHEUS_MULTIPROC_DIR", _text, None,
               "an empty directory where every gunicorn worker of a host writes its metrics, so "
               "/metrics adds them up; unset: each process reports its own"),
    EnvSetting("LOG_FORMAT", lambda t: _choice(t, ("json", "text")), "json",
               "json: one JSON object per line (request id, user, route, status, duration)"),
    EnvSetting("BENCH_ROUTES", _flag, False, "the /bench/ routes of bench/pages.py (never in production)"),
    EnvSetting("NIK_KEY_ID", _text, "k1",
               "id of the current NIK key, stored beside every encrypted NIK"),
    EnvSetting("NIK_ENCRYPTION_KEY", _text, None,
               "secret of the current NIK key; unset: generated once into instance/", secret=True),
    EnvSetting("NIK_PREVIOUS_KEYS", _text, "",
               "older NIK keys still read during a rotation, as id:secret,id:secret", secret=True),
)


def read_environment(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Every declared variable, parsed; unset or empty gives the default. All errors at once."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    errors = []
    for setting in ENVIRONMENT:
        raw = (environ.get(setting.name) or "").strip()
        if not raw:
            values[setting.name] = setting.default
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            shown = "(value not shown)" if setting.secret else repr(raw)
            errors.append(f"{setting.name}={shown}: {exc}")
    if errors:
        raise ConfigError("invalid configuration in the environment (see .env.example):\n  "
                          + "\n  ".join(errors))
    return values


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or address, maybe with a port) is this machine."""
    name = urlsplit(f"//{host}").hostname or ""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


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
    """Flask's settings from `read_environment()`, plus the fixed ones."""

    def __init__(self, instance_path: Path) -> None:
        v = read_environment()
        self.SECRET_KEY = v["SECRET_KEY"] or instance_secret(instance_path, "secret_key")
        self.SQLALCHEMY_DATABASE_URI = v["DATABASE_URL"] or f"sqlite:///{instance_path / 'sponsorship.db'}"
        # No ping before each checkout: on PostgreSQL it doubled the round trips of a page.
        # A connection the server dropped fails one request, and SQLAlchemy then replaces the
        # whole pool; DB_PRE_PING=1 buys that request back where connections drop often.
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": v["DB_PRE_PING"], "pool_recycle": 1800}
        self.PUBLIC_BASE_URL = v["PUBLIC_BASE_URL"]  # see documents.render.public_base_url
        self.UPLOAD_DIR = v["UPLOAD_DIR"] or str(instance_path / "uploads")
        # Digital signatures (documents/signing.py): each official's PKCS#12 lives in SIGNING_DIR,
        # encrypted with SIGNING_KEY_PASSWORD; neither the key nor its password is in the database.
        self.SIGNING_DIR = v["SIGNING_DIR"] or str(instance_path / "signing")
        self.SIGNING_KEY_PASSWORD = (v["SIGNING_KEY_PASSWORD"]
                                     or instance_secret(instance_path, "signing_key_password"))
        self.DOCUMENT_DIR = None  # None: <UPLOAD_DIR>/documents
        self.MAX_CONTENT_LENGTH = v["MAX_CONTENT_LENGTH"]

        # Cookies: secure by default; SESSION_COOKIE_SECURE=0 only for plain-http demos.
        # No "remember me" (login_user is never asked to remember), so no REMEMBER_COOKIE_*.
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = v["SESSION_COOKIE_SECURE"]
        self.SESSION_COOKIE_NAME = "sponsorship_session"
        # A sign-in lasts SESSION_HOURS (a working day) from when the session last changed (sign-in,
        # a language switch, a message shown), not from every click: the cookie is not signed and
        # sent again on every response.
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=v["SESSION_HOURS"])
        self.SESSION_REFRESH_EACH_REQUEST = False
        # total_seconds: timedelta.seconds is 0 for whole days, and 0 would expire every token.
        self.WTF_CSRF_TIME_LIMIT = int(self.PERMANENT_SESSION_LIFETIME.total_seconds())

        # Shared state (sponsorship/core/shared.py): Redis when several hosts serve the app; the
        # embedded default keeps it in SQLite files under instance/, shared by one host's workers.
        self.REDIS_URL = v["REDIS_URL"]
        self.SHARED_SQLITE = str(instance_path / "shared.db")
        self.JOBS_SQLITE = str(instance_path / "jobs-queue.db")
        self.JOBS_IMMEDIATE = False  # tests: a job runs at its request's commit, in that process
        self.JOBS_NAME = v["REDIS_NAMESPACE"]
        self.METRICS_ALLOWED = v["METRICS_ALLOWED"]
        self.LOG_FORMAT = v["LOG_FORMAT"]
        self.PROMETHEUS_MULTIPROC_DIR = v["PROMETHEUS_MULTIPROC_DIR"]
        # Login throttling counts, shared by every worker (and host, with Redis). If the store
        # stops answering, each process counts in memory until it is back, rather than failing
        # every sign-in; the readiness check reports the store as down meanwhile.
        self.RATELIMIT_STORAGE_URI = (v["RATELIMIT_STORAGE_URI"] or v["REDIS_URL"]
                                      or f"sqlite:///{self.SHARED_SQLITE}")
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.RATELIMIT_KEY_PREFIX = v["REDIS_NAMESPACE"]
        self.RATELIMIT_HEADERS_ENABLED = False
        self.LOGIN_LIMIT_PER_ACCOUNT = v["LOGIN_LIMIT_PER_ACCOUNT"]
        self.LOGIN_LIMIT_PER_ADDRESS = v["LOGIN_LIMIT_PER_ADDRESS"]
        self.TRACK_LIMIT = v["TRACK_LIMIT"]
        self.TRUSTED_PROXIES = v["TRUSTED_PROXIES"]

        self.BABEL_DEFAULT_LOCALE = "id"
        self.BABEL_DEFAULT_TIMEZONE = "Asia/Jakarta"
        self.BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "sponsorship" / "translations")
        self.LANGUAGES = ("id", "en")

        self.PASSWORD_MIN_LENGTH = v["PASSWORD_MIN_LENGTH"]
        self.PAGE_SIZE = 25
        self.BENCH_ROUTES = v["BENCH_ROUTES"]
        # NIK secrecy (sponsorship/identity): the current key, as an id stored beside each row and a
        # secret (HKDF derives the encryption and the blind-index key from it), and the older keys
        # still read during a rotation (`flask rotate-nik-keys` moves rows off them).
        self.NIK_KEY_ID = v["NIK_KEY_ID"]
        self.NIK_ENCRYPTION_KEY = v["NIK_ENCRYPTION_KEY"] or instance_secret(instance_path, "nik_key")
        self.NIK_PREVIOUS_KEYS = v["NIK_PREVIOUS_KEYS"]
        self.IMPORT_MAX_BYTES = v["IMPORT_MAX_BYTES"]
        self.LINKAGE_BACKEND = v["LINKAGE_BACKEND"]
