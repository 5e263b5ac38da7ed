"""Benchmark-only routes (BENCH_ROUTES=1): the hello-world baseline of bench/pages.py."""
from flask import Blueprint

bp = Blueprint("bench", __name__, url_prefix="/bench")


@bp.route("/hello")
def hello():
    return "hello"
