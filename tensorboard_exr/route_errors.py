"""How every route of the EXR plugin answers a failure: the JSON body http_api.md promises.

Routes raise TensorBoard's own errors (`tensorboard.errors.InvalidArgumentError` for 400,
`NotFoundError` for 404, any `PublicError` with its code), as TensorBoard's plugins do.
TensorBoard's app would answer those as `text/plain`; `json_errors` answers them as
`{"error": message}` with the error's code instead, and anything unexpected as a 500 of the
same shape, the traceback going to TensorBoard's log, never to the client. The message is the
one the route raised, without the code name TensorBoard's errors put first ("Not found: ").
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, Final

from tensorboard import errors
from tensorboard.backend import http_util
from werkzeug import wrappers

logger = logging.getLogger(__name__)

# The code names `tensorboard.errors` writes before a message ("Not found: no step 3").
_CODE_NAMES: Final = (
    (errors.InvalidArgumentError, "Invalid argument: "),
    (errors.NotFoundError, "Not found: "),
    (errors.PermissionDeniedError, "Permission denied: "),
    (errors.UnauthenticatedError, "Unauthenticated: "),
)

_INTERNAL_ERROR: Final = "internal error in the EXR plugin (see the TensorBoard log)"

RouteHandler = Callable[[wrappers.Request], wrappers.Response]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def json_errors(handler: RouteHandler) -> WsgiApp:
    """The WSGI app of a route handler, answering each of its failures with a JSON error body."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = wrappers.Request(environ)
        try:
            response = handler(request)
        except errors.PublicError as e:
            response = error_response(request, e.http_code, public_message(e))
        except Exception:
            logger.exception("EXR plugin: %s failed", request.full_path)
            response = error_response(request, 500, _INTERNAL_ERROR)
        return response(environ, start_response)

    return app


def error_response(request: wrappers.Request, code: int, message: str) -> wrappers.Response:
    """`{"error": message}` with status `code`."""
    return http_util.Respond(request, {"error": message}, "application/json", code=code)


def public_message(error: errors.PublicError) -> str:
    """What the route said, without the code name: the HTTP status already says "not found"."""
    message = str(error)
    for kind, code_name in _CODE_NAMES:
        if isinstance(error, kind) and message.startswith(code_name):
            return message[len(code_name) :]
    return message
