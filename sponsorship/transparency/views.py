"""`/transparency`: public, no login, aggregates only, cacheable by browsers and proxies."""
from __future__ import annotations

import hashlib

from flask import Blueprint, make_response, render_template, request

from sponsorship.transparency import service

bp = Blueprint("transparency", __name__)

MAX_AGE = 300  # seconds; the figures change a few times a month


@bp.route("/transparency")
def index():
    body = render_template("transparency/index.html", **service.overview())
    response = make_response(body)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    return response.make_conditional(request)
