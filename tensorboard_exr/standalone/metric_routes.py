"""The review server's server-side metric: FLIP of two listed files, as a background job.

    GET /api/flip?a=PATH&b=PATH[&mode=ldr|hdr][&format=exr|json]

The same job module as TensorBoard's `flip` route (`flip_maps.FlipMaps` over
`metric_jobs.MetricJobs`: worker processes, a second at most per request, 202 with the job's
progress until the map is computed, cancelled when nobody asks for it). `a` is FLIP's test image,
`b` its reference, both paths as the tree lists them (`file.path`); the answer is TensorBoard's
(docs/standalone.md, "What is served"). Maps are cached by the two files' versions (device,
inode, size, modification time: a re-rendered file is a new version) and the mode.
"""

from __future__ import annotations

import json
import os
from typing import Any, Final

from werkzeug.wrappers import Request, Response

from ..exr_http import EXR_MIME_TYPE, REVALIDATE_CACHE_CONTROL
from ..flip_maps import FLIP_MODES, FlipMap, FlipMaps, flip_key
from ..metric_jobs import RETRY_AFTER, Job, MetricJobs
from .http_errors import HttpError
from .served_files import FileVersion, open_served_file
from .sources import TreeSource

_FORMATS: Final = ("exr", "json")


class ReviewMetrics:
    """`/api/flip` for one tree source; its worker processes start with the first FLIP."""

    def __init__(self, source: TreeSource) -> None:
        self._source = source
        self._jobs = MetricJobs()  # starts no thread nor process until the first job
        self._flips = FlipMaps(self._jobs)

    def flip(self, request: Request) -> Response:
        paths = [_required(request, name) for name in ("a", "b")]
        mode = _one_of(request, "mode", FLIP_MODES)
        response_format = _one_of(request, "format", _FORMATS)
        versions = [self._version(path) for path in paths]
        etag = "-".join(["flip", *(v.token for v in versions), mode])
        if response_format == "exr" and request.if_none_match.contains(etag):
            response = Response(status=304)
            response.set_etag(etag)
            return response
        try:
            found = self._flips.get(
                flip_key(versions[0].token, versions[1].token, mode),
                lambda: self._read(paths[0], versions[0]),
                lambda: self._read(paths[1], versions[1]),
                paths[0],
            )
        except ValueError as e:  # undecodable, sizes differ, no flip-evaluator
            raise HttpError(400, str(e)) from None
        if isinstance(found, Job):
            return _accepted(self._jobs.status(found))
        return _flip_response(found, mode, response_format, etag)

    def _version(self, relpath: str) -> FileVersion:
        """The version of a file the tree lists (403/404 like `/files/` otherwise)."""
        fd, version = open_served_file(self._source.root, relpath)  # refuses unsafe paths first
        os.close(fd)
        if not self._source.may_serve(relpath):
            raise HttpError(404, f"{relpath!r} is not one of the files this server lists")
        return version

    def _read(self, relpath: str, version: FileVersion) -> bytes:
        """The file's bytes, if it is still the version the job is named after."""
        fd, now = open_served_file(self._source.root, relpath)
        with os.fdopen(fd, "rb") as f:
            data = f.read()
        if now.token != version.token:
            raise HttpError(409, f"{relpath} changed while its FLIP was computed: ask again")
        return data


def _required(request: Request, name: str) -> str:
    value = request.args.get(name)
    if not value:
        raise HttpError(400, f"parameter {name!r} is required (a file path as the tree lists it)")
    return value


def _one_of(request: Request, name: str, choices: tuple[str, ...]) -> str:
    value = request.args.get(name, choices[0]).lower()
    if value not in choices:
        raise HttpError(400, f"parameter {name!r} must be {' or '.join(map(repr, choices))}, got {value!r}")
    return value


def _flip_response(flip: FlipMap, mode: str, response_format: str, etag: str) -> Response:
    if response_format == "json":
        body = {"mean": flip.mean, "mode": mode, "parameters": flip.parameters}
        response = Response(json.dumps(body), mimetype="application/json")
        response.headers["Cache-Control"] = "no-store"
        return response
    response = Response(flip.exr, mimetype=EXR_MIME_TYPE)
    response.set_etag(etag)
    response.headers["X-Flip-Mean"] = repr(flip.mean)
    response.headers["Cache-Control"] = REVALIDATE_CACHE_CONTROL
    return response


def _accepted(status: dict[str, Any]) -> Response:
    response = Response(json.dumps(status), status=202, mimetype="application/json")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    response.headers["Cache-Control"] = "no-store"
    return response
