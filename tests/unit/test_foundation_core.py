"""Core helpers: Rupiah and month fields as people type them, local redirects, workflows."""
from datetime import date

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from sponsorship.core.errors import IllegalTransition, PermissionDenied
from sponsorship.core.forms import MonthField, RupiahField
from sponsorship.core.http import local_path
from sponsorship.core.workflow import Transition, Workflow


class _Form(Form):
    amount = RupiahField()
    month = MonthField()


def _parse(**values):
    form = _Form(MultiDict(values))
    form.validate()
    return form


@pytest.mark.parametrize(("typed", "value"), [
    ("210000000", 210_000_000),
    ("210.000.000", 210_000_000),
    ("Rp 210.000.000", 210_000_000),
    ("rp. 150.000.000,00", 150_000_000),
    ("Rp210.000.000", 210_000_000),
    ("", None),
])
def test_rupiah_field_reads_what_people_type(typed, value):
    form = _parse(amount=typed)
    assert form.amount.data == value and not form.amount.errors


@pytest.mark.parametrize("typed", ["1,5 juta", "12.5,50", "-500", "Rp", "sepuluh"])
def test_rupiah_field_refuses_anything_else(typed):
    form = _parse(amount=typed)
    assert form.amount.data is None and form.amount.errors


def test_rupiah_field_shows_dot_grouping():
    form = _parse(amount="150000000")
    assert form.amount._value() == "150.000.000"


@pytest.mark.parametrize(("typed", "value"), [("2026-01", date(2026, 1, 1)), ("2026-7", date(2026, 7, 1)),
                                              ("", None)])
def test_month_field(typed, value):
    form = _parse(month=typed)
    assert form.month.data == value and not form.month.errors


@pytest.mark.parametrize("typed", ["2026-13", "2026-00", "01-2026", "2026/01", "Januari 2026"])
def test_month_field_refuses_other_shapes(typed):
    assert _parse(month=typed).month.errors


@pytest.mark.parametrize(("url", "expected"), [
    ("/pledges/?status=draft", "/pledges/?status=draft"),
    ("http://localhost/pledges/", "/pledges/"),
    ("https://evil.example/", None),
    ("//evil.example/", None),
    ("/\\evil.example", None),
    ("javascript:alert(1)", None),
    ("pledges/", None),
    ("", None),
    (None, None),
])
def test_local_path(app, url, expected):
    with app.test_request_context("/", base_url="http://localhost"):
        assert local_path(url) == expected


FLOW = Workflow(("a", "b", "c"), [Transition("go", frozenset({"a"}), "b", "pledge.edit", "Go")])


def _user(role):
    from types import SimpleNamespace

    return SimpleNamespace(is_authenticated=True, role=role, id=1, sponsor_id=None)


def _obj(status):
    from types import SimpleNamespace

    return SimpleNamespace(status=status)


def test_workflow_check_and_available():
    staff, sponsor = _user("staff"), _user("sponsor")
    assert FLOW.check("go", _obj("a"), staff).target == "b"
    assert [t.name for t in FLOW.available(_obj("a"), staff)] == ["go"]
    assert FLOW.available(_obj("a"), sponsor) == [] and FLOW.available(_obj("b"), staff) == []
    with pytest.raises(PermissionDenied):
        FLOW.check("go", _obj("a"), sponsor)
    with pytest.raises(IllegalTransition):
        FLOW.check("go", _obj("b"), staff)
    with pytest.raises(IllegalTransition):
        FLOW.check("fly", _obj("a"), staff)


def test_workflow_refuses_unknown_statuses_and_policy_rules():
    with pytest.raises(ValueError):
        Workflow(("a",), [Transition("x", frozenset({"a"}), "z", "pledge.edit", "X")])
    with pytest.raises(ValueError):
        Workflow(("a", "b"), [Transition("x", frozenset({"a"}), "b", "pledge.fly", "X")])


def test_fragment_cache_serves_a_rendering_until_its_key_moves_or_it_is_too_old():
    from sponsorship.core.cache import FragmentCache

    now = [100.0]
    renders = []
    cache = FragmentCache(size=4, max_age=60, clock=lambda: now[0])

    def render(text):
        return lambda: renders.append(text) or text

    assert cache.get_or_render(("v1",), render("a")) == "a"
    assert cache.get_or_render(("v1",), render("b")) == "a"  # same key, still fresh
    assert cache.get_or_render(("v2",), render("c")) == "c"  # the data moved
    now[0] += 61
    assert cache.get_or_render(("v2",), render("d")) == "d"  # too old: rendered again
    assert renders == ["a", "c", "d"]
    cache.get_or_render(("v3",), render("x"))
    cache.get_or_render(("v4",), render("y"))
    cache.get_or_render(("v2",), render("not used"))  # a hit: now the most recently used
    cache.get_or_render(("v5",), render("z"))  # full (4): the least recently used (v1) goes
    assert set(cache.items) == {("v2",), ("v3",), ("v4",), ("v5",)}
    forever = FragmentCache(max_age=None, clock=lambda: now[0])
    forever.get_or_render("k", render("e"))
    now[0] += 10_000
    assert forever.get_or_render("k", render("f")) == "e"
