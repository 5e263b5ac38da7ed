"""Default clauses (Pasal) per programme, and the plain-text format staff edit them in.

Clause text may use a few placeholders filled from the pledge when the document is rendered:
{perusahaan} {nilai} {terbilang} {kuota} {bulan} {iuran} {mulai} {selesai} {kota} {kepala}
{pengadilan} {rekening} (the area's name, its head's title, district court and the treasury
account come from the settings). Nothing else is interpreted: clause text is data, never a
template.

A premium pledge's clauses follow how its premiums are paid: "premium" when the company pays
the city's treasury account against monthly invoices (the city pays BPJS), "premium_direct" when
it pays BPJS Kesehatan itself under Donasi JKN and sends BPJS's proof every month.
"""
from __future__ import annotations

import re

_COMMON_HEAD = [
    {"title": "Maksud dan Tujuan",
     "text": "(1) Maksud Perjanjian ini adalah sebagai landasan bagi PARA PIHAK dalam melaksanakan "
             "kerja sama Tanggung Jawab Sosial dan Lingkungan di bidang jaminan kesehatan di {kota}.\n"
             "(2) Tujuan Perjanjian ini adalah mendukung tercapainya cakupan kesehatan semesta "
             "(Universal Health Coverage) bagi penduduk {kota} yang kurang mampu."},
]
_COMMON_TAIL = [
    {"title": "Pemantauan, Evaluasi dan Pelaporan",
     "text": "(1) PARA PIHAK melakukan pemantauan dan evaluasi atas pelaksanaan Perjanjian ini "
             "setiap 3 (tiga) bulan.\n"
             "(2) PIHAK PERTAMA menyampaikan laporan dampak triwulanan kepada PIHAK KEDUA paling "
             "lambat tanggal 15 (lima belas) bulan pertama setelah triwulan berakhir, dan laporan "
             "akhir paling lambat 30 (tiga puluh) hari setelah Perjanjian ini berakhir.\n"
             "(3) Laporan sebagaimana dimaksud pada ayat (2) memuat jumlah penerima manfaat, "
             "jumlah orang-bulan kepesertaan, iuran yang terutang dan yang telah dibayar, sebaran "
             "penerima manfaat per kecamatan dan bantuan yang telah disalurkan; laporan memuat "
             "data agregat dan tidak memuat data pribadi yang bersifat spesifik.\n"
             "(4) PIHAK KEDUA dapat meminta laporan untuk periode lain melalui portal sponsor.\n"
             "(5) Hasil pemantauan dan evaluasi menjadi bahan perbaikan pelaksanaan dan "
             "perpanjangan kerja sama."},
    {"title": "Pelindungan Data Pribadi",
     "text": "PARA PIHAK wajib menjaga kerahasiaan dan melindungi data pribadi penerima manfaat "
             "sesuai dengan Undang-Undang Nomor 27 Tahun 2022 tentang Pelindungan Data Pribadi. "
             "PIHAK KEDUA hanya menerima data yang telah disamarkan dan data agregat."},
    {"title": "Keadaan Kahar",
     "text": "(1) Keadaan kahar adalah keadaan di luar kemampuan PARA PIHAK, antara lain bencana "
             "alam, wabah, kerusuhan, atau kebijakan Pemerintah yang secara langsung "
             "mempengaruhi pelaksanaan Perjanjian ini.\n"
             "(2) Pihak yang mengalami keadaan kahar memberitahukan secara tertulis kepada pihak "
             "lainnya paling lambat 14 (empat belas) hari sejak terjadinya keadaan kahar."},
    {"title": "Penyelesaian Perselisihan",
     "text": "(1) Perselisihan yang timbul dari Perjanjian ini diselesaikan secara musyawarah "
             "untuk mufakat.\n"
             "(2) Apabila musyawarah tidak mencapai mufakat, PARA PIHAK sepakat menyelesaikannya "
             "melalui {pengadilan}."},
    {"title": "Perubahan",
     "text": "Hal-hal yang belum diatur atau perubahan atas Perjanjian ini akan diatur kemudian "
             "dalam addendum yang disepakati PARA PIHAK dan merupakan bagian yang tidak "
             "terpisahkan dari Perjanjian ini."},
    {"title": "Pengakhiran",
     "text": "Perjanjian ini dapat diakhiri sebelum jangka waktunya berakhir atas kesepakatan "
             "PARA PIHAK atau apabila salah satu pihak tidak melaksanakan kewajibannya setelah "
             "diberikan teguran tertulis sebanyak 2 (dua) kali."},
    {"title": "Penutup",
     "text": "Perjanjian ini dibuat dalam rangkap 2 (dua), masing-masing bermeterai cukup dan "
             "mempunyai kekuatan hukum yang sama, serta mulai berlaku sejak tanggal "
             "ditandatangani oleh PARA PIHAK."},
]

