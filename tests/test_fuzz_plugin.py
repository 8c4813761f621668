"""Fuzzing the plugin's parsing: malformed metadata, step infos and queries never give a 500.

Two layers: hypothesis drives random and mutated protos through `metadata.parse_*` and the JSON
the routes build from them; then a real `tensorboard` (both loaders) reads a logdir of hand-made
malformed summaries (wrong dtype, rank 0, garbage plugin content and step infos, escaping file
paths, a decompression bomb, a truncated event file) and hypothesis sends it random queries.
Every answer must be 200/304 or a 4xx with a JSON `{"error": ...}` body, never a 500 or a traceback.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import urllib.parse
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from conftest import LOADERS
from exr_bomb import bomb_exr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.data import provider

from tensorboard_exr import encode, event_writer, exr_store, metadata, plugin
from tensorboard_exr import summary as exr_summary

GOOD = exr_summary.pb("good", np.full((8, 8, 3), 0.5, np.float32), group="g", role="reference")
GOOD_METADATA = GOOD.value[0].metadata
GOOD_INFO, GOOD_EXR = GOOD.value[0].tensor.string_val


def _mutations(data: bytes) -> st.SearchStrategy[bytes]:
    """Byte flips, truncations and insertions of `data`."""

    def apply(edits: list[tuple[int, int, int]]) -> bytes:
        out = bytearray(data)
        for kind, position, value in edits:
            if not out:
                break
            position %= len(out)
            if kind == 0:
                out[position] = value
            elif kind == 1:
                del out[position:]
            else:
                out[position:position] = bytes([value]) * (value % 9 + 1)
        return bytes(out)

    edit = st.tuples(st.integers(0, 2), st.integers(0, 1 << 16), st.integers(0, 255))
    return st.lists(edit, min_size=1, max_size=6).map(apply)


def _any_proto_bytes(valid: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=200), _mutations(valid))


@settings(max_examples=300, deadline=None)
@given(_any_proto_bytes(GOOD_METADATA.plugin_data.content), _any_proto_bytes(GOOD_INFO))
def test_parsers_raise_value_error_or_give_the_routes_valid_json(content: bytes, info: bytes) -> None:
    try:
        plugin_data = metadata.parse_plugin_data(content)
    except ValueError as e:
        assert "invalid EXR plugin data" in str(e)
    else:
        series = provider.BlobSequenceTimeSeries(
            max_step=3,
            max_wall_time=1.5,
            max_length=2,
            plugin_content=content,
            description="",
            display_name="",
        )
        _assert_json_round_trips(plugin._tag_json("t", exr_store.ExrTag(series, plugin_data)))
    try:
        step_info = metadata.parse_step_info(info)
    except ValueError as e:
        assert "invalid EXR step info" in str(e)
        return
    datum = provider.BlobSequenceDatum(3, 1.5, ())
    entry = plugin._step_json(exr_store.ExrStep("r/un", "t&ag", datum, step_info))
    _assert_json_round_trips(entry)
    assert entry["storage"] in ("unspecified", "inline", "file", "unknown")
    assert entry["sha256"] == step_info.sha256.hex() and entry["etag"] == f'"{step_info.sha256.hex()}"'
    # Whatever the step info held, its URL names this step and digest, and only them.
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(entry["url"]).query, keep_blank_values=True)
    assert query == {"run": ["r/un"], "tag": ["t&ag"], "step": ["3"], "sha256": [entry["sha256"]]}


def _assert_json_round_trips(body: dict) -> None:
    """`body` is valid JSON as the routes send it: every channel's pixel type is one of the names."""
    assert json.loads(json.dumps(body)) == body
    assert {c["pixel_type"] for c in body["channels"]} <= {"half", "float", "uint32", "unknown"}


def test_declared_pixel_size_of_a_valid_exr_is_its_pixels_in_bytes() -> None:
    assert encode.declared_pixel_bytes(GOOD_EXR) == 8 * 8 * 3 * 2  # 8x8 R, G, B in half


