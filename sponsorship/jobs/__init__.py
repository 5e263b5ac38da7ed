"""Long work off the request path: a `Job` row per piece of work, run by the queue's worker.

`register(name, label, run)` adds a kind of work; `start(kind, actor=..., params=...)` queues one
(after the caller's commit). See service.py for the life cycle and queue.py for the queue.
"""
from sponsorship.jobs.service import register, start

__all__ = ["register", "start"]