def _premium(mechanism: str, first_rights: str, second_duties: str) -> list[dict]:
    return _COMMON_HEAD + [
        {"title": "Ruang Lingkup",
         "text": "Ruang lingkup Perjanjian ini adalah pembayaran iuran Jaminan Kesehatan Nasional "
                 "bagi {kuota} orang penduduk {kota} yang kurang mampu sebagai peserta Pekerja "
                 "Bukan Penerima Upah kelas III selama {bulan} bulan, terhitung bulan {mulai} "
                 "sampai dengan bulan {selesai}."},
        {"title": "Mekanisme Pelaksanaan", "text": mechanism},
        {"title": "Hak dan Kewajiban PIHAK PERTAMA",
         "text": first_rights + "\n"
                 "(2) PIHAK PERTAMA berkewajiban menetapkan dan memutakhirkan daftar penerima "
                 "manfaat, serta mengganti penerima manfaat yang meninggal dunia, pindah, atau "
                 "telah menjadi peserta Penerima Bantuan Iuran."},
        {"title": "Hak dan Kewajiban PIHAK KEDUA",
         "text": "(1) PIHAK KEDUA berhak memperoleh laporan pelaksanaan dan publikasi atas "
                 "partisipasinya sesuai persetujuannya.\n" + second_duties},
        {"title": "Pembiayaan",
         "text": "Nilai kerja sama ini sebesar {nilai} ({terbilang}), yang bersumber dari dana "
                 "Tanggung Jawab Sosial dan Lingkungan {perusahaan}."},
        {"title": "Jangka Waktu",
         "text": "Perjanjian ini berlaku selama {bulan} bulan, terhitung bulan {mulai} sampai "
                 "dengan bulan {selesai}."},
    ] + _COMMON_TAIL


