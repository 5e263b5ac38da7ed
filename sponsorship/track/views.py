"""`/track`: an applicant checks a proposal's status with its code and the NIK's last four digits.

Shows the status only (no name, no amount); a wrong code and wrong digits get the same
answer, and the form is rate limited per address so codes cannot be walked.
"""
from __future__ import annotations

import hmac

from flask import Blueprint, current_app, render_template
from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from sponsorship.core.forms import Form
from sponsorship.extensions import db, limiter
from sponsorship.proposals.models import AidProposal
from sponsorship.settings.service import get_setting

bp = Blueprint("track", __name__)

PUBLIC_STATUS = {
    "submitted": _l("Usulan diterima dan menunggu verifikasi lapangan."),
    "in_verification": _l("Verifikasi lapangan oleh Baznas sedang berlangsung."),
    "verified_eligible": _l("Hasil verifikasi: layak. Menunggu rapat pembahasan."),
    "verified_ineligible": _l("Hasil verifikasi: belum memenuhi syarat. Hubungi petugas untuk penjelasan."),
    "in_minutes": LazyString(lambda: _("Dibahas dalam berita acara, menunggu persetujuan %(head)s.",
                                       head=get_setting("head_title"))),
    "approved": _l("Disetujui. Bantuan sedang disiapkan untuk dicairkan."),
    "returned": _l("Dikembalikan untuk dilengkapi. Petugas akan menghubungi Anda."),
    "disbursed": _l("Bantuan sudah dicairkan."),
    "closed": _l("Selesai."),
}


class TrackForm(Form):
    code = StringField(_l("Kode usulan"), validators=[DataRequired(), Length(max=20)],
                       render_kw={"placeholder": "BNM-2026-0001", "autocomplete": "off"})
    last4 = StringField(_l("4 angka terakhir NIK pasien"),
                        validators=[DataRequired(), Regexp(r"^\d{4}$", message=_l("Isi 4 angka."))],
                        render_kw={"inputmode": "numeric", "maxlength": 4, "autocomplete": "off"})


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["TRACK_LIMIT"], methods=["POST"])
def track():
    form = TrackForm()
    result = None
    not_found = False
    if form.validate_on_submit():
        code = form.code.data.strip().upper()
        row = db.session.execute(
            db.select(AidProposal.status, AidProposal.nik_last4).where(AidProposal.code == code)
        ).first()
        # Compare even when the code is unknown, so both refusals take the same path.
        expected = row.nik_last4 if row else "----"
        if row and hmac.compare_digest(expected, form.last4.data):
            result = {"code": code, "status": row.status, "message": PUBLIC_STATUS[row.status]}
        else:
            not_found = True
    return render_template("track/track.html", form=form, result=result, not_found=not_found)
