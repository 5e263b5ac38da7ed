"""Entry point: `flask --app app ...` and gunicorn `app:app`."""
from sponsorship import create_app

app = create_app()
