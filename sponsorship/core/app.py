"""The one commit point: a write request's transaction is committed (or rolled back) here.

Views and services never commit. For POST/PUT/PATCH/DELETE, after the view has returned:

- a response below 400 commits the session; an exception from the commit itself (a unique key
  lost to a concurrent request, the audit rule) goes through the app's error handlers, and the
  success messages the view flashed are taken back;
- a response of 400 or more, or any exception from the view, rolls the transaction back.

GET and HEAD never write (`core.db` refuses it) and are left alone, except that a reading
request whose database connection turned out to be dead (the server restarted, a proxy or a
firewall dropped it) is run once more: SQLAlchemy has by then thrown away every connection of the
pool that predates the failure, so the second run gets a fresh one and the user never sees the
drop. A write request is not run twice; it gets the "try again" page (503, nothing saved), see
`is_disconnect`. Shell commands keep their own commits.
"""
from __future__ import annotations

from flask import Flask, g, request, session
from sqlalchemy.exc import DBAPIError

from sponsorship.audit.enforce import audit_enforced
from sponsorship.extensions import db

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FLASHES = "_flashes"  # where flask.flash() keeps its messages


def is_disconnect(exc: BaseException) -> bool:
    """The database connection was lost (SQLAlchemy has invalidated the pool)."""
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class App(Flask):
    def dispatch_request(self):
        if request.method not in UNSAFE_METHODS:
            try:
                return super().dispatch_request()
            except DBAPIError as exc:
                if not is_disconnect(exc):
                    raise
                self.logger.warning("database connection lost; reading request run once more")
                db.session.remove()
                g.pop("_login_user", None)  # loaded through the dead connection's session
                return super().dispatch_request()
        with audit_enforced():
            flashed = len(session.get(_FLASHES, ()))
            try:
                response = self.make_response(super().dispatch_request())
            except BaseException:
                db.session.rollback()
                raise
            if response.status_code >= 400:
                db.session.rollback()
                return response
            try:
                db.session.commit()
            except Exception:
                db.session.rollback()
                if len(session.get(_FLASHES, ())) > flashed:  # "saved" was not true after all
                    session[_FLASHES] = session[_FLASHES][:flashed]
                raise
            return response
