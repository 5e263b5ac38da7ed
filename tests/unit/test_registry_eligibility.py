"""Eligibility and priority under the default policy ("Donasi JKN"): each condition and each factor
alone and together, as a table of residents with their expected verdict and score; the policy's
switches; and the list filter agreeing with each resident's explanation (one set of SQL rules).

The base resident: domiciled in Bacang, PBPU not active, 2 months of arrears, desil 3, so eligible
with 5 x (11 - 3) - 2 = 38 points.
"""
from __future__ import annotations

from datetime import date

import pytest

from sponsorship.beneficiaries.models import Beneficiary
from tests.factories import make_residents, resident_row

TODAY = date(2026, 12, 1)

# (kw for the import row, eligible, reasons, score)
CASES = [
    ({}, True, [], 38),
    # conditions alone
    ({"pindah": "YA"}, False, ["Pindah domisili ke luar Pangkalpinang."], 38),
    ({"meninggal": "YA"}, False, ["Meninggal dunia."], 38),
    ({"segmen_jkn": "PBI_APBN"}, False, ["Sudah ditanggung PBI APBN."], 38),
    ({"segmen_jkn": "PBI_APBD"}, False, ["Sudah ditanggung PBI APBD."], 38),
    ({"segmen_jkn": "PPU"}, False, ["Peserta PPU: iurannya kewajiban pemberi kerja, bukan sponsor."], 38),
    ({"status_jkn": "AKTIF"}, False, ["Kepesertaan JKN masih aktif."], 38),
    ({"status_jkn": ""}, False, ["Status JKN belum diketahui: perlu dicek ke BPJS Kesehatan."], 38),
    ({"segmen_jkn": "BELUM", "status_jkn": ""}, True, [], 38),  # not registered: to be registered
    ({"segmen_jkn": "BP"}, True, [], 38),
    ({"desil": "4"}, True, [], 33),
    ({"desil": "5"}, False, ["Desil 5 di atas batas kebijakan (desil 1 sampai 4)."], 28),
    ({"desil": "10"}, False, ["Desil 10 di atas batas kebijakan (desil 1 sampai 4)."], 3),
    ({"desil": ""}, False, ["Belum ada desil kesejahteraan: perlu asesmen Dinas Sosial."], -2),
    # factors alone
    ({"tunggakan_bulan": "0"}, True, [], 40),
    ({"tunggakan_bulan": "30"}, True, [], 16),  # at most 24 months count
    ({"disabilitas": "YA"}, True, [], 58),
    ({"penyakit_kronis": "YA"}, True, [], 53),
    ({"tanggal_lahir": "1950-08-17"}, True, [], 53),
    ({"tanggal_lahir": "1966-12-02"}, True, [], 38),  # 59 years old on 1 December 2026
    ({"tanggal_lahir": "1966-12-01"}, True, [], 53),  # 60 that day
    ({"hamil": "YA", "hpl": "2027-03-01"}, True, [], 53),
    ({"hamil": "YA", "hpl": "2026-11-30"}, True, [], 38),  # delivered: no longer counts
    ({"balita": "2"}, True, [], 48),
    ({"kk_perempuan": "YA"}, True, [], 48),
    ({"kepala_keluarga": "YA", "jenis_kelamin": "P"}, True, [], 48),
    ({"kepala_keluarga": "YA", "jenis_kelamin": "L"}, True, [], 38),
    ({"pkh": "YA"}, True, [], 48),
    ({"bpnt": "YA"}, True, [], 48),
    ({"pkh": "YA", "bpnt": "YA"}, True, [], 48),  # one factor: either programme
    ({"bulan_tanpa_jaminan": "5"}, True, [], 48),
    ({"bulan_tanpa_jaminan": "30"}, True, [], 62),  # at most 12 months count
    # together
    ({"desil": "1", "disabilitas": "YA", "tanggal_lahir": "1950-08-17", "penyakit_kronis": "YA",
      "pkh": "YA", "kk_perempuan": "YA", "balita": "1", "bulan_tanpa_jaminan": "12", "tunggakan_bulan": "6"},
     True, [], 50 + 20 + 15 + 15 + 10 + 10 + 10 + 24 - 6),
    ({"meninggal": "YA", "segmen_jkn": "PBI_APBN", "desil": "7"}, False,
     ["Meninggal dunia.", "Sudah ditanggung PBI APBN.",
      "Desil 7 di atas batas kebijakan (desil 1 sampai 4)."],
     20 - 2),
]


AGENCY_ONLY = {"pindah": "moved_away", "meninggal": "deceased"}  # not in the manual template's columns


@pytest.fixture
def table(db_session):
    rows = [resident_row(f"1971011708{i:06d}", f"Warga {i}", **kw)
            for i, (kw, *_) in enumerate(CASES, start=1)]
    residents = [db_session.get(Beneficiary, i) for i in make_residents(rows=rows)]
    for b, (kw, *_) in zip(residents, CASES, strict=True):
        for column, field in AGENCY_ONLY.items():
            if kw.get(column) == "YA":
                setattr(b, field, True)
    db_session.flush()
    return residents


def _explain(b, **rules):
    from sponsorship.eligibility.models import default_policy
    from sponsorship.eligibility.service import explain

    p = default_policy()
    for k, v in rules.items():
        setattr(p, k, v)
    return explain(b, p, today=TODAY)


