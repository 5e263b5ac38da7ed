"""`flask --app app explain-eligibility NIK`: one resident's verdict and score as one JSON object."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("explain-eligibility")
    @click.argument("nik")
    def explain_eligibility(nik: str):
        """Print {"eligible", "reasons", "score", "parts", "policy"} for the resident with this NIK."""
        from sponsorship.beneficiaries.service import find_by_nik
        from sponsorship.eligibility.service import explanation_json

        b = find_by_nik(nik)
        if b is None:
            click.echo("no resident with that NIK", err=True)
            sys.exit(1)
        click.echo(json.dumps(explanation_json(b), ensure_ascii=False))
