"""`/transparency`: public, no login, aggregates only, cacheable by browsers and proxies."""
from __future__ import annotations

import hashlib

from flask import Blueprint, make_response, render_template, request

from sponsorship.audit.service import latest_event_id
from sponsorship.core.cache import FragmentCache
from sponsorship.core.formatting import ui_locale
from sponsorship.transparency import service

bp = Blueprint("transparency", __name__)

MAX_AGE = 300  # seconds; the figures change a few times a month
page_cache = FragmentCache(size=8)


@bp.route("/transparency")
def index():
    # Keyed on the newest audit event (every write records one): a revisit after a change sees
    # it, whichever worker answers; unchanged data costs one index lookup (and a 304).
    key = (ui_locale(), latest_event_id())
    body = page_cache.get_or_render(
        key, lambda: render_template("transparency/index.html", **service.overview()))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    response = make_response("", 304) if request.if_none_match.contains(etag) else make_response(body)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.set_etag(etag)
    return response
