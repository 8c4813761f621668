"""The review server over real HTTP: a `tensorboard-exr serve` process on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from review_server import ReviewServer, constant_rgb, loss_map, write_exr


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results folder: one auto-group, a lone image, a non-image file, and a symlink escape."""
    base = tmp_path_factory.mktemp("review")
    (base / "secret.exr").write_bytes(b"not for the browser")
    folder = base / "results"
    for name, value in [("noisy", 0.5), ("denoised", 0.25), ("reference", 0.2)]:
        write_exr(folder / name / "x.exr", constant_rgb(8, 4, [value, value, value]))
    write_exr(folder / "lone" / "y.exr", constant_rgb(4, 4, [1.0, 0.0, 0.0]))
    (folder / "notes.txt").write_text("not an image")
    os.symlink(base / "secret.exr", folder / "noisy" / "evil.exr")
    return folder


@pytest.fixture(scope="module")
def folder_server(results: Path) -> Iterator[ReviewServer]:
    with ReviewServer(results, ["--quiet"]) as server:
        yield server


def find(node: dict, node_id: str) -> dict:
    if node["id"] == node_id:
        return node
    for child in node.get("children", []):
        try:
            return find(child, node_id)
        except KeyError:
            pass
    raise KeyError(node_id)


def test_tree_of_a_folder_lists_the_auto_group_with_its_reference(folder_server: ReviewServer) -> None:
    tree = folder_server.get_json("/api/tree")
    assert tree["source"] == "folder" and tree["title"] == "results"
    group = find(tree["root"], "x.exr")
    assert group["type"] == "group" and group["reference"] == "reference"
    assert [c["title"] for c in group["children"]] == ["denoised", "noisy", "reference"]
    assert [w for w in tree["warnings"] if "noisy/evil.exr" in w]


def test_files_are_the_original_bytes_with_the_exr_type(folder_server: ReviewServer, results: Path) -> None:
    tree = folder_server.get_json("/api/tree")
    file = find(tree["root"], "x.exr/noisy")["file"]
    response = folder_server.get("/" + file["url"])
    assert response.status == 200
    assert response.body == (results / "noisy" / "x.exr").read_bytes()
    assert response.headers["content-type"] == "image/x-exr"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert file["size"] == len(response.body)


def test_a_versioned_url_is_immutable_and_a_plain_one_revalidates(folder_server: ReviewServer) -> None:
    file = find(folder_server.get_json("/api/tree")["root"], "x.exr/noisy")["file"]
    versioned = folder_server.get("/" + file["url"])
    plain = folder_server.get("/files/noisy/x.exr")
    assert "immutable" in versioned.headers["cache-control"]
    assert plain.headers["cache-control"] == "private, no-cache"
    etag = plain.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert versioned.headers["etag"] == etag


def test_a_matching_etag_gets_304_without_body(folder_server: ReviewServer) -> None:
    etag = folder_server.get("/files/noisy/x.exr").headers["etag"]
    response = folder_server.get("/files/noisy/x.exr", {"If-None-Match": etag})
    assert response.status == 304 and response.body == b""
    changed = folder_server.get("/files/noisy/x.exr", {"If-None-Match": '"another"'})
    assert changed.status == 200 and changed.body


def test_byte_ranges_are_served(folder_server: ReviewServer, results: Path) -> None:
    response = folder_server.get("/files/denoised/x.exr", {"Range": "bytes=0-3"})
    assert response.status == 206 and response.body == (results / "denoised" / "x.exr").read_bytes()[:4]


def test_a_range_past_the_end_is_416_not_an_internal_error(folder_server: ReviewServer) -> None:
    response = folder_server.get("/files/denoised/x.exr", {"Range": "bytes=100000-"})
    assert response.status == 416 and response.json()["error"]


