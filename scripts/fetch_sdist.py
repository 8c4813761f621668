"""Downloads one pinned sdist from a Python package index and checks its sha256.

    python3 -I scripts/fetch_sdist.py openexr 3.5.3 <sha256> frontend/.cache/.../openexr-3.5.3.tar.gz

frontend/src/decoder/build_wasm.sh fetches the OpenEXR sources with it. The standard library only:
it runs inside the isolated environments of PEP 517 builds (`python -m build`, `pip wheel .`),
which have no pip. Run it with `-I`, so that a build environment's PYTHONPATH and user site stay
out. It reads the index's simple API (PEP 503 HTML, served by PyPI and by mirrors), from
`PIP_INDEX_URL` when set, and writes the file only once its sha256 matches.
"""

from __future__ import annotations

import hashlib
import html.parser
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_INDEX = "https://pypi.org/simple"
ATTEMPTS = 3


class _Links(html.parser.HTMLParser):
    """The href of every <a> of a simple-API page."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def _get(url: str) -> bytes:
    request = urllib.request.Request(
        url, headers={"Accept": "text/html", "User-Agent": "tensorboard-exr-build"}
    )
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.read()
        except (urllib.error.URLError, TimeoutError, ConnectionError) as e:
            if attempt == ATTEMPTS or (isinstance(e, urllib.error.HTTPError) and e.code < 500):
                raise
            time.sleep(2 * attempt)
    raise AssertionError("unreachable")


def sdist_url(index: str, name: str, version: str, sha256: str) -> str:
    """The URL of `name`'s `version` sdist on the index's page whose sha256 is `sha256`."""
    project = re.sub(r"[-_.]+", "-", name).lower()
    page = f"{index.rstrip('/')}/{project}/"
    parser = _Links()
    parser.feed(_get(page).decode("utf-8", "replace"))
    wanted = {f"{n}-{version}.tar.gz".lower() for n in (name, project, project.replace("-", "_"))}
    for href in parser.hrefs:
        url = urllib.parse.urljoin(page, href)
        path, _, fragment = url.partition("#")
        if path.rsplit("/", 1)[-1].lower() in wanted and fragment in ("", f"sha256={sha256}"):
            return path
    raise LookupError(f"{page} lists no {sorted(wanted)[0]} with sha256 {sha256}")


def fetch(name: str, version: str, sha256: str, destination: str) -> None:
    """Downloads the sdist to `destination` (atomically) if its sha256 is `sha256`."""
    url = sdist_url(os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX, name, version, sha256)
    data = _get(url)
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ValueError(f"{url} has sha256 {digest}, not the pinned {sha256}")
    directory = os.path.dirname(os.path.abspath(destination))
    os.makedirs(directory, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=directory, delete=False) as temporary:
        temporary.write(data)
    os.chmod(temporary.name, 0o644)
    os.replace(temporary.name, destination)


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print("usage: fetch_sdist.py NAME VERSION SHA256 DESTINATION", file=sys.stderr)
        return 2
    try:
        fetch(*argv[1:])
    except (OSError, LookupError, ValueError) as e:
        print(f"fetch_sdist.py: {argv[1]}=={argv[2]}: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
