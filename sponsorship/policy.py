"""The one place that answers "may this user do this (to this object)?".

Every view asks `can()`/`require()` before acting, loads objects through `get_or_404()`
and narrows list queries through `scope()`. Templates ask `can()` to decide what to show.
Services ask `authorise()`, which raises PermissionDenied; every workflow move names the
rule that guards it (`Transition.action`), so a page offers only the moves allowed here.
A sponsor user reaching another company's object gets 404, so ids reveal nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from sponsorship.auth.models import ADMIN, APPROVER, OFFICE, SPONSOR, VERIFIER, WORKER
from sponsorship.core.errors import PermissionDenied
from sponsorship.extensions import db

PAYERS = (*OFFICE, VERIFIER)  # who records a Baznas payout


class Refusal:
    """A rule's "no" that says why; falsy, so `can()` reads it as a plain refusal."""

    __slots__ = ("message",)

    def __init__(self, message) -> None:
        self.message = message

    def __bool__(self) -> bool:
        return False


def _roles(*roles: str) -> Callable[[Any, Any], bool]:
    return lambda user, obj=None: user.role in roles


def _all(*rules: Callable[..., Any]) -> Callable[..., Any]:
    """Every rule must allow; the first refusal (with its reason, if any) is the answer."""

    def rule(user, obj=None):
        for each in rules:
            verdict = each(user, obj)
            if not verdict:
                return verdict
        return True

    return rule


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


def _not_its_verifier(what) -> Callable[..., Any]:
    """Separation of duties: who verified a proposal may not approve it nor pay it out."""

    def rule(user, obj=None):
        verifier_id = getattr(obj, "verifier_id", None)
        if verifier_id is not None and verifier_id == getattr(user, "id", None):
            return Refusal(_l("Pemisahan tugas: Anda memverifikasi usulan %(code)s, sehingga tidak "
                              "boleh %(what)s.", code=obj.code, what=what))
        return True

    return rule


