"""No official document is issued while something it prints is missing, and none prints a
placeholder: every kind issued from the demo is read back; from an empty city, every kind is
refused with what is missing and where it is filled in."""
from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest

from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page, post_page

PLACEHOLDER = re.compile(r"\[[^\]]*\]|\bNone\b|…/…|\{[a-z_]+\}")


def pdf_text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _forget_officials():
    """The demo fills only what the city left empty: start from a city that filled nothing."""
    from sponsorship.settings.models import Setting

    db.session.execute(db.delete(Setting).where(Setting.key.in_(factories.OFFICIALS)))
    db.session.commit()


def test_every_kind_issued_from_the_demo_reads_without_a_placeholder(app, app_ctx):
    from sponsorship.documents import official, report, service
    from sponsorship.documents.models import KINDS, Document
    from sponsorship.proposals.models import AidProposal
    from sponsorship.sponsors.models import Sponsor

    _forget_officials()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    staff = factories._system_staff()
    bank = db.session.scalar(db.select(Sponsor).where(Sponsor.short_name == "Bank Sumsel Babel"))
    # the kinds the demo does not issue by itself
    from sponsorship.agreements import service as agreements
    from sponsorship.agreements.models import Agreement

    agreement = db.session.scalar(db.select(Agreement).where(Agreement.status != "draft").limit(1))
    agreements.issue_addendum(agreement, actor=staff, clauses=[{"title": "Perubahan", "text": "Uji {nilai}"}])
    verified = db.session.scalar(db.select(AidProposal).where(AidProposal.verification.has()).limit(1))
    official.issue_verification_sheet(verified, actor=staff)
    report.issue_impact_report(bank, actor=staff, start=date(2026, 1, 1), end=date(2026, 3, 1))
    report.issue_certificate(bank, actor=staff)
    db.session.commit()

    documents = db.session.scalars(db.select(Document)).all()
    assert {d.kind for d in documents} == set(KINDS)
    for kind in KINDS:  # one of each kind is enough to read back
        document = next(d for d in documents if d.kind == kind)
        text = pdf_text(service.read_bytes(document))
        assert not PLACEHOLDER.findall(text), (kind, PLACEHOLDER.findall(text))
        assert "Rp " not in text, kind  # one Rupiah style in documents: Rp42.000,00
    mayor = db.session.scalar(db.select(Document).where(Document.kind == "approval_letter"))
    assert "Dr. H. Rahmat Hidayat, S.E., M.M." in pdf_text(service.read_bytes(mayor))


def test_the_demo_approval_letter_link_works(app, app_ctx, login):
    from sponsorship.minutes.models import Minutes

    _forget_officials()
    assert app.test_cli_runner().invoke(args=["seed-demo"]).exit_code == 0
    db.session.expire_all()
    approved = db.session.scalar(db.select(Minutes).where(Minutes.status == "approved"))
    client = login(factories._system_staff())
    page = get_page(client, f"/minutes/{approved.id}")
    links = [a["href"] for a in page.select("[data-testid=minutes-documents] a")]
    assert f"/documents/minutes/{approved.id}/approval-letter.pdf" in links
    for href in links:
        assert client.get(href).status_code == 200, href


def _issue_each(staff, sponsor_user, company):
    """Every way a kind is issued, with its subject; each must be refused in an empty city."""
    from sponsorship.agreements import service as agreements
    from sponsorship.billing import service as billing
    from sponsorship.documents import official, report
    from sponsorship.minutes import service as minutes_service

    minutes = factories.make_minutes(with_item=True)
    final_minutes = factories.issued_minutes()
    draft = factories.agreement_for(company)
    final = factories.agreement_for(company, "final")
    pledge = factories.make_pledge(sponsor=company, status="active", quota=3)
    payment = factories.payment_for(company)
    proposal = factories.make_proposal(status="verified_eligible")
    approver = factories.make_user(role="approver")
    return {
        "agreement": lambda: agreements.transition_agreement(draft, "finalise", actor=staff),
        "addendum": lambda: agreements.issue_addendum(final, actor=staff,
                                                      clauses=[{"title": "A", "text": "B"}]),
        "berita_acara": lambda: minutes_service.finalise_minutes(minutes, actor=staff),
        # approving issues the mayor's letter, so approving is refused too
        "approval_letter": lambda: minutes_service.approve_minutes(final_minutes, actor=approver),
        "verification_sheet": lambda: official.issue_verification_sheet(proposal, actor=staff),
        "impact_report": lambda: report.issue_impact_report(company, actor=staff, start=date(2026, 1, 1),
                                                            end=date(2026, 3, 1)),
        "certificate": lambda: report.issue_certificate(company, actor=staff),
        "invoice": lambda: billing.bill_pledge_month(pledge, date(2026, 1, 1), actor=staff),
        "receipt": lambda: billing.decide_payment(payment, "confirm", actor=staff),
    }


