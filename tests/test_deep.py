"""Deep files on the Python side: the writer logs them byte for byte and describes them, refuses
deep decompression bombs from their chunk leaders, and the server-side metrics flatten them as the
viewer does (checked against make_deep.py's independent reference composite, bit for bit).
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import numpy as np
import OpenEXR
import pytest
from conftest import logged_exrs
from make_deep_module import make_deep

from tensorboard_exr import deep, encode, metadata, metrics
from tensorboard_exr import summary as exr_summary

TAG = "deep/<i>beauty</i>"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ModuleType]:
    """The decoder tests' deep files (make_deep.py) and the module that wrote them."""
    out = tmp_path_factory.mktemp("deep")
    make_deep.main(out)
    return out, make_deep


def _read_samples(path: Path) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Counts and every channel's samples in pixel order, as OpenEXR's binding reads part 0."""
    channels = OpenEXR.File(str(path), separate_channels=True).parts[0].channels
    cells = {name: c.pixels for name, c in channels.items()}
    first = next(iter(cells.values()))
    counts = np.vectorize(lambda a: 0 if a is None else len(a), otypes=[np.int64])(first)
    samples = {
        name: np.concatenate([np.zeros(0, np.float32)] + [a for a in column.ravel() if a is not None])
        for name, column in cells.items()
    }
    return counts, samples


def test_deep_scanline_and_tiled_files_are_logged_byte_for_byte(tmp_path: Path, fixtures) -> None:
    out, _ = fixtures
    names = ["scan_rgbaz_half_ZIPS.exr", "tiled_rgbaz_ZIPS.exr", "ids.exr", "multipart.exr"]
    with exr_summary.Writer(tmp_path / "run") as writer:
        for step, name in enumerate(names):
            exr_summary.image(TAG, out / name, step, writer=writer)
    logged = logged_exrs(tmp_path / "run")
    for step, name in enumerate(names):
        info_bytes, exr = logged[(TAG, step)]
        assert exr == (out / name).read_bytes(), name
        info = metadata.parse_step_info(info_bytes)
        assert info.sha256 == hashlib.sha256(exr).digest()
        image = info.image
        if name == "multipart.exr":
            assert list(image.part_types) == ["scanlineimage", "deepscanline"]
            continue
        assert list(image.part_types) == ["deeptile" if name.startswith("tiled") else "deepscanline"]
        types = {c.name: metadata.PIXEL_TYPE_NAMES[c.pixel_type] for c in image.channels}
        if name == "ids.exr":
            assert types == {"A": "half", "R": "half", "Z": "float", "id": "uint32"}
        else:
            assert types["R"] == "half" and types["Z"] == "float"
        assert (image.width, image.height) == {"scan": (13, 9), "tile": (17, 11), "ids.": (6, 5)}[name[:4]]


def test_flat_files_record_their_part_type(tmp_path: Path) -> None:
    summary = exr_summary.pb(TAG, np.zeros((2, 3, 3), np.float32))
    assert list(metadata.parse_step_info(summary.value[0].tensor.string_val[0]).image.part_types) == [
        "scanlineimage"
    ]


def test_a_deep_decompression_bomb_is_refused_from_its_chunk_leaders(fixtures) -> None:
    out, make_deep = fixtures
    # 256 x 256 pixels x 40 000 half samples declared by chunks of 20 MB each.
    bomb = (out / "bomb.exr").read_bytes()
    assert encode.declared_pixel_bytes(bomb) == 256 * 256 * 4 + 256 * 256 * 40_000 * 2
    with pytest.raises(
        ValueError, match=r"^tag '.*': the EXR declares 5243142144 bytes of pixels .* refused"
    ):
        exr_summary.pb(TAG, bomb)
    small = make_deep.bomb_file(8, 8, 3)  # declares 192 samples, holds 16 bytes of each chunk
    assert encode.declared_pixel_bytes(small) == 8 * 8 * 4 + 8 * 8 * 3 * 2
    exr_summary.pb(TAG, small)  # its leaders fit in the file: logged; the viewer reports the data


def test_a_truncated_deep_file_is_refused_naming_the_tag(fixtures) -> None:
    out, _ = fixtures
    data = (out / "scan_rgbaz_half_ZIPS.exr").read_bytes()
    with pytest.raises(ValueError, match=r"^tag 'deep/<i>beauty</i>': the EXR is truncated"):
        exr_summary.pb(TAG, data[: len(data) - 40])


def test_flattening_is_the_reference_composite_bit_for_bit(fixtures) -> None:
    out, make_deep = fixtures
    for name in [case[0] for case in make_deep.CASES]:
        counts, samples = _read_samples(out / name)
        kinds = {
            c.name: c.pixel_type
            for c in deep.exr_layout.read_layout((out / name).read_bytes()).parts[0].channels
        }
        typed = {n: v.astype(np.uint32 if kinds[n] == 0 else np.float32) for n, v in samples.items()}
        got = deep.flatten(counts, typed)
        names = {0: "uint", 1: "half", 2: "float"}
        want = make_deep.composite_reference(counts, samples, {n: names[k] for n, k in kinds.items()})
        for channel in samples:
            assert got[channel].dtype == want[channel].dtype, (name, channel)
            assert got[channel].tobytes() == want[channel].tobytes(), (name, channel)


def test_the_alpha_of_each_channel_follows_interpreting_deep_pixels() -> None:
    alphas = {"A", "AR", "L1.A", "L1.AR"}
    assert deep.alpha_of("R", alphas) == "AR"
    assert deep.alpha_of("G", alphas) == "A"
    assert deep.alpha_of("L1.R", alphas) == "L1.AR"
    assert deep.alpha_of("L1.G", alphas) == "L1.A"
    assert deep.alpha_of("L1.L2.B", alphas) == "L1.A"
    assert deep.alpha_of("Z", alphas) == "A"
    assert deep.alpha_of("A", alphas) == "A"
    assert deep.alpha_of("R", set()) is None


def test_server_metrics_compare_the_flattened_picture(fixtures) -> None:
    out, make_deep = fixtures
    data = (out / "scan_rgbaz_zback_float_RLE.exr").read_bytes()
    colour = metrics.decode_colour(data, "A")
    counts, samples = _read_samples(out / "scan_rgbaz_zback_float_RLE.exr")
    want = make_deep.composite_reference(counts, samples, dict.fromkeys(samples, "float"))
    assert colour.shape == (7, 11, 3) and colour.dtype == np.float32
    for i, channel in enumerate("RGB"):
        assert colour[..., i].tobytes() == want[channel].tobytes()
    assert metrics.mean_errors(colour, colour)["mse"] == 0.0


def test_the_server_refuses_a_deep_image_its_binding_would_hold_in_too_much_memory(
    fixtures, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, _ = fixtures
    monkeypatch.setattr(deep, "MAX_BINDING_BYTES", 10_000)
    with pytest.raises(
        ValueError, match=r"^B: the deep image is too large to compare on the server: .* 13x9 pixels x 5"
    ):
        metrics.decode_colour((out / "scan_rgbaz_half_ZIPS.exr").read_bytes(), "B")


def test_headers_that_do_not_parse_are_refused_naming_the_tag(fixtures) -> None:
    out, _ = fixtures
    data = bytearray((out / "tiled_rgbaz_ZIPS.exr").read_bytes())
    at = data.find(b"tiles\0tiledesc\0") + len(b"tiles\0tiledesc\0") + 4
    data[at : at + 8] = bytes(8)  # a 0 x 0 tile size
    with pytest.raises(ValueError, match=r"^tag 'deep/<i>beauty</i>': the EXR bytes do not parse"):
        exr_summary.pb(TAG, bytes(data))
    assert OpenEXR.File(io.BytesIO((out / "tiled_rgbaz_ZIPS.exr").read_bytes()), header_only=True)


def _openexr_cpp_missing() -> bool:
    return not (shutil.which("g++") and shutil.which("pkg-config")) or bool(
        subprocess.run(["pkg-config", "--exists", "OpenEXR"], check=False).returncode
    )


@pytest.mark.skipif(_openexr_cpp_missing(), reason="needs g++ and OpenEXR's C++ library (libopenexr-dev)")
def test_openexr_cpp_compositing_gives_the_same_picture_for_sorted_files(tmp_path: Path, fixtures) -> None:
    """OpenEXR's CompositeDeepScanLine (bench/deep_composite.cpp) against `deep.flatten`. With one
    file it composites the samples in the file's order, so the samples here are sorted by Z."""
    _, make_deep = fixtures
    program = tmp_path / "deep_composite"
    flags = subprocess.run(
        ["pkg-config", "--cflags", "--libs", "OpenEXR"], check=True, capture_output=True, text=True
    ).stdout.split()
    subprocess.run(
        ["g++", "-O1", "-std=c++17", str(REPO / "bench" / "deep_composite.cpp"), "-o", str(program), *flags],
        check=True,
    )
    rng = np.random.default_rng(3)
    layout = {"R": "half", "G": "half", "B": "half", "A": "half", "Z": "float"}
    for compression in ("ZIPS_COMPRESSION", "RLE_COMPRESSION", "NO_COMPRESSION"):
        counts = make_deep.random_counts(rng, 17, 23, 6)
        channels = make_deep.deep_channels(rng, counts, layout)
        pixel = np.repeat(np.arange(counts.size), counts.ravel())
        order = np.lexsort((np.arange(len(pixel)), channels["Z"], pixel))
        channels = {name: values[order] for name, values in channels.items()}
        path = tmp_path / f"sorted_{compression}.exr"
        header = {"type": OpenEXR.deepscanline, "compression": getattr(OpenEXR, compression)}
        OpenEXR.File(header, {n: make_deep.per_pixel(v, counts) for n, v in channels.items()}).write(
            str(path)
        )
        subprocess.run(
            [str(program), str(path), "1", str(tmp_path / "planes.raw")], check=True, capture_output=True
        )
        theirs = np.fromfile(tmp_path / "planes.raw", np.float32).reshape(4, *counts.shape)
        ours = deep.flatten(counts, {n: v.astype(np.float32) for n, v in channels.items()})
        for i, name in enumerate("RGBA"):
            assert ours[name].tobytes() == theirs[i].tobytes(), (compression, name)