@settings(max_examples=300, deadline=None)
@given(_any_proto_bytes(GOOD_EXR))
def test_declared_pixel_size_parses_any_bytes_or_raises_value_error(data: bytes) -> None:
    try:
        size = encode.declared_pixel_bytes(data, "fuzz")
    except ValueError as e:
        assert str(e).startswith("fuzz: ")
        return
    if size > 1 << 20:
        return  # a bomb: OpenEXR is not asked to read what it would try to allocate
    try:
        headers = [part.header for part in OpenEXR.File(io.BytesIO(data), header_only=True).parts]
    except Exception:
        return  # headers OpenEXR refuses: nothing to compare with
    # OpenEXR reads the same headers: per part, one full-resolution plane per channel, of 2 (half)
    # or 4 (float, uint) bytes per pixel.
    planes = 0
    for header in headers:
        (x0, y0), (x1, y1) = header["dataWindow"]
        planes += int(x1 - x0 + 1) * int(y1 - y0 + 1) * len(header["channels"])
    assert 2 * planes <= size <= 4 * planes


# A logdir of malformed EXR summaries.


def _value(
    tag: str, meta: summary_pb2.SummaryMetadata, tensor: tensor_pb2.TensorProto
) -> summary_pb2.Summary:
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, metadata=meta, tensor=tensor)])


def _strings(*values: bytes, shape: tuple[int, ...] | None = None) -> tensor_pb2.TensorProto:
    dims = [
        tensor_shape_pb2.TensorShapeProto.Dim(size=n)
        for n in (shape if shape is not None else (len(values),))
    ]
    return tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=dims),
        string_val=list(values),
    )


def _info(**fields) -> bytes:
    info = metadata.parse_step_info(GOOD_INFO)
    for name, value in fields.items():
        setattr(info, name, value)
    return info.SerializeToString()


def write_malformed_logdir(root: Path) -> dict[str, int]:
    """Writes run "bad" with one malformed tag per case; returns {tag: step}."""
    garbage_meta = summary_pb2.SummaryMetadata()
    garbage_meta.CopyFrom(GOOD_METADATA)
    garbage_meta.plugin_data.content = b"\xff\x00garbage"
    float_tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_FLOAT,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=2)]),
        float_val=[1.0, 2.0],
    )
    sha = bytes.fromhex("ab" * 32)
    cases = {
        "good": _strings(GOOD_INFO, GOOD_EXR),
        "wrong_dtype": float_tensor,
        "rank0": _strings(GOOD_INFO, shape=()),
        "empty": _strings(shape=(0,)),
        "garbage_info": _strings(b"\x08\xff\xff\xff\xff\xff", GOOD_EXR),
        "no_exr_bytes": _strings(GOOD_INFO),
        "not_exr": _strings(GOOD_INFO, b"<html><script>alert(1)</script></html>"),
        "unknown_storage": _strings(_info(storage=7), GOOD_EXR),
        "escape_dotdot": _strings(
            _info(storage=metadata.STORAGE_FILE, sha256=sha, path="../../../../etc/passwd")
        ),
        "escape_absolute": _strings(_info(storage=metadata.STORAGE_FILE, sha256=sha, path="/etc/passwd")),
        "escape_url": _strings(
            _info(storage=metadata.STORAGE_FILE, sha256=sha, path="http://127.0.0.1:1/x.exr")
        ),
        "missing_file": _strings(
            _info(storage=metadata.STORAGE_FILE, sha256=sha, path=metadata.stored_file_path(sha))
        ),
        "huge_size": _strings(_info(size=(1 << 64) - 1), GOOD_EXR),
        "bomb": _strings(_info(sha256=hashlib.sha256(bomb_exr()).digest(), size=len(bomb_exr())), bomb_exr()),
    }
    bomb_meta = summary_pb2.SummaryMetadata()
    bomb_meta.CopyFrom(GOOD_METADATA)
    bomb_meta.plugin_data.content = metadata.ExrPluginData(
        version=1, group="g", role="output"
    ).SerializeToString()
    steps = {}
    events = event_writer.EventFileWriter(root / "bad")
    for tag, tensor in cases.items():
        meta = bomb_meta if tag == "bomb" else GOOD_METADATA
        events.write_event(event_pb2.Event(step=3, wall_time=time.time(), summary=_value(tag, meta, tensor)))
        steps[tag] = 3
    events.write_event(
        event_pb2.Event(
            step=3, wall_time=time.time(), summary=_value("garbage_content", garbage_meta, cases["good"])
        )
    )
    events.close()
    # A run whose event file ends in a torn record, as after a crash mid-write.
    torn = event_writer.EventFileWriter(root / "torn")
    for step in (0, 1):
        torn.write_event(
            event_pb2.Event(
                step=step, wall_time=time.time(), summary=_value("good", GOOD_METADATA, cases["good"])
            )
        )
    torn.close()
    with open(torn.path, "r+b") as f:
        f.truncate(os.path.getsize(torn.path) - 7)
    return steps


