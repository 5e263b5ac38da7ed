"""The one place that answers "may this user do this (to this object)?".

Every view asks `can()`/`require()` before acting, loads objects through `get_or_404()`
and narrows list queries through `scope()`. Templates ask `can()` to decide what to show.
A sponsor user reaching another company's object gets 404, so ids reveal nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from sponsorship.auth.models import ADMIN, APPROVER, SPONSOR, STAFF, VERIFIER
from sponsorship.extensions import db

OFFICE = (ADMIN, STAFF)


def _roles(*roles: str) -> Callable[[Any, Any], bool]:
    return lambda user, obj=None: user.role in roles


def owner_sponsor_id(obj: Any) -> int | None:
    """The company an object belongs to (models declare `owner_sponsor_id`)."""
    return getattr(obj, "owner_sponsor_id", None)


def _office_or_own_company(user, obj=None) -> bool:
    if user.role in OFFICE + (APPROVER,):
        return True
    if user.role == SPONSOR:
        return obj is None or owner_sponsor_id(obj) == user.sponsor_id
    return False


def _office_or_own_colleague(user, obj=None) -> bool:
    """Admins manage every account; a sponsor's company admin its own colleagues."""
    if user.role == ADMIN:
        return True
    if user.role == SPONSOR and user.is_company_admin:
        return obj is None or (obj.role == SPONSOR and obj.sponsor_id == user.sponsor_id)
    return False


# action -> predicate(user, obj). Unknown actions are refused.
RULES: dict[str, Callable[..., bool]] = {
    "admin.users": _roles(ADMIN),
    "admin.settings": _roles(ADMIN),
    "audit.view": _roles(*OFFICE),
    "sponsor.list": _roles(*OFFICE, APPROVER),
    "sponsor.view": _office_or_own_company,
    "sponsor.edit": _roles(*OFFICE),
    "pledge.list": _roles(*OFFICE, APPROVER, SPONSOR),
    "pledge.view": _office_or_own_company,
    "pledge.edit": _roles(*OFFICE),
    "pledge.transition": _roles(*OFFICE),
    "portal.view": _roles(SPONSOR),
    "colleague.manage": _office_or_own_colleague,
    "home.staff": _roles(*OFFICE),
    "home.verifier": _roles(VERIFIER),
    "home.approver": _roles(APPROVER),
    "beneficiary.list": _roles(*OFFICE),
    "beneficiary.view": _roles(*OFFICE),
    "beneficiary.import": _roles(*OFFICE),
    "discrepancy.resolve": _roles(*OFFICE),
    "allocation.view": _roles(*OFFICE),
    "allocation.manage": _roles(*OFFICE),
    "allocation.priority": _roles(ADMIN),
    # A sponsor sees its own pledges' allocated residents, masked.
    "coverage.view": lambda user, obj=None: user.role == SPONSOR and (
        obj is None or owner_sponsor_id(obj) == user.sponsor_id),
    "uhc.view": _roles(*OFFICE, APPROVER),
    "uhc.edit": _roles(*OFFICE),
    # aid proposals (issue 4): never a sponsor; verifiers work the field, the approver decides
    "proposal.list": _roles(*OFFICE, VERIFIER, APPROVER),
    "proposal.view": _roles(*OFFICE, VERIFIER, APPROVER),
    "proposal.create": _roles(*OFFICE),
    "proposal.assign": _roles(*OFFICE),
    "proposal.verify": _roles(VERIFIER),
    "proposal.transition": _roles(*OFFICE, VERIFIER),
    "proposal.attach": _roles(*OFFICE),
    "proposal.pipeline": _roles(*OFFICE, APPROVER),
    "proposal.disburse": _roles(*OFFICE, VERIFIER),
    "minutes.list": _roles(*OFFICE, APPROVER),
    "minutes.view": _roles(*OFFICE, APPROVER),
    "minutes.edit": _roles(*OFFICE),
    "minutes.decide": _roles(APPROVER),
    "fund.portal": _roles(SPONSOR),
    # official documents and agreements (issue 5): a sponsor sees only its own company's
    "document.list": _roles(*OFFICE, SPONSOR),  # a sponsor's list is scoped to its company
    "document.view": lambda user, obj=None: user.role in OFFICE or (
        user.role == SPONSOR and obj is not None and owner_sponsor_id(obj) == user.sponsor_id),
    "document.issue": _roles(*OFFICE),
    "agreement.view": lambda user, obj=None: user.role in OFFICE or (
        user.role == SPONSOR and (obj is None or owner_sponsor_id(obj) == user.sponsor_id)),
    "agreement.edit": _roles(*OFFICE),
    "agreement.templates": _roles(ADMIN),
    "document.minutes": _roles(*OFFICE, APPROVER),  # berita acara and approval letter PDFs
    "document.sheet": _roles(*OFFICE, VERIFIER),  # field verification sheets
    # premium billing (issue 6): a sponsor sees and pays only its own company's invoices
    "billing.list": _roles(*OFFICE, SPONSOR),
    "billing.run": _roles(*OFFICE),
    "invoice.cancel": _roles(*OFFICE),
    "invoice.view": lambda user, obj=None: user.role in OFFICE or (
        user.role == SPONSOR and (obj is None or owner_sponsor_id(obj) == user.sponsor_id)),
    "invoice.pay": lambda user, obj=None: user.role == SPONSOR and (
        obj is None or owner_sponsor_id(obj) == user.sponsor_id),
    "payment.view": lambda user, obj=None: user.role in OFFICE or (
        user.role == SPONSOR and (obj is None or owner_sponsor_id(obj) == user.sponsor_id)),
    "payment.decide": _roles(*OFFICE),
    "notification.view": lambda user, obj=None: True,
}


def can(action: str, obj: Any = None, user: Any = None) -> bool:
    user = user if user is not None else current_user
    if not getattr(user, "is_authenticated", False):
        return False
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no policy rule for {action!r}")
    return bool(rule(user, obj))


def require(action: str):
    """View decorator: signed in, and allowed to do `action` at all (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def get_or_404(model, object_id: int, action: str, view_action: str | None = None):
    """Load an object the user may see (else 404), then check `action` on it (else 403)."""
    obj = db.session.get(model, object_id)
    view_action = view_action or action.split(".")[0] + ".view"
    if obj is None or (view_action in RULES and not can(view_action, obj)):
        abort(404)
    if not can(action, obj):
        abort(403)
    return obj


def scope(stmt, model, user: Any = None):
    """Narrow a list query to the rows this user may see."""
    user = user if user is not None else current_user
    if user.role in OFFICE + (APPROVER,):
        return stmt
    if user.role == SPONSOR and hasattr(model, "sponsor_scope"):
        return stmt.where(model.sponsor_scope(user.sponsor_id))
    return stmt.where(db.false())
