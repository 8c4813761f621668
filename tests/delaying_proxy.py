"""An HTTP proxy on 127.0.0.1 in front of a real server that holds some answers back.

    with ReviewServer(folder) as server, DelayingProxy(server.url, delay) as proxy:
        page.goto(proxy.url)

`delay(path)` says how many seconds to wait before answering a GET of `path` (called on the
request's own thread, so answers overtake each other as they would on a slow network). Everything
else — status, headers (the CSP included), body — is the upstream server's.
"""

from __future__ import annotations

import http.client
import http.server
import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import Self
from urllib.parse import urlparse

# Hop-by-hop headers are the proxy's own business; the body is re-sent with its length.
_SKIPPED_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class DelayingProxy:
    """A threading proxy to `upstream` (an http://127.0.0.1:PORT/ URL) delaying answers by `delay(path)`."""

    def __init__(self, upstream: str, delay: Callable[[str], float]) -> None:
        target = urlparse(upstream)
        assert target.hostname and target.port, upstream
        self.upstream_host, self.upstream_port = target.hostname, target.port
        self.delay = delay
        self.delayed = 0
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
                connection = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                connection.request("GET", self.path, headers=headers)
                upstream = connection.getresponse()
                body = upstream.read()
                connection.close()
                wait = proxy.delay(self.path)
                if wait > 0:
                    proxy.delayed += 1
                    time.sleep(wait)
                try:
                    self.send_response(upstream.status, upstream.reason)
                    for name, value in upstream.getheaders():
                        if name.lower() not in _SKIPPED_HEADERS:
                            self.send_header(name, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the page cancelled the download meanwhile

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)
