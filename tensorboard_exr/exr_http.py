"""What both servers (the TensorBoard plugin and the review server) send with an EXR's bytes,
and the plugin's responses that TensorBoard's own `http_util.Respond` does not make well
(a streamed body, a 304 that keeps its Content-Type).

A URL that names its content (the plugin's `exr?…&sha256=`, the review server's `?v=`) can never
answer other bytes, so the browser keeps the response for good; any other EXR URL may answer other
bytes later, so the browser keeps them but revalidates them with their ETag (a 304, no download).
"""

from __future__ import annotations

from typing import Any, BinaryIO, Final

from werkzeug import wrappers, wsgi

EXR_MIME_TYPE: Final = "image/x-exr"
IMMUTABLE_CACHE_CONTROL: Final = "private, max-age=31536000, immutable"
REVALIDATE_CACHE_CONTROL: Final = "private, no-cache"

_SEND_CHUNK_BYTES: Final = 256 * 1024


class _NotModified(wrappers.Response):
    """A 304 that keeps its Content-Type. werkzeug drops it from every 304, and TensorBoard's
    security middleware then logs a warning for each one ("In 3.0, this warning will become an
    error"): under many reviewers revalidating, the log lines were a large part of a 304's cost,
    and TensorBoard 3 would refuse those responses."""

    def get_wsgi_headers(self, environ: dict) -> Any:
        headers = super().get_wsgi_headers(environ)
        headers["Content-Type"] = self.headers["Content-Type"]
        return headers


def not_modified(mime_type: str, headers: list[tuple[str, str]]) -> wrappers.Response:
    """`304 Not Modified` for a response of `mime_type` (any plugin route's conditional GET)."""
    response = _NotModified(b"", status=304, mimetype=mime_type, headers=headers)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def streamed_exr(
    request: wrappers.Request, file: BinaryIO, size: int, headers: list[tuple[str, str]]
) -> wrappers.Response:
    """A 200 with the EXR read from `file` a chunk at a time as it is sent (closed afterwards):
    memory stays flat however many clients download big EXRs at once."""
    body = wsgi.wrap_file(request.environ, file, _SEND_CHUNK_BYTES)
    response = wrappers.Response(body, mimetype=EXR_MIME_TYPE, headers=headers, direct_passthrough=True)
    response.content_length = size
    response.headers["X-Content-Type-Options"] = "nosniff"  # what http_util.Respond would add
    return response
