"""Shell commands: `flask --app app create-user`, `seed-demo` (and the registry's and NIK keys')."""
from __future__ import annotations

import click
from flask import Flask

from sponsorship.auth.models import ROLES
from sponsorship.core.errors import DomainError
from sponsorship.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("create-user")
    @click.option("--username", prompt=True)
    @click.option("--full-name", prompt=True)
    @click.option("--role", type=click.Choice(ROLES), prompt=True)
    @click.option("--sponsor-npwp", default=None, help="For sponsor users: the company's NPWP.")
    @click.option("--email", default=None)
    @click.password_option()
    def create_user(username, full_name, role, sponsor_npwp, email, password):
        """Create a user of any role."""
        from sponsorship.auth.service import create_user as create
        from sponsorship.sponsors.models import Sponsor
        from sponsorship.sponsors.service import normalise_npwp

        sponsor_id = None
        try:
            if sponsor_npwp:
                npwp = normalise_npwp(sponsor_npwp)
                sponsor = db.session.scalar(db.select(Sponsor).where(Sponsor.npwp == npwp))
                if sponsor is None:
                    raise click.ClickException("No company with that NPWP.")
                sponsor_id = sponsor.id
            user = create(actor=None, username=username, full_name=full_name, role=role,
                          password=password, email=email, sponsor_id=sponsor_id)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        db.session.commit()
        click.echo(f"created {user.username} ({user.role})")

    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Only when no user exists yet.")
    @click.option("--city", default=None,
                  help="Kemendagri code of the kabupaten/kota to build the demo for (default: the "
                       "demo's own city).")
    def seed_demo(if_empty, city):
        """Load the demo data (idempotent), after setting the city up."""
        from sponsorship.auth.models import User
        from sponsorship.demo import seed_demo as run

        if if_empty and db.session.scalar(db.select(User.id).limit(1)) is not None:
            click.echo("database not empty: demo data left as it is")
            return
        if not app.config["PUBLIC_BASE_URL"]:  # before any step: the demo issues documents
            raise click.ClickException("PUBLIC_BASE_URL is not set: the demo's documents need the "
                                       "address their QR codes point to (make run sets it)")
        try:
            run(city=city)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo("demo data ready")

    from sponsorship.beneficiaries.cli import register as register_registry
    from sponsorship.eligibility.cli import register as register_eligibility
    from sponsorship.identity.cli import register as register_identity
    from sponsorship.linkage.cli import register as register_linkage
    from sponsorship.regions.cli import register as register_regions

    register_registry(app)
    register_eligibility(app)
    register_identity(app)
    register_regions(app)
    register_linkage(app)
