"""The audit trail in sentences: one AuditEvent -> "Staf Sekretariat menjalankan «Finalkan»
pada berita acara 400.9/0003/SETDA/2026", with its fields labelled, ids turned into names and
values formatted (Rupiah, dates, Ya/Tidak, lists). The trail itself stays as written (codes,
ids, ISO values): this module is how people read it, in their UI language.

What the trail hides stays hidden: values masked when written (`__audit_hidden__`) read
"disembunyikan", and machinery (ciphertexts, blind indexes, hashes, file paths) is not shown.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import flask_babel
from flask import g, has_request_context
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import BigInteger, Boolean, Date, select

from sponsorship.audit.models import AuditEvent
from sponsorship.audit.service import MASK
from sponsorship.core.formatting import month_label, number, rupiah, tanggal, waktu
from sponsorship.core.models import UTCDateTime
from sponsorship.extensions import db

_DESCRIBING: ContextVar = ContextVar("audit_catalog", default=None)  # set while describe() runs


def _catalog():
    """The request's catalog, looked up once per request (the key templates use too)."""
    found = _DESCRIBING.get()
    if found is not None:
        return found
    if not has_request_context():
        return flask_babel.get_translations()
    found = g.get("_catalog")
    if found is None:
        found = g._catalog = flask_babel.get_translations()
    return found


def _(msgid: str, **variables) -> str:
    """gettext through the request's catalog: a page of events translates hundreds of labels."""
    text = _catalog().ugettext(msgid)
    return text % variables if variables else text


def _tr(value) -> str:
    """A label in the UI language; a lazy string of the models' tables without finding the
    catalog again for each one."""
    if isinstance(value, LazyString) and value._func is flask_babel.gettext and len(value._args) == 1:
        return _(value._args[0], **value._kwargs)
    return str(value)


# What each kind of object is called (the trail's object_type is the table's name).
OBJECT_KINDS = {
    "user": _l("akun pengguna"),
    "sponsor": _l("perusahaan"),
    "pledge": _l("komitmen"),
    "agreement": _l("perjanjian kerja sama"),
    "agreement_template": _l("templat perjanjian"),
    "beneficiary": _l("data warga"),
    "allocation": _l("alokasi"),
    "import_batch": _l("impor data warga"),
    "discrepancy": _l("perbedaan data"),
    "source_record": _l("catatan sumber"),
    "aid_proposal": _l("usulan bantuan"),
    "aid_attachment": _l("lampiran usulan"),
    "aid_cost_line": _l("rincian biaya"),
    "aid_field_verification": _l("verifikasi lapangan"),
    "aid_minutes": _l("berita acara"),
    "aid_minutes_item": _l("usulan dalam berita acara"),
    "aid_minutes_attendee": _l("peserta rapat"),
    "aid_approval": _l("keputusan kepala daerah"),
    "aid_disbursement": _l("pencairan"),
    "document": _l("dokumen"),
    "invoice": _l("tagihan"),
    "payment": _l("pembayaran"),
    "setting": _l("pengaturan kota"),
    "jkn_tariff": _l("tarif JKN"),
    "uhc_coverage_figure": _l("data kepesertaan UHC"),
    "region": _l("wilayah"),
}
UNKNOWN_KIND = _l("data")

# Actions other than status moves, keyed by the action name the services write. A verb may
# take the event's count (`count_key`: the change that holds it). Status moves (`status:<name>`)
# are named by their Transition's label in core/workflow.py.
@dataclass(frozen=True)
class Verb:
    text: Any
    count_key: str | None = None


