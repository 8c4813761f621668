"""Fuzzing the writer's inputs: anything a training loop may pass either logs an EXR that reads back
exactly, or raises `ValueError`/`TypeError` at the call naming the tag. Never another exception.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from conftest import logged_exrs
from exr_bomb import bomb_exr
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tensorboard_exr import encode, metadata
from tensorboard_exr import summary as exr_summary

TAG = "fuzz/<b>img</b>"

_DTYPES = st.sampled_from(
    [
        "float16",
        "float32",
        "float64",
        "uint8",
        "uint16",
        "uint32",
        "int8",
        "int32",
        "int64",
        "bool",
        "complex64",
        "object",
        "U3",
        "datetime64[s]",
    ]  # fmt: skip
)
_SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=9)


def _arrays() -> st.SearchStrategy[np.ndarray]:
    def build(dtype: str, shape: tuple[int, ...], seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        values = rng.normal(size=shape) * 10
        if dtype == "object":
            return values.astype(object)
        if dtype == "U3":
            return values.astype("U3")
        return values.astype(dtype)

    return st.builds(build, _DTYPES, _SHAPES, st.integers(0, 1000))


_PLAUSIBLE = hnp.arrays(
    st.sampled_from([np.float16, np.float32, np.float64, np.uint8, np.int32, np.bool_]),
    st.one_of(
        hnp.array_shapes(min_dims=2, max_dims=2, max_side=7),
        st.tuples(st.integers(1, 7), st.integers(1, 7), st.sampled_from([1, 3, 4])),
    ),
)
_DATA = st.one_of(
    _PLAUSIBLE,
    _PLAUSIBLE,
    st.dictionaries(
        st.sampled_from(["R", "G", "B", "Z", "beauty", "depth"]), _PLAUSIBLE, min_size=1, max_size=3
    ),
    _arrays(),
    st.dictionaries(
        st.sampled_from(["R", "G", "B", "beauty", "depth", "normal", "", "a.b", "x y"]), _arrays(), max_size=3
    ),
    st.binary(max_size=64),
    st.lists(st.floats(allow_nan=True), max_size=5),
    st.none(),
    st.text(max_size=10),
)
_OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "channels": st.one_of(
            st.none(),
            st.lists(st.sampled_from(["R", "G", "B", "A", "", "R"]), max_size=4),
            st.text(max_size=6),
        ),
        "pixel_type": st.sampled_from(["half", "float", "uint32", "int8", "", "HALF"]),
        "compression": st.sampled_from(["zip", "piz", "none", "dwaa", "b44", "htj2k32", "bogus", ""]),
        "layout": st.sampled_from(["HWC", "CHW", "NHWC", "hwc"]),
        "group": st.one_of(st.text(max_size=5), st.integers()),
        "description": st.one_of(st.text(max_size=20), st.just(b"bytes")),
    },
)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(data=_DATA, options=_OPTIONS)
@example(data="\x00", options={})  # a path with a NUL byte: os.path raises ValueError, not OSError
def test_any_input_logs_an_exact_exr_or_raises_naming_the_tag(data, options) -> None:
    try:
        summary = exr_summary.pb(TAG, data, **options)
    except (ValueError, TypeError) as e:
        assert f"tag '{TAG}" in str(e), f"{type(e).__name__} without the tag: {e}"
        event("refused")
        return
    event("logged")
    info_bytes, exr = summary.value[0].tensor.string_val
    info = metadata.parse_step_info(info_bytes)
    assert info.size == len(exr)
    parts = OpenEXR.File(io.BytesIO(exr), separate_channels=True).parts
    assert [c.name for c in info.image.channels] == sorted(parts[0].channels)
    if isinstance(data, np.ndarray) and data.ndim == 2 and data.dtype.kind == "f":
        (only,) = parts[0].channels.values()  # a 2-D float array is one channel, cast to its type
        np.testing.assert_array_equal(only.pixels, data.astype(only.pixels.dtype))
        event("2-D float round trip checked")


@settings(max_examples=100, deadline=None)
@given(step=st.one_of(st.integers(-(1 << 64), 1 << 64), st.floats(), st.text(max_size=3), st.none()))
def test_any_step_is_logged_or_refused_naming_the_tag(step) -> None:
    with tempfile.TemporaryDirectory() as logdir, exr_summary.Writer(logdir, background=False) as writer:
        try:
            exr_summary.image(TAG, np.zeros((2, 2), np.float32), step, writer=writer)
        except (ValueError, TypeError) as e:
            assert f"tag {TAG!r}" in str(e)
            return
        writer.flush()
        assert [s for (_, s) in logged_exrs(logdir)] == [int(step)]


def test_a_decompression_bomb_is_refused_from_its_header_before_decoding(tmp_path: Path) -> None:
    data = bomb_exr()
    assert len(data) < 20_000
    path = tmp_path / "bomb.exr"
    path.write_bytes(data)
    for source in (data, path, str(path)):
        with pytest.raises(
            ValueError, match=r"declares 4800000000 bytes of pixels .* refused before decoding"
        ):
            exr_summary.pb(TAG, source)
    with (
        exr_summary.Writer(tmp_path / "run") as writer,
        pytest.raises(ValueError, match="refused before decoding"),
    ):
        exr_summary.image(TAG, data, 0, writer=writer)
    # Just under the limit the header check lets OpenEXR decide (here: the chunks are missing).
    small = bomb_exr(64, 64)
    assert encode.declared_pixel_bytes(small) == 64 * 64 * 12
    with pytest.raises(ValueError, match="do not parse"):
        exr_summary.pb(TAG, small)


def test_multipart_files_declare_the_sum_of_their_parts(tmp_path: Path) -> None:
    parts = [
        OpenEXR.Part({"type": OpenEXR.scanlineimage}, {"R": np.zeros((4, 6), np.float32)}, name="a"),
        OpenEXR.Part({"type": OpenEXR.scanlineimage}, {"Y": np.zeros((4, 6), np.float16)}, name="b"),
    ]
    path = tmp_path / "multi.exr"
    OpenEXR.File(parts).write(str(path))
    assert encode.declared_pixel_bytes(path.read_bytes()) == 4 * 6 * 4 + 4 * 6 * 2
    summary = exr_summary.pb(TAG, path)
    assert metadata.parse_step_info(summary.value[0].tensor.string_val[0]).image.parts == 2
