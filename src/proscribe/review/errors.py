"""Errors of review and appeals, each meaning one HTTP status."""

from __future__ import annotations


class ReviewError(Exception):
    """Base: the message says what is wrong and what to do."""

    status = 400


class NotFound(ReviewError):
    status = 404


class Conflict(ReviewError):
    """Someone else holds the item, or it is in a state that forbids the request."""

    status = 409


class Forbidden(ReviewError):
    status = 403


class Invalid(ReviewError):
    """A field of the request is wrong; `field` names it (by default the message's first word: "reason is required")."""

    status = 422

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field or message.split(" ", 1)[0]
