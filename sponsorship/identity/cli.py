"""`flask --app app rotate-nik-keys [--batch-size N]`: after NIK_KEY_ID and NIK_ENCRYPTION_KEY name
a new key and NIK_PREVIOUS_KEYS lists the old one, move every stored NIK and KK onto the new key."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask


def register(app: Flask) -> None:
    @app.cli.command("rotate-nik-keys")
    @click.option("--batch-size", default=500, show_default=True, type=click.IntRange(min=1),
                  help="Rows per committed, audited batch.")
    def rotate_nik_keys(batch_size: int):
        """Re-encrypt and re-index every row not on the current NIK key; prints one JSON object.

        Safe to interrupt and run again: it continues with the rows still on an older key.
        Exits with 1 when rows name a key that is not configured (they are left as they are)."""
        from sponsorship.identity.rotation import rotate_keys
        from sponsorship.identity.secrecy import NikKeyError

        try:
            counts = rotate_keys(batch_size=batch_size)
        except NikKeyError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(json.dumps(counts))
        if any(v for k, v in counts.items() if k.endswith("_unknown_key")):
            sys.exit(1)