@pytest.mark.parametrize("index", range(len(CASES)))
def test_each_condition_and_factor_alone_and_together(app_ctx, table, index):
    kw, eligible, reasons, score = CASES[index]
    got = _explain(table[index])
    assert (got["eligible"], got["reasons"], got["score"]) == (eligible, reasons, score), kw


def test_the_parts_of_a_score_in_plain_indonesian(app_ctx, table):
    together = _explain(table[32])
    assert together["parts"] == [
        "desil 1: +50", "penyandang disabilitas: +20", "lansia 76 tahun: +15", "penyakit kronis: +15",
        "1 balita dalam keluarga: +10", "kepala keluarga perempuan: +10", "penerima PKH/BPNT: +10",
        "12 bulan tanpa jaminan: +24", "tunggakan 6 bulan (tidak dibayar komitmen): \u22126"]
    assert together["policy"] == {"name": "Aturan bawaan", "version": 1}
    assert _explain(table[21])["parts"] == ["desil 3: +40", "hamil, perkiraan lahir 1 Maret 2027: +15",
                                            "tunggakan 2 bulan (tidak dibayar komitmen): \u22122"]
    assert _explain(table[0])["met"] == [
        "Berdomisili di kelurahan Bacang, Pangkalpinang.", "Bukan peserta PBI APBN/APBD.",
        "Bukan pekerja penerima upah (PPU).", "Kepesertaan JKN tidak aktif.",
        "Desil 3, dalam batas kebijakan (desil 1 sampai 4)."]


def test_the_policy_switches(app_ctx, table):
    unknown, ppu, no_decile, desil_5, base = table[7], table[5], table[13], table[11], table[0]
    assert _explain(unknown, unknown_jkn="eligible")["eligible"] is True
    assert _explain(unknown, unknown_jkn="ineligible")["reasons"] == ["Status JKN tidak diketahui."]
    assert _explain(ppu, exclude_ppu=False)["eligible"] is True
    assert _explain(table[3], exclude_pbi=False)["eligible"] is True
    assert _explain(no_decile, no_decile="eligible")["eligible"] is True
    assert _explain(desil_5, decile_cutoff=5)["eligible"] is True
    assert _explain(base, decile_cutoff=2)["reasons"] == [
        "Desil 3 di atas batas kebijakan (desil 1 sampai 2)."]
    from sponsorship.eligibility.models import DEFAULT_WEIGHTS

    assert _explain(table[16], weights={**DEFAULT_WEIGHTS, "disability": 0, "arrears": 0})["parts"] == [
        "desil 3: +40"]
    assert _explain(table[18], elderly_age=80)["score"] == 38


def test_domicile_names_the_city_of_the_settings(app_ctx, table, admin):
    from sponsorship.settings.service import set_setting

    table[0].region_code = None
    set_setting("city_short", "Kota Contoh", actor=admin)
    assert _explain(table[0])["reasons"] == ["Tidak tercatat berdomisili di kelurahan Kota Contoh."]
    assert _explain(table[1])["reasons"] == ["Pindah domisili ke luar Kota Contoh."]


def test_holding_a_slot_and_one_per_family(db_session, staff, company_a):
    from sponsorship.allocations import service
    from tests import factories

    first, sibling, neighbour, stranger = (db_session.get(Beneficiary, i) for i in make_residents(rows=[
        resident_row("1971011708450001", "Kakak", no_kk="1971010101200001", id_rumah_tangga="RT-1"),
        resident_row("1971011708450002", "Adik", no_kk="1971010101200001", id_rumah_tangga="RT-1"),
        resident_row("1971011708450003", "Serumah", no_kk="1971010101200002", id_rumah_tangga="RT-1"),
        resident_row("1971011708450004", "Lain", no_kk="1971010101200003", id_rumah_tangga="RT-2")]))
    pledge = factories.make_pledge(sponsor=company_a, status="agreed", quota=5)
    service.allocate(pledge, first, actor=staff)
    db_session.flush()
    assert _explain(first)["reasons"] == ["Sudah dalam alokasi yang aktif atau dipesan."]
    assert _explain(sibling)["eligible"] is True  # no family rule by default
    assert _explain(sibling, one_per="kk")["reasons"] == [
        "Anggota Kartu Keluarga yang sama sudah disponsori."]
    assert _explain(neighbour, one_per="kk")["eligible"] is True
    assert _explain(neighbour, one_per="household")["reasons"] == [
        "Anggota rumah tangga yang sama sudah disponsori."]
    assert _explain(stranger, one_per="household")["eligible"] is True


def test_the_list_filter_agrees_with_each_explanation(app_ctx, table):
    """The registry's "eligible" filter and a resident's page read the same SQL rules."""
    from sponsorship.eligibility.service import eligible_clause, explain
    from sponsorship.extensions import db

    ids = [b.id for b in table]
    in_sql = set(db.session.scalars(db.select(Beneficiary.id).where(Beneficiary.id.in_(ids),
                                                                    eligible_clause())))
    assert in_sql == {b.id for b in table if explain(b)["eligible"]}
    assert in_sql == {b.id for b, (_, eligible, _, _) in zip(table, CASES, strict=True) if eligible}
