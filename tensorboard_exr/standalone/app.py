"""The review server as a WSGI app: the page, the tree, the files, the viewer's static files.

Routes (docs/standalone.md has the full contract):
    GET /                 the page (index.html), with a strict Content-Security-Policy
    GET /api/tree         the review tree as JSON (tree_json.py)
    GET /files/<path>     a listed file's original bytes; strong ETag, 304, ranges
    GET /api/flip         FLIP of two listed files, a background job (metric_routes.py)
    GET /<name>           a file of the frontend build (standalone.js, decoder_worker.js, *.wasm)
Every error is a JSON body `{"error": message}` with a 4xx/5xx status, never a traceback.
"""

from __future__ import annotations

import gzip
import json
import logging
import mimetypes
import os
from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

from ..exr_http import EXR_MIME_TYPE, IMMUTABLE_CACHE_CONTROL, REVALIDATE_CACHE_CONTROL
from ..static_files import STATIC_DIR, asset_mime_type, file_content_version, is_asset_name
from .config import ConfigError
from .http_errors import HttpError
from .metric_routes import ReviewMetrics
from .page import CONTENT_SECURITY_POLICY, VIEWER_SCRIPT, index_html
from .served_files import RefusedPath, open_served_file
from .sources import TreeSource
from .tree_json import FILES_PREFIX, snapshot_json

logger = logging.getLogger(__name__)

_READ_BLOCK = 256 * 1024
_GZIP_MIN_BYTES = 16 * 1024

# Host names a server bound to a loopback address answers to; others are refused so that a web
# page cannot reach it through DNS rebinding (a hostile name resolving to 127.0.0.1).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})

StartResponse = Callable[..., Any]


