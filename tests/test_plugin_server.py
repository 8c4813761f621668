"""The plugin's routes through a real `tensorboard` process, with the Python loader and the Rust one.

One logdir is written per module; one server per loader serves it to every test here.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.parse

import numpy as np
import OpenEXR
import pytest
from conftest import LOADERS, logged_exrs

from tensorboard_exr import encode, loader, metadata
from tensorboard_exr import summary as exr_summary

LAYER_STEPS = [0, 1, 2]
MANY_STEPS = 105  # more than TensorBoard's own default (10) and the plugin's old one (100)
STORED_STEPS = [0, 1, 2]
RUNS = ("arrays", "files", "torch", "stored/run")


def _hdr(height: int, width: int, channels: int, seed: int, dtype=np.float16) -> np.ndarray:
    pixels = (np.random.default_rng(seed).standard_normal((height, width, channels)) * 50).astype(dtype)
    pixels[0, 0, 0], pixels[1, 0, 0], pixels[2, 0, 0] = np.nan, np.inf, -np.inf
    return pixels


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    """Runs `arrays` (every compression, half and float, layers), `files` (an EXR logged as is), `torch`,
    and `stored/run` (file storage, in a nested run directory)."""
    root = tmp_path_factory.mktemp("logs")
    with exr_summary.Writer(root / "arrays") as writer, writer.as_default():
        for name in encode.COMPRESSIONS:
            exr_summary.image(f"half/{name}", _hdr(12, 20, 4, 1), 0, compression=name)
            exr_summary.image(
                f"float/{name}", _hdr(12, 20, 3, 2, np.float32), 0, compression=name, pixel_type="float"
            )
        for step in LAYER_STEPS:
            layers = {
                "beauty": _hdr(16, 8, 3, step),
                "albedo": _hdr(16, 8, 3, 10 + step),
                "depth": _hdr(16, 8, 1, 20),
            }
            exr_summary.image(
                "val/kitchen/output",
                layers,
                step,
                group="val/kitchen",
                role="output",
                description="**denoised**",
            )
            exr_summary.comparison(
                "val/kitchen", step, input=_hdr(16, 8, 3, 30 + step), reference=_hdr(16, 8, 3, 40)
            )
        for step in range(MANY_STEPS):
            exr_summary.image("many", np.full((2, 2), step, np.uint32), step, pixel_type="uint32")
    existing = root / "existing.exr"
    OpenEXR.File(
        [
            OpenEXR.Part({"compression": OpenEXR.PIZ_COMPRESSION}, {"RGB": _hdr(6, 5, 3, 50)}, name="left"),
            OpenEXR.Part({"compression": OpenEXR.DWAA_COMPRESSION}, {"RGB": _hdr(6, 5, 3, 51)}, name="right"),
        ]
    ).write(str(existing))
    with exr_summary.Writer(root / "files", background=False) as writer:
        exr_summary.image("stereo", existing, 0, writer=writer)
        exr_summary.image("stereo", existing.read_bytes(), 10, writer=writer)
    from torch.utils.tensorboard import SummaryWriter

    torch_writer = SummaryWriter(str(root / "torch"))
    for step in (0, 5):
        torch_writer.add_scalar("loss", 1.0 / (step + 1), step)
        exr_summary.image(
            "torch/output", _hdr(10, 10, 4, 60 + step), step, writer=torch_writer, role="output"
        )
    torch_writer.close()
    with exr_summary.Writer(root / "stored" / "run", storage="file") as writer:
        for step in STORED_STEPS:  # steps 0 and 2 hold the same image: stored once
            exr_summary.image(
                "stored/img", _hdr(10, 12, 4, 70 + step % 2), step, writer=writer, role="output"
            )
        exr_summary.image("stored/missing", _hdr(10, 12, 4, 80), 0, writer=writer)
    missing = logged_exrs(root / "stored" / "run")[("stored/missing", 0)][0]
    (root / "stored" / "run" / metadata.parse_step_info(missing).path).unlink()
    return root


@pytest.fixture(scope="module")
def logged(logdir) -> dict[str, dict[tuple[str, int], list[bytes]]]:
    """{run: {(tag, step): [step info, EXR bytes]}} read back from the event files."""
    return {run: logged_exrs(logdir / run) for run in RUNS}


@pytest.fixture(scope="module", params=LOADERS)
def tb(request, logdir, logged, start_tensorboard):
    """A TensorBoard serving `logdir`, waited on until every logged step is visible."""
    server = start_tensorboard(logdir, load_fast=request.param)
    expected_max = {}
    for run, entries in logged.items():
        for tag, step in entries:
            expected_max[(run, tag)] = max(step, expected_max.get((run, tag), step))

    def complete(tags):
        return all(
            tags.get(run, {}).get(tag, {}).get("max_step") == step
            for (run, tag), step in expected_max.items()
        )

    server.wait_for_json("/data/plugin/exr/tags", complete)
    yield server
    server.stop()


def _query(**params) -> str:
    return urllib.parse.urlencode(params)


def test_plugins_listing_enables_the_exr_tab(tb):
    listing = tb.get_json("/data/plugins_listing")["exr"]
    assert listing["enabled"] is True
    assert listing["tab_name"] == "EXR"
    assert listing["loading_mechanism"] == {"type": "IFRAME", "module_path": "/data/plugin/exr/index.js"}


def test_tags_carry_group_role_description_and_image_description(tb):
    tags = tb.get_json("/data/plugin/exr/tags")
    assert sorted(tags) == sorted(RUNS)
    output = tags["arrays"]["val/kitchen/output"]
    assert (output["group"], output["role"], output["description"]) == (
        "val/kitchen",
        "output",
        "**denoised**",
    )
    assert (output["width"], output["height"], output["compression"], output["parts"]) == (8, 16, "zip", 1)
    assert output["plugin_data_version"] == metadata.PLUGIN_DATA_VERSION
    assert output["max_step"] == LAYER_STEPS[-1]
    assert [c["name"] for c in output["channels"]] == [
        "B",
        "G",
        "R",
        "albedo.B",
        "albedo.G",
        "albedo.R",
        "depth.Z",
    ]
    assert tags["arrays"]["val/kitchen/reference"]["role"] == "reference"
    assert {c["pixel_type"] for c in tags["arrays"]["float/piz"]["channels"]} == {"float"}
    stereo = tags["files"]["stereo"]
    assert (stereo["parts"], stereo["compression"], stereo["group"]) == (2, "piz", "")
    assert [(c["name"], c["part"]) for c in stereo["channels"]] == [("B", 0), ("G", 0), ("R", 0)] + [
        ("B", 1),
        ("G", 1),
        ("R", 1),
    ]
    assert tags["torch"]["torch/output"]["role"] == "output"
    assert "loss" not in tags["torch"]


def test_loader_default_keeps_every_step_of_a_tag(tb):
    assert loader.DEFAULT_SAMPLES_PER_TAG == 0  # TensorBoard's "keep all"
    steps = [
        entry["step"] for entry in tb.get_json("/data/plugin/exr/steps?" + _query(run="arrays", tag="many"))
    ]
    assert steps == list(range(MANY_STEPS))


def test_steps_list_every_step_with_size_sha256_and_url(tb, logged):
    steps = tb.get_json("/data/plugin/exr/steps?" + _query(run="arrays", tag="val/kitchen/output"))
    assert [entry["step"] for entry in steps] == LAYER_STEPS
    for entry in steps:
        exr = logged["arrays"][("val/kitchen/output", entry["step"])][1]
        assert entry["size"] == len(exr)
        assert entry["sha256"] == hashlib.sha256(exr).hexdigest()
        assert entry["etag"] == f'"{entry["sha256"]}"'
        assert entry["storage"] == "inline" and entry["wall_time"] > 0
        assert (entry["width"], entry["height"]) == (8, 16)
        assert entry["url"] == "exr?" + _query(
            run="arrays", tag="val/kitchen/output", step=entry["step"], sha256=entry["sha256"]
        )


def test_served_bytes_are_the_logged_bytes_for_every_tag_and_step(tb, logged):
    checked = 0
    tags = {(run, tag) for run, entries in logged.items() for tag, _ in entries}
    kept = {
        (run, tag): {e["step"] for e in tb.get_json("/data/plugin/exr/steps?" + _query(run=run, tag=tag))}
        for run, tag in tags
    }
    for run, entries in logged.items():
        for (tag, step), (_, exr) in entries.items():
            if step not in kept[(run, tag)] or exr is None:  # not kept by TB / stored file deleted
                continue
            response = tb.get("/data/plugin/exr/exr?" + _query(run=run, tag=tag, step=step))
            assert response.status == 200, (run, tag, step, response.body[:200])
            assert hashlib.sha256(response.body).hexdigest() == hashlib.sha256(exr).hexdigest(), (
                run,
                tag,
                step,
            )
            checked += 1
    kept_of_many = MANY_STEPS
    assert checked == 2 * len(encode.COMPRESSIONS) + 3 * len(LAYER_STEPS) + kept_of_many + 2 + 2 + len(
        STORED_STEPS
    )


def test_file_storage_is_served_from_the_run_plugins_folder(tb, logdir, logged):
    stored = sorted((logdir / "stored" / "run" / "plugins" / "exr").iterdir())
    # Steps 0 and 2 share one file; the deleted one is gone.
    assert len(stored) == 2 and all(len(path.stem) == 64 for path in stored)
    steps = tb.get_json("/data/plugin/exr/steps?" + _query(run="stored/run", tag="stored/img"))
    assert [entry["storage"] for entry in steps] == ["file"] * len(STORED_STEPS)
    assert steps[0]["sha256"] == steps[2]["sha256"] != steps[1]["sha256"]
    for entry in steps:
        response = tb.get("/data/plugin/exr/" + entry["url"])
        assert response.status == 200
        assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
        assert hashlib.sha256(response.body).hexdigest() == entry["sha256"]
        assert (
            response.body
            == (logdir / "stored" / "run" / "plugins" / "exr" / f"{entry['sha256']}.exr").read_bytes()
        )


def test_missing_stored_file_is_a_404_naming_the_file(tb):
    response = tb.get("/data/plugin/exr/exr?" + _query(run="stored/run", tag="stored/missing", step=0))
    assert response.status == 404
    assert "the stored EXR file plugins/exr/" in response.json()["error"]
    assert "cannot be read" in response.json()["error"]


def test_served_pixels_decode_to_what_was_logged(tb):
    response = tb.get("/data/plugin/exr/exr?" + _query(run="arrays", tag="val/kitchen/output", step=1))
    import io

    channels = OpenEXR.File(io.BytesIO(response.body), separate_channels=True).channels()
    np.testing.assert_array_equal(channels["albedo.G"].pixels, _hdr(16, 8, 3, 11)[..., 1])
    np.testing.assert_array_equal(channels["depth.Z"].pixels, _hdr(16, 8, 1, 20)[..., 0])


def test_exr_response_has_mime_type_strong_etag_and_answers_304(tb, logged):
    path = "/data/plugin/exr/exr?" + _query(run="arrays", tag="half/zip", step=0)
    response = tb.get(path)
    digest = hashlib.sha256(logged["arrays"][("half/zip", 0)][1]).hexdigest()
    assert response.headers["content-type"] == "image/x-exr"
    assert response.headers["etag"] == f'"{digest}"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, no-cache"
    not_modified = tb.get(path, {"If-None-Match": f'"{digest}"'})
    assert (not_modified.status, not_modified.body) == (304, b"")
    assert not_modified.headers["etag"] == f'"{digest}"'
    assert tb.get(path, {"If-None-Match": '"0000"'}).status == 200


def test_304s_keep_their_content_type_so_tensorboard_logs_no_warning(tb, logdir):
    # werkzeug drops Content-Type from 304s and TensorBoard's security middleware then logs a
    # warning per response ("In 3.0, this warning will become an error").
    stored = tb.get_json("/data/plugin/exr/steps?" + _query(run="stored/run", tag="stored/img"))[0]
    for path in (
        "/data/plugin/exr/exr?" + _query(run="arrays", tag="half/zip", step=0),
        "/data/plugin/exr/exr?" + _query(run="stored/run", tag="stored/img", step=stored["step"]),
        "/data/plugin/exr/index.js",
    ):
        etag = tb.get(path).headers["etag"]
        response = tb.get(path, {"If-None-Match": etag})
        assert response.status == 304 and response.headers["content-type"].split(";")[0] in (
            "image/x-exr",
            "text/javascript",
        )
        assert response.headers["x-content-type-options"] == "nosniff"
    time.sleep(0.5)
    assert "Content-Type is required" not in tb.output()


def test_content_addressed_url_is_cached_as_immutable(tb):
    (entry,) = tb.get_json("/data/plugin/exr/steps?" + _query(run="files", tag="stereo"))[:1]
    response = tb.get("/data/plugin/exr/" + entry["url"])
    assert response.status == 200
    assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert hashlib.sha256(response.body).hexdigest() == entry["sha256"]
    stale = tb.get("/data/plugin/exr/exr?" + _query(run="files", tag="stereo", step=0, sha256="ab" * 32))
    assert stale.status == 404 and "another image" in stale.json()["error"]


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/data/plugin/exr/steps?run=arrays", 400, "'run' and 'tag' are required"),
        ("/data/plugin/exr/steps?run=nope&tag=half/zip", 404, "no EXR data for run 'nope'"),
        ("/data/plugin/exr/steps?run=arrays&tag=nope", 404, "no EXR tag 'nope' in run 'arrays'"),
        ("/data/plugin/exr/exr?run=arrays&tag=half/zip", 400, "'step' is required"),
        ("/data/plugin/exr/exr?run=arrays&tag=half/zip&step=one", 400, "'step' must be an integer"),
        ("/data/plugin/exr/exr?run=arrays&tag=half/zip&step=99", 404, "has no step 99"),
        ("/data/plugin/exr/exr?run=torch&tag=loss&step=0", 404, "no EXR tag 'loss'"),
        ("/data/plugin/exr/exr?tag=half/zip&step=0", 400, "required"),
        ("/data/plugin/exr/plugin.py", 404, "no route or static file 'plugin.py'"),
        ("/data/plugin/exr/..%2Fplugin.py", 404, "no route or static file"),
        ("/data/plugin/exr/static/../plugin.py", 404, "no route or static file"),
    ],
)
def test_bad_requests_get_json_errors_not_tracebacks(tb, path, status, message):
    response = tb.get(path)
    assert response.status == status
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.body)
    assert message in body["error"]
    assert "Traceback" not in response.body.decode()


def test_index_js_is_a_javascript_module(tb):
    response = tb.get("/data/plugin/exr/index.js")
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert b"render" in response.body
