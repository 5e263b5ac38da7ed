"""Flask extensions, created unbound and initialised in create_app()."""
from __future__ import annotations

from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from sponsorship.core.db import RequestSession
from sponsorship.core.models import Base

db = SQLAlchemy(model_class=Base, session_options={"class_": RequestSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def locale_selector() -> str:
    from flask import current_app, has_request_context, session

    # Shell commands and services outside a request (seed-demo, create-user) speak the default.
    lang = session.get("lang") if has_request_context() else None
    if lang in current_app.config["LANGUAGES"]:
        return lang
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def login_account_key() -> str:
    """Rate-limit key for one account, whatever address the attempts come from."""
    return "account:" + (request.form.get("username") or "").strip().lower()


def template_gettext_callables() -> dict:
    """The four gettext callables templates use (for every Jinja environment of the app)."""
    from flask import g, has_request_context
    from flask_babel import get_translations

    def catalog():
        if not has_request_context():
            return get_translations()
        found = g.get("_catalog")
        if found is None:
            found = g._catalog = get_translations()
        return found

    return {
        "gettext": lambda s: catalog().ugettext(s),
        "ngettext": lambda s, p, n: catalog().ungettext(s, p, n),
        "pgettext": lambda c, s: catalog().upgettext(c, s),
        "npgettext": lambda c, s, p, n: catalog().unpgettext(c, s, p, n),
    }


def install_template_gettext(app) -> None:
    """Templates translate through the request's catalog, looked up once per request.

    Flask-Babel's own template callables find the catalog again for every string (several
    context lookups and a locale-to-text conversion each); a page translates dozens of them.
    Same catalogs, same newstyle semantics (autoescaping, %(name)s variables).
    """
    app.jinja_env.install_gettext_callables(**template_gettext_callables(), newstyle=True)