def test_a_rewritten_file_gets_a_new_version(folder_server: ReviewServer, results: Path) -> None:
    before = find(folder_server.get_json("/api/tree")["root"], "lone/y.exr")["file"]["url"]
    time.sleep(0.01)
    write_exr(results / "lone" / "y.exr", constant_rgb(4, 4, [0.0, 1.0, 0.0]))
    after = find(folder_server.get_json("/api/tree")["root"], "lone/y.exr")["file"]["url"]
    assert before != after
    assert folder_server.get("/" + after).body == (results / "lone" / "y.exr").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret.exr",
        "/files/%2e%2e/secret.exr",
        "/files/noisy/../../secret.exr",
        "/files/noisy/%2E%2E/%2E%2E/secret.exr",
        "/files//etc/passwd",
        "/files/noisy/evil.exr",
        "/files/noisy%2f..%2f..%2fsecret.exr",
        "/files/..%5c..%5csecret.exr",
    ],
)
def test_paths_outside_the_root_are_refused_as_json(folder_server: ReviewServer, path: str) -> None:
    response = folder_server.get(path)
    assert response.status in (403, 404), (path, response.status)
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["error"] and "Traceback" not in body["error"]
    assert b"not for the browser" not in response.body


def test_missing_files_and_non_images_are_404(folder_server: ReviewServer) -> None:
    assert folder_server.get("/files/noisy/missing.exr").status == 404
    assert folder_server.get("/files/notes.txt").status == 404
    assert folder_server.get("/files/noisy").status == 404
    assert folder_server.get("/no/such/route").status == 404


def test_only_reading_methods_are_allowed(folder_server: ReviewServer) -> None:
    response = folder_server.request("POST", "/api/tree")
    assert response.status == 405 and response.headers["allow"] == "GET, HEAD"
    assert folder_server.request("HEAD", "/files/noisy/x.exr").status == 200


def test_foreign_host_names_are_refused_on_a_loopback_server(folder_server: ReviewServer) -> None:
    assert folder_server.get("/api/tree", {"Host": "attacker.example:80"}).status == 403
    assert folder_server.get("/api/tree", {"Host": f"localhost:{folder_server.port}"}).status == 200


def test_the_page_is_served_with_a_csp_that_allows_wasm_but_not_eval(folder_server: ReviewServer) -> None:
    response = folder_server.get("/")
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp and "'unsafe-eval'" not in csp.split()
    assert b"<title>results" in response.body


# ---- configs ----------------------------------------------------------------------------


@pytest.fixture
def config_folder(tmp_path: Path) -> Path:
    write_exr(tmp_path / "images" / "denoised.exr", constant_rgb(8, 8, [0.5, 0.25, 1.0]))
    write_exr(tmp_path / "images" / "reference.exr", constant_rgb(8, 8, [0.25, 0.25, 0.5]))
    (tmp_path / "images" / "unlisted.exr").write_bytes(b"unlisted")
    config = {
        "title": "root",
        "children": [
            {
                "title": "Living room",
                "children": [
                    {"title": "Denoised", "image": "images/denoised.exr"},
                    {"title": "Reference", "image": "images/reference.exr"},
                    loss_map("L1", "L1", "images/denoised.exr", "images/reference.exr"),
                    {"title": "Elsewhere", "image": "../outside.exr"},
                ],
            }
        ],
    }
    (tmp_path / "scene.json").write_text(json.dumps(config))
    return tmp_path


def test_a_jeri_config_lists_images_and_loss_maps_with_urls(config_folder: Path) -> None:
    with ReviewServer(config_folder / "scene.json", ["--quiet"]) as server:
        tree = server.get_json("/api/tree")
        assert tree["source"] == "config" and tree["title"] == "scene.json"
        l1 = find(tree["root"], "Living room/L1")
        assert l1["type"] == "lossMap" and l1["metric"] == "l1" and l1["tonemapGroup"] == "other"
        assert (
            server.get("/" + l1["imageA"]["url"]).body == (config_folder / "images/denoised.exr").read_bytes()
        )
        assert (
            server.get("/" + l1["imageB"]["url"]).body
            == (config_folder / "images/reference.exr").read_bytes()
        )
        elsewhere = find(tree["root"], "Living room/Elsewhere")["file"]
        assert "leaves the served folder" in elsewhere["error"] and "url" not in elsewhere


def test_a_config_serves_only_the_files_it_lists(config_folder: Path) -> None:
    with ReviewServer(config_folder / "scene.json", ["--quiet"]) as server:
        assert server.get("/files/images/denoised.exr").status == 200
        assert server.get("/files/images/unlisted.exr").status == 404
        assert server.get("/files/scene.json").status == 404


