"""The review server's HTTP errors: raised by its routes, answered as `{"error": message}` by app.py."""

from __future__ import annotations


class HttpError(Exception):
    """An error answered as `{"error": message}` with `status`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
