"""Running the review app on a threaded HTTP server until interrupted."""

from __future__ import annotations

import ipaddress
import logging
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from werkzeug.serving import make_server

from .app import LOOPBACK_HOSTS, ReviewApp
from .folder_tree import DEFAULT_MAX_FILES
from .sources import open_source

logger = logging.getLogger(__name__)


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or `localhost`) only accepts connections from this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_hosts_for(host: str, extra: Iterable[str]) -> frozenset[str] | None:
    """Host names to answer to: loopback names (plus `extra`) on a loopback bind, any otherwise.

    Bound to another interface the server is meant to be reached by whatever name the network
    gives it, so the Host header is not checked; `extra` then still has no effect.
    """
    if not is_loopback(host):
        return None
    return LOOPBACK_HOSTS | {h.lower() for h in extra}


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one); OSError if that fails."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listening = socket.socket(family, kind, proto)
    try:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
        listening.listen(128)
    except OSError:
        listening.close()
        raise
    return listening


def serve(
    path: Path,
    host: str = "127.0.0.1",
    port: int = 6066,
    root: Path | None = None,
    allow_hosts: Iterable[str] = (),
    max_files: int = DEFAULT_MAX_FILES,
    out: TextIO = sys.stdout,
) -> None:
    """Serves `path` (a folder or a JSON config) until Ctrl-C.

    Prints one line with the URL as soon as the socket listens (port 0 picks a free port, which
    the line shows). Raises ConfigError for a bad PATH or config, OSError if the port is taken.
    """
    source = open_source(path, root=root, max_files=max_files)
    snapshot = source.snapshot()
    app = ReviewApp(source, allowed_hosts=allowed_hosts_for(host, allow_hosts))
    listening = listen(host, port)
    # werkzeug binds by itself only when given no socket, and then exits the process on errors;
    # with our own socket a taken port is an OSError the command reports.
    port = listening.getsockname()[1]
    server = make_server(host, port, app, threaded=True, fd=listening.fileno())
    listening.close()  # the server holds its own duplicate of the descriptor
    shown_host = f"[{host}]" if ":" in host else host
    for warning in snapshot.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"Serving {snapshot.source} {path} at http://{shown_host}:{port}/", file=out, flush=True)
    if host in ("0.0.0.0", "::", ""):
        print(f"  (on every interface: e.g. http://{socket.gethostname()}:{port}/)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
