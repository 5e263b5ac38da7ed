"""The list of what waits on the signed-in user; opening an item marks it read."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, url_for
from flask_login import current_user

from sponsorship import policy
from sponsorship.notifications import service

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/count")
@policy.require("notification.view")
def count():
    # Fetched by static/js/app.js after the page loads: no page pays for these queries.
    return jsonify(unread=service.unread_count(current_user))


@bp.route("/")
@policy.require("notification.view")
def index():
    items, seen = service.unread(current_user)
    return render_template("notifications/index.html", items=items, seen=seen)


@bp.route("/open/<key>", methods=["POST"])
@policy.require("notification.view")
def open_item(key: str):
    # Only keys of items that wait on this user; the destination comes from the key, not the client.
    if key not in {i.key for i in service.items_for(current_user)}:
        abort(404)
    destination = service.target(key)
    if destination is None:
        abort(404)
    service.mark_seen(current_user, key)
    return redirect(url_for(destination[0], **destination[1]))
