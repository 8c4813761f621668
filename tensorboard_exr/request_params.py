"""The query parameters of the EXR plugin's routes, parsed in one place for every route module.

A missing or malformed parameter raises `tensorboard.errors.InvalidArgumentError` (400) naming it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from tensorboard import errors, plugin_util
from werkzeug import wrappers

from tensorboard_exr.exr_store import ReadScope


def read_scope(request: wrappers.Request) -> ReadScope:
    """The request context and experiment the store reads the request's data with."""
    return ReadScope(plugin_util.context(request.environ), plugin_util.experiment_id(request.environ))


def run_and_tag(request: wrappers.Request) -> tuple[str, str]:
    """The required `run` and `tag` parameters."""
    run = request.args.get("run")
    tag = request.args.get("tag")
    if run is None or tag is None:
        raise errors.InvalidArgumentError("parameters 'run' and 'tag' are required")
    return run, tag


def required(request: wrappers.Request, name: str) -> str:
    """A required text parameter."""
    value = request.args.get(name)
    if value is None:
        raise errors.InvalidArgumentError(f"parameter {name!r} is required")
    return value


def integer(request: wrappers.Request, name: str) -> int:
    """A required integer parameter, such as `step`."""
    value = required(request, name)
    try:
        return int(value)
    except ValueError:
        raise errors.InvalidArgumentError(f"parameter {name!r} must be an integer, got {value!r}") from None


def one_of(request: wrappers.Request, name: str, choices: Sequence[str], *, lower: bool = False) -> str:
    """An optional parameter that must be one of `choices` (the first is the default).

    With `lower`, the value is compared in lower case (and returned so).
    """
    value = request.args.get(name, choices[0])
    if lower:
        value = value.lower()
    if value not in choices:
        allowed = " or ".join(repr(choice) for choice in choices)
        raise errors.InvalidArgumentError(f"parameter {name!r} must be {allowed}, got {value!r}")
    return value


def non_negative_number(request: wrappers.Request, name: str, default: float) -> float:
    """An optional finite number >= 0, such as a metric's `epsilon` (`default` when absent)."""
    value = request.args.get(name)
    if value is None:
        return default
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise errors.InvalidArgumentError(f"parameter {name!r} must be a finite number >= 0, got {value!r}")
    return number
