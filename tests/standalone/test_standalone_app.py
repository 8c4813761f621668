"""The review app's routes through werkzeug's test client: static files, ids, page fallback."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from review_server import constant_rgb, write_exr
from werkzeug.test import Client

from tensorboard_exr.exr_http import IMMUTABLE_CACHE_CONTROL
from tensorboard_exr.standalone.app import ReviewApp
from tensorboard_exr.standalone.page import CONTENT_SECURITY_POLICY
from tensorboard_exr.standalone.sources import open_source


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    folder.mkdir()
    (folder / "standalone.js").write_text("export {};")
    (folder / "decoder_worker.js").write_text("self.onmessage = () => {};")
    (folder / "exr_core.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00")
    return folder


@pytest.fixture
def results(tmp_path: Path) -> Path:
    folder = tmp_path / "results"
    write_exr(folder / "a" / "x.exr", constant_rgb(2, 2, [1, 1, 1]))
    write_exr(folder / "b" / "x.exr", constant_rgb(2, 2, [0, 0, 0]))
    return folder


def client(source_path: Path, static_dir: Path) -> Client:
    return Client(ReviewApp(open_source(source_path), static_dir=static_dir))


def test_viewer_files_are_served_with_their_types_and_the_workers_csp(
    results: Path, static_dir: Path
) -> None:
    c = client(results, static_dir)
    wasm = c.get("/exr_core.wasm")
    assert wasm.status_code == 200 and wasm.mimetype == "application/wasm"
    assert wasm.data == b"\x00asm\x01\x00\x00\x00"
    worker = c.get("/decoder_worker.js")
    assert worker.mimetype == "text/javascript"
    assert worker.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert worker.headers["Cache-Control"] == "private, no-cache" and worker.headers["ETag"]


def test_a_static_url_naming_its_content_is_kept_without_revalidation(
    results: Path, static_dir: Path
) -> None:
    # exr_core.wasm?v=<SHA-256, 16 hex digits> (frontend/build.mjs): Chrome's wasm code cache
    # serves compiled code only for a response kept as it was, never for a revalidated one.
    c = client(results, static_dir)
    version = hashlib.sha256(b"\x00asm\x01\x00\x00\x00").hexdigest()[:16]
    assert c.get(f"/exr_core.wasm?v={version}").headers["Cache-Control"] == IMMUTABLE_CACHE_CONTROL
    assert c.get("/exr_core.wasm?v=0123456789abcdef").headers["Cache-Control"] == "private, no-cache"
    (static_dir / "exr_core.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00\x00")  # rebuilt
    assert c.get(f"/exr_core.wasm?v={version}").headers["Cache-Control"] == "private, no-cache"


def test_only_files_of_the_build_folder_are_static(results: Path, static_dir: Path) -> None:
    c = client(results, static_dir)
    assert c.get("/missing.js").status_code == 404
    assert c.get("/.hidden").status_code == 404
    assert c.get("/..%2fsecret").status_code == 404
    assert json.loads(c.get("/missing.js").data)["error"].startswith("nothing at '/missing.js'")


def test_the_page_loads_the_viewer_when_built_and_explains_when_not(results: Path, static_dir: Path) -> None:
    built = client(results, static_dir).get("/")
    assert b'<script type="module" src="standalone.js"></script>' in built.data
    (static_dir / "standalone.js").unlink()
    missing = client(results, static_dir).get("/")
    assert missing.status_code == 200 and b"<script" not in missing.data
    assert b"The viewer has not been built" in missing.data


def test_siblings_with_the_same_title_get_distinct_ids(tmp_path: Path, static_dir: Path) -> None:
    write_exr(tmp_path / "a.exr", constant_rgb(2, 2, [1, 1, 1]))
    config = {
        "title": "r",
        "children": [{"title": "same", "image": "a.exr"}, {"title": "same", "image": "a.exr"}],
    }
    (tmp_path / "c.json").write_text(json.dumps(config))
    tree = json.loads(client(tmp_path / "c.json", static_dir).get("/api/tree").data)
    assert [child["id"] for child in tree["root"]["children"]] == ["same", "same~2"]


def test_a_title_is_html_escaped_in_the_page(tmp_path: Path, static_dir: Path) -> None:
    config = {"title": "<script>alert(1)</script>", "children": []}
    (tmp_path / "c.json").write_text(json.dumps(config))
    page = client(tmp_path / "c.json", static_dir).get("/").data
    assert b"<script>alert" not in page and b"&lt;script&gt;alert(1)&lt;/script&gt;" in page
