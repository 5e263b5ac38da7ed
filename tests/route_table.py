"""Every route of the app with the status each persona must get; read by the route x role test
(tests/integration/test_routes_by_role.py) and the CSRF test.

To add a route: append one dict to ROUTES ("method" defaults to GET). `url` is a string
or a function of the World (the objects the URLs point at; `w.fresh_pledge()` etc. give a
POST its own object), `data` the form posted (optional), `expect` the status per role.
The test fails when the app has a route this table does not list, so none is skipped.
Rows run in order; a row with "ends_session" runs last (logging out ends the cookie).
Edit forms get an invalid field (re-rendered: 200): an empty POST would resubmit the
object's own values, because Flask-WTF reads no form data from an empty body.
"""
from __future__ import annotations

from dataclasses import dataclass

from tests import factories

ROLES = ("anonymous", "admin", "staff", "sponsor", "other_sponsor", "verifier", "approver")


def expect(anonymous, admin, staff, sponsor, other_sponsor, verifier, approver):
    """Statuses in ROLES order; `other_sponsor` is the user of another company than the objects'."""
    return dict(zip(ROLES, (anonymous, admin, staff, sponsor, other_sponsor, verifier, approver),
                    strict=True))


@dataclass
class World:
    company: object  # company A: `sponsor` works for it, `other_sponsor` for company B
    pledge: object  # a draft premium pledge of company A
    target_user: object  # a verifier account the admin edits

    def fresh_pledge(self):
        return factories.make_pledge(sponsor=self.company)

    def fresh_user(self):
        return factories.make_user(role="verifier")

    def job(self):
        """A failed job nobody of the personas started (a scheduled one)."""
        from sponsorship.extensions import db
        from sponsorship.jobs.models import Job

        job = Job(kind="bill-month", status="failed", params={"month": "2026-01"}, error="x")
        db.session.add(job)
        db.session.commit()
        return job

    def coverage_figure(self):
        from datetime import date

        from sponsorship.extensions import db
        from sponsorship.uhc.models import CoverageFigure

        figure = db.session.scalar(db.select(CoverageFigure).limit(1))
        if figure is None:
            figure = CoverageFigure(month=date(2025, 4, 1), population=242_285, registered=239_344,
                                    active=179_963)
            db.session.add(figure)
            db.session.commit()
        return figure


OFFICE_ONLY = expect(302, 200, 200, 403, 403, 403, 403)
ADMIN_ONLY = expect(302, 200, 403, 403, 403, 403, 403)
SIGNED_IN = expect(302, 200, 200, 200, 200, 200, 200)

