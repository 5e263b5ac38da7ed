"""Racing service calls: n threads, each with its own session and connection, released together."""
from __future__ import annotations

import threading
from collections.abc import Callable


def run_concurrently(app, n: int, job: Callable[[int], None]) -> list[str]:
    """Run job(0..n-1) at once, each committed in its own write transaction.

    Returns one outcome per job: "ok", "refused" (a DomainError) or "error: ..." (anything else,
    which a test should treat as a failure).
    """
    from sponsorship.core.db import write_intent
    from sponsorship.core.errors import DomainError
    from sponsorship.extensions import db

    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        with app.app_context(), app.test_request_context():
            try:
                barrier.wait(timeout=30)
                with write_intent():
                    job(i)
                    db.session.commit()
                result = "ok"
            except DomainError:
                db.session.rollback()
                result = "refused"
            except Exception as exc:  # noqa: BLE001 - reported to the test, never swallowed
                db.session.rollback()
                result = f"error: {exc!r}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes
