"""UHC Prioritas on the city dashboard: the APBD-funded share against its threshold, unpaid city
premiums and BPJS's answer, recorded with the month's figures, and what still stands between the
city and the status (figures computed by hand)."""
from __future__ import annotations

from datetime import date

from tests.pages import get_page, post_page


def _obstacles(page) -> list[str]:
    return [li.text.strip() for li in page.select("[data-testid=prioritas-obstacles] li")]


def test_staff_record_prioritas_figures_and_see_what_stands_in_the_way(db_session, login, staff, approver):
    from sponsorship.uhc import service
    from sponsorship.uhc.models import CoverageFigure

    client = login(staff)
    post_page(client, "/uhc/figures/new", {"month": "2025-04", "population": "242285", "registered": "239344",
                                            "active": "179963", "city_funded": "45000",
                                            "city_premium_arrears": "y", "bpjs_approval": "submitted"})
    page = get_page(client, "/uhc/")
    assert page.select_one("[data-testid=city-share]").text.strip() == "18,57 %"
    assert page.select_one("[data-testid=city-arrears]").text.strip() == "Ada"
    assert page.select_one("[data-testid=approval]").text.strip() == "Diajukan, menunggu BPJS"
    # 80 % of 239.344 = 191.475,2 -> 191.476 active; 20 % of 242.285 = 48.457 city-funded.
    assert _obstacles(page) == [
        "Keaktifan di bawah ambang: kurang 11.513 peserta aktif.",
        "Peserta dibiayai APBD di bawah ambang: kurang 3.457 peserta PBPU Pemda.",
        "Pemda masih menunggak iuran ke BPJS Kesehatan.",
        "Persetujuan BPJS: Diajukan, menunggu BPJS."]
    home = get_page(login(approver), "/")
    assert " ".join(home.select_one("[data-testid=summary-prioritas]").text.split()) == (
        "UHC Prioritas: Diajukan, menunggu BPJS · 4 hal masih menghalangi")
    figure = db_session.scalars(db_session.query(CoverageFigure).statement).one()
    service.update_figure(figure, actor=staff, data={
        "month": date(2025, 4, 1), "population": 242285, "registered": 239344, "active": 191476,
        "city_funded": 48457, "city_premium_arrears": False, "bpjs_approval": "approved"})
    db_session.commit()
    assert _obstacles(get_page(client, "/uhc/")) == ["Tidak ada: semua syarat terpenuhi dan disetujui BPJS."]


def test_a_month_without_the_city_funded_count_says_so_and_bad_counts_are_refused(db_session, login, staff):
    client = login(staff)
    post_page(client, "/uhc/figures/new", {"month": "2025-05", "population": "1000", "registered": "990",
                                            "active": "900"})
    assert _obstacles(get_page(client, "/uhc/")) == [
        "Jumlah peserta dibiayai APBD (PBPU Pemda) bulan ini belum dicatat.",
        "Persetujuan BPJS: Belum diajukan."]
    response = client.post("/uhc/figures/new", data={"month": "2025-06", "population": "1000",
                                                     "registered": "990", "active": "900",
                                                     "city_funded": "991"})
    assert response.status_code == 200
    refusal = "Peserta dibiayai APBD harus antara 0 dan jumlah peserta terdaftar."
    assert refusal in response.get_data(as_text=True)


def test_the_bpjs_figures_csv_may_carry_the_prioritas_columns(db_session, staff):
    from sponsorship.uhc import service
    from sponsorship.uhc.models import CoverageFigure

    service.import_figures(actor=staff, text=(
        "bulan;penduduk;terdaftar;aktif;pbpu_pemda;tunggakan_pemda;persetujuan_bpjs\n"
        "2025-04;242.285;239.344;179.963;48.457;ya;diajukan\n"
        "2025-05;242.360;239.410;180.000;;;\n"))
    db_session.commit()
    april, may = db_session.scalars(db_session.query(CoverageFigure).order_by(CoverageFigure.month).statement)
    assert (april.city_funded, april.city_premium_arrears, april.bpjs_approval) == (48_457, True, "submitted")
    assert (may.city_funded, may.city_premium_arrears, may.bpjs_approval) == (None, False, "not_submitted")
    rows, problems = service.parse_csv("bulan,penduduk,terdaftar,aktif,persetujuan_bpjs\n"
                                       "2025-06,10,9,8,mungkin\n")
    assert rows == [] and problems == [
        (2, 'persetujuan_bpjs "mungkin" tidak dikenal (belum, diajukan, disetujui, ditolak)')]
