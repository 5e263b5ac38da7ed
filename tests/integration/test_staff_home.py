"""The staff home is rendered once per data version: what it sums up must still show at once
after any change, each person must be greeted by name, and what becomes overdue as time passes
must show within the cache's one-minute bound."""
from datetime import timedelta

from sponsorship.dashboard.views import staff_home_cache
from sponsorship.extensions import db
from sponsorship.proposals.models import AidProposal
from tests import factories
from tests.pages import get_page


def _figures(client) -> dict:
    page = get_page(client, "/")
    return {
        "greeting": page.select_one("h1").get_text(strip=True),
        "companies": page.select_one("[data-testid=sponsor-count]").get_text(strip=True),
        "new_aid": page.select_one("[data-testid=aid-submitted]").get_text(strip=True),
        "overdue": page.select_one("[data-testid=aid-overdue]").get_text(strip=True),
    }


def test_staff_home_follows_every_change_at_once(login, staff, admin):
    client = login(staff)
    first = _figures(client)
    assert first["greeting"] == f"Selamat datang, {staff.full_name}"
    assert _figures(client) == first  # served again from the cache
    factories.make_sponsor(name="PT Baru Bergabung")
    factories.make_proposal(staff=staff)
    after = _figures(client)
    assert int(after["companies"]) == int(first["companies"]) + 1
    assert after["new_aid"].endswith(": 1") and first["new_aid"].endswith(": 0")
    # Same body, each person's own greeting.
    assert _figures(login(admin))["greeting"] == f"Selamat datang, {admin.full_name}"
    assert "PT Baru Bergabung" in get_page(client, "/").select_one("main").get_text()  # latest activity


def test_what_becomes_overdue_shows_within_a_minute(login, staff, monkeypatch):
    now = [1_000.0]
    monkeypatch.setattr(staff_home_cache, "clock", lambda: now[0])
    proposal = factories.make_proposal(staff=staff)
    client = login(staff)
    assert _figures(client)["overdue"].endswith(": 0")
    # Time passes (no write, so the data version stays): the proposal is now past its target.
    proposal.created_at = proposal.created_at - timedelta(days=30)
    db.session.execute(db.update(AidProposal).where(AidProposal.id == proposal.id)
                       .values(created_at=proposal.created_at))
    db.session.commit()
    now[0] += 30
    assert _figures(client)["overdue"].endswith(": 0")  # still the cached rendering
    now[0] += 31
    assert _figures(client)["overdue"].endswith(": 1")
