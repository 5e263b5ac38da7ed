"""Accounts: password hashing, minimum length, roles, and session versions."""
import pytest

from sponsorship.auth import service
from sponsorship.core.errors import DomainError
from tests import factories


def test_passwords_are_hashed_with_scrypt(db_session):
    user = factories.make_user(role="staff", username="Staf.Satu", password="kata-sandi-panjang")
    assert user.username == "staf.satu"
    assert user.password_hash.startswith("scrypt:")
    assert "kata-sandi-panjang" not in user.password_hash
    assert service.authenticate("STAF.SATU ", "kata-sandi-panjang") == user
    assert service.authenticate("staf.satu", "kata-sandi-salah") is None
    assert service.authenticate("tidak-ada", "kata-sandi-panjang") is None


def test_password_minimum_length(app, db_session):
    short = "x" * (app.config["PASSWORD_MIN_LENGTH"] - 1)
    with pytest.raises(DomainError) as err:
        factories.make_user(role="staff", password=short)
    assert err.value.field == "password"


def test_inactive_user_cannot_authenticate(db_session, admin, staff):
    service.set_active(staff, actor=admin, active=False)
    db_session.commit()
    assert service.authenticate(staff.username, factories.DEFAULT_PASSWORD) is None


@pytest.mark.parametrize(("role", "with_company", "field"), [
    ("sponsor", False, "sponsor_id"),
    ("staff", True, "sponsor_id"),
    ("superuser", False, "role"),
])
def test_role_and_company_must_agree(db_session, company_a, role, with_company, field):
    with pytest.raises(DomainError) as err:
        service.create_user(actor=None, username="x1", full_name="X", role=role,
                            password=factories.DEFAULT_PASSWORD,
                            sponsor_id=company_a.id if with_company else None)
    assert err.value.field == field


def test_duplicate_username_is_refused(db_session, staff):
    with pytest.raises(DomainError) as err:
        factories.make_user(role="staff", username=staff.username.upper())
    assert err.value.field == "username"


def _token(user):
    return user.get_id()


def test_session_version_ends_old_sessions(db_session, admin, staff):
    token = _token(staff)
    assert service.load_session_user(token) == staff
    service.set_password(staff, actor=admin, password="kata-sandi-baru-123")
    db_session.commit()
    assert service.load_session_user(token) is None
    assert service.load_session_user(_token(staff)) == staff

    token = _token(staff)
    service.set_active(staff, actor=admin, active=False)
    db_session.commit()
    assert service.load_session_user(token) is None
    assert service.load_session_user(_token(staff)) is None  # inactive: no token works


def test_role_change_ends_sessions_but_a_name_change_does_not(db_session, admin, staff):
    token = _token(staff)
    service.update_user(staff, actor=admin, full_name="Nama Baru", email=None, role="staff",
                        sponsor_id=None)
    db_session.commit()
    assert service.load_session_user(token) == staff
    service.update_user(staff, actor=admin, full_name="Nama Baru", email=None, role="verifier",
                        sponsor_id=None)
    db_session.commit()
    assert service.load_session_user(token) is None


@pytest.mark.parametrize("token", ["", "abc", "1", "1:", ":1", "1:x", "999999:1"])
def test_malformed_tokens_load_nobody(db_session, token):
    assert service.load_session_user(token) is None


def test_admin_cannot_deactivate_themselves(db_session, admin):
    with pytest.raises(DomainError):
        service.set_active(admin, actor=admin, active=False)


def test_production_hashes_use_full_scrypt_parameters(app_ctx, monkeypatch):
    import werkzeug.security

    monkeypatch.setattr(service, "generate_password_hash", werkzeug.security.generate_password_hash)
    hashed = service.hash_password("kata-sandi-panjang")
    assert hashed.startswith("scrypt:32768:8:1$")
    assert werkzeug.security.check_password_hash(hashed, "kata-sandi-panjang")
