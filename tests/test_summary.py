"""The writer API: what `exr_summary.image` stores, how bad input fails, the background writer."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap

import numpy as np
import OpenEXR
import pytest
from conftest import logged_exrs

from tensorboard_exr import encode, metadata
from tensorboard_exr import summary as exr_summary

LOSSLESS = ["none", "rle", "zips", "zip", "piz", "zstd", "htj2k256", "htj2k32"]


def _decode(exr: bytes) -> dict[str, np.ndarray]:
    exr_file = OpenEXR.File(io.BytesIO(exr), separate_channels=True)
    return {name: channel.pixels for name, channel in exr_file.channels().items()}


def _hdr_rgba(height: int = 12, width: int = 20, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rgba = (rng.standard_normal((height, width, 4)) * 100).astype(np.float16)
    rgba[0, 0, 0], rgba[0, 1, 1], rgba[0, 2, 2] = np.nan, np.inf, -np.inf
    return rgba


def _log_one(tmp_path, data, **options) -> tuple[metadata.ExrStepInfo, bytes]:
    with exr_summary.Writer(tmp_path, background=False) as writer:
        exr_summary.image("t", data, 3, writer=writer, **options)
    ((key, (info, exr)),) = logged_exrs(tmp_path).items()
    assert key == ("t", 3)
    return metadata.parse_step_info(info), exr


@pytest.mark.parametrize("compression", LOSSLESS)
def test_half_rgba_round_trips_exactly_with_nan_and_inf(tmp_path, compression):
    rgba = _hdr_rgba()
    _, exr = _log_one(tmp_path, rgba, compression=compression)
    decoded = _decode(exr)
    for i, name in enumerate("RGBA"):
        assert decoded[name].dtype == np.float16
        np.testing.assert_array_equal(decoded[name], rgba[..., i])  # equal_nan by default


def test_float_pixels_are_stored_as_float(tmp_path):
    rgb = np.random.default_rng(1).standard_normal((8, 8, 3)).astype(np.float32) * 1e6
    _, exr = _log_one(tmp_path, rgb, pixel_type="float")
    decoded = _decode(exr)
    for i, name in enumerate("RGB"):
        assert decoded[name].dtype == np.float32
        np.testing.assert_array_equal(decoded[name], rgb[..., i])


def test_float_beyond_half_range_becomes_inf_in_half(tmp_path):
    _, exr = _log_one(tmp_path, np.array([[1e6, -1e6], [np.nan, 2.0]], np.float32))
    np.testing.assert_array_equal(_decode(exr)["Y"], np.array([[np.inf, -np.inf], [np.nan, 2.0]], np.float16))


def test_layers_get_conventional_channel_names(tmp_path):
    rng = np.random.default_rng(2)
    beauty, albedo, normal = (rng.random((6, 5, 3)).astype(np.float16) for _ in range(3))
    depth = rng.random((6, 5)).astype(np.float32)
    info, exr = _log_one(
        tmp_path,
        {"beauty": beauty, "albedo": albedo, "normal": normal, "depth": depth},
        pixel_type={"depth": "float"},
    )
    decoded = _decode(exr)
    expected = {
        "R": beauty[..., 0],
        "G": beauty[..., 1],
        "B": beauty[..., 2],
        "albedo.R": albedo[..., 0],
        "albedo.G": albedo[..., 1],
        "albedo.B": albedo[..., 2],
        "normal.X": normal[..., 0],
        "normal.Y": normal[..., 1],
        "normal.Z": normal[..., 2],
        "depth.Z": depth,
    }
    assert sorted(decoded) == sorted(expected)
    for name, pixels in expected.items():
        np.testing.assert_array_equal(decoded[name], pixels)
    assert decoded["depth.Z"].dtype == np.float32 and decoded["albedo.R"].dtype == np.float16
    assert [(c.name, metadata.PIXEL_TYPE_NAMES[c.pixel_type]) for c in info.image.channels] == sorted(
        (name, "float" if name == "depth.Z" else "half") for name in expected
    )


def test_dict_of_named_channels_and_explicit_names(tmp_path):
    r, g = np.full((4, 4), 1.5, np.float16), np.full((4, 4), -2.0, np.float16)
    extra = np.arange(32, dtype=np.float16).reshape(4, 4, 2)
    _, exr = _log_one(tmp_path, {"R": r, "G": g, "motion": extra, "aov": extra}, channels={"aov": ["u", "v"]})
    decoded = _decode(exr)
    assert sorted(decoded) == ["G", "R", "aov.u", "aov.v", "motion.X", "motion.Y"]
    np.testing.assert_array_equal(decoded["aov.v"], extra[..., 1])


def test_any_channel_count_with_names(tmp_path):
    data = np.arange(4 * 3 * 5, dtype=np.float16).reshape(4, 3, 5)
    _, exr = _log_one(tmp_path, data, channels="a,b,c,d,e")
    decoded = _decode(exr)
    assert sorted(decoded) == list("abcde")
    np.testing.assert_array_equal(decoded["e"], data[..., 4])


def test_uint32_channels_keep_exact_integers(tmp_path):
    ids = np.array([[0, 1], [2**32 - 1, 123456789]], dtype=np.uint64)
    _, exr = _log_one(tmp_path, ids, pixel_type="uint32")
    decoded = _decode(exr)["Y"]
    assert decoded.dtype == np.uint32
    np.testing.assert_array_equal(decoded, ids.astype(np.uint32))


def test_torch_tensor_on_autograd_graph_in_chw_layout(tmp_path):
    torch = pytest.importorskip("torch")
    chw = torch.arange(3 * 4 * 5, dtype=torch.float32).reshape(3, 4, 5).requires_grad_(True) * 0.5
    _, exr = _log_one(tmp_path, chw, layout="CHW")
    decoded = _decode(exr)
    expected = chw.detach().numpy().astype(np.float16)
    for i, name in enumerate("RGB"):
        np.testing.assert_array_equal(decoded[name], expected[i])


def test_torch_bfloat16_tensor(tmp_path):
    torch = pytest.importorskip("torch")
    _, exr = _log_one(tmp_path, torch.full((2, 3), 0.25, dtype=torch.bfloat16))
    np.testing.assert_array_equal(_decode(exr)["Y"], np.full((2, 3), 0.25, np.float16))


def test_dwa_level_is_written_into_the_header(tmp_path):
    _, exr = _log_one(tmp_path, _hdr_rgba(), compression="dwab", dwa_level=100.0)
    header = OpenEXR.File(io.BytesIO(exr), header_only=True).header()
    assert header["compression"] == OpenEXR.DWAB_COMPRESSION
    assert header["dwaCompressionLevel"] == 100.0


def test_step_info_describes_the_logged_bytes(tmp_path):
    import hashlib

    info, exr = _log_one(tmp_path, _hdr_rgba(12, 20), compression="piz")
    assert info.version == metadata.PLUGIN_DATA_VERSION and info.storage == metadata.STORAGE_INLINE
    assert info.size == len(exr) and info.sha256 == hashlib.sha256(exr).digest()
    assert (info.image.width, info.image.height, info.image.compression) == (20, 12, "piz")


def test_existing_exr_bytes_and_paths_are_logged_byte_for_byte(tmp_path):
    exr_path = tmp_path / "in.exr"
    two_parts = OpenEXR.File(
        [
            OpenEXR.Part(
                {"compression": OpenEXR.PIZ_COMPRESSION}, {"R": np.ones((3, 4), np.float16)}, name="a"
            ),
            OpenEXR.Part(
                {"compression": OpenEXR.ZIP_COMPRESSION}, {"Z": np.zeros((3, 4), np.float32)}, name="b"
            ),
        ]
    )
    two_parts.write(str(exr_path))
    original = exr_path.read_bytes()
    with exr_summary.Writer(tmp_path / "run", background=True) as writer:
        exr_summary.image("from_path", exr_path, 0, writer=writer)
        exr_summary.image("from_bytes", original, 0, writer=writer)
    logged = logged_exrs(tmp_path / "run")
    assert logged[("from_path", 0)][1] == original
    assert logged[("from_bytes", 0)][1] == original
    info = metadata.parse_step_info(logged[("from_path", 0)][0])
    assert info.image.parts == 2
    assert [(c.name, c.part, metadata.PIXEL_TYPE_NAMES[c.pixel_type]) for c in info.image.channels] == [
        ("R", 0, "half"),
        ("Z", 1, "float"),
    ]


def test_background_writer_copies_the_pixels_before_returning(tmp_path):
    buffer = np.zeros((8, 8, 4), np.float16)
    with exr_summary.Writer(tmp_path) as writer:
        for step in range(5):
            buffer[...] = step
            exr_summary.image("reused", buffer, step, writer=writer)
    logged = logged_exrs(tmp_path)
    for step in range(5):
        assert np.all(_decode(logged[("reused", step)][1])["R"] == step)


def test_background_writer_survives_1000_quick_calls_and_loses_none(tmp_path):
    with exr_summary.Writer(tmp_path, max_queue=4) as writer:
        for step in range(1000):
            exr_summary.image(
                "many", np.full((4, 4), step, np.uint32), step, pixel_type="uint32", writer=writer
            )
    logged = logged_exrs(tmp_path)
    assert sorted(step for tag, step in logged if tag == "many") == list(range(1000))
    for step in range(0, 1000, 37):
        assert np.all(_decode(logged[("many", step)][1])["Y"] == step)


def test_default_writer_from_as_default_nests(tmp_path):
    with exr_summary.Writer(tmp_path / "outer") as outer, exr_summary.Writer(tmp_path / "inner") as inner:
        with outer.as_default():
            exr_summary.image("a", np.ones((2, 2)), 0)
            with inner.as_default():
                exr_summary.image("b", np.ones((2, 2)), 0)
            exr_summary.image("c", np.ones((2, 2)), 0)
    assert sorted(logged_exrs(tmp_path / "outer")) == [("a", 0), ("c", 0)]
    assert sorted(logged_exrs(tmp_path / "inner")) == [("b", 0)]


def test_comparison_logs_one_tag_per_role_with_group_and_role(tmp_path):
    rgb = np.ones((4, 4, 3), np.float16)
    with exr_summary.Writer(tmp_path) as writer:
        exr_summary.comparison("val/kitchen", 7, writer=writer, input=rgb, output=rgb * 2, reference=rgb * 3)
    logged = logged_exrs(tmp_path)
    assert sorted(logged) == [
        ("val/kitchen/input", 7),
        ("val/kitchen/output", 7),
        ("val/kitchen/reference", 7),
    ]
    assert np.all(_decode(logged[("val/kitchen/reference", 7)][1])["G"] == 3)


def test_comparison_with_one_bad_image_logs_nothing(tmp_path):
    with exr_summary.Writer(tmp_path) as writer:
        with pytest.raises(ValueError, match="val/x/output"):
            exr_summary.comparison("val/x", 0, writer=writer, input=np.ones((4, 4)), output=np.ones((4,)))
    assert logged_exrs(tmp_path) == {}


def test_pb_returns_a_summary_any_writer_can_write():
    summary = exr_summary.pb("p", np.ones((2, 3, 3)), group="g", role="output", compression="piz")
    (value,) = summary.value
    assert value.tag == "p" and value.metadata.plugin_data.plugin_name == "exr"
    assert value.metadata.data_class == 3
    info_bytes, exr = value.tensor.string_val
    assert list(value.tensor.tensor_shape.dim) == [type(value.tensor.tensor_shape.dim[0])(size=2)]
    assert metadata.parse_step_info(info_bytes).size == len(exr)
    assert sorted(_decode(exr)) == ["B", "G", "R"]


def test_pytorch_summary_writer_gets_the_same_events(tmp_path):
    tensorboard = pytest.importorskip("torch.utils.tensorboard")
    torch_writer = tensorboard.SummaryWriter(str(tmp_path))
    rgba = _hdr_rgba()
    exr_summary.image("torch/img", rgba, 5, writer=torch_writer, group="g", role="output")
    torch_writer.add_scalar("loss", 0.5, 5)
    torch_writer.close()
    logged = logged_exrs(tmp_path)
    np.testing.assert_array_equal(_decode(logged[("torch/img", 5)][1])["A"], rgba[..., 3])


def _run_with_file_size_limit(tmp_path, body: str) -> str:
    """Runs `body` in a Python subprocess where files cannot grow past 20 kB (writes fail, EFBIG)."""
    script = textwrap.dedent(
        f"""
        import resource, signal, time
        import numpy as np
        from tensorboard_exr import summary as exr_summary
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        writer = exr_summary.Writer({str(tmp_path)!r})
        resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000))
        noise = np.random.default_rng(0).random((64, 64, 4)).astype(np.float32)
        """
    ) + textwrap.dedent(body)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    return result.stdout + result.stderr


def test_background_write_error_is_raised_by_flush_with_tag_and_step(tmp_path):
    output = _run_with_file_size_limit(
        tmp_path,
        """
        exr_summary.image("big/noise", noise, 42, writer=writer, compression="none")
        try:
            writer.flush()
        except exr_summary.ExrWriteError as e:
            print("RAISED", e.tag, e.step, e)
        """,
    )
    assert "RAISED big/noise 42 tag 'big/noise', step 42: logging the EXR failed" in output, output
    assert "File too large" in output, output


def test_background_write_error_is_raised_by_a_later_call_and_by_close(tmp_path):
    output = _run_with_file_size_limit(
        tmp_path,
        """
        exr_summary.image("big/noise", noise, 42, writer=writer, compression="none")
        for step in range(100):
            try:
                exr_summary.image("next", noise, 100 + step, writer=writer, compression="none")
            except exr_summary.ExrWriteError as e:
                print("CALL RAISED", e.tag, e.step)
                break
            time.sleep(0.05)
        exr_summary.image("last", noise, 1000, writer=writer, compression="none")
        try:
            writer.close()
        except exr_summary.ExrWriteError as e:
            print("CLOSE RAISED", e.tag, e.step, e)
        """,
    )
    assert "CALL RAISED big/noise 42" in output, output
    assert "CLOSE RAISED last 1000" in output, output


@pytest.mark.parametrize(
    ("data", "options", "error", "message"),
    [
        (np.ones(5), {}, ValueError, r"expected an HxW or HxWxC array.*\(5,\)"),
        (np.ones((2, 2, 2, 2)), {}, ValueError, "expected an HxW or HxWxC array"),
        (np.ones((4, 4), np.complex64), {}, TypeError, "unsupported dtype complex64"),
        (np.array([["a"]]), {}, TypeError, "unsupported dtype"),
        (np.ones((0, 4)), {}, ValueError, "empty image"),
        (np.ones((4, 4, 0)), {}, ValueError, "no channels"),
        ({}, {}, ValueError, "empty"),
        ({"beauty": np.ones((4, 4, 3)), "depth": np.ones((5, 4))}, {}, ValueError, "same size"),
        (np.ones((4, 4, 5)), {}, ValueError, "5 channels need names"),
        (np.ones((4, 4, 3)), {"channels": ["R", "G"]}, ValueError, "3 channels but"),
        (np.ones((4, 4, 2)), {"channels": ["A", "A"]}, ValueError, "given twice"),
        (np.ones((4, 4)), {"compression": "jpeg"}, ValueError, "unknown compression 'jpeg'"),
        (np.ones((4, 4)), {"compression": "zip", "dwa_level": 10}, ValueError, "dwa_level only applies"),
        (np.ones((4, 4)), {"pixel_type": "double"}, ValueError, "unknown pixel_type 'double'"),
        (np.ones((4, 4)), {"pixel_type": {"Q": "float"}}, ValueError, "neither a channel nor a layer"),
        (np.ones((4, 4)), {"pixel_type": "uint32"}, TypeError, "uint32 but its data is float64"),
        (-np.ones((4, 4), np.int32), {"pixel_type": "uint32"}, ValueError, "negative"),
        (np.ones((4, 4)), {"layout": "WHC"}, ValueError, "layout must be"),
        (b"GIF89a not an exr", {}, ValueError, "not an OpenEXR file"),
        (b"v/1\x01" + b"\x02" * 64, {}, ValueError, "do not parse"),
        ("/nonexistent/file.exr", {}, ValueError, "cannot read EXR file /nonexistent/file.exr"),
        (np.ones((1, encode.MAX_DIMENSION + 1), np.float16), {}, ValueError, "the limit is 32768 per side"),
        (np.broadcast_to(np.float32(0), (30000, 30000, 1)), {}, ValueError, "bytes of pixels, the limit is"),
        (object(), {}, TypeError, "unsupported dtype object"),
    ],
    ids=lambda value: None,
)
def test_bad_input_raises_at_the_call_naming_the_tag(tmp_path, data, options, error, message):
    with exr_summary.Writer(tmp_path) as writer:
        with pytest.raises(error, match=message) as raised:
            exr_summary.image("bad/tag", data, 0, writer=writer, **options)
    assert "'bad/tag" in str(raised.value)
    assert logged_exrs(tmp_path) == {}


def test_truncated_exr_bytes_are_rejected(tmp_path):
    stream = io.BytesIO()
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION}, {"RGB": np.ones((32, 32, 3), np.float16)}).write(
        stream
    )
    with pytest.raises(ValueError, match="'cut'.*do not parse"):
        exr_summary.image(
            "cut", stream.getvalue()[:-40], 0, writer=exr_summary.Writer(tmp_path, background=False)
        )


def test_existing_file_with_pixel_options_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="logged as is"):
        exr_summary.image("x", b"v/1\x01", 0, pixel_type="float", writer=exr_summary.Writer(tmp_path))


@pytest.mark.parametrize("step", [1.5, "3", True, None])
def test_non_integer_step_is_rejected(tmp_path, step):
    with pytest.raises(TypeError, match="'s': step must be an integer"):
        exr_summary.image("s", np.ones((2, 2)), step, writer=exr_summary.Writer(tmp_path))


def test_numpy_and_torch_integer_steps_are_accepted(tmp_path):
    torch = pytest.importorskip("torch")
    with exr_summary.Writer(tmp_path) as writer:
        exr_summary.image("s", np.ones((2, 2)), np.int64(4), writer=writer)
        exr_summary.image("s", np.ones((2, 2)), torch.tensor(5), writer=writer)
    assert sorted(logged_exrs(tmp_path)) == [("s", 4), ("s", 5)]


def test_no_writer_and_wrong_writer_kinds_are_rejected():
    with pytest.raises(ValueError, match="'w': no writer"):
        exr_summary.image("w", np.ones((2, 2)), 0)
    with pytest.raises(TypeError, match="writer must be"):
        exr_summary.image("w", np.ones((2, 2)), 0, writer="logs/run")


def test_closed_writer_rejects_calls(tmp_path):
    writer = exr_summary.Writer(tmp_path)
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        exr_summary.image("c", np.ones((2, 2)), 0, writer=writer)


def test_file_storage_keeps_the_exr_beside_the_event_content_addressed(tmp_path):
    rgba = _hdr_rgba()
    with exr_summary.Writer(tmp_path, storage="file") as writer:
        exr_summary.image("f", rgba, 0, writer=writer)
        exr_summary.image("f", rgba, 1, writer=writer)
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    (event_file,) = tmp_path.glob("events.out.tfevents.*")
    tensors = [e.summary.value[0].tensor for e in EventFileLoader(str(event_file)).Load() if e.summary.value]
    assert [len(t.string_val) for t in tensors] == [1, 1]  # only the step info travels in the event
    info = metadata.parse_step_info(tensors[0].string_val[0])
    assert info.storage == metadata.STORAGE_FILE
    assert info.path == f"plugins/exr/{info.sha256.hex()}.exr"
    (stored,) = (tmp_path / "plugins" / "exr").iterdir()  # the same image twice is stored once
    assert stored.name == f"{info.sha256.hex()}.exr" and stored.stat().st_size == info.size
    np.testing.assert_array_equal(_decode(stored.read_bytes())["B"], rgba[..., 2])


def test_unknown_storage_kind_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="storage must be one of"):
        exr_summary.Writer(tmp_path, storage="s3")
