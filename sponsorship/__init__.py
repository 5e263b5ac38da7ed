"""CSR sponsorship of city health coverage: the Flask application factory."""
from __future__ import annotations

import importlib
import logging
from pathlib import Path

from flask import Flask, flash, g, redirect, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, IntegrityError
from werkzeug.middleware.proxy_fix import ProxyFix

from sponsorship.audit.enforce import enforced
from sponsorship.config import ROOT, Config
from sponsorship.core.app import UNSAFE_METHODS, App, is_disconnect
from sponsorship.core.db import install_sqlite_hooks
from sponsorship.core.errors import DomainError, PermissionDenied
from sponsorship.core.formatting import register_filters
from sponsorship.core.http import local_path, page_url
from sponsorship.core.models import include_migration_name, render_migration_item
from sponsorship.extensions import (
    babel,
    csrf,
    db,
    install_template_gettext,
    limiter,
    locale_selector,
    login_manager,
    migrate,
)
from sponsorship.settings.service import get_setting


def create_app(overrides: dict | None = None) -> Flask:
    overrides = overrides or {}
    app = App(
        __name__,
        instance_path=overrides.get("INSTANCE_PATH"),  # default: <project>/instance
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_object(Config(Path(app.instance_path)))
    app.config.update(overrides)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    _init_extensions(app)
    from sponsorship.core import observability

    observability.init_app(app)  # first: its request id and timer wrap every other hook
    _register_blueprints(app)
    _register_hooks(app)
    _register_errors(app)
    register_filters(app)
    from sponsorship.audit.readable import describe, field_label

    app.jinja_env.filters.update(readable=describe, field_label=field_label)  # audit events as sentences

    from sponsorship.cli import register_cli

    register_cli(app)
    for command in app.cli.commands.values():  # a command is never exempt from the audit rule
        if command.callback is not None:
            command.callback = enforced(command.callback)
    logging.getLogger("sponsorship").setLevel(logging.INFO)
    return app


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True, render_item=render_migration_item,
                     include_name=include_migration_name)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=locale_selector)
    install_template_gettext(app)
    from sponsorship.core import (
        backup,
        shared,  # also registers the sqlite:// rate-limit storage
    )
    from sponsorship.jobs import queue

    shared.init_app(app)
    queue.init_app(app)
    backup.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Silakan masuk untuk membuka halaman ini.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"

    from sponsorship import models  # noqa: F401  (register every table on the metadata)
    from sponsorship.auth.service import load_session_user

    login_manager.user_loader(load_session_user)
    with app.app_context():
        install_sqlite_hooks(db.engine)


# Every blueprint as "module:attribute"; a new part of the domain adds its line here.
BLUEPRINTS = [
    "sponsorship.auth.views:bp",
    "sponsorship.auth.views:admin_bp",
    "sponsorship.dashboard.views:bp",
    "sponsorship.sponsors.views:bp",
    "sponsorship.pledges.views:bp",
    "sponsorship.audit.views:bp",
    "sponsorship.settings.views:bp",
    "sponsorship.regions.views:bp",
    "sponsorship.portal.views:bp",
    "sponsorship.proposals.views:bp",
    "sponsorship.minutes.views:bp",
    "sponsorship.disbursements.views:bp",
    "sponsorship.disbursements.views:portal_bp",
    "sponsorship.track.views:bp",
    "sponsorship.beneficiaries.views:bp",
    "sponsorship.linkage.views:bp",
    "sponsorship.allocations.views:bp",
    "sponsorship.eligibility.views:bp",
    "sponsorship.allocations.views:portal_bp",
    "sponsorship.uhc.views:bp",
    "sponsorship.transparency.views:bp",
    "sponsorship.documents.views:bp",
    "sponsorship.documents.views:verify_bp",
    "sponsorship.documents.views:signing_bp",
    "sponsorship.agreements.views:bp",
    "sponsorship.billing.views:bp",
    "sponsorship.notifications.views:bp",
    "sponsorship.jobs.views:bp",
]


def _register_blueprints(app: Flask) -> None:
    for target in BLUEPRINTS:
        module, _, attr = target.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module), attr))
    if app.config["BENCH_ROUTES"]:
        from sponsorship.bench.views import bp as bench_bp

        app.register_blueprint(bench_bp)