class ReviewApp:
    """The WSGI application for one tree source.

    `allowed_hosts` is None to answer any Host header, or the host names (without port) to
    answer to; `static_dir` is the frontend build folder.
    """

    def __init__(
        self,
        source: TreeSource,
        static_dir: Path = STATIC_DIR,
        allowed_hosts: Collection[str] | None = None,
    ) -> None:
        self.source = source
        self.static_dir = static_dir
        self.allowed_hosts = None if allowed_hosts is None else frozenset(h.lower() for h in allowed_hosts)
        self.metrics = ReviewMetrics(source)

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self.dispatch(request)
        except HttpError as error:
            response = error_response(error.status, error.message)
        except RefusedPath as refusal:
            response = error_response(refusal.status, refusal.message)
        except HTTPException as error:  # werkzeug's own, e.g. 416 for a range past the end
            response = error_response(error.code or 500, f"{error.name}: {error.description}")
        except Exception as error:  # the server answers every request, whatever went wrong
            logger.exception("error answering %s %s", request.method, request.path)
            response = error_response(
                500,
                f"internal error answering {request.method} {request.path}: {type(error).__name__}: {error}",
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        self.check_host(request)
        if request.method not in ("GET", "HEAD"):
            error = error_response(405, f"{request.method} is not supported: this server only reads")
            error.headers["Allow"] = "GET, HEAD"
            return error
        path = request.path
        if path in ("/", "/index.html"):
            return self.index(request)
        if path == "/api/tree":
            return self.tree(request)
        if path == "/api/flip":
            return self.metrics.flip(request)
        if path.startswith("/" + FILES_PREFIX):
            return self.file(request, path[len(FILES_PREFIX) + 1 :])
        name = path[1:]
        if is_asset_name(name):
            return self.asset(request, name)
        raise HttpError(404, f"nothing at {path!r}")

    def check_host(self, request: Request) -> None:
        if self.allowed_hosts is None:
            return
        host = request.host.lower()
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if name not in self.allowed_hosts:
            raise HttpError(
                403,
                f"Host {request.host!r} is not one this server answers to (it protects against DNS"
                f" rebinding); start it with --allow-host {name} to allow it",
            )

    def index(self, request: Request) -> Response:
        title = self.source.title
        built = (self.static_dir / VIEWER_SCRIPT).is_file()
        response = Response(index_html(title, built), mimetype="text/html")
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["Cache-Control"] = "no-store"
        return response

    def tree(self, request: Request) -> Response:
        try:
            snapshot = self.source.snapshot()
        except ConfigError as error:
            raise HttpError(500, f"config error: {error}") from None
        body = json.dumps(snapshot_json(snapshot, self.source.root), ensure_ascii=False).encode()
        response = Response(body, mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Accept-Encoding")
        # A large folder's tree is megabytes of repetitive JSON; over an SSH tunnel gzip pays.
        if len(body) >= _GZIP_MIN_BYTES and "gzip" in request.accept_encodings:
            response.set_data(gzip.compress(body, compresslevel=5))
            response.content_encoding = "gzip"
        return response

    def file(self, request: Request, relpath: str) -> Response:
        if not self.source.may_serve(relpath):
            # Path checks first so that a traversal attempt is answered as one (403).
            refuse_if_unsafe(self.source.root, relpath)
            raise HttpError(404, f"{relpath!r} is not one of the files this server lists")
        fd, version = open_served_file(self.source.root, relpath)
        mime_type = EXR_MIME_TYPE if relpath.lower().endswith(".exr") else guess_mime_type(relpath)
        # A file URL carries its version (?v=), so the bytes behind it never change.
        pinned = request.args.get("v") == version.token
        cache_control = IMMUTABLE_CACHE_CONTROL if pinned else REVALIDATE_CACHE_CONTROL
        return file_response(request, fd, version.token, version.size, mime_type, cache_control)

    def asset(self, request: Request, name: str) -> Response:
        try:
            fd, version = open_served_file(self.static_dir, name)
        except RefusedPath:
            raise HttpError(
                404, f"nothing at '/{name}' (not a route, nor a file of the viewer build)"
            ) from None
        # A URL naming the file's content (exr_core.wasm?v=, build.mjs) is kept without
        # revalidation: Chrome then serves the wasm's compiled code from its code cache.
        wanted = request.args.get("v")
        pinned = wanted is not None and wanted == file_content_version(self.static_dir / name, version.token)
        cache_control = IMMUTABLE_CACHE_CONTROL if pinned else REVALIDATE_CACHE_CONTROL
        response = file_response(
            request, fd, version.token, version.size, asset_mime_type(name), cache_control
        )
        if name.endswith(".js"):
            # The worker scripts' own policy (a worker takes the CSP its script is served with).
            response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response


def refuse_if_unsafe(root: Path, relpath: str) -> None:
    """Raises RefusedPath if `relpath` is a path the server would refuse outright."""
    fd, _ = open_served_file(root, relpath)
    os.close(fd)


def file_response(
    request: Request, fd: int, token: str, size: int, mime_type: str, cache_control: str
) -> Response:
    """The bytes behind an open descriptor, with a strong ETag, 304 and byte ranges."""
    handle = os.fdopen(fd, "rb")
    try:
        body = wrap_file(request.environ, handle, buffer_size=_READ_BLOCK)
        response = Response(body, mimetype=mime_type, direct_passthrough=True)
        response.content_length = size
        response.set_etag(token)
        response.headers["Cache-Control"] = cache_control
        # make_conditional answers If-None-Match with 304 and Range with 206; the file is closed
        # when the server closes the response iterable, whatever the status.
        response = response.make_conditional(request, accept_ranges=True, complete_length=size)
    except BaseException:
        handle.close()
        raise
    response.headers.pop("Date", None)  # the HTTP server adds its own
    return response


def guess_mime_type(relpath: str) -> str:
    return mimetypes.guess_type(relpath)[0] or "application/octet-stream"


def error_response(status: int, message: str) -> Response:
    body = json.dumps({"error": message, "status": status}, ensure_ascii=False)
    response = Response(body, status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response
