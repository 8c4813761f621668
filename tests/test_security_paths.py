"""No path escape: `..`, absolute, URL-like, percent-encoded, backslash and NUL references are
refused by both servers, and nothing outside what they serve reaches the client.

Complements test_plugin_server.py / test_scale_storage.py (stored-file references in events) and
tests/standalone/test_standalone_http.py (the review server's /files/ route): here raw request
paths and query parameters, sent unnormalised over a socket, against real server processes.
"""

from __future__ import annotations

import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import LOADERS
from review_server import ReviewServer, write_exr
from tb_server import TensorBoardServer

from tensorboard_exr import summary as exr_summary

SECRET = b"SECRET-OUTSIDE-THE-ROOT"

ESCAPES = [
    "..",
    "../secret.txt",
    "..%2fsecret.txt",
    "%2e%2e/secret.txt",
    "%2E%2E%2Fsecret.txt",
    "..%5csecret.txt",
    "..\\secret.txt",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "file:///etc/passwd",
    "http://127.0.0.1:1/secret.txt",
    "secret.txt%00.js",
    "index.js%00",
    "%252e%252e/secret.txt",
    ".%2e/.%2e/secret.txt",
]


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """Sends `GET target` byte for byte (no client-side normalisation) and returns status, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(f"GET {target} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def _assert_refused(status: int, body: bytes, target: str) -> None:
    assert 400 <= status < 500, (target, status, body[:200])
    assert SECRET not in body and b"root:x:0:0" not in body, target
    assert b"Traceback" not in body, target


@pytest.fixture(scope="module", params=LOADERS)
def tensorboard(request, tmp_path_factory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("paths")
    (root / "secret.txt").write_bytes(SECRET)
    (root.parent / "secret.txt").write_bytes(SECRET)
    logdir = root / "logs"
    with exr_summary.Writer(logdir / "run", storage="file") as writer:
        exr_summary.image("a", np.full((4, 4, 3), 0.5, np.float32), 0, writer=writer)
    (logdir / "run" / "secret.txt").write_bytes(SECRET)
    with TensorBoardServer(logdir, load_fast=request.param) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: "run" in tags)
        yield server


@pytest.mark.parametrize("escape", ESCAPES)
def test_plugin_static_route_refuses_escapes(tensorboard: TensorBoardServer, escape: str) -> None:
    for target in (f"/data/plugin/exr/{escape}", f"/data/plugin/exr/static/{escape}"):
        _assert_refused(*raw_get(tensorboard.port, target), target)


def test_plugin_data_routes_refuse_escaping_run_and_tag(tensorboard: TensorBoardServer) -> None:
    good = tensorboard.get("/data/plugin/exr/exr?run=run&tag=a&step=0")
    assert good.status == 200 and good.body[:4] == b"v/1\x01"
    for escape in ESCAPES:
        value = urllib.parse.unquote(escape)
        for params in (
            {"run": value, "tag": "a"},
            {"run": "run", "tag": value},
            {"run": f"run/{value}", "tag": "a"},
        ):
            query = urllib.parse.urlencode({**params, "step": 0})
            for route in ("steps", "exr"):
                target = f"/data/plugin/exr/{route}?{query}"
                _assert_refused(*raw_get(tensorboard.port, target), target)


@pytest.fixture(scope="module")
def review_server(tmp_path_factory) -> Iterator[ReviewServer]:
    root: Path = tmp_path_factory.mktemp("review")
    (root / "secret.txt").write_bytes(SECRET)
    served = root / "served"
    write_exr(served / "a.exr", np.full((4, 4, 3), 0.5, np.float32))
    (served / "secret.txt").write_bytes(SECRET)  # inside, but not an image: never served either
    with ReviewServer(served, ["--quiet"]) as server:
        yield server


@pytest.mark.parametrize("escape", ESCAPES)
def test_review_server_refuses_escapes(review_server: ReviewServer, escape: str) -> None:
    assert raw_get(review_server.port, "/files/a.exr")[0] == 200
    for target in (f"/files/{escape}", f"/{escape}", f"/files/sub/{escape}"):
        _assert_refused(*raw_get(review_server.port, target), target)
