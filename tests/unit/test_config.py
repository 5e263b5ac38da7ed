"""Configuration from the environment: one declared table, typed values, clear startup errors."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sponsorship.config import ENVIRONMENT, ROOT, Config, ConfigError, is_loopback, read_environment


@pytest.fixture
def clean_env(monkeypatch):
    for setting in ENVIRONMENT:
        monkeypatch.delenv(setting.name, raising=False)
    return monkeypatch


def test_unset_gives_every_default(clean_env):
    values = read_environment()
    assert values == {s.name: s.default for s in ENVIRONMENT}
    assert values["SESSION_COOKIE_SECURE"] is True and values["TRUSTED_PROXIES"] == 0


def test_typed_values_are_parsed(clean_env, tmp_path):
    clean_env.setenv("TRUSTED_PROXIES", " 2 ")
    clean_env.setenv("SESSION_COOKIE_SECURE", "off")
    clean_env.setenv("DB_PRE_PING", "yes")
    clean_env.setenv("SESSION_HOURS", "24")
    clean_env.setenv("PUBLIC_BASE_URL", "https://csr.pangkalpinang.go.id/")
    clean_env.setenv("TRACK_LIMIT", "3 per minute")
    clean_env.setenv("MAX_CONTENT_LENGTH", "")  # empty is unset
    config = Config(tmp_path)
    assert config.TRUSTED_PROXIES == 2
    assert config.SESSION_COOKIE_SECURE is False
    assert config.SQLALCHEMY_ENGINE_OPTIONS["pool_pre_ping"] is True
    assert config.PERMANENT_SESSION_LIFETIME == timedelta(hours=24)
    assert config.PUBLIC_BASE_URL == "https://csr.pangkalpinang.go.id"
    assert config.TRACK_LIMIT == "3 per minute"
    assert config.MAX_CONTENT_LENGTH == 60 * 1024 * 1024


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("TRUSTED_PROXIES", "two", "expected a whole number"),
    ("TRUSTED_PROXIES", "-1", "must be at least 0"),
    ("SESSION_COOKIE_SECURE", "flase", "expected 1/0, true/false"),
    ("SESSION_HOURS", "0", "must be at least 1"),
    ("PUBLIC_BASE_URL", "csr.pangkalpinang.go.id", "expected an http(s) address"),
    ("PUBLIC_BASE_URL", "https://csr.example/?x=1", "no query or fragment"),
    ("RATELIMIT_STORAGE_URI", "mem://", "unknown storage 'mem'"),
    ("LOGIN_LIMIT_PER_ACCOUNT", "five a day", "couldn't parse rate limit"),
    ("DATABASE_URL", "not a url", "expected a database URL"),
])
def test_an_invalid_value_stops_the_start_naming_the_variable(clean_env, tmp_path, name, value, reason):
    from sponsorship import create_app

    clean_env.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        create_app({"INSTANCE_PATH": str(tmp_path), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    message = str(caught.value)
    assert f"{name}=" in message and reason in message and ".env.example" in message


def test_every_bad_value_is_reported_at_once_and_secrets_are_not_repeated(clean_env):
    clean_env.setenv("TRUSTED_PROXIES", "x")
    clean_env.setenv("DATABASE_URL", "postgresql+psycopg://user:pa55word@host:port/db")
    with pytest.raises(ConfigError) as caught:
        read_environment()
    message = str(caught.value)
    assert "TRUSTED_PROXIES='x'" in message and "DATABASE_URL=(value not shown)" in message
    assert "pa55word" not in message


def test_env_example_documents_every_variable_the_code_reads():
    documented = set(re.findall(r"^# ([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert documented == {s.name for s in ENVIRONMENT}


def test_only_the_configuration_reads_the_environment():
    readers = [path.relative_to(ROOT) for path in (ROOT / "sponsorship").rglob("*.py")
               if re.search(r"os\.environ|os\.getenv|getenv\(", path.read_text())]
    assert {str(p) for p in readers} == {"sponsorship/config.py"}


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1:5000", True), ("localhost", True), ("[::1]:8000", True), ("127.1.2.3", True),
    ("csr.pangkalpinang.go.id", False), ("10.0.0.5:80", False),
])
def test_loopback_hosts(host, loopback):
    assert is_loopback(host) is loopback
