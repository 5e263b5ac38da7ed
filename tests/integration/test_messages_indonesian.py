"""Indonesian everywhere, English complete: every form's own validation messages (WTForms,
Flask-WTF) in the UI language, no template text outside the catalog, and an English entry for
every msgid the code and the templates use."""
from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask_wtf import FlaskForm
from jinja2 import Environment
from werkzeug.datastructures import MultiDict
from wtforms import Form as WTForm
from wtforms import IntegerField, SelectFieldBase, StringField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional

import sponsorship
from sponsorship.config import ROOT
from sponsorship.core.forms import Form, SubForm
from tests import factories
from tests.pages import get_page

# Flask-WTF's own English messages (WTForms' are read from its catalog template below).
FLASK_WTF_MESSAGES = [
    "This field is required.", "File does not have an approved extension: {extensions}",
    "File does not have an approved extension.", "File must be between {min} and {max} bytes.",
    "The CSRF token is missing.", "The CSRF session token is missing.",
    "The CSRF token has expired.", "The CSRF token is invalid.", "The CSRF tokens do not match.",
]


def _english_patterns() -> list[re.Pattern]:
    pot = (Path(messages_path()) / "wtforms.pot").read_text()
    msgids = [m for m in re.findall(r'^msgid(?:_plural)? "(.+)"$', pot, re.M)]
    patterns = []
    for msgid in [*msgids, *FLASK_WTF_MESSAGES]:
        text = re.escape(msgid.replace('\\"', '"'))
        text = re.sub(r"%\\\(\w+\\\)[sd]|%s|\\\{\w+\\\}", ".*", text)
        patterns.append(re.compile(text))
    return patterns


ENGLISH = _english_patterns()


def _app_forms() -> list[type]:
    for info in pkgutil.walk_packages(sponsorship.__path__, "sponsorship."):
        importlib.import_module(info.name)

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    return [c for c in {*subclasses(FlaskForm), *subclasses(WTForm)}
            if c.__module__.startswith("sponsorship.") and c not in (Form, SubForm)]


def _errors(value) -> list[str]:
    if isinstance(value, dict):
        return [e for v in value.values() for e in _errors(v)]
    if isinstance(value, list | tuple):
        return [e for v in value for e in _errors(v)]
    return [str(value)]


def _submit(form_class, data: dict) -> list[str]:
    form = form_class(formdata=MultiDict(data), **({"meta": {"csrf": False}}
                                                  if issubclass(form_class, FlaskForm) else {}))
    for f in form:
        if isinstance(f, SelectFieldBase) and getattr(f, "choices", None) is None:
            f.choices = []  # views fill these in
    form.validate()
    return _errors(form.errors)


def _field_names(form_class) -> list[str]:
    form = form_class(formdata=None, **({"meta": {"csrf": False}}
                                        if issubclass(form_class, FlaskForm) else {}))
    names = []
    for f in form:
        names.append(f.name)
        for sub in getattr(f, "entries", []) or []:
            names.extend(s.name for s in (sub if hasattr(sub, "__iter__") else [sub]))
    return names


def test_every_form_of_the_app_has_the_base_that_translates_its_messages():
    forms = _app_forms()
    assert len(forms) > 30
    stray = [f"{c.__module__}.{c.__name__}" for c in forms if not issubclass(c, Form | SubForm)]
    assert stray == [], "inherit sponsorship.core.forms.Form (or SubForm for a nested form)"


@pytest.mark.parametrize("variant", ["empty", "nonsense", "too long"])
def test_form_errors_are_indonesian(app, variant):
    checked = 0
    with app.test_request_context("/", method="POST"):
        for form_class in sorted(_app_forms(), key=lambda c: c.__qualname__):
            names = _field_names(form_class)
            value = {"empty": "", "nonsense": "x?", "too long": "9" * 5000}[variant]
            data = {name: value for name in names}
            for message in _submit(form_class, data):
                checked += 1
                english = [p.pattern for p in ENGLISH if p.fullmatch(message)]
                assert not english, (form_class.__qualname__, message)
    assert checked > 20  # the walk met real errors


class _Sample(Form):
    months = IntegerField(validators=[Optional(), NumberRange(min=1, max=60)])
    name = StringField(validators=[DataRequired(), Length(max=1)])
    email = StringField(validators=[Optional(), Email()])


def test_wtforms_messages_follow_the_ui_language(app, english_catalog):
    from flask import session

    with app.test_request_context("/", method="POST"):
        assert {"Tulis bilangan bulat, mis. 12.", "Wajib diisi.", "Alamat e-mail tidak sah."} <= set(
            _submit(_Sample, {"months": "abc", "email": "bukan-email"}))
        assert _submit(_Sample, {"months": "61", "name": "ab"}) == [
            "Angka harus antara 1 dan 60.", "Panjang isian maksimal 1 karakter."]
    with app.test_request_context("/", method="POST"):
        session["lang"] = "en"
        english = {"Enter a whole number, e.g. 12.", "Required.", "Invalid e-mail address."}
        assert english <= set(_submit(_Sample, {"months": "abc", "email": "bukan-email"}))
        assert _submit(_Sample, {"months": "61", "name": "ab"}) == [
            "Number must be between 1 and 60.", "Field cannot be longer than 1 character."]


