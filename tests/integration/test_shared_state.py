"""Login limits hold across workers: two app instances (as two gunicorn workers, or two hosts
with Redis) count failed logins in one place."""
from __future__ import annotations

import uuid

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _restore_limiter():
    """The limiter is one object that the last app initialised takes over: give it back to the
    session's app afterwards (its storage, never the hooks again)."""
    from sponsorship.extensions import limiter

    saved = dict(limiter.__dict__)
    yield
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)


def _apps(app, tmp_path, **extra):
    from sponsorship import create_app

    made = []
    for n in (1, 2):
        made.append(create_app({
            "TESTING": True, "INSTANCE_PATH": str(tmp_path / f"worker{n}"),
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False, "SESSION_COOKIE_SECURE": False,
            "NIK_ENCRYPTION_KEY": app.config["NIK_ENCRYPTION_KEY"], **extra}))
    return made


def _wrong_logins(apps, username: str, attempts: int) -> list[int]:
    statuses = []
    for i in range(attempts):
        client = apps[i % 2].test_client()  # alternate, as a load balancer would
        response = client.post("/login", data={"username": username, "password": "salah-sekali"})
        statuses.append(response.status_code)
    return statuses


def _dispose(apps):
    from sponsorship.extensions import db

    for a in apps:
        with a.app_context():
            db.engine.dispose()


def test_two_workers_of_one_host_share_the_login_limit(app, tmp_path, staff):
    shared = str(tmp_path / "shared.db")  # one host: both workers use the instance's file
    apps = _apps(app, tmp_path, RATELIMIT_STORAGE_URI=f"sqlite:///{shared}")
    try:
        statuses = _wrong_logins(apps, staff.username, 8)
    finally:
        _dispose(apps)
    assert statuses == [401] * 5 + [429] * 3  # LOGIN_LIMIT_PER_ACCOUNT: 5 per 15 minutes, in total


def test_two_hosts_share_the_login_limit_through_redis(app, app_ctx, tmp_path):
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    user = factories.make_user(role="staff", username=f"u{uuid.uuid4().hex[:10]}")  # keys of its own
    apps = _apps(app, tmp_path, REDIS_URL=url, RATELIMIT_STORAGE_URI=url,
                 RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex[:10]}")  # this run's keys only
    try:
        statuses = _wrong_logins(apps, user.username, 8)
    finally:
        _dispose(apps)
    assert statuses == [401] * 5 + [429] * 3