DEFAULT_CLAUSES = {
    # Through the city: monthly invoice, payment into the treasury account, receipt.
    "premium": _premium(
        "(1) PIHAK PERTAMA menetapkan daftar penerima manfaat berdasarkan data terpadu "
        "dan menyampaikannya kepada BPJS Kesehatan.\n"
        "(2) PIHAK PERTAMA menerbitkan tagihan iuran setiap bulan kepada PIHAK KEDUA sebesar "
        "{iuran} per orang per bulan untuk setiap penerima manfaat pada bulan tersebut.\n"
        "(3) PIHAK KEDUA membayar tagihan ke {rekening} paling lambat tanggal 10 bulan "
        "berjalan, dengan mencantumkan berita transfer yang tertera pada tagihan.\n"
        "(4) PIHAK PERTAMA menerbitkan tanda terima atas setiap pembayaran yang diterima dan "
        "membayarkan iuran penerima manfaat kepada BPJS Kesehatan.",
        "(1) PIHAK PERTAMA berhak menerima pembayaran iuran dari PIHAK KEDUA sesuai tagihan.",
        "(2) PIHAK KEDUA berkewajiban membayar tagihan iuran tepat waktu sesuai Pasal 3 dan "
        "telah mendaftarkan seluruh pekerjanya sebagai peserta Jaminan Kesehatan Nasional."),
    # Directly to BPJS Kesehatan under Donasi JKN: no invoice; BPJS's proof every month.
    "premium_direct": _premium(
        "(1) PIHAK PERTAMA menetapkan daftar penerima manfaat berdasarkan data terpadu "
        "dan menyampaikannya kepada BPJS Kesehatan.\n"
        "(2) PIHAK KEDUA membayarkan iuran sebesar {iuran} per orang per bulan langsung "
        "kepada BPJS Kesehatan melalui skema Donasi JKN paling lambat tanggal 10 setiap "
        "bulan.\n"
        "(3) PIHAK KEDUA mengunggah bukti pembayaran dari BPJS Kesehatan untuk setiap bulan "
        "melalui portal sponsor, dan PIHAK PERTAMA memeriksa serta mengonfirmasinya.\n"
        "(4) Dana kerja sama tidak melalui rekening kas daerah.",
        "(1) PIHAK PERTAMA berhak menerima bukti pembayaran iuran dari PIHAK KEDUA setiap bulan.",
        "(2) PIHAK KEDUA berkewajiban membayar iuran tepat waktu sesuai Pasal 3, menyampaikan "
        "bukti pembayarannya, dan telah mendaftarkan seluruh pekerjanya sebagai peserta Jaminan "
        "Kesehatan Nasional."),
    "aid_fund": _COMMON_HEAD + [
        {"title": "Ruang Lingkup",
         "text": "Ruang lingkup Perjanjian ini adalah penyediaan dana bantuan biaya non-medis "
                 "bagi pasien kurang mampu, meliputi biaya transportasi rujukan ke luar daerah, "
                 "biaya pendamping, dan biaya akomodasi."},
        {"title": "Mekanisme Pelaksanaan",
         "text": "(1) Usulan bantuan diverifikasi di lapangan bersama Badan Amil Zakat Nasional "
                 "(Baznas) {kota}.\n"
                 "(2) Usulan yang memenuhi syarat diputuskan dalam berita acara dan disetujui oleh "
                 "{kepala}, kemudian disalurkan melalui Baznas."},
        {"title": "Hak dan Kewajiban PIHAK PERTAMA",
         "text": "(1) PIHAK PERTAMA berhak menyalurkan dana sesuai berita acara yang disetujui "
                 "{kepala}.\n"
                 "(2) PIHAK PERTAMA berkewajiban memastikan penyaluran tepat sasaran dan "
                 "melaporkan setiap penyaluran kepada PIHAK KEDUA."},
        {"title": "Hak dan Kewajiban PIHAK KEDUA",
         "text": "(1) PIHAK KEDUA berhak memperoleh laporan penyaluran dana.\n"
                 "(2) PIHAK KEDUA berkewajiban menyediakan dana sesuai Pasal 6."},
        {"title": "Pembiayaan",
         "text": "Nilai dana kerja sama ini sebesar {nilai} ({terbilang}), yang bersumber dari "
                 "dana Tanggung Jawab Sosial dan Lingkungan {perusahaan}."},
        {"title": "Jangka Waktu",
         "text": "Perjanjian ini berlaku selama 12 (dua belas) bulan sejak ditandatangani dan "
                 "dapat diperpanjang atas kesepakatan PARA PIHAK."},
    ] + _COMMON_TAIL,
}

_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """Replace known {placeholders}; leave anything else exactly as typed."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def to_text(clauses: list[dict]) -> str:
    """The editing format: each clause starts with a line `## Title`."""
    return "\n\n".join(f"## {c['title']}\n{c['text']}" for c in clauses)


def from_text(text: str) -> list[dict]:
    clauses: list[dict] = []
    for line in (text or "").replace("\r\n", "\n").split("\n"):
        if line.startswith("## "):
            clauses.append({"title": line[3:].strip(), "text": ""})
        elif clauses:
            clauses[-1]["text"] += line + "\n"
        elif line.strip():
            clauses.append({"title": "", "text": line + "\n"})
    return [{"title": c["title"][:200], "text": c["text"].strip()} for c in clauses
            if c["title"] or c["text"].strip()]
