"""Every POST route of the route table refuses a form without its CSRF token (400).

Uses the rows of tests/integration/test_routes_by_role.py, so new routes are covered as
soon as they are listed there. Each row is posted by the first role that may use it.
"""
import pytest

from tests import factories
from tests.route_table import ROUTES, World

POST_ROWS = [r for r in ROUTES if r.get("method", "GET") != "GET"]
PERSONAS = {"admin": "admin", "staff": "staff", "sponsor": "sponsor_a", "verifier": "verifier",
            "approver": "approver", "anonymous": None}


def _role_for(row):
    """A signed-in role the route lets in, else anonymous (CSRF is checked before sign-in)."""
    for role in ("admin", "staff", "verifier", "approver", "sponsor"):
        if row["expect"].get(role) not in (403, 404, 405):
            return role
    return "anonymous"


@pytest.mark.parametrize("row", POST_ROWS, ids=[r["rule"] for r in POST_ROWS])
def test_post_without_csrf_token_is_refused(row, app, monkeypatch, request, company_a):
    role = _role_for(row)
    world = World(company=company_a, pledge=factories.make_pledge(sponsor=company_a),
                  target_user=factories.make_user(role="verifier", username="target"))
    if PERSONAS[role] is None:
        client = app.test_client()
    else:
        client = request.getfixturevalue("login")(request.getfixturevalue(PERSONAS[role]))
    url = row["url"](world) if callable(row["url"]) else row["url"]
    data = row.get("data")
    data = data(world) if callable(data) else data
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.open(url, method=row["method"], data=data or {"x": "1"})
    assert response.status_code == 400, (role, url, response.status_code)