ROUTES = ("tags", "steps", "exr", "error_steps", "flip")


def _assert_safe(response, path: str) -> None:
    assert response.status in (200, 304) or 400 <= response.status < 500, (
        f"GET {path}: HTTP {response.status}: {response.body[:300]!r}"
    )
    assert b"Traceback" not in response.body
    if response.status >= 400:
        assert "error" in response.json(), f"GET {path}: {response.body[:300]!r}"


@pytest.fixture(scope="module", params=LOADERS)
def malformed_server(request, tmp_path_factory, start_tensorboard):
    root = tmp_path_factory.mktemp("malformed")
    steps = write_malformed_logdir(root)
    server = start_tensorboard(root, load_fast=request.param)
    server.wait_for_json(
        "/data/plugin/exr/tags", lambda tags: "good" in tags.get("bad", {}) and "torn" in tags
    )
    yield server, steps
    server.stop()


def test_every_malformed_tag_gets_a_json_answer(malformed_server) -> None:
    server, steps = malformed_server
    tags = server.get_json("/data/plugin/exr/tags")
    assert "garbage_content" not in tags["bad"]  # unparseable plugin data: left out, not a failure
    for tag in [*steps, "garbage_content", "missing"]:
        query = urllib.parse.urlencode({"run": "bad", "tag": tag, "step": 3, "ref_tag": "good"})
        for route in ROUTES:
            path = f"/data/plugin/exr/{route}?{query}"
            _assert_safe(server.get_job_result(path), path)
    good = server.get("/data/plugin/exr/exr?run=bad&tag=good&step=3")
    assert good.status == 200 and good.body == GOOD_EXR
    for tag in ("escape_dotdot", "escape_absolute", "escape_url"):
        response = server.get(f"/data/plugin/exr/exr?run=bad&tag={tag}&step=3")
        assert response.status == 404 and "invalid stored file path" in response.json()["error"]
    flip = server.get_job_result("/data/plugin/exr/flip?run=bad&tag=bomb&ref_tag=good&step=3&format=json")
    assert flip.status == 400 and "declares 4800000000 bytes" in flip.json()["error"]
    torn = server.get_json("/data/plugin/exr/steps?run=torn&tag=good")
    assert [entry["step"] for entry in torn] == [0]  # the torn record is dropped, the rest is served


_TEXT = st.one_of(
    st.sampled_from(
        ["bad", "torn", "good", "bomb", "rank0", "empty", "..", "../bad", "/etc/passwd", "%2e%2e", ""]
    ),
    st.text(max_size=30),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    params=st.dictionaries(
        st.sampled_from(["run", "tag", "step", "sha256", "ref_run", "ref_tag", "mode", "format", "epsilon"]),
        st.one_of(_TEXT, st.integers(-(1 << 70), 1 << 70).map(str)),
        max_size=8,
    ),
)
def test_random_queries_never_give_a_500(malformed_server, route: str, params: dict[str, str]) -> None:
    server, _ = malformed_server
    path = f"/data/plugin/exr/{route}?{urllib.parse.urlencode(params)}"
    _assert_safe(server.get_job_result(path), path)  # a 202 is followed to the job's answer