def test_a_missing_csrf_token_is_explained_in_indonesian(app):
    from sponsorship.auth.forms import LoginForm

    with app.test_request_context("/", method="POST"):
        form = LoginForm(formdata=MultiDict({"username": "a", "password": "b"}), meta={"csrf": True})
        assert not form.validate()
        assert form.errors["csrf_token"] == ["Token formulir tidak ada. Muat ulang halaman dan coba lagi."]


# --- pages -----------------------------------------------------------------------------------

RAW_CODE = re.compile(r"\b(?:status|item|attendee|allocation|document|fund|import|discrepancy):[a-z_]+\b"
                      r"|\b[a-z]+_(?:id|at|by|code|hash|enc)\b|\b(?:True|False|None)\b")


@pytest.fixture
def persona(request, login):
    def make(role):
        return login(request.getfixturevalue({"sponsor": "sponsor_a"}.get(role, role)))

    return make


@pytest.mark.parametrize("role", ["admin", "sponsor", "verifier", "approver"])
def test_every_page_a_role_opens_speaks_indonesian(role, persona, company_a, company_b):
    """Every route of the route table that shows this role a page (forms posted with invalid
    data are shown again with their errors): no WTForms English, no raw code, no Python value."""
    from bs4 import BeautifulSoup

    from tests.route_table import ROUTES, World

    world = World(company=company_a, pledge=factories.make_pledge(sponsor=company_a),
                  target_user=factories.make_user(role="verifier", username="target"))
    client = persona(role)
    seen, found = 0, []
    for row in ROUTES:
        if row["expect"][role] != 200 or row.get("ends_session"):
            continue
        url = row["url"](world) if callable(row["url"]) else row["url"]
        data = row.get("data")
        response = client.open(url, method=row.get("method", "GET"),
                               data=data(world) if callable(data) else data)
        if response.status_code != 200 or not response.content_type.startswith("text/html"):
            continue
        seen += 1
        text = BeautifulSoup(response.data, "html.parser").get_text(" ", strip=True)
        found += [f"{url}: {m.group(0)!r}" for m in RAW_CODE.finditer(text)]
        found += [f"{url}: {p.pattern!r}" for p in ENGLISH if p.search(text)]
    assert seen > 5
    assert found == []


def test_decimals_are_written_the_indonesian_way(login, admin, staff, english_catalog):
    from sponsorship.extensions import db
    from sponsorship.settings.service import set_setting

    set_setting("aid_first_contact_days", 0.8, actor=admin)
    set_setting("aid_payout_days", 2.5, actor=admin)
    db.session.commit()
    client = login(staff)
    text = get_page(client, "/proposals/pipeline").get_text(" ", strip=True)
    assert "kontak pertama 0,8 hari" in text and "pencairan 2,5 hari" in text
    client.post("/lang/en")
    assert "0.8" in get_page(client, "/proposals/pipeline").get_text()


# --- templates ------------------------------------------------------------------------------

TEMPLATES = ROOT / "templates"
_MARKUP = re.compile(r"<!--.*?-->|<(script|style|pre|code)\b.*?</\1>|<[^>]*>", re.S)
_ATTRIBUTE = re.compile(r"""\b(?:placeholder|title|aria-label|alt)\s*=\s*"([^"{]*)\"""")
_WORD = re.compile(r"[A-Za-z]{2,}")
# The same in both languages: abbreviations, and the language names in the language switch.
SAME_IN_BOTH = re.compile(r"\b(?:RT|RW|NIP|NIK|KK|NPWP|JKN|BPJS|PDF|CSV|XLSX|KB|SHA-256|sha256|WIB)\b"
                          r"|Bahasa Indonesia|English")


def _is_official_document(path: Path) -> bool:
    """Print templates of official documents: Indonesian by law, whatever the UI language."""
    return "documents" in path.relative_to(TEMPLATES).parts or path.name.endswith("_pdf.html")


def test_templates_have_no_text_outside_the_catalog():
    env = Environment(extensions=["jinja2.ext.i18n", "jinja2.ext.do"], autoescape=True)  # only lexed
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if _is_official_document(path):
            continue
        data = "".join(value for _, kind, value in env.lex(path.read_text()) if kind == "data")
        texts = [t.strip() for t in _MARKUP.sub("\n", data).split("\n")] + _ATTRIBUTE.findall(data)
        found += [(str(path.relative_to(TEMPLATES)), t) for t in texts
                  if _WORD.search(SAME_IN_BOTH.sub("", t))]
    assert found == [], "wrap the text in _() and add it to translations/en"


# --- the English catalog ----------------------------------------------------------------------

KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_n": (1, 2)}


def test_the_english_catalog_has_every_msgid_of_the_code_and_templates():
    used = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), [("sponsorship/**.py", "python"), ("templates/**.html", "jinja2")],
            options_map={"templates/**.html": {"extensions": "jinja2.ext.do"}}, keywords=KEYWORDS):
        msgid = message if isinstance(message, str) else message[0]
        if msgid:
            used.setdefault(msgid, f"{filename}:{lineno}")
    assert len(used) > 1000  # the extraction found the app's messages
    with open(ROOT / "sponsorship/translations/en/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh)

    def translated(msgid):
        entry = catalog.get(msgid)
        if entry is None:
            return False
        return all(entry.string) if isinstance(entry.string, tuple) else bool(entry.string)

    missing = sorted(f"{where}: {msgid!r}" for msgid, where in used.items() if not translated(msgid))
    assert missing == []