ACTIONS = {
    "create": Verb(_l("membuat")),
    "update": Verb(_l("mengubah")),
    "activate": Verb(_l("mengaktifkan")),
    "deactivate": Verb(_l("menonaktifkan")),
    "password_change": Verb(_l("mengganti kata sandi")),
    "attach": Verb(_l("melampirkan berkas pada")),
    "fund:charge": Verb(_l("membebankan pencairan pada")),
    "document:issue": Verb(_l("menerbitkan")),
    "attendee:add": Verb(_l("menambahkan peserta rapat pada")),
    "attendee:remove": Verb(_l("menghapus peserta rapat dari")),
    "item:add": Verb(_l("memasukkan usulan ke")),
    "item:remove": Verb(_l("mengeluarkan usulan dari")),
    "import:apply": Verb(_l("menerapkan")),
    "discrepancy:resolve": Verb(_l("menyelesaikan")),
    "discrepancy:bulk_rule": Verb(_l("menyelesaikan %(count)s perbedaan data dengan aturan massal:"),
                                  "resolved"),
    "allocation:fill": Verb(_l("mengisi %(count)s slot menurut prioritas pada"), "allocated"),
    "nik:rotate-keys": Verb(_l("mengenkripsi ulang %(count)s NIK pada"), "rows"),
}

