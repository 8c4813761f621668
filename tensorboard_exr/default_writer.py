"""The writer `summary.image` and `summary.comparison` use when given none.

Set by `with writer.as_default():` (a `Writer`) or `summary.as_default(writer)` (any writer
`summary` accepts); held in a context variable, so blocks nest and threads or tasks do not share it.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

_current: contextvars.ContextVar[Any] = contextvars.ContextVar("tensorboard_exr_default_writer", default=None)


@contextlib.contextmanager
def use(writer: Any) -> Iterator[Any]:
    """Within the block, `current()` is `writer`; the innermost block wins."""
    token = _current.set(writer)
    try:
        yield writer
    finally:
        _current.reset(token)


def current() -> Any:
    """The writer of the innermost `use` block, or None."""
    return _current.get()
