"""The frontend's files: served from the static folder by basename with the right MIME types."""

from __future__ import annotations

import hashlib

import pytest
from conftest import LOADERS

from tensorboard_exr.exr_http import IMMUTABLE_CACHE_CONTROL

FILES = {
    "index.js": (b"export function render() { document.body.textContent = 'built'; }\n", "text/javascript"),
    "decoder_worker.js": (b"self.onmessage = () => {};\n", "text/javascript"),
    "exr_core.wasm": (b"\x00asm\x01\x00\x00\x00", "application/wasm"),
    "index.js.map": (b'{"version": 3, "sources": []}', "application/json"),
    "panel.css": (b"body { margin: 0; }\n", "text/css"),
    "exr_core.data": (b"\x01\x02\x03", "application/octet-stream"),
}


@pytest.fixture(scope="module")
def static_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("static")
    for name, (content, _) in FILES.items():
        (folder / name).write_bytes(content)
    (folder / "nested").mkdir()
    (folder / "nested" / "secret.js").write_bytes(b"// not served")
    return folder


@pytest.fixture(scope="module")
def tb(static_dir, tmp_path_factory, start_tensorboard):
    # The static routes don't depend on the loader; one (the Python one) is enough.
    server = start_tensorboard(
        tmp_path_factory.mktemp("empty_logs"),
        load_fast=LOADERS[0].values[0],
        env={"TENSORBOARD_EXR_STATIC_DIR": str(static_dir)},
    )
    yield server
    server.stop()


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_static_file_is_served_with_its_mime_type(tb, name):
    content, mime_type = FILES[name]
    response = tb.get(f"/data/plugin/exr/{name}")
    assert response.status == 200
    assert response.headers["content-type"].split(";")[0] == mime_type
    assert response.body == content


def test_static_files_revalidate_with_an_etag(tb):
    """The browser may keep the files (and Chrome the compiled wasm, which it caches only for
    responses it kept): a revalidation answers 304 while a file is unchanged."""
    first = tb.get("/data/plugin/exr/exr_core.wasm")
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert "no-cache" in first.headers["cache-control"]  # always revalidated: a rebuild shows at once
    again = tb.get("/data/plugin/exr/exr_core.wasm", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.body == b""
    assert again.headers["etag"] == etag
    other = tb.get("/data/plugin/exr/index.js", headers={"If-None-Match": etag})
    assert other.status == 200
    assert other.headers["etag"] != etag


def test_a_static_url_naming_its_content_is_kept_without_revalidation(tb):
    """exr_core.wasm?v=<SHA-256, 16 hex digits> (frontend/build.mjs): Chrome's wasm code cache
    serves compiled code only for a response kept as it was, never for a revalidated one."""
    version = hashlib.sha256(FILES["exr_core.wasm"][0]).hexdigest()[:16]
    pinned = tb.get(f"/data/plugin/exr/exr_core.wasm?v={version}")
    assert pinned.headers["cache-control"] == IMMUTABLE_CACHE_CONTROL
    assert "expires" not in pinned.headers
    other = tb.get("/data/plugin/exr/exr_core.wasm?v=0123456789abcdef")
    assert "no-cache" in other.headers["cache-control"]


@pytest.mark.parametrize(
    "path",
    [
        "nested/secret.js",
        "nested",
        "..%2F__init__.py",
        "%2E%2E/loader.py",
        "missing.js",
        "index.js/",
        "INDEX.JS",
    ],
)
def test_anything_but_a_file_in_the_static_folder_is_404(tb, path):
    response = tb.get(f"/data/plugin/exr/{path}")
    if path == "index.js/":  # TensorBoard strips a trailing slash before routing
        assert response.status == 200
        return
    assert response.status == 404
    assert "error" in response.json()


def test_unbuilt_frontend_gets_a_module_that_says_so(tb, static_dir):
    (static_dir / "index.js").unlink()
    try:
        response = tb.get("/data/plugin/exr/index.js")
    finally:
        (static_dir / "index.js").write_bytes(FILES["index.js"][0])
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert b"export function render()" in response.body
    assert b"frontend not built: run scripts/build_frontend.sh" in response.body
