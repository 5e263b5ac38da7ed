"""The admin installs an official's signing certificate (PKCS#12): checked, stored outside the
database, audited; the password is used once and never kept; the demo gets test certificates."""
from __future__ import annotations

import io
import os
import stat

from sponsorship.extensions import db
from tests.pages import get_page

PASSWORD = "rahasia-p12"


def p12(common_name: str = "Dr. H. Wali Kota", password: str = PASSWORD) -> bytes:
    from sponsorship.documents import signing

    return signing.make_test_pkcs12(common_name, "Pemerintah Kota Pangkalpinang", password.encode())


def post_certificate(client, data: bytes, password: str = PASSWORD, official: str = "mayor"):
    return client.post("/admin/signing/", data={"official": official, "password": password,
                                                "file": (io.BytesIO(data), "walikota.p12")},
                       content_type="multipart/form-data")


def test_admin_installs_a_certificate_and_sees_who_it_names(app, login, admin):
    from sponsorship.audit.models import AuditEvent
    from sponsorship.documents import signing

    client = login(admin)
    page = get_page(client, "/admin/signing/")
    assert page.select_one("[data-testid=certificate-mayor] [data-testid=certificate-missing]")
    response = post_certificate(client, p12())
    assert response.status_code == 302
    page = get_page(client, "/admin/signing/")
    mayor = page.select_one("[data-testid=certificate-mayor]")
    assert "CN=Dr. H. Wali Kota" in mayor.select_one("[data-testid=certificate-subject]").text
    assert mayor.select_one("[data-testid=certificate-test]")  # self-signed: said so
    assert "Perjanjian Kerja Sama" in mayor.text  # which kinds this official signs
    event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "signing:install"))
    assert event.actor_id == admin.id and "Dr. H. Wali Kota" in event.changes["subject"][1]
    # The key lives in SIGNING_DIR, private to the app, encrypted with SIGNING_KEY_PASSWORD; the
    # upload's password is nowhere: not in the audit trail, not in the file's own encryption.
    path = signing.signing_dir() / "mayor.p12"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert PASSWORD not in str(event.changes) and PASSWORD not in (event.note or "")
    from cryptography.hazmat.primitives.serialization import pkcs12

    key, cert, _chain = pkcs12.load_key_and_certificates(path.read_bytes(),
                                                         app.config["SIGNING_KEY_PASSWORD"].encode())
    assert key is not None and signing.installed("mayor").common_name == "Dr. H. Wali Kota"


def test_a_wrong_password_or_a_file_that_is_not_pkcs12_is_refused_beside_the_field(app, login, admin):
    from sponsorship.documents import signing

    client = login(admin)
    for data, password in ((p12(), "salah"), (b"%PDF-1.7 not a certificate", PASSWORD)):
        response = post_certificate(client, data, password)
        assert response.status_code == 422
        assert "bukan PKCS#12 (.p12/.pfx) atau kata sandinya salah" in response.get_data(as_text=True)
    assert signing.installed("mayor") is None


def test_only_rsa_keys_are_accepted(app, login, admin):
    """An ECDSA signature makes pyHanko mark the file PDF 2.0, which PDF/A-3 is not."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EC")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=9))
            .sign(key, hashes.SHA256()))
    data = pkcs12.serialize_key_and_certificates(b"ec", key, cert, None, BestAvailableEncryption(b"pw"))
    response = post_certificate(login(admin), data, "pw")
    assert response.status_code == 422 and "hanya RSA" in response.get_data(as_text=True)


def test_staff_may_not_install_a_certificate(app, login, staff):
    assert post_certificate(login(staff), p12()).status_code == 403


def test_the_demo_signs_its_agreement_with_a_test_certificate_and_verify_says_so(app):
    from sponsorship.documents.models import Document

    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        document = db.session.scalar(db.select(Document).where(Document.kind == "agreement").limit(1))
        assert document.signer_name
        token = document.token
    page = get_page(app.test_client(), f"/verify/{token}")
    assert page.select_one("[data-testid=verify-signature]")["data-valid"] == "yes"
    assert "Sertifikat uji" in page.select_one("[data-testid=signature-test]").text
