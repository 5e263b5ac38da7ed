"""Admin screens: city settings and the JKN tariff table."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.core.forms import form_refusals
from sponsorship.extensions import db
from sponsorship.settings import service
from sponsorship.settings.forms import SettingsForm, TariffForm
from sponsorship.settings.models import JknTariff

bp = Blueprint("settings", __name__, url_prefix="/admin/settings")


def _page(form, tariff_form):
    tariffs = db.session.scalars(
        db.select(JknTariff).order_by(JknTariff.jkn_class.desc(), JknTariff.valid_from.desc())
    ).all()
    from sponsorship.regions.city import missing

    return render_template("settings/index.html", form=form, tariff_form=tariff_form,
                           tariffs=tariffs, missing=missing())


@bp.route("/", methods=["GET", "POST"])
@policy.require("admin.settings")
def index():
    form = SettingsForm(prefix="s", data=service.all_settings())
    if form.validate_on_submit():
        values = {}
        for key in service.EDITABLE:
            value = getattr(form, key).data
            values[key] = float(value) if isinstance(service.DEFAULTS[key], float) else (value or "").strip()
        service.update_settings(actor=current_user, values=values)
        flash(_l("Pengaturan disimpan."), "success")
        return redirect(url_for(".index"))
    return _page(form, TariffForm(prefix="t"))


@bp.route("/tariffs", methods=["POST"])
@policy.require("admin.settings")
def add_tariff():
    tariff_form = TariffForm(prefix="t")
    if tariff_form.validate_on_submit():
        with form_refusals(tariff_form) as outcome:
            service.add_tariff(
                actor=current_user, jkn_class=tariff_form.jkn_class.data,
                valid_from=tariff_form.valid_from.data,
                monthly_premium=tariff_form.monthly_premium.data,
                participant_share=tariff_form.participant_share.data, note=tariff_form.note.data,
            )
        if outcome.ok:
            flash(_l("Tarif ditambahkan."), "success")
            return redirect(url_for(".index"))
    return _page(SettingsForm(prefix="s", data=service.all_settings()), tariff_form), 422
