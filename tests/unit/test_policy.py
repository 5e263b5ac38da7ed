"""The policy module: who may do what to which object, and which rows a list shows."""
from types import SimpleNamespace

import pytest

from sponsorship import policy
from tests import factories

ROLES = ("admin", "staff", "sponsor", "verifier", "approver")


def person(role, sponsor_id=None, company_admin=False):
    return SimpleNamespace(is_authenticated=True, role=role, sponsor_id=sponsor_id,
                           is_company_admin=company_admin, id=99)


OWN = SimpleNamespace(owner_sponsor_id=1)
OTHER = SimpleNamespace(owner_sponsor_id=2)

# action -> roles allowed without an object (the sponsor is the user of company 1).
EXPECTED = {
    "admin.users": {"admin"},
    "admin.settings": {"admin"},
    "audit.view": {"admin", "staff"},
    "sponsor.list": {"admin", "staff", "approver"},
    "sponsor.view": {"admin", "staff", "approver", "sponsor"},
    "sponsor.edit": {"admin", "staff"},
    "pledge.list": {"admin", "staff", "approver", "sponsor"},
    "pledge.view": {"admin", "staff", "approver", "sponsor"},
    "pledge.edit": {"admin", "staff"},
    "pledge.transition": {"admin", "staff"},
    "portal.view": {"sponsor"},
    "home.staff": {"admin", "staff"},
    "home.verifier": {"verifier"},
    "home.approver": {"approver"},
}


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_can_per_role(action, role):
    user = person(role, sponsor_id=1 if role == "sponsor" else None)
    assert policy.can(action, user=user) is (role in EXPECTED[action])


@pytest.mark.parametrize("action", ["sponsor.view", "pledge.view"])
def test_sponsor_sees_own_company_objects_only(action):
    user = person("sponsor", sponsor_id=1)
    assert policy.can(action, OWN, user=user)
    assert not policy.can(action, OTHER, user=user)
    for office in ("admin", "staff", "approver"):
        assert policy.can(action, OTHER, user=person(office))
    assert not policy.can(action, OWN, user=person("verifier"))


def test_colleague_management():
    company_admin = person("sponsor", sponsor_id=1, company_admin=True)
    plain = person("sponsor", sponsor_id=1)
    colleague = SimpleNamespace(role="sponsor", sponsor_id=1)
    stranger = SimpleNamespace(role="sponsor", sponsor_id=2)
    staff_user = SimpleNamespace(role="staff", sponsor_id=None)
    assert policy.can("colleague.manage", colleague, user=company_admin)
    assert not policy.can("colleague.manage", stranger, user=company_admin)
    assert not policy.can("colleague.manage", staff_user, user=company_admin)
    assert not policy.can("colleague.manage", colleague, user=plain)
    assert policy.can("colleague.manage", stranger, user=person("admin"))
    assert not policy.can("colleague.manage", colleague, user=person("staff"))


def test_anonymous_may_do_nothing():
    anonymous = SimpleNamespace(is_authenticated=False)
    assert not any(policy.can(action, user=anonymous) for action in policy.RULES)


def test_unknown_action_is_refused_loudly():
    with pytest.raises(KeyError):
        policy.can("pledge.delete-everything", user=person("admin"))


def test_scope_narrows_lists_to_the_users_company(db_session, company_a, company_b, sponsor_a):
    from sponsorship.extensions import db
    from sponsorship.pledges.models import Pledge
    from sponsorship.sponsors.models import Sponsor

    mine = factories.make_pledge(sponsor=company_a)
    theirs = factories.make_pledge(sponsor=company_b)

    def ids(model, user):
        return set(db.session.scalars(policy.scope(db.select(model.id), model, user=user)))

    assert ids(Pledge, sponsor_a) == {mine.id}
    assert ids(Sponsor, sponsor_a) == {company_a.id}
    for role in ("admin", "staff", "approver"):
        assert ids(Pledge, person(role)) == {mine.id, theirs.id}
    assert ids(Pledge, person("verifier")) == set()