# Field labels by name (the same name means the same thing on every table).
FIELD_LABELS = {
    "programme": _l("Program"),
    "clauses": _l("Pasal"),
    "jkn_class": _l("Kelas JKN"),
    "valid_from": _l("Berlaku sejak"),
    "monthly_premium": _l("Iuran per bulan"),
    "participant_share": _l("Bagian peserta"),
    "note": _l("Catatan"),
    "name": _l("Nama"),
    "short_name": _l("Nama singkat"),
    "legal_form": _l("Bentuk badan usaha"),
    "npwp": _l("NPWP"),
    "address": _l("Alamat"),
    "sector": _l("Sektor"),
    "contact_name": _l("Nama narahubung"),
    "contact_email": _l("E-mail narahubung"),
    "contact_phone": _l("Telepon narahubung"),
    "listed_publicly": _l("Tampil di halaman publik"),
    "nik_encrypted": _l("NIK"),
    "kk_number": _l("Nomor KK"),
    "sex": _l("Jenis kelamin"),
    "birth_date": _l("Tanggal lahir"),
    "nik_mismatch": _l("NIK tidak cocok"),
    "rt": _l("RT"),
    "rw": _l("RW"),
    "region_code": _l("Kelurahan"),
    "phone": _l("Telepon"),
    "jkn_number": _l("Nomor JKN"),
    "jkn_segment": _l("Segmen JKN"),
    "jkn_status": _l("Status JKN"),
    "arrears_months": _l("Bulan tunggakan"),
    "welfare_decile": _l("Desil kesejahteraan"),
    "deceased": _l("Meninggal dunia"),
    "moved_away": _l("Pindah domisili"),
    "sponsor_id": _l("Perusahaan"),
    "status": _l("Status"),
    "title": _l("Judul"),
    "quota": _l("Kuota"),
    "months": _l("Lama (bulan)"),
    "start_month": _l("Bulan mulai"),
    "end_month": _l("Bulan berakhir"),
    "monthly_amount": _l("Nominal per bulan"),
    "total_amount": _l("Nilai total"),
    "workers_attested": _l("Pernyataan BPJS atas pekerja"),
    "workers_attested_at": _l("Waktu pernyataan BPJS"),
    "notes": _l("Catatan"),
    "disbursed_amount": _l("Sudah dicairkan"),
    "allocated_count": _l("Slot terisi"),
    "username": _l("Nama pengguna"),
    "full_name": _l("Nama lengkap"),
    "email": _l("E-mail"),
    "role": _l("Peran"),
    "is_company_admin": _l("Pengelola akun perusahaan"),
    "active": _l("Aktif"),
    "password_hash": _l("Kata sandi"),
    "number": _l("Nomor"),
    "year": _l("Tahun"),
    "meeting_date": _l("Tanggal rapat"),
    "place": _l("Tempat"),
    "summary": _l("Ringkasan"),
    "created_by_id": _l("Dibuat oleh"),
    "finalised_at": _l("Difinalkan pada"),
    "finalised_by_id": _l("Difinalkan oleh"),
    "code": _l("Kode"),
    "patient_name": _l("Nama pasien"),
    "patient_kk_enc": _l("KK pasien"),
    "applicant_name": _l("Nama pemohon"),
    "applicant_relation": _l("Hubungan pemohon"),
    "kelurahan_code": _l("Kelurahan"),
    "referral_origin": _l("Rujukan dari"),
    "referral_destination": _l("Rujukan ke"),
    "referral_city": _l("Kota rujukan"),
    "referral_letter_no": _l("Nomor surat rujukan"),
    "referral_letter_date": _l("Tanggal surat rujukan"),
    "total_requested": _l("Jumlah diajukan"),
    "recommended_amount": _l("Jumlah direkomendasikan"),
    "approved_amount": _l("Jumlah disetujui"),
    "assigned_verifier_id": _l("Verifikator"),
    "first_contact_at": _l("Kontak pertama"),
    "approved_at": _l("Disetujui pada"),
    "disbursed_at": _l("Dicairkan pada"),
    "pledge_id": _l("Komitmen"),
    "beneficiary_id": _l("Warga"),
    "end_reason": _l("Alasan berakhir"),
    "replaced_by_id": _l("Diganti oleh"),
    "field": _l("Jenis data"),
    "values": _l("Nilai"),
    "resolution": _l("Penyelesaian"),
    "resolved_source": _l("Sumber yang dipakai"),
    "resolved_by_id": _l("Diselesaikan oleh"),
    "resolved_at": _l("Diselesaikan pada"),
    "kind": _l("Jenis"),
    "version": _l("Versi"),
    "issued_at": _l("Diterbitkan pada"),
    "issued_by_id": _l("Diterbitkan oleh"),
    "size": _l("Ukuran (byte)"),
    "page_count": _l("Jumlah halaman"),
    "supersedes_id": _l("Menggantikan"),
    "source": _l("Sumber"),
    "file_name": _l("Nama berkas"),
    "uploaded_by_id": _l("Diunggah oleh"),
    "uploaded_at": _l("Diunggah pada"),
    "applied_at": _l("Diterapkan pada"),
    "total_rows": _l("Jumlah baris"),
    "created_count": _l("Baru"),
    "updated_count": _l("Diperbarui"),
    "unchanged_count": _l("Tidak berubah"),
    "invalid_count": _l("Tidak sah"),
    "discrepancy_count": _l("Perbedaan data"),
    "month": _l("Bulan"),
    "population": _l("Jumlah penduduk"),
    "registered": _l("Terdaftar JKN"),
    "source_note": _l("Sumber data"),
    "recorded_by_id": _l("Dicatat oleh"),
    "city_number": _l("Nomor Pemerintah Kota"),
    "company_number": _l("Nomor perusahaan"),
    "signing_date": _l("Tanggal penandatanganan"),
    "signing_place": _l("Tempat penandatanganan"),
    "city_signatory_name": _l("Penanda tangan Pemerintah Kota"),
    "city_signatory_title": _l("Jabatan penanda tangan Pemerintah Kota"),
    "company_signatory_name": _l("Penanda tangan perusahaan"),
    "company_signatory_title": _l("Jabatan penanda tangan perusahaan"),
    "document_id": _l("Dokumen"),
    "signed_on": _l("Ditandatangani pada"),
    "minutes_id": _l("Berita acara"),
    "approver_id": _l("Penyetuju"),
    "decided_at": _l("Diputuskan pada"),
    "decision": _l("Keputusan"),
    "original_name": _l("Nama berkas"),
    "mime": _l("Jenis berkas"),
    "proposal_id": _l("Usulan"),
    "category": _l("Jenis biaya"),
    "description": _l("Keterangan"),
    "quantity": _l("Jumlah"),
    "unit_amount": _l("Nominal satuan"),
    "total": _l("Total"),
    "verifier_id": _l("Verifikator"),
    "visit_date": _l("Tanggal kunjungan"),
    "domicile_confirmed": _l("Domisili terkonfirmasi"),
    "referral_authentic": _l("Surat rujukan asli"),
    "economically_in_need": _l("Tidak mampu secara ekonomi"),
    "no_double_aid": _l("Tidak menerima bantuan ganda"),
    "companion_needed": _l("Perlu pendamping"),
    "recommendation": _l("Rekomendasi"),
    "reason": _l("Alasan"),
    "position": _l("Urutan"),
    "nip": _l("NIP"),
    "agency": _l("Instansi"),
    "amount": _l("Nominal"),
    "excluded": _l("Dikecualikan"),
    "exclusion_reason": _l("Alasan pengecualian"),
    "persons": _l("Jumlah orang"),
    "tariff": _l("Tarif"),
    "due_on": _l("Jatuh tempo"),
    "paid_amount": _l("Sudah dibayar"),
    "claimed_amount": _l("Diklaim"),
    "cancel_reason": _l("Alasan pembatalan"),
    "paid_on": _l("Tanggal bayar"),
    "method": _l("Cara bayar"),
    "bank_name": _l("Nama bank"),
    "account_number": _l("Nomor rekening"),
    "account_holder": _l("Pemilik rekening"),
    "receipt_id": _l("Bukti terima"),
    "reference": _l("Referensi"),
    "proof_name": _l("Bukti bayar"),
    "submitted_by_id": _l("Dikirim oleh"),
    "decided_by_id": _l("Diputuskan oleh"),
    "decision_note": _l("Catatan keputusan"),
    "attendee": _l("Peserta rapat"),
    "item": _l("Usulan dalam berita acara"),
    "allocated": _l("Slot diisi"),
    "beneficiaries": _l("Warga"),
    "created": _l("Baru"),
    "updated": _l("Diperbarui"),
    "unchanged": _l("Tidak berubah"),
    "invalid": _l("Tidak sah"),
    "discrepancies": _l("Perbedaan data"),
    "fields": _l("Jenis data"),
    "resolved": _l("Diselesaikan"),
    "attachment": _l("Lampiran"),
    "disbursed": _l("Dicairkan"),
    "rows": _l("Jumlah baris"),
    "minutes": _l("Berita acara"),
    "allocation_priority": _l("Urutan prioritas alokasi"),
}

