"""Accounts: creating users, passwords, sign-in and ending sessions."""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import make_transient_to_detached
from werkzeug.security import check_password_hash, generate_password_hash

from sponsorship.audit import service as audit
from sponsorship.auth.models import ROLES, SPONSOR, User
from sponsorship.core.errors import DomainError
from sponsorship.core.models import utcnow
from sponsorship.extensions import db

# A hash to compare against when the username is unknown, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("not-a-real-password-xyz", method="scrypt")


def hash_password(password: str) -> str:
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise DomainError(
            _l("Kata sandi minimal %(n)s karakter.", n=minimum), field="password"
        )
    return generate_password_hash(password, method="scrypt")


def find_user(username: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.username == username.strip().lower()))


def authenticate(username: str, password: str) -> User | None:
    """The user if the password matches and the account is active; None otherwise."""
    user = find_user(username or "")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


# The signed-in user's row is read on every request, so a deactivation or a new session version
# takes effect at once in every worker. Building the ORM object from that row is what costs
# (about twice the query); while the row is unchanged, this process merges a detached copy
# built from it earlier instead. Keyed on the whole row, so it can never be stale.
_USER_ROW = select(*User.__table__.columns).where(User.__table__.c.id == bindparam("id"))
_built_users: dict[int, tuple[tuple, User]] = {}


def load_session_user(token: str) -> User | None:
    """Flask-Login loader: 'id:version' must match the user's current session version."""
    user_id, _, version = (token or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    row = db.session.execute(_USER_ROW, {"id": int(user_id)}).one_or_none()
    if row is None or not row.active or row.session_version != int(version):
        return None
    loaded = db.session.identity_map.get(db.session.identity_key(User, row.id))
    if loaded is not None:  # this request already has the user (with its own pending changes)
        return loaded
    built = _built_users.get(row.id)
    if built is None or built[0] != tuple(row):
        template = User(**row._mapping)
        make_transient_to_detached(template)  # as if loaded; never attached to a session itself
        if len(_built_users) > 1000:
            _built_users.clear()
        built = _built_users[row.id] = (tuple(row), template)
    return db.session.merge(built[1], load=False)


def end_sessions(user: User) -> None:
    """Invalidate every cookie issued to this user so far."""
    user.session_version += 1


def _check_role_and_sponsor(role: str, sponsor_id: int | None) -> None:
    if role not in ROLES:
        raise DomainError(_l("Peran tidak dikenal."), field="role")
    if role == SPONSOR and not sponsor_id:
        raise DomainError(_l("Pengguna sponsor harus ditautkan ke perusahaan."), field="sponsor_id")
    if role != SPONSOR and sponsor_id:
        raise DomainError(_l("Hanya pengguna sponsor yang ditautkan ke perusahaan."), field="sponsor_id")


def create_user(
    *,
    actor,
    username: str,
    full_name: str,
    role: str,
    password: str,
    email: str | None = None,
    sponsor_id: int | None = None,
    is_company_admin: bool = False,
) -> User:
    username = (username or "").strip().lower()
    if not username:
        raise DomainError(_l("Nama pengguna wajib diisi."), field="username")
    if find_user(username) is not None:
        raise DomainError(_l("Nama pengguna sudah dipakai."), field="username")
    _check_role_and_sponsor(role, sponsor_id)
    user = User(
        username=username,
        full_name=full_name.strip(),
        email=(email or "").strip() or None,
        role=role,
        sponsor_id=sponsor_id if role == SPONSOR else None,
        is_company_admin=bool(is_company_admin) and role == SPONSOR,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    audit.record_create(user, actor=actor)
    return user


def update_user(
    user: User,
    *,
    actor,
    full_name: str,
    email: str | None,
    role: str,
    sponsor_id: int | None,
    is_company_admin: bool = False,
) -> User:
    _check_role_and_sponsor(role, sponsor_id)
    role_changed = user.role != role or user.sponsor_id != (sponsor_id if role == SPONSOR else None)
    user.full_name = full_name.strip()
    user.email = (email or "").strip() or None
    user.role = role
    user.sponsor_id = sponsor_id if role == SPONSOR else None
    user.is_company_admin = bool(is_company_admin) and role == SPONSOR
    if role_changed:
        end_sessions(user)  # a new role must start from a fresh sign-in
    audit.record_update(user, actor=actor)
    return user


def set_active(user: User, *, actor, active: bool) -> User:
    if user.id == getattr(actor, "id", None) and not active:
        raise DomainError(_l("Anda tidak dapat menonaktifkan akun Anda sendiri."))
    if user.active == active:
        return user
    user.active = active
    end_sessions(user)
    audit.record(
        actor=actor,
        action="activate" if active else "deactivate",
        obj=user,
        changes={"active": [not active, active]},
    )
    return user


def set_password(user: User, *, actor, password: str) -> User:
    user.password_hash = hash_password(password)
    end_sessions(user)
    audit.record(actor=actor, action="password_change", obj=user)
    return user
