"""The first-run page (admin): choose the kabupaten/kota, see what is still missing, upload the
letterhead emblem. The same as `flask --app app setup-city CODE`, in the browser."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from sponsorship import policy
from sponsorship.core.forms import form_refusals
from sponsorship.regions import city
from sponsorship.regions import service as regions
from sponsorship.regions.forms import EmblemForm, SetupForm
from sponsorship.settings.service import get_setting

bp = Blueprint("setup", __name__, url_prefix="/admin/setup")


def _page(form: SetupForm, emblem_form: EmblemForm, status: int = 200):
    if not form.area_code.choices:
        form.area_code.choices = [("", "–"), *regions.regency_choices()]
    return render_template("setup/index.html", form=form, emblem_form=emblem_form,
                           missing=city.missing(), configured=city.configured(),
                           has_emblem=bool(city.emblem_path())), status


@bp.route("/", methods=["GET", "POST"])
@policy.require("admin.settings")
def index():
    form = SetupForm(prefix="", data={"area_code": get_setting("area_code")})
    form.area_code.choices = [("", "–"), *regions.regency_choices()]
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            values = city.setup_city(form.area_code.data, actor=current_user,
                                     short_name=form.short_name.data)
        if outcome.ok:
            flash(_l("Program disiapkan untuk %(name)s. Lengkapi nama pejabat dan alamat di halaman "
                     "pengaturan.", name=values["city_name"]), "success")
            return redirect(url_for(".index"))
    return _page(form, EmblemForm(prefix="e"), 422 if form.errors else 200)


@bp.route("/emblem", methods=["POST"])
@policy.require("admin.settings")
def emblem():
    emblem_form = EmblemForm(prefix="e")
    if emblem_form.validate_on_submit():
        with form_refusals(emblem_form) as outcome:
            city.store_emblem(emblem_form.emblem.data, actor=current_user)
        if outcome.ok:
            flash(_l("Lambang kop surat disimpan."), "success")
            return redirect(url_for(".index"))
    form = SetupForm(prefix="", data={"area_code": get_setting("area_code")})
    return _page(form, emblem_form, 422)