def test_an_empty_city_issues_nothing_and_says_what_is_missing(app, app_ctx, staff, sponsor_a, company_a):
    from sponsorship.documents.models import KINDS, Document
    from sponsorship.documents.readiness import NotReady

    with app.test_request_context():
        attempts = _issue_each(staff, sponsor_a, company_a)
        before = db.session.scalar(db.select(db.func.count(Document.id)))
        factories.empty_city()
        assert set(attempts) == set(KINDS)
        for kind, attempt in attempts.items():
            with pytest.raises(NotReady) as refused:
                attempt()
            db.session.rollback()
            labels = [m.label for m in refused.value.missing]
            assert "Nama pemerintah daerah" in labels, kind  # the letterhead, for every kind
            assert all(m.url and m.url.startswith("/") for m in refused.value.missing), kind
        assert db.session.scalar(db.select(db.func.count(Document.id))) == before


@pytest.mark.parametrize(("key", "label"), [
    ("mayor_name", "Nama kepala daerah"), ("treasurer_nip", "NIP penanda tangan tagihan dan tanda terima"),
    ("payee_account_number", "Nomor rekening penerimaan")])
def test_one_missing_value_is_named_with_its_settings_link(app, app_ctx, key, label):
    from sponsorship.documents.readiness import missing
    from sponsorship.settings.models import Setting

    kinds = {"mayor_name": "approval_letter", "treasurer_nip": "receipt", "payee_account_number": "invoice"}
    with app.test_request_context():
        assert missing(kinds[key]) == []
        db.session.merge(Setting(key=key, value=""))
        db.session.commit()
        gaps = missing(kinds[key])
        assert [(m.label, m.url) for m in gaps] == [(label, f"/admin/settings/#s-{key}")]


def test_a_number_format_that_does_not_parse_is_missing(app, app_ctx):
    from sponsorship.documents.readiness import missing
    from sponsorship.settings.models import Setting

    with app.test_request_context():
        db.session.merge(Setting(key="number_format_invoice", value="TAG/{nomor}"))
        db.session.commit()
        assert [m.label for m in missing("invoice")] == ["Format nomor tagihan iuran sponsor"]


def test_finalising_a_pks_shows_what_is_missing_with_links(login, staff, company_a):
    from sponsorship.sponsors.models import Sponsor

    agreement = factories.agreement_for(company_a)
    db.session.get(Sponsor, company_a.id).address = None
    db.session.commit()
    factories.empty_city()
    client = login(staff)
    page = get_page(client, f"/pledges/{agreement.pledge_id}/agreement/finalise")
    links = {a.text.strip(): a["href"] for a in page.select("[data-testid=missing] a")}
    assert links["Nama pemerintah daerah"] == "/admin/settings/#s-city_name"
    assert links["Alamat perusahaan"] == f"/sponsors/{company_a.id}/edit"
    assert links["Nomor rekening penerimaan"] == "/admin/settings/#s-payee_account_number"
    assert page.select_one("[data-testid=finalise-confirm]") is None
    # posting anyway is refused with the same list, and nothing is numbered
    response = client.post(f"/pledges/{agreement.pledge_id}/agreement/finalise", data={"confirm": "y"})
    assert response.status_code == 409
    assert "Alamat perusahaan" in response.get_data(as_text=True)
    db.session.expire_all()
    assert agreement.status == "draft" and agreement.city_number is None


def test_finalising_asks_for_confirmation_after_the_draft_preview(login, staff, company_a):
    agreement = factories.agreement_for(company_a)
    client = login(staff)
    edit = get_page(client, f"/pledges/{agreement.pledge_id}/agreement")
    confirm_url = edit.select_one("[data-testid=finalise]")["href"]
    page = get_page(client, confirm_url)
    assert "tidak dapat dibatalkan" in page.select_one("[data-testid=irreversible]").text
    preview = client.get(page.select_one("[data-testid=preview-link]")["href"])
    assert "DRAF" in pdf_text(preview.data)
    # without the confirmation box nothing happens
    post_page(client, confirm_url, {})
    db.session.expire_all()
    assert agreement.status == "draft"
    post_page(client, confirm_url, {"confirm": "y"})
    db.session.expire_all()
    assert agreement.status == "final" and agreement.city_number


def test_settings_page_accepts_empty_officials(login, admin):
    from sponsorship.settings.service import DEFAULTS, all_settings

    client = login(admin)
    values = {f"s-{k}": v for k, v in all_settings().items()}
    values["s-mayor_name"] = ""
    post_page(client, "/admin/settings/", values)
    assert all_settings()["mayor_name"] == "" and DEFAULTS["mayor_name"] == ""
    page = get_page(client, "/admin/settings/")
    assert page.select_one("#s-treasurer_nip") is not None


def test_a_placeholder_saved_from_an_old_default_counts_as_missing(app, app_ctx, company_a):
    from sponsorship.documents.readiness import missing
    from sponsorship.settings.models import Setting

    agreement = factories.agreement_for(company_a)
    agreement.company_signatory_name = "[Nama Direktur Utama]"
    db.session.merge(Setting(key="mayor_name", value="[Nama Wali Kota]"))
    db.session.commit()
    with app.test_request_context():
        assert [m.label for m in missing("agreement", agreement=agreement)] == [
            "Penanda tangan pihak perusahaan"]
        assert [m.label for m in missing("approval_letter")] == ["Nama kepala daerah"]