# Never shown: machinery, not facts a person reads (ciphertext twins, indexes, hashes, paths).
NOT_SHOWN = frozenset({
    "id", "created_at", "updated_at", "name_search", "nik_index", "nik_key_id", "nik_masked",
    "nik_last4", "patient_nik_hash", "patient_kk_hash", "password_hash", "session_version",
    "sha256", "scan_sha256", "proof_sha256", "storage_path", "path", "scan_path", "proof_path",
    "proof_mime", "token", "issued_by_name", "field_sources", "seq", "status_changed_at",
})

# Changes that hold ids of another table without being its foreign key column.
ID_LISTS = {"beneficiaries": "beneficiary"}
# Changes in Rupiah that are not a column of their table.
MONEY = frozenset({"disbursed", "amount"})


@functools.cache
def _value_labels() -> dict[tuple[str, str], dict]:
    """The labels of coded values, per (table, column); the models' own tables of labels."""
    from sponsorship.agreements import models as agreements
    from sponsorship.allocations import models as allocations
    from sponsorship.auth.models import ROLE_LABELS
    from sponsorship.beneficiaries import models as registry
    from sponsorship.billing import models as billing
    from sponsorship.disbursements import models as disbursements
    from sponsorship.documents import models as documents
    from sponsorship.minutes import models as minutes
    from sponsorship.pledges import models as pledges
    from sponsorship.proposals import models as proposals
    from sponsorship.sponsors import models as sponsors

    batch = {"previewed": _l("Pratinjau"), "applied": _l("Diterapkan"), "discarded": _l("Dibuang")}
    return {
        ("user", "role"): ROLE_LABELS,
        ("pledge", "status"): pledges.STATUSES,
        ("pledge", "programme"): pledges.PROGRAMMES,
        ("agreement_template", "programme"): pledges.PROGRAMMES,
        ("agreement", "status"): agreements.STATUSES,
        ("allocation", "status"): allocations.STATUSES,
        ("allocation", "end_reason"): allocations.END_REASONS,
        ("beneficiary", "jkn_segment"): registry.SEGMENTS,
        ("beneficiary", "jkn_status"): registry.JKN_STATUSES,
        ("beneficiary", "sex"): registry.SEXES,
        ("import_batch", "source"): registry.SOURCES,
        ("import_batch", "status"): batch,
        ("discrepancy", "field"): registry.RECONCILED_FIELDS,
        ("discrepancy", "resolved_source"): registry.SOURCES,
        ("discrepancy", "source"): registry.SOURCES,
        ("discrepancy", "fields"): registry.RECONCILED_FIELDS,
        ("discrepancy", "status"): {"open": _l("Terbuka"), "resolved": _l("Selesai")},
        ("invoice", "status"): billing.INVOICE_STATUSES,
        ("payment", "status"): billing.PAYMENT_STATUSES,
        ("aid_disbursement", "method"): disbursements.METHODS,
        ("document", "kind"): documents.KINDS,
        ("aid_minutes", "status"): minutes.STATUSES,
        ("aid_minutes", "decision"): minutes.DECISIONS,
        ("aid_minutes_item", "decision"): minutes.DECISIONS,
        ("aid_approval", "decision"): minutes.STATUSES,
        ("aid_proposal", "status"): proposals.STATUSES,
        ("aid_cost_line", "category"): proposals.COST_CATEGORIES,
        ("aid_attachment", "kind"): proposals.ATTACHMENT_KINDS,
        ("aid_field_verification", "recommendation"): proposals.RECOMMENDATIONS,
        ("sponsor", "legal_form"): sponsors.LEGAL_FORMS,
        ("agreement_template", "note"): pledges.PROGRAMMES,
    }


