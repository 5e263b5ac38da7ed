"""Electronic signatures of issued documents: PAdES (pyHanko) with the officials' certificates.

An admin installs each official's certificate and key as a password-protected PKCS#12 file
(/admin/signing/). The file is checked (key matches certificate, valid now, usable for
signing), re-encrypted with SIGNING_KEY_PASSWORD and kept in SIGNING_DIR: never in the
database, and the password given at install is used once and forgotten. Every certificate
ever installed is also kept, public part only, in SIGNING_DIR/trusted/: these are the trust
roots the validator uses, so documents signed before a replacement still validate, and a
certificate from the national certification authority (with its chain in the PKCS#12) is
installed the same way, without code changes.

Which kinds are signed, and by whom, is declared in `models.SIGNATURES`. A document of such a
kind is rendered with a stamp where its official signs (templates/documents/_signatures.html)
and signed over exactly that box as a PAdES baseline B-B signature (no time-stamp authority:
the app has no network), added as an incremental update so the PDF/A file stays PDF/A. The
signed bytes are the bytes stored, hashed and served.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from sponsorship.core.errors import DomainError
from sponsorship.core.ledger import Ledger
from sponsorship.documents.models import SIGNATURES
from sponsorship.settings.service import get_setting

log = logging.getLogger(__name__)

# Certificate slots: official -> (label, setting of the name, setting of the title).
OFFICIALS: dict[str, tuple] = {
    "mayor": (_l("Kepala daerah"), "mayor_name", "mayor_title"),
    "secretary": (_l("Sekretaris Daerah"), "secretary_name", "secretary_title"),
}
FIELD_NAME = "TandaTanganElektronik"
MAX_PKCS12_BYTES = 256 * 1024
PKCS12_SUFFIX = ".p12"


@dataclass(frozen=True)
class CertificateInfo:
    """What a person needs to know about a certificate (nothing secret)."""

    subject: str  # RFC 4514 string
    common_name: str
    issuer: str
    issuer_common_name: str
    not_before: datetime
    not_after: datetime
    sha256: str  # of the DER certificate
    serial: str
    self_signed: bool

    @property
    def test(self) -> bool:
        """A self-signed certificate vouches only for itself: a test, not a certified signature."""
        return self.self_signed

    def valid_at(self, when: datetime) -> bool:
        return self.not_before <= when <= self.not_after


def describe(certificate) -> CertificateInfo:
    """`certificate`: a cryptography x509.Certificate."""
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    def cn(name) -> str:
        values = name.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(values[0].value) if values else name.rfc4514_string()

    return CertificateInfo(
        subject=certificate.subject.rfc4514_string(), common_name=cn(certificate.subject),
        issuer=certificate.issuer.rfc4514_string(), issuer_common_name=cn(certificate.issuer),
        not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc,
        sha256=hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest(),
        serial=format(certificate.serial_number, "x"),
        self_signed=certificate.issuer == certificate.subject)


# --- where the files live ------------------------------------------------------------------

def signing_dir() -> Path:
    path = Path(current_app.config["SIGNING_DIR"]).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    (path / "trusted").mkdir(exist_ok=True, mode=0o700)
    return path


def _key_password() -> bytes:
    return current_app.config["SIGNING_KEY_PASSWORD"].encode()


def _pkcs12_path(official: str) -> Path:
    if official not in OFFICIALS:
        raise KeyError(official)
    return signing_dir() / f"{official}{PKCS12_SUFFIX}"


# Loaded keys per process, keyed on the file's identity: decrypting a PKCS#12 costs tens of
# milliseconds (its key derivation), so a worker does it once per installed file.
_loaded: dict[tuple, tuple] = {}
_loaded_lock = threading.Lock()


def _load(official: str):
    """(private key, certificate, chain, info) of the installed file, or None."""
    path = _pkcs12_path(official)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    with _loaded_lock:
        if key in _loaded:
            return _loaded[key]
    from cryptography.hazmat.primitives.serialization import pkcs12

    private_key, certificate, chain = pkcs12.load_key_and_certificates(path.read_bytes(), _key_password())
    loaded = (private_key, certificate, list(chain or []), describe(certificate))
    with _loaded_lock:
        for old in [k for k in _loaded if k[0] == key[0]]:
            del _loaded[old]
        _loaded[key] = loaded
    return loaded


def installed(official: str) -> CertificateInfo | None:
    loaded = _load(official)
    return loaded[3] if loaded else None


# --- installing ----------------------------------------------------------------------------

def _promote(moves: list) -> None:
    for source, target in moves:
        os.replace(source, target)


def _discard(moves: list) -> None:
    for source, _target in moves:
        Path(source).unlink(missing_ok=True)


# An install writes a new file beside the old one; the commit that audits it puts it in place,
# a rollback removes it: the installed certificate always has its audit event.
_installs = Ledger("signing-installs", on_commit=_promote, on_discard=_discard)


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def read_pkcs12(data: bytes, password: str):
    """(key, certificate, chain) of an uploaded PKCS#12, or DomainError saying what is wrong."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509 import ExtensionNotFound, KeyUsage

    if not data or len(data) > MAX_PKCS12_BYTES:
        raise DomainError(_l("Berkas sertifikat kosong atau terlalu besar."), field="file")
    if not password:
        raise DomainError(_l("Kata sandi berkas sertifikat wajib diisi."), field="password")
    try:
        key, certificate, chain = pkcs12.load_key_and_certificates(data, password.encode())
    except ValueError:
        # Wrong password and a file that is not PKCS#12 look the same to the parser.
        raise DomainError(_l("Berkas bukan PKCS#12 (.p12/.pfx) atau kata sandinya salah."),
                          field="file") from None
    if key is None or certificate is None:
        raise DomainError(_l("Berkas PKCS#12 harus memuat kunci privat dan sertifikatnya."), field="file")
    # RSA only: pyHanko marks an ECDSA-signed file as PDF 2.0 (ISO 32002), which PDF/A-3 is not.
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise DomainError(_l("Jenis kunci tidak didukung: hanya RSA 2048 bit atau lebih."), field="file")
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    def spki(public_key) -> bytes:
        return public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)

    if spki(key.public_key()) != spki(certificate.public_key()):
        raise DomainError(_l("Kunci privat tidak cocok dengan sertifikatnya."), field="file")
    now = datetime.now(UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise DomainError(_l("Sertifikat tidak berlaku saat ini (lihat masa berlakunya)."), field="file")
    try:
        usage = certificate.extensions.get_extension_for_class(KeyUsage).value
    except ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise DomainError(_l("Sertifikat ini tidak boleh dipakai untuk tanda tangan."), field="file")
    return key, certificate, list(chain or [])


def install(official: str, data: bytes, password: str, *, actor) -> CertificateInfo:
    """Install (or replace) `official`'s certificate; audited; in place when the caller commits."""
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, Encoding, pkcs12

    from sponsorship import policy
    from sponsorship.audit import service as audit
    from sponsorship.extensions import db

    policy.authorise("admin.settings", None, user=actor)
    if official not in OFFICIALS:
        raise DomainError(_l("Pejabat tidak dikenal."), field="official")
    key, certificate, chain = read_pkcs12(data, password)
    info = describe(certificate)
    stored = pkcs12.serialize_key_and_certificates(
        official.encode(), key, certificate, chain or None, BestAvailableEncryption(_key_password()))
    root = signing_dir()
    pending = root / f".{official}-{uuid.uuid4().hex}{PKCS12_SUFFIX}"
    _write_private(pending, stored)
    _installs.add(db.session(), (pending, _pkcs12_path(official)))
    for cert in [certificate, *chain]:  # trust roots: kept for every certificate ever installed
        der = cert.public_bytes(Encoding.DER)
        trusted = root / "trusted" / f"{hashlib.sha256(der).hexdigest()}.der"
        if not trusted.exists():
            pending_trust = root / "trusted" / f".{uuid.uuid4().hex}.der"
            _write_private(pending_trust, der)
            _installs.add(db.session(), (pending_trust, trusted))
    previous = installed(official)
    audit.record(actor=actor, action="signing:install", object_type="signing_certificate",
                 changes={"official": [None, official],
                          "subject": [previous.subject if previous else None, info.subject],
                          "issuer": [previous.issuer if previous else None, info.issuer],
                          "sha256": [previous.sha256 if previous else None, info.sha256],
                          "not_after": [None, info.not_after.isoformat()]},
                 note=str(OFFICIALS[official][0]))
    return info


def make_test_pkcs12(common_name: str, organisation: str, password: bytes, *, days: int = 3650) -> bytes:
    """A self-signed certificate and key as PKCS#12: for the demo and tests, never for real use."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "SERTIFIKAT UJI - bukan untuk dokumen resmi"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
    ])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(common_name.encode()[:64], key, certificate, None,
                                                 BestAvailableEncryption(password))


def install_test_certificate(official: str, *, actor) -> CertificateInfo:
    label, name_key, _title_key = OFFICIALS[official]
    name = get_setting(name_key)
    if not name or name.startswith("["):
        name = f"{label} {get_setting('city_short')}"
    password = uuid.uuid4().hex
    data = make_test_pkcs12(str(name), get_setting("city_name"), password.encode())
    return install(official, data, password, actor=actor)


def seed_demo(context: dict) -> dict:
    """Demo step: a self-signed test certificate for every official that has none (said on /verify)."""
    from sponsorship.auth.models import ADMIN, User
    from sponsorship.extensions import db

    admin = db.session.scalar(db.select(User).where(User.role == ADMIN).order_by(User.id).limit(1))
    for official in OFFICIALS:
        if installed(official) is None:
            install_test_certificate(official, actor=admin)
    return {}


# --- signing -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Plan:
    """A signature to apply: who, with which certificate, and the stamp the template prints."""

    official: str
    info: CertificateInfo
    stamp: dict = field(hash=False)


def plan(kind: str, context: dict, *, when: datetime) -> Plan | None:
    """The signature a document of `kind` with `context` gets, or None when its kind is unsigned.

    A signed kind whose official has no certificate installed is refused (an unsigned PKS is not
    what the city promised), except in tests, which issue such kinds without installing one.
    """
    rule = SIGNATURES.get(kind)
    if rule is None or (rule.when is not None and not rule.when(context)):
        return None
    info = installed(rule.official)
    label, _name_key, title_key = OFFICIALS[rule.official]
    if info is None:
        if current_app.testing:
            return None
        raise DomainError(_l("Dokumen ini ditandatangani secara elektronik oleh %(who)s, tetapi "
                             "sertifikat tanda tangannya belum dipasang: administrator memasangnya di "
                             "Pengaturan, Sertifikat tanda tangan.", who=label))
    if not info.valid_at(when):
        raise DomainError(_l("Sertifikat tanda tangan %(who)s tidak berlaku lagi (sampai %(until)s): "
                             "administrator memasang yang baru.", who=label,
                             until=info.not_after.date().isoformat()))
    stamp = {"official": rule.official, "name": info.common_name, "title": get_setting(title_key),
             "issuer": info.issuer_common_name, "test": info.test, "when": when}
    return Plan(official=rule.official, info=info, stamp=stamp)


def sign(pdf: bytes, the_plan: Plan, *, box: tuple[int, tuple] | None) -> bytes:
    """`pdf` with a PAdES B-B signature of `the_plan`'s official, appended as an incremental update.

    `box` (page index, rectangle in points) is where the template printed the stamp: the
    signature's widget covers it, so a viewer shows the signature there. Without one (a
    template with no stamp place), the signature is invisible but as valid.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    loaded = _load(the_plan.official)
    if loaded is None:  # removed between plan and sign
        raise DomainError(_l("Sertifikat tanda tangan tidak ditemukan."))
    signer, reserved = _pyhanko_signer(loaded)
    label, _name_key, _title_key = OFFICIALS[the_plan.official]
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES,
        reason=f"Ditandatangani secara elektronik oleh {label}", location=get_setting("city_short"))
    spec = None
    if box is not None:
        page, rect = box
        spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page, box=tuple(rect))
    # The stamp's text is in the page itself (tagged, fonts embedded: PDF/A); the widget's own
    # appearance is empty, so it adds no font the file would have to embed.
    pdf_signer = signers.PdfSigner(meta, signer=signer, new_field_spec=spec,
                                   stamp_style=StaticStampStyle(border_width=0, background=None))
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    _same_producer_in_info_and_xmp(writer)
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out, bytes_reserved=reserved)
    return out.getvalue()


