"""`flask --app app load-regions` (the national region data, idempotent) and
`flask --app app setup-city CODE [--name NAME]` (the programme for one kabupaten/kota)."""
from __future__ import annotations

import json
import time

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("load-regions")
    def load_regions_command():
        """Insert every province, kabupaten/kota, kecamatan and desa/kelurahan of the shipped
        Kemendagri list the region table lacks; prints one JSON object with the counts."""
        from sponsorship.extensions import db
        from sponsorship.regions.load import load_regions

        started = time.perf_counter()
        counts = load_regions(actor=None)
        db.session.commit()
        click.echo(json.dumps({**counts, "seconds": round(time.perf_counter() - started, 1)}))

    @app.cli.command("setup-city")
    @click.argument("code")
    @click.option("--name", default=None,
                  help="The area's short name as the city writes it, when it differs from the "
                       "Kemendagri spelling.")
    def setup_city_command(code, name):
        """Set the programme up for the kabupaten/kota CODE (e.g. 72.71): loads the region data
        if needed, then the scope, government name, officials' titles, court and Baznas office."""
        from sponsorship.core.errors import DomainError
        from sponsorship.extensions import db
        from sponsorship.regions.city import missing, setup_city

        try:
            values = setup_city(code, actor=None, short_name=name)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        db.session.commit()
        click.echo(f"{values['city_name']} ({values['area_code']}) set up")
        for item in missing():
            click.echo(f"still to fill on the settings page: {item}")
