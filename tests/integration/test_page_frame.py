"""The page frame (navigation bar, footer) is rendered once per kind of visit and shared:
each person must still see their own name, their own CSRF token, the section they are in
and the language they chose; and the signed-in user is always the database's current row."""
import jinja2
import pytest
from bs4 import BeautifulSoup

from sponsorship import layout
from sponsorship.auth import service as auth_service
from sponsorship.extensions import db
from tests import factories
from tests.pages import get_page


def _whoami(page: BeautifulSoup) -> str:
    return page.select_one("[data-testid=whoami]").get_text(" ", strip=True)


def test_two_users_of_one_role_each_see_their_own_name_escaped(app_ctx, login):
    plain = factories.make_user(role="staff", full_name="Siti Aminah")
    hostile = factories.make_user(role="staff", full_name='<b>Budi</b> & "Rekan"')
    for _ in range(2):  # the second round is served from the cached frame
        first = login(plain).get("/pledges/").get_data(as_text=True)
        second = login(hostile).get("/pledges/").get_data(as_text=True)
        assert _whoami(BeautifulSoup(first, "html.parser")) == "Siti Aminah · Staf Sekretariat"
        assert _whoami(BeautifulSoup(second, "html.parser")) == '<b>Budi</b> & "Rekan" · Staf Sekretariat'
        assert "<b>Budi</b>" not in second and "&lt;b&gt;Budi&lt;/b&gt; &amp; &#34;Rekan&#34;" in second
        assert "Siti" not in second and "Budi" not in first
        for html in (first, second):
            assert layout.NAME_SLOT not in html and layout.CSRF_SLOT not in html


def test_the_current_section_is_marked(login, staff):
    client = login(staff)
    for path, other in (("/pledges/", "/sponsors/"), ("/sponsors/", "/pledges/")):
        page = get_page(client, path)
        here = page.select_one(f'nav a.nav-link[href="{path}"]')
        elsewhere = page.select_one(f'nav a.nav-link[href="{other}"]')
        assert "active" in here["class"] and here.get("aria-current") == "page"
        assert "active" not in elsewhere["class"] and not elsewhere.has_attr("aria-current")


def test_the_frame_follows_the_chosen_language(login, staff):
    client = login(staff)
    labels = lambda: [a.get_text(strip=True) for a in get_page(client, "/pledges/").select("nav a.nav-link")]  # noqa: E731
    assert "Komitmen" in labels()
    client.post("/lang/en", headers={"Referer": "/pledges/"})
    assert "Pledges" in labels() and "Komitmen" not in labels()
    client.post("/lang/id", headers={"Referer": "/pledges/"})
    assert "Komitmen" in labels()


def test_each_session_gets_its_own_working_token_in_the_frame(app, monkeypatch, staff, admin):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    def signed_in_client(user):
        client = app.test_client()
        token = get_page(client, "/login").find("input", {"name": "csrf_token"})["value"]
        client.post("/login", data={"username": user.username, "password": factories.DEFAULT_PASSWORD,
                                    "csrf_token": token})
        return client

    one, two = signed_in_client(staff), signed_in_client(admin)
    token_one = get_page(one, "/pledges/").select_one("nav form input[name=csrf_token]")["value"]
    token_two = get_page(two, "/pledges/").select_one("nav form input[name=csrf_token]")["value"]
    assert token_one != token_two
    # The other session's token is refused; the session's own signs it out.
    assert one.post("/logout", data={"csrf_token": token_two}).status_code == 400
    assert one.post("/logout", data={"csrf_token": token_one}).status_code == 302
    assert one.get("/pledges/").status_code == 302  # to the login page
    assert two.get("/pledges/").status_code == 200


def test_the_signed_in_user_is_the_current_row_on_every_request(app, login, admin, staff):
    client = login(staff)
    assert _whoami(get_page(client, "/pledges/")).startswith(staff.full_name)
    auth_service.update_user(staff, actor=admin, full_name="Nama Baru", email=None, role="staff",
                             sponsor_id=None)
    db.session.commit()
    assert _whoami(get_page(client, "/pledges/")).startswith("Nama Baru")
    # The loaded user is a live object of the request: changes made through it are saved.
    new = "kata-sandi-baru-123"
    response = client.post("/account/password", data={
        "current": factories.DEFAULT_PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    db.session.expire_all()
    assert auth_service.authenticate(staff.username, new) is not None


def test_signed_out_pages_have_the_language_switch_but_no_menu(app):
    page = get_page(app.test_client(), "/login")
    assert page.select("nav a.nav-link") == [] and page.select_one("[data-testid=whoami]") is None
    assert page.select_one("footer form input[name=csrf_token]")["value"]


PER_USER = [
    "{{ current_user.full_name }}",
    "{% if current_user.is_authenticated %}x{% endif %}",
    "{% if can('pledge.list') %}x{% endif %}",
    "{{ session.get('lang') }}",
    "{{ g.get('user') }}",
    "{{ request.path }}",
    "{{ config.SECRET_KEY }}",
    "{{ get_flashed_messages() }}",
    "{{ page_url(2) }}",
]


@pytest.mark.parametrize("expression", PER_USER)
def test_a_frame_template_that_reaches_per_user_state_fails_at_once(app, monkeypatch, login, staff,
                                                                     expression):
    env = layout.frame_environment(app)
    source = env.loader.get_source(env, "layout/_top.html")[0]
    changed = jinja2.DictLoader({"layout/_top.html": source + expression})
    monkeypatch.setattr(env, "loader", jinja2.ChoiceLoader([changed, env.loader]))
    client = login(staff)
    with pytest.raises(jinja2.UndefinedError):
        client.get("/pledges/")
    with pytest.raises(jinja2.UndefinedError):  # signed out too: the frame is never rendered
        app.test_client().get("/login")


def test_the_frame_environment_has_no_globals_but_url_for_and_gettext(app):
    env = layout.frame_environment(app)
    jinja_defaults = set(jinja2.defaults.DEFAULT_NAMESPACE)
    assert set(env.globals) - jinja_defaults == {"url_for", "_", "gettext", "ngettext", "pgettext",
                                                  "npgettext"}
    assert env.undefined is jinja2.StrictUndefined
    assert env.filters is app.jinja_env.filters and env.loader is app.jinja_env.loader
    # Page templates keep their helpers: only the frame is cut off from them.
    assert "can" in app.jinja_env.globals


def test_pages_load_only_bootstrap_and_app_js_and_the_badge_comes_as_a_number(app, login, staff):
    client = login(staff)
    page = get_page(client, "/pledges/")
    scripts = [s["src"] for s in page.select("script[src]")]
    assert scripts == ["/static/vendor/bootstrap/bootstrap.bundle.min.js", "/static/js/app.js"]
    slot = page.select_one("[data-testid=notifications-link] [data-notification-count]")
    assert slot["data-notification-count"] == "/notifications/count" and not slot.contents
    assert client.get("/notifications/count").get_json() == {"unread": 0}
    assert app.test_client().get("/notifications/count").status_code == 302  # to the login page