@dataclass
class Change:
    label: str
    old: str | None  # None: the field had no value before (a new object, an added value)
    new: str


@dataclass
class Story:
    """One event as people read it."""

    event: AuditEvent
    actor: str
    sentence: str
    changes: list[Change] = field(default_factory=list)
    items: list[str] = field(default_factory=list)  # the list behind a bulk action
    items_label: str = ""

    @property
    def occurred_at(self) -> datetime:
        return self.event.occurred_at

    @property
    def note(self) -> str | None:
        return readable_note(self.event)


_TABLE_REF = re.compile(r"\b([a-z_]+) #(\d+)")
_DIGEST = re.compile(r"\s*sha256=[0-9a-f]+")
_DIGEST_SUFFIX = re.compile(r" [(][0-9a-f]{12}[)]$")
_RESOLVED = re.compile(r"^discrepancy #(\d+): (\w+) <- (\w+)$")


def readable_note(event: AuditEvent) -> str | None:
    """The event's note, with what services wrote for machines put in words: codes by their
    labels, table names by their kind, file digests left out."""
    note = event.note
    if not note:
        return None
    labels = _value_labels()
    if event.object_type == "agreement_template":
        return _tr(labels[("agreement_template", "note")].get(note, note))
    if note == "fill-by-priority":  # one event per resident, before fills were one event
        return _("Diisi menurut prioritas")
    if match := _RESOLVED.match(note):
        from sponsorship.beneficiaries import models as registry

        return _("Perbedaan data #%(id)s: %(field)s dari %(source)s", id=match.group(1),
                 field=registry.RECONCILED_FIELDS.get(match.group(2), match.group(2)),
                 source=registry.SOURCES.get(match.group(3), match.group(3)))
    note = _DIGEST.sub("", note)
    return _TABLE_REF.sub(lambda m: (f"{kind_label(m.group(1))} #{m.group(2)}"
                                     if m.group(1) in OBJECT_KINDS else m.group(0)), note)


def kind_label(object_type: str) -> str:
    return _tr(OBJECT_KINDS.get(object_type, UNKNOWN_KIND))


@functools.cache
def _setting_labels() -> dict:
    from sponsorship.settings.service import SETTING_LABELS

    return SETTING_LABELS


def field_label(name: str) -> str:
    found = FIELD_LABELS.get(name)
    if found is None:
        found = _setting_labels().get(name)
    return _tr(found) if found is not None else _("Data lain")


