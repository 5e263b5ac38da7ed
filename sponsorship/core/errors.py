"""Typed errors raised by services; views turn them into messages, never a 500."""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the request; the message is for the user."""

    status_code = 409

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IllegalTransition(DomainError):
    pass


class PermissionDenied(DomainError):
    status_code = 403
