"""`flask --app app import-beneficiaries FILE --source dinsos [--dry-run]` for big and scheduled imports."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from sponsorship.beneficiaries.models import SOURCES
from sponsorship.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("import-beneficiaries")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--source", type=click.Choice(list(SOURCES)), required=True)
    @click.option("--dry-run", is_flag=True, help="Validate and count; change nothing.")
    def import_beneficiaries(file: Path, source: str, dry_run: bool):
        """Import a CSV/XLSX list; prints one JSON object (created, updated, unchanged, invalid)."""
        from sponsorship.beneficiaries.importer import UnusableFile
        from sponsorship.beneficiaries.service import import_file
        from sponsorship.core.db import write_intent

        try:
            with write_intent():
                result = import_file(actor=None, data=file.read_bytes(), file_name=file.name, source=source,
                                     dry_run=dry_run)
                if dry_run:
                    db.session.rollback()
                else:
                    db.session.commit()
        except UnusableFile as exc:
            db.session.rollback()
            click.echo(str(exc.message), err=True)
            sys.exit(2)
        click.echo(json.dumps(result, ensure_ascii=False))