ROUTES: list[dict] = [
    # --- public and accounts ---
    {"rule": "/healthz", "url": "/healthz", "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/login", "url": "/login", "expect": expect(200, 302, 302, 302, 302, 302, 302)},
    {"rule": "/login", "method": "POST", "url": "/login", "data": {},
     "expect": expect(200, 302, 302, 302, 302, 302, 302)},
    {"rule": "/logout", "url": "/logout", "expect": expect(302, 200, 200, 200, 200, 200, 200)},
    {"rule": "/logout", "method": "POST", "url": "/logout", "data": {}, "ends_session": True,
     "expect": expect(302, 302, 302, 302, 302, 302, 302)},
    {"rule": "/lang/<code>", "method": "POST", "url": "/lang/id", "data": {},
     "expect": expect(302, 302, 302, 302, 302, 302, 302)},
    {"rule": "/account/password", "url": "/account/password", "expect": SIGNED_IN},
    {"rule": "/account/password", "method": "POST", "url": "/account/password",
     "data": {"current": "salah-sekali-123", "password": "baru-baru-123", "confirm": "baru-baru-123"},
     "expect": SIGNED_IN},
    # --- homes ---
    {"rule": "/", "url": "/", "expect": expect(302, 200, 200, 302, 302, 200, 200)},
    {"rule": "/portal/", "url": "/portal/", "expect": expect(302, 403, 403, 200, 200, 403, 403)},
    # --- premium billing (builders in tests/factories.py) ---
    {"rule": "/billing/", "url": "/billing/", "expect": expect(302, 200, 200, 200, 200, 403, 403)},
    {"rule": "/billing/run", "method": "POST", "url": "/billing/run", "data": {},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/billing/invoices/<int:invoice_id>",
     "url": lambda w: f"/billing/invoices/{factories.invoice_for(w.company).id}",
     "expect": expect(302, 200, 200, 200, 404, 403, 403)},
    {"rule": "/billing/invoices/<int:invoice_id>/pay", "method": "POST", "data": {},
     "url": lambda w: f"/billing/invoices/{factories.invoice_for(w.company).id}/pay",
     "expect": expect(302, 403, 403, 400, 404, 403, 403)},
    {"rule": "/billing/invoices/<int:invoice_id>/cancel", "method": "POST", "data": {},
     "url": lambda w: f"/billing/invoices/{factories.invoice_for(w.company).id}/cancel",
     "expect": expect(302, 400, 400, 403, 403, 403, 403)},
    {"rule": "/billing/payments/<int:payment_id>/<move>", "method": "POST", "data": {},
     "url": lambda w: f"/billing/payments/{factories.payment_for(w.company).id}/confirm",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/billing/payments/<int:payment_id>/proof",
     "url": lambda w: f"/billing/payments/{factories.payment_for(w.company).id}/proof",
     "expect": expect(302, 200, 200, 200, 404, 403, 403)},
    {"rule": "/billing/bpjs-payments/<int:payment_id>/<move>", "method": "POST", "data": {},
     "url": lambda w: f"/billing/bpjs-payments/{factories.bpjs_payment_for(w.company).id}/confirm",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/billing/bpjs-payments/<int:payment_id>/proof",
     "url": lambda w: f"/billing/bpjs-payments/{factories.bpjs_payment_for(w.company).id}/proof",
     "expect": expect(302, 200, 200, 200, 404, 403, 403)},
    {"rule": "/portal/pledges/<int:pledge_id>/bpjs-payments",
     "url": lambda w: f"/portal/pledges/{factories.direct_pledge(w.company).id}/bpjs-payments",
     "expect": expect(302, 403, 403, 200, 404, 403, 403)},
    {"rule": "/portal/pledges/<int:pledge_id>/bpjs-payments", "method": "POST", "data": {},
     "url": lambda w: f"/portal/pledges/{factories.direct_pledge(w.company).id}/bpjs-payments",
     "expect": expect(302, 403, 403, 400, 404, 403, 403)},
    {"rule": "/portal/impact-reports", "url": "/portal/impact-reports",
     "expect": expect(302, 403, 403, 200, 200, 403, 403)},
    {"rule": "/portal/impact-reports", "method": "POST", "url": "/portal/impact-reports", "data": {},
     "expect": expect(302, 403, 403, 200, 200, 403, 403)},
    {"rule": "/billing/pledges/<int:pledge_id>/statement",
     "url": lambda w: f"/billing/pledges/{w.pledge.id}/statement",
     "expect": expect(302, 200, 200, 200, 404, 403, 403)},
    {"rule": "/portal/colleagues", "url": "/portal/colleagues",
     "expect": expect(302, 403, 403, 200, 403, 403, 403)},
    {"rule": "/portal/colleagues", "method": "POST", "url": "/portal/colleagues", "data": {},
     "expect": expect(302, 403, 403, 200, 403, 403, 403)},
    {"rule": "/portal/colleagues/<int:user_id>/active", "method": "POST", "data": {},
     "url": lambda w: ("/portal/colleagues/"
                        f"{factories.make_user(role='sponsor', sponsor=w.company).id}/active"),
     "expect": expect(302, 403, 403, 302, 403, 403, 403)},
    # --- notifications: what waits on each user; only one's own items open ---
    {"rule": "/notifications/", "url": "/notifications/", "expect": SIGNED_IN},
    {"rule": "/notifications/open/<key>", "method": "POST", "data": {},
     "url": lambda w: f"/notifications/open/invoice:{factories.invoice_for(w.company).id}:issued",
     "expect": expect(302, 404, 404, 302, 404, 404, 404)},
    {"rule": "/notifications/count", "url": "/notifications/count", "expect": SIGNED_IN},
    # --- jobs: office staff see all; anyone else only the jobs they started (none here) ---
    {"rule": "/jobs/", "url": "/jobs/", "expect": OFFICE_ONLY},
    {"rule": "/jobs/<int:job_id>", "url": lambda w: f"/jobs/{w.job().id}",
     "expect": expect(302, 200, 200, 404, 404, 404, 404)},
    {"rule": "/jobs/<int:job_id>/status", "url": lambda w: f"/jobs/{w.job().id}/status",
     "expect": expect(302, 200, 200, 404, 404, 404, 404)},
    {"rule": "/jobs/<int:job_id>/retry", "method": "POST", "data": {},
     "url": lambda w: f"/jobs/{w.job().id}/retry", "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    # --- operations: metrics from allowed addresses only (the test client is loopback) ---
    {"rule": "/metrics", "url": "/metrics", "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/readyz", "url": "/readyz", "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    # --- user administration ---
    {"rule": "/admin/users/", "url": "/admin/users/", "expect": ADMIN_ONLY},
    {"rule": "/admin/users/new", "url": "/admin/users/new", "expect": ADMIN_ONLY},
    {"rule": "/admin/users/new", "method": "POST", "url": "/admin/users/new", "data": {},
     "expect": ADMIN_ONLY},
    {"rule": "/admin/users/<int:user_id>", "method": "GET",
     "url": lambda w: f"/admin/users/{w.target_user.id}", "expect": ADMIN_ONLY},
    {"rule": "/admin/users/<int:user_id>", "method": "POST",
     "url": lambda w: f"/admin/users/{w.target_user.id}", "data": {"full_name": ""},
     "expect": ADMIN_ONLY},
    {"rule": "/admin/users/<int:user_id>/active", "method": "POST",
     "url": lambda w: f"/admin/users/{w.fresh_user().id}/active", "data": {},
     "expect": expect(302, 302, 403, 403, 403, 403, 403)},
    {"rule": "/admin/users/<int:user_id>/password", "method": "POST",
     "url": lambda w: f"/admin/users/{w.fresh_user().id}/password", "data": {},
     "expect": expect(302, 302, 403, 403, 403, 403, 403)},
    # --- settings ---
    {"rule": "/admin/settings/", "url": "/admin/settings/", "expect": ADMIN_ONLY},
    {"rule": "/admin/settings/", "method": "POST", "url": "/admin/settings/", "data": {"s-city_name": ""},
     "expect": ADMIN_ONLY},
    {"rule": "/admin/settings/tariffs", "method": "POST", "url": "/admin/settings/tariffs", "data": {},
     "expect": expect(302, 422, 403, 403, 403, 403, 403)},
    # --- first run: the city's setup and letterhead emblem ---
    {"rule": "/admin/setup/", "url": "/admin/setup/", "expect": ADMIN_ONLY},
    {"rule": "/admin/setup/", "method": "POST", "url": "/admin/setup/", "data": {"area_code": ""},
     "expect": expect(302, 422, 403, 403, 403, 403, 403)},
    {"rule": "/admin/setup/emblem", "method": "POST", "url": "/admin/setup/emblem", "data": {},
     "expect": expect(302, 422, 403, 403, 403, 403, 403)},
    # --- the signing certificate ---
    {"rule": "/admin/signing/", "url": "/admin/signing/", "expect": ADMIN_ONLY},
    {"rule": "/admin/signing/", "method": "POST", "url": "/admin/signing/", "data": {},
     "expect": expect(302, 422, 403, 403, 403, 403, 403)},
    # --- sponsors ---
    {"rule": "/sponsors/", "url": "/sponsors/", "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/sponsors/new", "url": "/sponsors/new", "expect": OFFICE_ONLY},
    {"rule": "/sponsors/new", "method": "POST", "url": "/sponsors/new", "data": {}, "expect": OFFICE_ONLY},
    {"rule": "/sponsors/<int:sponsor_id>", "url": lambda w: f"/sponsors/{w.company.id}",
     "expect": expect(302, 200, 200, 200, 404, 403, 200)},
    {"rule": "/sponsors/<int:sponsor_id>/edit", "method": "GET",
     "url": lambda w: f"/sponsors/{w.company.id}/edit", "expect": OFFICE_ONLY},
    {"rule": "/sponsors/<int:sponsor_id>/edit", "method": "POST",
     "url": lambda w: f"/sponsors/{w.company.id}/edit", "data": {"name": ""}, "expect": OFFICE_ONLY},
    # --- pledges ---
    {"rule": "/pledges/", "url": "/pledges/", "expect": expect(302, 200, 200, 200, 200, 403, 200)},
    {"rule": "/pledges/new", "url": "/pledges/new", "expect": OFFICE_ONLY},
    {"rule": "/pledges/new", "method": "POST", "url": "/pledges/new", "data": {}, "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>", "url": lambda w: f"/pledges/{w.pledge.id}",
     "expect": expect(302, 200, 200, 200, 404, 403, 200)},
    {"rule": "/pledges/<int:pledge_id>/edit", "method": "GET",
     "url": lambda w: f"/pledges/{w.pledge.id}/edit", "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>/edit", "method": "POST",
     "url": lambda w: f"/pledges/{w.pledge.id}/edit", "data": {"title": ""}, "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>/move/<name>", "method": "POST",
     "url": lambda w: f"/pledges/{w.fresh_pledge().id}/move/agree", "data": {},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    # --- audit ---
    {"rule": "/audit/", "url": "/audit/", "expect": OFFICE_ONLY},
    # --- UHC figures and the public transparency page ---
    {"rule": "/transparency", "url": "/transparency",
     "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/uhc/", "url": "/uhc/", "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/uhc/export/<name>.xlsx", "url": "/uhc/export/trend.xlsx",
     "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/uhc/figures/new", "url": "/uhc/figures/new", "expect": OFFICE_ONLY},
    {"rule": "/uhc/figures/new", "method": "POST", "url": "/uhc/figures/new", "data": {},
     "expect": OFFICE_ONLY},
    {"rule": "/uhc/figures/<int:figure_id>/edit", "method": "GET",
     "url": lambda w: f"/uhc/figures/{w.coverage_figure().id}/edit", "expect": OFFICE_ONLY},
    {"rule": "/uhc/figures/<int:figure_id>/edit", "method": "POST",
     "url": lambda w: f"/uhc/figures/{w.coverage_figure().id}/edit", "data": {"population": ""},
     "expect": OFFICE_ONLY},
    {"rule": "/uhc/figures/import", "url": "/uhc/figures/import", "expect": OFFICE_ONLY},
    {"rule": "/uhc/figures/import", "method": "POST", "url": "/uhc/figures/import", "data": {},
     "expect": OFFICE_ONLY},
    # --- aid proposals, berita acara, payouts, /track (builders in tests/factories.py) ---
    {"rule": "/proposals/", "url": "/proposals/", "expect": expect(302, 200, 200, 403, 403, 200, 200)},
    {"rule": "/proposals/new", "url": "/proposals/new", "expect": OFFICE_ONLY},
    {"rule": "/proposals/new", "method": "POST", "url": "/proposals/new", "data": {}, "expect": OFFICE_ONLY},
    {"rule": "/proposals/pipeline", "url": "/proposals/pipeline",
     "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/proposals/<int:proposal_id>", "url": lambda w: f"/proposals/{factories.make_proposal().id}",
     "expect": expect(302, 200, 200, 403, 403, 200, 200)},
    {"rule": "/proposals/<int:proposal_id>/assign", "method": "POST", "data": {},
     "url": lambda w: f"/proposals/{factories.make_proposal().id}/assign",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/proposals/<int:proposal_id>/attachments", "method": "POST", "data": {},
     "url": lambda w: f"/proposals/{factories.make_proposal().id}/attachments",
     "expect": expect(302, 400, 400, 403, 403, 403, 403)},
    {"rule": "/proposals/<int:proposal_id>/attachments/<int:attachment_id>",
     "url": lambda w: factories.aid_attachment_url(), "expect": expect(302, 200, 200, 403, 403, 200, 200)},
    {"rule": "/proposals/<int:proposal_id>/move/<name>", "method": "POST", "data": {},
     "url": lambda w: f"/proposals/{factories.make_proposal().id}/move/take",
     "expect": expect(302, 403, 403, 403, 403, 302, 403)},
    {"rule": "/proposals/<int:proposal_id>/verify",
     "url": lambda w: f"/proposals/{factories.make_proposal().id}/verify",
     "expect": expect(302, 403, 403, 403, 403, 200, 403)},
    {"rule": "/proposals/<int:proposal_id>/verify", "method": "POST", "data": {},
     "url": lambda w: f"/proposals/{factories.make_proposal().id}/verify",
     "expect": expect(302, 403, 403, 403, 403, 200, 403)},
    {"rule": "/minutes/", "url": "/minutes/", "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/minutes/new", "url": "/minutes/new", "expect": OFFICE_ONLY},
    {"rule": "/minutes/new", "method": "POST", "url": "/minutes/new", "data": {}, "expect": OFFICE_ONLY},
    {"rule": "/minutes/<int:minutes_id>", "url": lambda w: f"/minutes/{factories.make_minutes().id}",
     "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/minutes/<int:minutes_id>/edit", "method": "POST", "data": {},
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/edit",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/attendees", "method": "POST", "data": {},
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/attendees",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/attendees/<int:attendee_id>/delete", "method": "POST", "data": {},
     "url": lambda w: (lambda m: f"/minutes/{m.id}/attendees/{m.attendees[0].id}/delete")(
         factories.make_minutes()), "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/items", "method": "POST", "data": {},
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/items",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/items/<int:item_id>/delete", "method": "POST", "data": {},
     "url": lambda w: (lambda m: f"/minutes/{m.id}/items/{m.items[0].id}/delete")(
         factories.make_minutes(with_item=True)), "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/finalise",
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/finalise",
     "expect": expect(302, 200, 200, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/preview.pdf",
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/preview.pdf",
     "expect": expect(302, 200, 200, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/finalise", "method": "POST", "data": {},  # unconfirmed: back
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/finalise",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/minutes/<int:minutes_id>/approve", "method": "POST", "data": {},
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/approve",
     "expect": expect(302, 403, 403, 403, 403, 403, 409)},
    {"rule": "/minutes/<int:minutes_id>/return", "method": "POST", "data": {},
     "url": lambda w: f"/minutes/{factories.make_minutes().id}/return",
     "expect": expect(302, 403, 403, 403, 403, 403, 409)},
    {"rule": "/disbursements/new/<int:proposal_id>",
     "url": lambda w: f"/disbursements/new/{factories.make_proposal().id}",
     "expect": expect(302, 200, 200, 403, 403, 200, 403)},
    {"rule": "/disbursements/new/<int:proposal_id>", "method": "POST", "data": {},
     "url": lambda w: f"/disbursements/new/{factories.make_proposal().id}",
     "expect": expect(302, 200, 200, 403, 403, 200, 403)},
    {"rule": "/disbursements/<int:payout_id>/receipt", "method": "POST", "data": {},
     "url": lambda w: f"/disbursements/{factories.aid_payout().id}/receipt",
     "expect": expect(302, 302, 302, 403, 403, 302, 403)},
    {"rule": "/portal/fund/", "url": "/portal/fund/", "expect": expect(302, 403, 403, 200, 200, 403, 403)},
    {"rule": "/track", "url": "/track", "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/track", "method": "POST", "url": "/track", "data": {},
     "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    # --- registry and allocation ---
    {"rule": "/beneficiaries/", "url": "/beneficiaries/", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/find", "method": "POST", "url": "/beneficiaries/find", "data": {"nik": ""},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/beneficiaries/<int:beneficiary_id>",
     "url": lambda w: f"/beneficiaries/{factories.registry_resident()}", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/import", "url": "/beneficiaries/import", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/import", "method": "POST", "url": "/beneficiaries/import", "data": {},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/beneficiaries/import/<int:batch_id>",
     "url": lambda w: f"/beneficiaries/import/{factories.registry_batch()}", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/import/<int:batch_id>/confirm", "method": "POST", "data": {},
     "url": lambda w: f"/beneficiaries/import/{factories.registry_batch()}/confirm",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/beneficiaries/import/columns", "url": "/beneficiaries/import/columns", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/import/template-<source>.csv",
     "url": "/beneficiaries/import/template-manual.csv", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/discrepancies", "url": "/beneficiaries/discrepancies", "expect": OFFICE_ONLY},
    {"rule": "/beneficiaries/discrepancies/<int:discrepancy_id>/resolve", "method": "POST",
     "url": lambda w: f"/beneficiaries/discrepancies/{factories.registry_discrepancy()}/resolve",
     "data": {"source": "dinsos"}, "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/beneficiaries/discrepancies/bulk", "method": "POST",
     "url": "/beneficiaries/discrepancies/bulk", "data": {"source": "dinsos", "fields": "name"},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/linkage/", "url": "/linkage/", "expect": OFFICE_ONLY},
    {"rule": "/linkage/<int:candidate_id>", "url": lambda w: f"/linkage/{factories.link_candidate()}",
     "expect": OFFICE_ONLY},
    {"rule": "/linkage/<int:candidate_id>/decide", "method": "POST", "data": {"decision": "different"},
     "url": lambda w: f"/linkage/{factories.link_candidate()}/decide",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/linkage/merges/<int:merge_id>/unmerge", "method": "POST", "data": {},
     "url": lambda w: f"/linkage/merges/{factories.resident_merge()}/unmerge",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/linkage/run", "method": "POST", "url": "/linkage/run", "data": {},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/allocations/pledge/<int:pledge_id>", "url": lambda w: f"/allocations/pledge/{w.pledge.id}",
     "expect": OFFICE_ONLY},
    {"rule": "/allocations/pledge/<int:pledge_id>/search", "method": "POST", "data": {"q": "warga"},
     "url": lambda w: f"/allocations/pledge/{factories.registry_pledge(w.company).id}/search",
     "expect": expect(302, 200, 200, 403, 403, 403, 403)},
    {"rule": "/allocations/pledge/<int:pledge_id>/add", "method": "POST",
     "url": lambda w: f"/allocations/pledge/{factories.registry_pledge(w.company).id}/add",
     "data": lambda w: {"beneficiary_id": factories.registry_resident()},
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/allocations/pledge/<int:pledge_id>/fill", "method": "POST", "data": {},
     "url": lambda w: f"/allocations/pledge/{factories.registry_pledge(w.company).id}/fill",
     "expect": expect(302, 200, 200, 403, 403, 403, 403)},
    {"rule": "/allocations/pledge/<int:pledge_id>/fill/confirm", "method": "POST", "data": {},
     "url": lambda w: f"/allocations/pledge/{factories.registry_pledge(w.company).id}/fill/confirm",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/allocations/<int:allocation_id>/move/<name>", "method": "POST", "data": {"reason": "deceased"},
     "url": lambda w: f"/allocations/{factories.registry_allocation(w.company)}/move/end",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/allocations/<int:allocation_id>/replace", "method": "POST", "data": {"nik": ""},
     "url": lambda w: f"/allocations/{factories.registry_allocation(w.company)}/replace",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/allocations/pledge/<int:pledge_id>/export.<fmt>",
     "url": lambda w: f"/allocations/pledge/{w.pledge.id}/export.xlsx", "expect": OFFICE_ONLY},
    {"rule": "/allocations/export-columns", "url": "/allocations/export-columns", "expect": OFFICE_ONLY},
    # --- the eligibility policy: office roles read it, admins draft and activate ---
    {"rule": "/eligibility/", "url": "/eligibility/", "expect": OFFICE_ONLY},
    {"rule": "/eligibility/new", "url": "/eligibility/new", "expect": ADMIN_ONLY},
    {"rule": "/eligibility/new", "method": "POST", "url": "/eligibility/new", "data": {"name": ""},
     "expect": ADMIN_ONLY},
    {"rule": "/eligibility/<int:policy_id>", "url": lambda w: f"/eligibility/{factories.make_policy().id}",
     "expect": OFFICE_ONLY},
    {"rule": "/eligibility/<int:policy_id>/edit",
     "url": lambda w: f"/eligibility/{factories.make_policy().id}/edit", "expect": ADMIN_ONLY},
    {"rule": "/eligibility/<int:policy_id>/edit", "method": "POST", "data": {"name": ""},
     "url": lambda w: f"/eligibility/{factories.make_policy().id}/edit", "expect": ADMIN_ONLY},
    {"rule": "/eligibility/<int:policy_id>/move/<name>", "method": "POST", "data": {},
     "url": lambda w: f"/eligibility/{factories.make_policy().id}/move/activate",
     "expect": expect(302, 302, 403, 403, 403, 403, 403)},
    {"rule": "/eligibility/resident/<int:beneficiary_id>/facts", "method": "POST",
     "data": {"children_under_five": "1"},
     "url": lambda w: f"/eligibility/resident/{factories.registry_resident()}/facts",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/portal/coverage/", "url": "/portal/coverage/",
     "expect": expect(302, 403, 403, 200, 200, 403, 403)},
    {"rule": "/portal/coverage/<int:pledge_id>", "url": lambda w: f"/portal/coverage/{w.pledge.id}",
     "expect": expect(302, 403, 403, 200, 404, 403, 403)},
    # --- official documents, verification, agreements (builders in tests/factories.py) ---
    {"rule": "/documents/", "url": "/documents/", "expect": expect(302, 200, 200, 200, 200, 403, 403)},
    {"rule": "/documents/<int:document_id>.pdf",
     "url": lambda w: f"/documents/{factories.agreement_for(w.company, 'final').document_id}.pdf",
     "expect": expect(302, 200, 200, 200, 404, 404, 404)},
    {"rule": "/verify/", "url": "/verify/", "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/verify/", "method": "POST", "url": "/verify/", "data": {},
     "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/verify/<token>",
     "url": lambda w: f"/verify/{factories.agreement_for(w.company, 'final').document.token}",
     "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/verify/<token>", "method": "POST", "data": {},
     "url": lambda w: f"/verify/{factories.agreement_for(w.company, 'final').document.token}",
     "expect": expect(200, 200, 200, 200, 200, 200, 200)},
    {"rule": "/documents/minutes/<int:minutes_id>/berita-acara.pdf",
     "url": lambda w: f"/documents/minutes/{factories.issued_minutes().id}/berita-acara.pdf",
     "expect": expect(302, 200, 200, 403, 403, 403, 200)},
    {"rule": "/documents/minutes/<int:minutes_id>/approval-letter.pdf",  # not approved: none issued
     "url": lambda w: f"/documents/minutes/{factories.issued_minutes().id}/approval-letter.pdf",
     "expect": expect(302, 404, 404, 403, 403, 403, 404)},
    {"rule": "/documents/minutes/<int:minutes_id>/issue/<kind>", "method": "POST", "data": {},
     "url": lambda w: f"/documents/minutes/{factories.issued_minutes().id}/issue/berita_acara",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/documents/proposals/<int:proposal_id>/verification-sheet", "method": "POST", "data": {},
     "url": lambda w: (f"/documents/proposals/"
                       f"{factories.make_proposal(status='verified_eligible').id}/verification-sheet"),
     "expect": expect(302, 302, 302, 403, 403, 302, 403)},
    {"rule": "/documents/proposals/<int:proposal_id>/verification-sheet.pdf",  # none issued yet
     "url": lambda w: f"/documents/proposals/{factories.make_proposal().id}/verification-sheet.pdf",
     "expect": expect(302, 404, 404, 403, 403, 404, 403)},
    {"rule": "/pledges/<int:pledge_id>/agreement", "url": lambda w: f"/pledges/{w.pledge.id}/agreement",
     "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>/agreement", "method": "POST", "data": {"signing_place": ""},
     "url": lambda w: f"/pledges/{w.pledge.id}/agreement", "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>/agreement/preview.pdf",
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company).pledge_id}/agreement/preview.pdf",
     "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>/agreement/finalise",
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company).pledge_id}/agreement/finalise",
     "expect": OFFICE_ONLY},
    {"rule": "/pledges/<int:pledge_id>/agreement/finalise", "method": "POST", "data": {},
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company).pledge_id}/agreement/finalise",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/pledges/<int:pledge_id>/agreement/sign", "method": "POST", "data": {},
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company, 'final').pledge_id}/agreement/sign",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/pledges/<int:pledge_id>/agreement/addendum", "method": "POST", "data": {},
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company, 'final').pledge_id}/agreement/addendum",
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
    {"rule": "/pledges/<int:pledge_id>/agreement.pdf",
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company, 'final').pledge_id}/agreement.pdf",
     "expect": expect(302, 200, 200, 200, 404, 403, 403)},
    {"rule": "/pledges/<int:pledge_id>/agreement/scan",  # not signed yet: no scan
     "url": lambda w: f"/pledges/{factories.agreement_for(w.company, 'final').pledge_id}/agreement/scan",
     "expect": expect(302, 404, 404, 404, 404, 403, 403)},
    {"rule": "/agreements/templates/<programme>", "url": "/agreements/templates/premium",
     "expect": ADMIN_ONLY},
    {"rule": "/agreements/templates/<programme>", "method": "POST", "url": "/agreements/templates/premium",
     "data": {"clauses": ""}, "expect": ADMIN_ONLY},
    {"rule": "/documents/sponsors/<int:sponsor_id>/impact-report",
     "url": lambda w: f"/documents/sponsors/{w.company.id}/impact-report", "expect": OFFICE_ONLY},
    {"rule": "/documents/sponsors/<int:sponsor_id>/impact-report", "method": "POST", "data": {},
     "url": lambda w: f"/documents/sponsors/{w.company.id}/impact-report", "expect": OFFICE_ONLY},
    {"rule": "/documents/sponsors/<int:sponsor_id>/stories", "method": "POST", "data": {},
     "url": lambda w: f"/documents/sponsors/{w.company.id}/stories",
     "expect": expect(302, 400, 400, 403, 403, 403, 403)},
    {"rule": "/documents/sponsors/<int:sponsor_id>/certificate", "method": "POST", "data": {},
     "url": lambda w: f"/documents/sponsors/{w.company.id}/certificate",  # refused: nothing runs
     "expect": expect(302, 302, 302, 403, 403, 403, 403)},
]
