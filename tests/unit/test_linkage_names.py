"""The one normaliser of Indonesian names for linkage, and the one place the backend is chosen."""
from __future__ import annotations

import pytest

from sponsorship.linkage.names import name_key, name_tokens, same_name


@pytest.mark.parametrize("written", ["Muhammad Rizki", "MUHAMAD RIZKI", "M. Rizki", "Moh. Rizki",
                                     "Mochammad  rizki",
                                     "muhammad rizki "])
def test_given_name_variants_spacing_and_case_are_one_name(written):
    assert name_key(written) == "muhammadrizki"


def test_siti_st_and_spacing():
    assert name_tokens("St. Nurhaliza") == ["siti", "nurhaliza"]
    assert name_key("Siti Nur Haliza") == name_key("SITI NURHALIZA")
    assert name_key("Siti Aminah") != name_key("Siti Amina")


def test_only_case_and_spacing_are_no_disagreement():
    assert same_name("SITI AMINAH", "Siti  Aminah")
    assert same_name("Nur Haliza", "Nurhaliza")
    assert not same_name("M. Rizki", "Muhammad Rizki")  # a variant: sources disagree on how it is written
    assert not same_name("Siti Aminah", "Siti Amina")


def test_the_backend_follows_the_database_unless_told(app):
    from sponsorship.extensions import db
    from sponsorship.linkage import engine

    with app.app_context():
        expected = "postgres" if db.engine.dialect.name == "postgresql" else "duckdb"
        assert engine.backend_name() == expected
        saved = app.config["LINKAGE_BACKEND"]
        app.config["LINKAGE_BACKEND"] = "duckdb"
        try:
            assert engine.backend_name() == "duckdb"
        finally:
            app.config["LINKAGE_BACKEND"] = saved