def _same_producer_in_info_and_xmp(writer) -> None:
    """PDF/A: the Info dictionary must say what the XMP metadata says. pyHanko rewrites the XMP
    producer as itself but appends itself to the Info producer; giving Info its name first makes
    both the same."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    try:
        info_ref = writer.trailer.raw_get("/Info")
    except KeyError:
        return
    info = info_ref.get_object()
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.mark_update(info_ref)


_signers: dict[str, tuple] = {}


def _pyhanko_signer(loaded):
    """(pyHanko signer, bytes to reserve for its signature) of a loaded certificate, per process.

    Two costs kept out of each signature: pyHanko's SimpleSigner parses the private key again
    for every raw signature (tens of ms for RSA), and without `bytes_reserved` it signs a dummy
    first to size the placeholder. The key object is parsed once here, and the size comes from
    the certificates the signature carries.
    """
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    private_key, certificate, chain, info = loaded
    cached = _signers.get(info.sha256)
    if cached is not None:
        return cached

    class ParsedKeySigner(signers.SimpleSigner):
        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
            if mechanism.signature_algo == "rsassa_pkcs1v15" and digest_algorithm == "sha256":
                return private_key.sign(data, PKCS1v15(), hashes.SHA256())
            return super().sign_raw(data, digest_algorithm)

    key_der = private_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
    certs_der = [c.public_bytes(Encoding.DER) for c in [certificate, *chain]]
    signer = ParsedKeySigner(
        signing_cert=asn1_x509.Certificate.load(certs_der[0]),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(der) for der in certs_der[1:]]))
    # The CMS container: the certificates, the signature value, signed attributes (with the
    # signing certificate's hash and the time), hex-encoded in the file (pyHanko counts hex
    # digits), half as much again for safety.
    reserved = 2 * (sum(len(d) for d in certs_der) + private_key.key_size // 8 + 1024) * 3 // 2
    _signers.clear()  # one entry per installed certificate at most; a replacement drops the old
    _signers[info.sha256] = (signer, reserved)
    return signer, reserved


# --- validating ----------------------------------------------------------------------------

@dataclass
class SignatureCheck:
    """One embedded signature as pyHanko's validator judged it."""

    signer_name: str
    signer_subject: str
    issuer_name: str
    signed_at: datetime | None
    intact: bool  # the signed bytes are unchanged (digest matches)
    valid: bool  # ... and the signature over them is cryptographically sound
    trusted: bool  # the signer's certificate leads to an installed certificate
    covers_whole_file: bool
    changed_after: bool  # revisions were added after this signature
    test_certificate: bool
    signed_revision_sha256: str

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and not self.changed_after


