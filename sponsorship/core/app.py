"""The one commit point: a write request's transaction is committed (or rolled back) here.

Views and services never commit. For POST/PUT/PATCH/DELETE, after the view has returned:

- a response below 400 commits the session; an exception from the commit itself (a unique key
  lost to a concurrent request, the audit rule) goes through the app's error handlers, and the
  success messages the view flashed are taken back;
- a response of 400 or more, or any exception from the view, rolls the transaction back.

GET and HEAD never write (`core.db` refuses it) and are left alone. Shell commands keep their
own commits.
"""
from __future__ import annotations

from flask import Flask, request, session

from sponsorship.audit.enforce import audit_enforced
from sponsorship.extensions import db

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FLASHES = "_flashes"  # where flask.flash() keeps its messages


class App(Flask):
    def dispatch_request(self):
        if request.method not in UNSAFE_METHODS:
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