def transition_for(event: AuditEvent):
    """The Transition a `status:<name>` event records (found by name and the statuses it moved
    between, since two life cycles may share a name), or None."""
    from sponsorship.core.workflow import Workflow

    name = event.action.split(":", 1)[1]
    old, new = ((event.changes or {}).get("status") or [None, None])[:2]
    candidates = [flow.transitions[name] for flow in Workflow.registry if name in flow.transitions]
    for t in candidates:
        if t.target == new and (old is None or old in t.sources):
            return t
    return candidates[0] if len(candidates) == 1 else None


def action_label(action: str) -> str:
    """A short name of an action for lists and filters (never the code)."""
    if action.startswith("status:"):
        from sponsorship.core.workflow import Workflow

        name = action.split(":", 1)[1]
        labels = {_tr(f.transitions[name].label) for f in Workflow.registry if name in f.transitions}
        return " / ".join(sorted(labels)) if labels else _("Perubahan status")
    verb = ACTIONS.get(action)
    if verb is None:
        return _("Tindakan lain")
    return _tr(verb.text).replace("%(count)s ", "").rstrip(":").strip()


class _Names:
    """Names for ids, looked up once per table for a whole page of events."""

    def __init__(self) -> None:
        self.wanted: dict[str, set[int]] = defaultdict(set)
        self.found: dict[str, dict[int, str]] = {}

    def want(self, table: str, value: Any) -> None:
        for v in value if isinstance(value, list) else [value]:
            if isinstance(v, int | str) and not isinstance(v, bool):
                self.wanted[table].add(v)

    def load(self) -> None:
        mappers = {m.local_table.name: m for m in db.Model.registry.mappers}
        for table, keys in self.wanted.items():
            mapper = mappers.get(table)
            if mapper is None or not keys:
                continue
            key = mapper.primary_key[0]  # an id, or a code (region)
            wanted = sorted(k for k in keys if isinstance(k, key.type.python_type))
            found = self.found.setdefault(table, {})
            for i in range(0, len(wanted), 900):  # a bulk action may list thousands
                for row in db.session.scalars(select(mapper.class_).where(key.in_(wanted[i:i + 900]))):
                    found[getattr(row, key.key)] = row.full_name if table == "user" else str(row)

    def name(self, table: str, value: Any) -> str:
        found = self.found.get(table, {}).get(value)
        return found if found else _("%(kind)s #%(id)s (sudah dihapus)", kind=kind_label(table), id=value)


@functools.lru_cache(maxsize=1024)
def _column(table: str, name: str):
    tables = db.metadata.tables
    if table in tables and name in tables[table].c:
        return tables[table].c[name]
    for t in tables.values():  # a change named after a column of another table (item:add)
        if name in t.c and t.name != "audit_event":
            return t.c[name]
    return None


def _target(table: str, name: str) -> str | None:
    """The table an id-valued change points to."""
    if name in ID_LISTS:
        return ID_LISTS[name]
    column = _column(table, name)
    if column is not None and column.foreign_keys:
        return next(iter(column.foreign_keys)).column.table.name
    return None


@functools.lru_cache(maxsize=256)
def _hidden(table: str) -> tuple:
    for m in db.Model.registry.mappers:
        if m.local_table.name == table:
            return getattr(m.class_, "__audit_hidden__", ())
    return ()


