"""Entry point: `flask --app app ...` and gunicorn `app:app`."""
from dotenv import load_dotenv

from sponsorship import create_app

load_dotenv()  # a local .env (see .env.example); real deployments set the environment
app = create_app()