def test_an_edited_config_is_reread_and_a_broken_one_reported(config_folder: Path) -> None:
    config_path = config_folder / "scene.json"
    with ReviewServer(config_path, ["--quiet"]) as server:
        config_path.write_text(
            json.dumps({"title": "new", "children": [{"title": "Only", "image": "images/reference.exr"}]})
        )
        tree = server.get_json("/api/tree")
        assert [c["title"] for c in tree["root"]["children"]] == ["Only"]
        config_path.write_text('{"title": "new", "children": [')
        broken = server.get("/api/tree")
        assert broken.status == 500 and "scene.json: not valid JSON" in broken.json()["error"]
        assert "Traceback" not in server.output()
        assert server.get("/files/images/reference.exr").status == 200  # the last good config


# ---- the command ------------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tensorboard_exr", *args], capture_output=True, text=True, timeout=60
    )


def test_a_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("serve", str(tmp_path / "nope"), "--port", "0")
    assert result.returncode == 2 and "no such folder or config file" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_invalid_config_fails_at_start_naming_the_node(tmp_path: Path) -> None:
    config = {
        "title": "r",
        "children": [{"title": "bad", "lossMap": {"function": "L7", "imageA": "a", "imageB": "b"}}],
    }
    (tmp_path / "c.json").write_text(json.dumps(config))
    result = run_cli("serve", str(tmp_path / "c.json"), "--port", "0")
    assert result.returncode == 2 and "'r' › 'bad': unknown lossMap function 'L7'" in result.stderr


def test_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("serve", str(tmp_path), "--port", str(taken.getsockname()[1]))
    assert result.returncode == 2 and "cannot listen on 127.0.0.1" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_single_image_is_served_alone(results: Path) -> None:
    with ReviewServer(results / "noisy" / "x.exr", ["--quiet"]) as server:
        tree = server.get_json("/api/tree")
        assert tree["source"] == "image" and tree["title"] == "x.exr"
        (leaf,) = tree["root"]["children"]
        assert server.get("/" + leaf["file"]["url"]).body == (results / "noisy" / "x.exr").read_bytes()
        assert server.get("/files/evil.exr").status == 403
        assert server.get("/files/x.exr").status == 200
        assert server.get("/files/other.exr").status == 404


def test_names_with_spaces_and_non_ascii_are_listed_and_served(tmp_path: Path) -> None:
    folder = tmp_path / "résultats"
    for member in ("über noisy", "reference"):
        write_exr(folder / member / "scène 1.exr", constant_rgb(2, 2, [0.5, 0.5, 0.5]))
    with ReviewServer(folder, ["--quiet"]) as server:
        tree = server.get_json("/api/tree")
        member = find(tree["root"], "scène 1.exr/über noisy")
        assert member["file"]["url"].startswith("files/%C3%BCber%20noisy/sc%C3%A8ne%201.exr?v=")
        response = server.get("/" + member["file"]["url"])
        assert (
            response.status == 200 and response.body == (folder / "über noisy" / "scène 1.exr").read_bytes()
        )


def test_a_large_tree_is_gzipped_for_clients_that_accept_it(tmp_path: Path) -> None:
    for index in range(300):
        (tmp_path / "renders").mkdir(exist_ok=True)
        (tmp_path / "renders" / f"frame{index:04d}.exr").write_bytes(b"")
    with ReviewServer(tmp_path, ["--quiet"]) as server:
        plain = server.get("/api/tree")
        zipped = server.get("/api/tree", {"Accept-Encoding": "gzip"})
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["vary"]
    assert len(zipped.body) < len(plain.body) / 4
    assert json.loads(gzip.decompress(zipped.body)) == json.loads(plain.body)


def test_max_files_limits_the_listing_with_a_warning(tmp_path: Path) -> None:
    for index in range(5):
        (tmp_path / f"{index}.exr").write_bytes(b"")
    with ReviewServer(tmp_path, ["--quiet", "--max-files", "3"]) as server:
        tree = server.get_json("/api/tree")
    assert len(tree["root"]["children"]) == 3
    assert any("more than 3 image files" in warning for warning in tree["warnings"])
