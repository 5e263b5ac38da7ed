"""`flask --app app link-registry`: find probable duplicates in the whole registry (JSON summary)."""
from __future__ import annotations

import json

import click
from flask import Flask

from sponsorship.extensions import db


def register(app: Flask) -> None:
    @app.cli.command("link-registry")
    @click.option("--progress", is_flag=True, help="Print progress (done/total) on stderr.")
    def link_registry(progress: bool):
        """Merge sure duplicates, queue uncertain ones for review; prints pairs found, auto, review, time."""
        from sponsorship.core.db import write_intent
        from sponsorship.linkage.service import link_registry as run

        def report(done: int, total: int) -> None:
            if progress:
                click.echo(f"{done}/{total}", err=True)

        with write_intent():
            summary = run(actor=None, progress=report)
            db.session.commit()
        click.echo(json.dumps(summary, ensure_ascii=False))
