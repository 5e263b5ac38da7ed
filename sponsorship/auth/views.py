"""Sign-in, sign-out, language, own password; user administration for admins."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.security import check_password_hash

from sponsorship import policy
from sponsorship.auth import service
from sponsorship.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    LoginForm,
    PasswordResetForm,
    UserForm,
)
from sponsorship.auth.models import SPONSOR, User
from sponsorship.core.forms import form_refusals
from sponsorship.core.http import local_path, page_number
from sponsorship.extensions import db, limiter, login_account_key
from sponsorship.sponsors.models import Sponsor

bp = Blueprint("auth", __name__)
admin_bp = Blueprint("admin_users", __name__, url_prefix="/admin/users")


def _failed_login(response) -> bool:
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed_login)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=login_account_key, deduct_when=_failed_login)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(form.username.data, form.password.data)
        if user is None:
            form.password.errors = [_l("Nama pengguna atau kata sandi salah.")]
            return render_template("auth/login.html", form=form), 401
        lang = session.get("lang")
        session.clear()  # nothing from before sign-in carries over
        if lang:
            session["lang"] = lang
        session.permanent = True
        login_user(user)
        return redirect(local_path(request.args.get("next")) or url_for("dashboard.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = ConfirmForm()
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if request.method == "POST" and form.validate_on_submit():
        service.end_sessions(current_user._get_current_object())
        logout_user()
        session.clear()
        flash(_l("Anda telah keluar."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/logout.html", form=form)


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str):
    if code in current_app.config["LANGUAGES"] and ConfirmForm().validate_on_submit():
        session["lang"] = code
    return redirect(local_path(request.referrer) or url_for("dashboard.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if not check_password_hash(user.password_hash, form.current.data):
            form.current.errors = [_l("Kata sandi saat ini salah.")]
        else:
            with form_refusals(form) as outcome:
                service.set_password(user, actor=user, password=form.password.data)
            if outcome.ok:
                login_user(user)  # keep this browser signed in with the new session version
                flash(_l("Kata sandi diubah. Sesi di perangkat lain telah diakhiri."), "success")
                return redirect(url_for("dashboard.home"))
    return render_template("auth/password.html", form=form)


# --- administration -------------------------------------------------------------------------

def _user_form(obj=None) -> UserForm:
    form = UserForm(obj=obj)
    sponsors = db.session.execute(db.select(Sponsor.id, Sponsor.name).order_by(Sponsor.name)).all()
    form.sponsor_id.choices = [(0, "—")] + [(s.id, s.name) for s in sponsors]
    if obj is not None and request.method == "GET":
        form.sponsor_id.data = obj.sponsor_id or 0
    return form


@admin_bp.route("/")
@policy.require("admin.users")
def index():
    q = (request.args.get("q") or "").strip()
    stmt = db.select(User).order_by(User.username)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(db.or_(db.func.lower(User.username).like(like),
                                 db.func.lower(User.full_name).like(like)))
    if request.args.get("role"):
        stmt = stmt.where(User.role == request.args["role"])
    users = db.paginate(stmt, page=page_number(), per_page=current_app.config["PAGE_SIZE"],
                        error_out=False)
    return render_template("admin/users.html", users=users, q=q)


@admin_bp.route("/new", methods=["GET", "POST"])
@policy.require("admin.users")
def create():
    form = _user_form()
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            user = service.create_user(
                actor=current_user, username=form.username.data, full_name=form.full_name.data,
                email=form.email.data, role=form.role.data, password=form.password.data or "",
                sponsor_id=form.sponsor_id.data or None, is_company_admin=form.is_company_admin.data,
            )
        if outcome.ok:
            flash(_l("Pengguna %(u)s dibuat.", u=user.username), "success")
            return redirect(url_for(".index"))
    return render_template("admin/user_form.html", form=form, user=None)


@admin_bp.route("/<int:user_id>", methods=["GET", "POST"])
@policy.require("admin.users")
def edit(user_id: int):
    user = policy.get_or_404(User, user_id, "admin.users", view_action="admin.users")
    form = _user_form(user)
    del form.username, form.password
    reset = PasswordResetForm(prefix="reset")
    if form.validate_on_submit():
        with form_refusals(form) as outcome:
            service.update_user(
                user, actor=current_user, full_name=form.full_name.data, email=form.email.data,
                role=form.role.data, sponsor_id=form.sponsor_id.data or None,
                is_company_admin=form.is_company_admin.data,
            )
        if outcome.ok:
            flash(_l("Perubahan disimpan."), "success")
            return redirect(url_for(".edit", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user, reset=reset,
                           confirm=ConfirmForm(), SPONSOR=SPONSOR)


@admin_bp.route("/<int:user_id>/active", methods=["POST"])
@policy.require("admin.users")
def toggle_active(user_id: int):
    user = policy.get_or_404(User, user_id, "admin.users", view_action="admin.users")
    if ConfirmForm().validate_on_submit():
        service.set_active(user, actor=current_user, active=not user.active)
        flash(_l("Akun diaktifkan.") if user.active else _l("Akun dinonaktifkan; sesinya berakhir."),
              "success")
    return redirect(url_for(".edit", user_id=user.id))


@admin_bp.route("/<int:user_id>/password", methods=["POST"])
@policy.require("admin.users")
def reset_password(user_id: int):
    user = policy.get_or_404(User, user_id, "admin.users", view_action="admin.users")
    reset = PasswordResetForm(prefix="reset")
    if reset.validate_on_submit():
        with form_refusals(None) as outcome:
            service.set_password(user, actor=current_user, password=reset.password.data)
        if outcome.error:  # too short: say so on the user's page
            flash(str(outcome.error.message), "danger")
        else:
            flash(_l("Kata sandi %(u)s diatur ulang.", u=user.username), "success")
    else:
        for errors in reset.errors.values():
            for message in errors:
                flash(message, "danger")
    return redirect(url_for(".edit", user_id=user.id))