@dataclass
class Validation:
    signatures: list[SignatureCheck]
    error: str | None = None  # the file could not be read as a PDF

    @property
    def signed(self) -> bool:
        return bool(self.signatures)

    @property
    def ok(self) -> bool:
        return self.signed and all(s.ok for s in self.signatures)


def trust_roots() -> list:
    """asn1crypto certificates of every certificate ever installed (SIGNING_DIR/trusted/)."""
    from asn1crypto import x509 as asn1_x509

    roots = []
    for path in sorted((signing_dir() / "trusted").glob("*.der")):
        try:
            roots.append(asn1_x509.Certificate.load(path.read_bytes()))
        except ValueError:
            log.warning("unreadable trusted certificate %s", path.name)
    return roots


def validate(data: bytes) -> Validation:
    """Every signature in `data`, validated against the installed certificates; never raises
    on a bad file (an uploaded file is anyone's)."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        embedded = list(reader.embedded_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        log.info("verify upload not readable as PDF: %s", type(exc).__name__)
        return Validation(signatures=[], error="unreadable")
    except Exception as exc:  # noqa: BLE001 - anyone's file: a parser failure is an answer, not a 500
        log.warning("verify upload broke the PDF reader: %s", type(exc).__name__)
        return Validation(signatures=[], error="unreadable")
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    checks = []
    for signature in embedded:
        try:
            status = validate_pdf_signature(signature, context)
        except Exception as exc:  # noqa: BLE001 - a malformed signature of anyone's file: judged invalid
            log.info("signature not validatable: %s", type(exc).__name__)
            checks.append(_broken(signature, data))
            continue
        cert = status.signing_cert
        checks.append(SignatureCheck(
            signer_name=_cn(cert.subject), signer_subject=cert.subject.human_friendly,
            issuer_name=_cn(cert.issuer), signed_at=status.signer_reported_dt,
            intact=bool(status.intact), valid=bool(status.valid), trusted=bool(status.trusted),
            covers_whole_file=status.coverage is not None and status.coverage.name == "ENTIRE_FILE",
            changed_after=status.coverage is None or status.coverage.name != "ENTIRE_FILE",
            test_certificate=cert.self_signed == "yes" or cert.subject == cert.issuer,
            signed_revision_sha256=_revision_sha256(signature, data)))
    return Validation(signatures=checks)


def _cn(name) -> str:
    return name.native.get("common_name") or name.human_friendly


def _revision_sha256(signature, data: bytes) -> str:
    """sha256 of the file as it was when signed: the bytes up to the end of the signed range."""
    try:
        byte_range = [int(x) for x in signature.sig_object["/ByteRange"]]
        return hashlib.sha256(data[:byte_range[2] + byte_range[3]]).hexdigest()
    except (KeyError, ValueError, IndexError, TypeError):
        return ""


def _broken(signature, data: bytes) -> SignatureCheck:
    return SignatureCheck(signer_name="?", signer_subject="?", issuer_name="?", signed_at=None, intact=False,
                          valid=False, trusted=False, covers_whole_file=False, changed_after=True,
                          test_certificate=False, signed_revision_sha256=_revision_sha256(signature, data))
