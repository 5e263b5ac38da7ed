"""The frame around every page (head links, navigation bar, footer), rendered once per kind of visit.

The frame depends only on the UI locale, the page being viewed and what the user's role may
open, so it is rendered once per such key and per process; a page's own content never is.
The two values that belong to one person, the signed-in name and the session's CSRF token,
are put into reserved slots of the cached HTML on each request, escaped like any template value.
Rendering the frame afresh cost more than most page bodies (see bench/pages.py).

So that nothing per person can slip into a cached frame, `templates/layout/_*.html` are rendered
by their own Jinja environment (`frame_environment`): the app's loader, filters and gettext, but
no context processors and no globals beyond `url_for`, so `current_user`, `can()`, `session`,
`g`, `request` and `config` do not exist there, and with `StrictUndefined` using one raises at
the first page (tests, development) instead of rendering one person's view for everyone.
Everything a frame template sees is the context `_render` builds from the cache key.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import jinja2
from flask import Flask, current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from sponsorship import policy
from sponsorship.auth.models import ROLE_LABELS
from sponsorship.core.cache import FragmentCache
from sponsorship.core.formatting import ui_locale
from sponsorship.extensions import template_gettext_callables
from sponsorship.settings.service import get_setting

# (label, endpoint, action the policy must allow)
NAV = [
    (_l("Beranda"), "dashboard.home", None),
    (_l("Portal perusahaan"), "portal.home", "portal.view"),
    (_l("Warga ditanggung"), "coverage.index", "coverage.view"),
    (_l("Perusahaan"), "sponsors.index", "sponsor.list"),
    (_l("Komitmen"), "pledges.index", "pledge.list"),
    (_l("Usulan bantuan"), "proposals.index", "proposal.list"),
    (_l("Berita acara"), "minutes.index", "minutes.list"),
    (_l("Dana bantuan"), "fund_portal.index", "fund.portal"),
    (_l("Tagihan iuran"), "billing.index", "billing.list"),
    (_l("Registri warga"), "beneficiaries.index", "beneficiary.list"),
    (_l("Kebijakan kelayakan"), "eligibility.index", "eligibility.view"),
    (_l("Dasbor UHC"), "uhc.dashboard", "uhc.view"),
    (_l("Dokumen resmi"), "documents.index", "document.list"),
    (_l("Jejak audit"), "audit.index", "audit.view"),
    (_l("Pengguna"), "admin_users.index", "admin.users"),
    (_l("Pengaturan"), "settings.index", "admin.settings"),
]

# Random per process: no page text can contain them by accident or on purpose.
NAME_SLOT = f"slot-name-{secrets.token_hex(8)}"
CSRF_SLOT = f"slot-csrf-{secrets.token_hex(8)}"
PARTS = ("head", "top", "bottom")
# About 70 pages x 2 languages x a few menus: room for every combination (a few KB each).
_frames = FragmentCache(size=4096, max_age=None)  # no data in it: the key decides


@dataclass(frozen=True)
class Frame:
    head: Markup  # stylesheets and icon
    top: Markup  # skip link and navigation bar
    bottom: Markup  # footer with the language switch, and the shared scripts


def init_app(app: Flask) -> None:
    app.extensions["page_frame_env"] = _frame_environment(app)


def frame_environment(app: Flask | None = None) -> jinja2.Environment:
    """The Jinja environment of the frame templates (see the module's docstring)."""
    return (app or current_app).extensions["page_frame_env"]


def _frame_environment(app: Flask) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=app.jinja_env.loader,  # the app's templates, blueprints' included
        autoescape=True,  # every frame template is HTML
        undefined=jinja2.StrictUndefined,
        auto_reload=app.jinja_env.auto_reload,
        extensions=["jinja2.ext.i18n"],
    )
    # The same dict: filters registered after this (formatting) are there too. Filters are
    # pure functions of their arguments and the locale, which is part of the key.
    env.filters = app.jinja_env.filters
    # The catalog of the request's locale, which is part of the key.
    env.install_gettext_callables(**template_gettext_callables(), newstyle=True)
    # The URLs depend on the script root only, which is part of the key.
    env.globals["url_for"] = url_for
    return env


def visible_endpoints(user) -> tuple[str, ...]:
    """The navigation items this user may open (their endpoints, in menu order)."""
    if not getattr(user, "is_authenticated", False):
        return ()
    return tuple(endpoint for _, endpoint, action in NAV
                 if action is None or policy.can(action, user=user))


def page_frame() -> Frame:
    user = current_user._get_current_object()  # the proxy costs a lookup per attribute read
    visible = visible_endpoints(user)
    role = user.role if visible else None
    key = (ui_locale(), request.script_root, request.endpoint, role, visible, get_setting("city_name"))
    parts = _frames.get_or_render(key, lambda: _render(*key))
    # generate_csrf returns URL-safe text; escaped anyway, as the template would have.
    slots = {NAME_SLOT: str(escape(user.full_name)) if visible else "",
             CSRF_SLOT: str(escape(generate_csrf()))}
    filled = []
    for html in parts:
        for slot, value in slots.items():
            html = html.replace(slot, value)
        filled.append(Markup(html))  # noqa: S704 (rendered with autoescape; slot values escaped)
    return Frame(*filled)


def _render(locale: str, script_root: str, endpoint: str | None, role: str | None,
            visible: tuple[str, ...], government: str) -> tuple[str, ...]:
    # The whole context of a frame template: the cache key and the reserved slots, nothing else.
    labels = {e: label for label, e, _ in NAV}
    context = {
        "locale": locale,
        "script_root": script_root,
        "endpoint": endpoint or "",
        "nav": [(labels[e], url_for(e), e) for e in visible],
        "signed_in": bool(visible),
        "role_label": str(ROLE_LABELS.get(role, role or "")),
        "user_name": Markup(NAME_SLOT),  # noqa: S704 (a fixed marker, filled in per request)
        "csrf_value": Markup(CSRF_SLOT),  # noqa: S704
        "government": government,  # a city setting: part of the key, so a change shows at once
    }
    env = frame_environment()
    return tuple(env.get_template(f"layout/_{part}.html").render(context) for part in PARTS)