def format_value(table: str, name: str, value: Any, names: _Names, labels: dict) -> str:
    if value is None or value == "":
        return "–"
    if value == MASK:
        return _("disembunyikan")
    if isinstance(value, list):
        return ", ".join(format_value(table, name, v, names, labels) for v in value) or "–"
    if isinstance(value, dict) and "title" in value:  # a clause of an agreement
        return str(value["title"])
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(table, str(k), v, names, labels)}"
                         for k, v in value.items())
    coded = labels.get((table, name))
    if coded is not None and isinstance(value, str):
        if "," in value and value not in coded:  # several codes in one text (bulk rule fields)
            return ", ".join(_tr(coded.get(v, v)) for v in value.split(","))
        return _tr(coded.get(value, value))
    target = _target(table, name)
    if target is not None and isinstance(value, int | str) and not isinstance(value, bool):
        return names.name(target, value)
    if isinstance(value, bool):
        return _("Ya") if value else _("Tidak")
    if name in MONEY and isinstance(value, int):
        return rupiah(value)
    if name == "attachment" and isinstance(value, str):  # "kind: file name (sha256 prefix)"
        kind, _sep, rest = value.partition(": ")
        kind = _tr(labels[("aid_attachment", "kind")].get(kind, kind))
        return f"{kind}: {_DIGEST_SUFFIX.sub('', rest)}"
    column = _column(table, name)
    kind = column.type if column is not None else None
    try:
        if isinstance(kind, Boolean):
            return _("Ya") if value else _("Tidak")
        if isinstance(kind, BigInteger) and isinstance(value, int):
            return rupiah(value)
        if isinstance(kind, Date) and isinstance(value, str):
            day = date.fromisoformat(value[:10])
            return month_label(day) if name.endswith("month") else tanggal(day)
        if isinstance(kind, UTCDateTime) and isinstance(value, str):
            return waktu(datetime.fromisoformat(value))
    except ValueError:
        return str(value)
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def describe(events: Iterable[AuditEvent]) -> list[Story]:
    """The events as sentences, names looked up once for all of them."""
    token = _DESCRIBING.set(_catalog())
    try:
        return _describe(list(events))
    finally:
        _DESCRIBING.reset(token)


def _describe(events: list[AuditEvent]) -> list[Story]:
    labels = _value_labels()
    names = _Names()
    for e in events:
        if e.actor_id:
            names.want("user", e.actor_id)
        for key, pair in (e.changes or {}).items():
            target = _target(e.object_type, key)
            if target is not None and isinstance(pair, list):
                for v in pair[:2]:
                    names.want(target, v)
    names.load()
    return [_story(e, names, labels) for e in events]


def _object_phrase(event: AuditEvent) -> str:
    kind = kind_label(event.object_type)
    label = (event.object_label or "").strip()
    if label:
        return f"{kind} {label}"
    if event.object_id:
        return f"{kind} #{event.object_id}"
    return kind


def _story(event: AuditEvent, names: _Names, labels: dict) -> Story:
    if event.actor_id and event.actor_id in names.found.get("user", {}):
        actor = names.found["user"][event.actor_id]
    elif event.actor_id is None and event.actor_name == "system":
        actor = _("Sistem")
    else:
        actor = event.actor_name
    obj = _object_phrase(event)
    changes = dict(event.changes or {})
    if event.action.startswith("status:"):
        t = transition_for(event)
        if t is not None:
            sentence = _("%(actor)s menjalankan «%(action)s» pada %(object)s",
                         actor=actor, action=_tr(t.label), object=obj)
        else:
            sentence = _("%(actor)s mengubah status %(object)s", actor=actor, object=obj)
    elif event.action in ACTIONS:
        verb = ACTIONS[event.action]
        text = _tr(verb.text)
        if verb.count_key:
            count = (changes.get(verb.count_key) or [None, 0])[-1]
            text = text % {"count": number(count if isinstance(count, int | float) else 0)}
            changes.pop(verb.count_key, None)
        sentence = _("%(actor)s %(verb)s %(object)s", actor=actor, verb=text, object=obj)
    else:
        sentence = _("%(actor)s mencatat perubahan pada %(object)s", actor=actor, object=obj)
    story = Story(event=event, actor=actor, sentence=sentence)
    hidden = _hidden(event.object_type)
    for key, pair in changes.items():
        if key in ID_LISTS and isinstance(pair, list) and isinstance(pair[-1], list):
            story.items = [names.name(ID_LISTS[key], v) for v in pair[-1]]
            story.items_label = field_label(key)
            continue
        if key in NOT_SHOWN or (key in hidden and key not in FIELD_LABELS):
            continue
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        if key in hidden:
            old, new = (MASK if old is not None else None), MASK
        story.changes.append(Change(
            label=field_label(key),
            old=None if old is None else format_value(event.object_type, key, old, names, labels),
            new=format_value(event.object_type, key, new, names, labels)))
    return story