def _register_hooks(app: Flask) -> None:
    from sponsorship import layout, policy

    @app.before_request
    def mark_write_requests():
        # Write requests take SQLite's write lock at BEGIN (see core.db.write_intent).
        g.write_request = request.method in UNSAFE_METHODS

    @app.after_request
    def security_headers(response):
        h = response.headers
        h.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
            "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
            "frame-ancestors 'none'",
        )
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        if request.endpoint != "static" and "Cache-Control" not in h:
            h["Cache-Control"] = "no-store"
        return response

    # Globals, not only context: macros imported without context (pagination) call them too.
    app.jinja_env.globals.update(can=policy.can, page_url=page_url, setting=get_setting)
    # The cached frame has its own environment, without these globals or the processor below.
    layout.init_app(app)

    @app.context_processor
    def inject_helpers():
        from flask_babel import get_locale

        return {"can": policy.can, "page_frame": layout.page_frame, "page_url": page_url,
                "current_locale": str(get_locale() or "id")}


DATABASE_UNAVAILABLE = _l("Basis data sedang tidak dapat dihubungi, dan tidak ada yang disimpan. "
                          "Silakan coba lagi sebentar lagi.")


def _unavailable_errors() -> tuple[type, ...]:
    """Driver errors that mean "the database is not answering" (connection refused, shut down)."""
    found: list[type] = []
    try:
        import psycopg

        found.append(psycopg.OperationalError)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(found)


def _register_errors(app: Flask) -> None:
    def page(code: int, message=None):
        return render_template("errors/error.html", code=code, message=message), code

    for code in (400, 403, 404, 405, 413, 429, 500, 503):
        app.register_error_handler(code, lambda e, c=code: page(c))

    @app.errorhandler(CSRFError)
    def csrf_error(e):
        return page(400, _l("Formulir kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi."))

    def refusal(code: int, message):
        # A form post goes back where it came from with the message; anything else gets a page.
        db.session.rollback()
        back = local_path(request.referrer)
        if request.method in UNSAFE_METHODS and back:
            flash(str(message), "danger")
            return redirect(back)
        return page(code, message)

    @app.errorhandler(DomainError)
    def domain_error(e: DomainError):
        # Services raise; views that show the message next to a field use core.forms.form_refusals.
        return refusal(e.status_code, e.message)

    @app.errorhandler(PermissionDenied)
    def permission_denied(e: PermissionDenied):
        db.session.rollback()
        return page(403, e.message)

    @app.errorhandler(IntegrityError)
    def integrity_error(e: IntegrityError):
        # A unique key or a check lost to a concurrent request, mostly at the commit point.
        # The constraint's name only: the driver's message repeats the row's values.
        diag = getattr(e.orig, "diag", None)
        app.logger.warning("refused by the database: %s %s", type(e.orig).__name__,
                           getattr(diag, "constraint_name", None) or "")
        return refusal(409, _l("Data ini baru saja diubah oleh permintaan lain. Muat ulang halaman "
                               "dan periksa lagi sebelum menyimpan."))

    @app.errorhandler(DBAPIError)
    def database_unavailable(e: DBAPIError):
        # A lost connection (a reading request was already run once more, see core.app) or a
        # database that does not answer: nothing was saved, and trying again is the right advice.
        # Any other driver error is a bug: the 500 page, logged with its traceback.
        db.session.rollback()
        busy = "database is locked" in str(e.orig)  # SQLite: a writer held the lock past busy_timeout
        if is_disconnect(e) or busy or isinstance(e.orig, _unavailable_errors()):
            app.logger.error("database unavailable: %s", type(e.orig).__name__)
            return page(503, DATABASE_UNAVAILABLE)
        app.logger.exception("database error")
        return page(500)

    @app.errorhandler(OSError)
    def storage_error(e: OSError):
        # A write that did not go through core.files (which refuses with a message itself).
        from sponsorship.core import files

        db.session.rollback()
        if e.errno in files.FULL_ERRNOS:
            app.logger.error("storage full: %s", e.strerror)
            return page(507, files.storage_refusal(e).message)
        app.logger.exception("input/output error")
        return page(500)

    @app.route("/healthz")
    def healthz():
        try:
            db.session.execute(db.text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any database failure means unhealthy
            app.logger.exception("health check failed")
            return {"status": "error", "database": "unreachable"}, 503
        return {"status": "ok", "database": "ok"}