def _assigned_to_me_or_nobody(user, obj=None):
    assigned = getattr(obj, "assigned_verifier_id", None)
    if assigned is not None and assigned != getattr(user, "id", None):
        return Refusal(_l("Usulan ini ditugaskan kepada verifikator lain."))
    return True


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
    "linkage.review": _roles(*OFFICE),
    "linkage.decide": _roles(*OFFICE),
    "linkage.merge": _roles(*OFFICE),
    "linkage.unmerge": _roles(*OFFICE),
    "linkage.run": _roles(*OFFICE),
    "allocation.view": _roles(*OFFICE),
    "allocation.manage": _roles(*OFFICE),
    # The eligibility policy: office roles read it and its what-if; admins draft and activate.
    "eligibility.view": _roles(*OFFICE),
    "eligibility.edit": _roles(ADMIN),
    "eligibility.activate": _roles(ADMIN),
    "beneficiary.facts": _roles(*OFFICE),
    # A sponsor sees its own pledges' allocated residents, masked.
    "coverage.view": lambda user, obj=None: user.role == SPONSOR and (
        obj is None or owner_sponsor_id(obj) == user.sponsor_id),
    "uhc.view": _roles(*OFFICE, APPROVER),
    "uhc.edit": _roles(*OFFICE),
    # aid proposals: never a sponsor; verifiers work the field, the approver decides
    "proposal.list": _roles(*OFFICE, VERIFIER, APPROVER),
    "proposal.view": _roles(*OFFICE, VERIFIER, APPROVER),
    "proposal.create": _roles(*OFFICE),
    "proposal.assign": _roles(*OFFICE),
    "proposal.verify": _roles(VERIFIER),
    "proposal.transition": _roles(*OFFICE, VERIFIER),
    "proposal.attach": _roles(*OFFICE),
    "proposal.pipeline": _roles(*OFFICE, APPROVER),
    "proposal.disburse": _roles(*PAYERS),
    "minutes.list": _roles(*OFFICE, APPROVER),
    "minutes.view": _roles(*OFFICE, APPROVER),
    "minutes.edit": _roles(*OFFICE),
    "minutes.decide": _roles(APPROVER),
    "fund.portal": _roles(SPONSOR),
    # official documents and agreements: a sponsor sees only its own company's
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
    # premium billing: a sponsor sees and pays only its own company's invoices
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
    "bpjs_payment.submit": lambda user, obj=None: user.role == SPONSOR and (
        obj is None or owner_sponsor_id(obj) == user.sponsor_id),
    "bpjs_payment.view": _office_or_own_company,
    "impact_report.request": lambda user, obj=None: user.role == SPONSOR and (
        obj is None or owner_sponsor_id(obj) == user.sponsor_id),
    "story.edit": _roles(*OFFICE),
    "notification.view": lambda user, obj=None: True,
    # Long work on the queue: office staff see every job, anyone else only the jobs they started.
    "job.list": _roles(*OFFICE),
    "job.view": lambda user, obj=None: user.role in OFFICE or obj is None or (
        obj.actor_id is not None and obj.actor_id == user.id),
    "job.retry": _roles(*OFFICE),
    "job.work": _roles(WORKER),

    # Workflow moves: each Transition names one of these (`Transition.action`).
    "pledge.agree": _roles(*OFFICE),
    "pledge.activate": _roles(*OFFICE),
    "pledge.start": _roles(*OFFICE),  # made by recording the signed agreement
    "pledge.complete": _roles(*OFFICE),
    "pledge.cancel": _roles(*OFFICE),
    "agreement.finalise": _roles(*OFFICE),
    "agreement.sign": _roles(*OFFICE),
    "allocation.activate": _roles(*OFFICE),
    "allocation.end": _roles(*OFFICE),
    "proposal.take": _roles(VERIFIER),
    # "proposal.assign" above: staff give a submitted proposal to a verifier
    "proposal.verify_eligible": _all(_roles(VERIFIER), _assigned_to_me_or_nobody),
    "proposal.verify_ineligible": _all(_roles(VERIFIER), _assigned_to_me_or_nobody),
    "proposal.add_to_minutes": _roles(*OFFICE),
    "proposal.remove_from_minutes": _roles(*OFFICE),
    # The mayor's decision on a berita acara item: never by whoever verified it.
    "proposal.approve": _all(_roles(APPROVER), _not_its_verifier(_l("menyetujuinya"))),
    "proposal.deny": _all(_roles(APPROVER), _not_its_verifier(_l("menyetujuinya"))),
    "proposal.return": _roles(APPROVER),
    "proposal.payout": _all(_roles(*PAYERS), _not_its_verifier(_l("mencatat pencairannya"))),
    "proposal.close": _roles(*PAYERS),
    "proposal.close_unfunded": _roles(*OFFICE),
    "minutes.finalise": _roles(*OFFICE),
    "minutes.approve": _roles(APPROVER),
    "minutes.return": _roles(APPROVER),
    "payment.confirm": _roles(*OFFICE),
    "payment.reject": _roles(*OFFICE),
    "bpjs_payment.confirm": _roles(*OFFICE),
    "bpjs_payment.reject": _roles(*OFFICE),
    # "invoice.cancel" above; an invoice's paid / partly paid status follows confirmed payments
    "invoice.settle": _roles(*OFFICE),
}

# Why a service refuses, where a rule has a more telling answer than the default one.
REFUSALS: dict[str, Any] = {
    "agreement.templates": _l("Hanya admin yang dapat mengubah templat perjanjian."),
    "eligibility.edit": _l("Hanya administrator yang dapat mengubah kebijakan kelayakan."),
    "eligibility.activate": _l("Hanya administrator yang dapat memberlakukan kebijakan kelayakan."),
    "minutes.edit": _l("Hanya staf yang menyusun berita acara."),
    "proposal.create": _l("Hanya staf yang mencatat usulan bantuan."),
    "invoice.pay": _l("Hanya perusahaan penerima tagihan yang mencatat pembayarannya."),
}
DEFAULT_REFUSAL = _l("Peran Anda tidak berwenang melakukan tindakan ini.")


def _verdict(action: str, obj: Any, user: Any) -> Any:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no policy rule for {action!r}")
    return rule(user, obj)


def can(action: str, obj: Any = None, user: Any = None) -> bool:
    """May `user` (the signed-in user by default) do `action` (to `obj`)?"""
    return bool(_verdict(action, obj, user if user is not None else current_user))


def authorise(action: str, obj: Any = None, *, user: Any) -> None:
    """For services: return if `user` may do `action` (to `obj`), else raise PermissionDenied.

    `user` is required and never defaults to the signed-in user: a service acts for its actor.
    """
    verdict = _verdict(action, obj, user)
    if not verdict:
        raise PermissionDenied(getattr(verdict, "message", None) or REFUSALS.get(action)
                               or DEFAULT_REFUSAL)


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
