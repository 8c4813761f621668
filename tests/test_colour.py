"""Colour from the file: luminance/chroma (YC) files logged byte for byte and reconstructed as
OpenEXR's RgbaInputFile does (checked against the C++ library itself), the `chromaticities=`
argument, and the conversion of a file's primaries to linear Rec.709 that the server's metrics use.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from colour_files import PRIMARIES_SCENE, YcFile, primaries_scene, write_primaries_files, write_yc_files
from conftest import logged_exrs
from openexr_reference import read_rgba

from tensorboard_exr import colour, luminance_chroma, metadata, metrics
from tensorboard_exr import summary as exr_summary


@pytest.fixture(scope="module")
def yc_dir(tmp_path_factory) -> tuple[Path, list[YcFile]]:
    outdir = tmp_path_factory.mktemp("yc")
    return outdir, write_yc_files(outdir)


def _header(exr: bytes) -> dict:
    return OpenEXR.File(io.BytesIO(exr)).header()


# ---- luminance/chroma ------------------------------------------------------------------------


def test_yc_files_are_logged_byte_for_byte_with_their_sampling(tmp_path, yc_dir):
    outdir, files = yc_dir
    with exr_summary.Writer(tmp_path, background=False) as writer:
        for step, case in enumerate(files):
            exr_summary.image("yc", outdir / case.name, step, writer=writer)
        exr_summary.image("yc_bytes", (outdir / files[0].name).read_bytes(), 0, writer=writer)
    logged = logged_exrs(tmp_path)
    for step, case in enumerate(files):
        info_bytes, exr = logged[("yc", step)]
        assert exr == (outdir / case.name).read_bytes(), case.name
    info = metadata.parse_step_info(logged[("yc", 0)][0]).image
    assert (info.width, info.height) == (96, 64)
    sampling = {c.name: (c.x_sampling, c.y_sampling) for c in info.channels}
    assert sampling == {"BY": (2, 2), "RY": (2, 2), "Y": (1, 1)}
    assert logged[("yc_bytes", 0)][1] == (outdir / files[0].name).read_bytes()


def test_existing_yc_file_with_pixel_options_is_refused_naming_the_tag(tmp_path, yc_dir):
    outdir, files = yc_dir
    with exr_summary.Writer(tmp_path, background=False) as writer:
        with pytest.raises(
            ValueError, match=r"tag 'val/yc': an existing EXR file is logged as is.*chromaticities"
        ):
            exr_summary.image("val/yc", outdir / files[0].name, 0, writer=writer, chromaticities="acescg")


def test_reconstruction_equals_openexrs_rgba_input_file_bit_for_bit(yc_dir):
    outdir, files = yc_dir
    for case in files:
        part = OpenEXR.File(str(outdir / case.name), separate_channels=True).parts[0]
        prefix = f"{case.layer}." if case.layer else ""
        assert luminance_chroma.yc_channels(part.channels, prefix)
        ours = luminance_chroma.decode_yc(part.channels, part.header, prefix)
        theirs = read_rgba(outdir / case.name, case.layer)
        assert ours is not None
        differ = ours.view(np.uint16) != theirs.rgba[..., :3].view(np.uint16)
        assert not differ.any(), f"{case.name}: {int(differ.sum())} halves differ from RgbaInputFile"
        chroma = colour.header_chromaticities(part.header)[0]
        assert colour.luminance_weights(chroma or colour.REC709) == pytest.approx(
            theirs.luminance_weights, abs=5e-9
        )


def test_server_metrics_compare_yc_files_as_reconstructed_rgb(yc_dir):
    outdir, _ = yc_dir
    data = (outdir / "yc_rgba_output_piz.exr").read_bytes()
    rgb = metrics.decode_colour(data, "yc")
    np.testing.assert_array_equal(
        rgb, read_rgba(outdir / "yc_rgba_output_piz.exr").rgba[..., :3].astype(np.float32)
    )
    # ACEScg luminance/chroma: reconstructed in its own primaries, then converted to the common space.
    acescg = metrics.decode_colour((outdir / "yc_alpha_acescg_zip.exr").read_bytes(), "yc")
    own = read_rgba(outdir / "yc_alpha_acescg_zip.exr").rgba[..., :3].astype(np.float64)
    matrix = np.asarray(colour.to_rec709(colour.NAMED_CHROMATICITIES["acescg"]), np.float64).reshape(3, 3)
    np.testing.assert_allclose(acescg, own @ matrix, rtol=1e-6, atol=1e-7)


# ---- chromaticities= -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argument", "expected"),
    [
        ("acescg", colour.NAMED_CHROMATICITIES["acescg"]),
        ("AP0", colour.NAMED_CHROMATICITIES["aces"]),
        ("sRGB", colour.NAMED_CHROMATICITIES["rec709"]),
        ("xyz", (1, 0, 0, 1, 0, 0, 1 / 3, 1 / 3)),
        ("displayp3", colour.NAMED_CHROMATICITIES["p3"]),
        (
            np.array([0.708, 0.292, 0.17, 0.797, 0.131, 0.046, 0.3127, 0.329]),
            colour.NAMED_CHROMATICITIES["rec2020"],
        ),
    ],
)
def test_chromaticities_argument_writes_only_that_attribute(tmp_path, argument, expected):
    rgb = primaries_scene(8, 10).astype(np.float32)
    with exr_summary.Writer(tmp_path, background=False) as writer:
        exr_summary.image("t", rgb, 0, writer=writer, pixel_type="float", chromaticities=argument)
    ((_, exr),) = logged_exrs(tmp_path).values()
    header = _header(exr)
    assert header["chromaticities"] == pytest.approx([float(np.float32(v)) for v in expected])
    assert "adoptedNeutral" not in header and "whiteLuminance" not in header
    pixels = OpenEXR.File(io.BytesIO(exr), separate_channels=True).channels()
    np.testing.assert_array_equal(
        np.stack([pixels[c].pixels for c in "RGB"], -1), rgb
    )  # values not converted


def test_adopted_neutral_is_written_only_when_given_and_comparison_passes_both(tmp_path):
    rgb = primaries_scene(8, 10)
    with exr_summary.Writer(tmp_path, background=False) as writer:
        exr_summary.comparison(
            "g", 0, writer=writer, chromaticities="acescg", adopted_neutral=(0.32168, 0.33767), a=rgb, b=rgb
        )
    for exr in (v[1] for v in logged_exrs(tmp_path).values()):
        header = _header(exr)
        assert header["adoptedNeutral"] == pytest.approx([0.32168, 0.33767])
        assert header["chromaticities"][6:] == pytest.approx([0.32168, 0.33767])
    summary = exr_summary.pb("p", rgb, chromaticities="xyz")
    exr = summary.value[0].tensor.string_val[1]
    assert _header(exr)["chromaticities"] == pytest.approx([1, 0, 0, 1, 0, 0, 1 / 3, 1 / 3])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"chromaticities": "adobe"}, r"tag 'bad': unknown chromaticities 'adobe'"),
        ({"chromaticities": [0.64, 0.33]}, r"tag 'bad': chromaticities must be a name or 8 finite numbers"),
        ({"chromaticities": [0.1, 0.1, 0.2, 0.2, 0.3, 0.3, 0.3, 0.3]}, r"tag 'bad': .* define no colours"),
        (
            {"chromaticities": [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3, 0.0]},
            r"tag 'bad': .* define no colours",
        ),
        ({"adopted_neutral": "D65"}, r"tag 'bad': adopted_neutral must be 2 numbers"),
    ],
)
def test_bad_colour_arguments_raise_naming_the_tag(tmp_path, options, message):
    with exr_summary.Writer(tmp_path, background=False) as writer:
        with pytest.raises(ValueError, match=message):
            exr_summary.image("bad", np.zeros((4, 4, 3), np.float32), 0, writer=writer, **options)


# ---- the conversion to Rec.709 -----------------------------------------------------------------


def test_xyz_primaries_build_a_matrix_although_blue_sits_at_the_origin():
    # The textbook formula divides by each primary's y; OpenEXR's RGBtoXYZ does not.
    m = colour.rgb_to_xyz(colour.NAMED_CHROMATICITIES["xyz"])
    assert m == pytest.approx((1, 0, 0, 0, 1, 0, 0, 0, 1), abs=1e-15)
    assert colour.luminance_weights(colour.NAMED_CHROMATICITIES["xyz"]) == (0.0, 1.0, 0.0)


def test_rec709_and_no_attribute_need_no_conversion():
    assert colour.to_rec709(None) is None
    assert colour.to_rec709(colour.REC709) is None
    assert colour.to_rec709(colour.NAMED_CHROMATICITIES["rec709"]) is None
    assert colour.to_rec709(colour.REC709, (0.3127, 0.329)) is None  # adopted neutral = D65: nothing to adapt


@pytest.mark.parametrize("name", PRIMARIES_SCENE[1:])
def test_a_scene_in_other_primaries_converts_back_to_rec709_without_adaptation(tmp_path, name):
    scene = primaries_scene()
    path = write_primaries_files(tmp_path, scene)[name]
    rgb = metrics.decode_colour(path.read_bytes(), name)
    np.testing.assert_allclose(rgb, scene, atol=2e-6)
    # ACEScg's white (D60) is not adapted: its (1, 1, 1) is not Rec.709's (1, 1, 1).
    white = colour.convert_to_rec709(
        np.ones((1, 1, 3)), colour.to_rec709(colour.NAMED_CHROMATICITIES["acescg"])
    )
    assert white[0, 0, 0] > white[0, 0, 2] + 0.05


def test_adopted_neutral_displays_that_white_as_neutral():
    acescg = colour.NAMED_CHROMATICITIES["acescg"]
    matrix = colour.to_rec709(acescg, acescg[6:])
    white = colour.convert_to_rec709(np.ones((1, 1, 3)), matrix)[0, 0]
    np.testing.assert_allclose(white, [white[1]] * 3, rtol=1e-12)


def test_error_between_rec709_and_acescg_files_of_one_scene_is_about_zero(tmp_path):
    paths = write_primaries_files(tmp_path)
    a = metrics.decode_colour(paths["rec709"].read_bytes(), "a")
    b = metrics.decode_colour(paths["acescg"].read_bytes(), "b")
    errors = metrics.mean_errors(a, b)
    assert errors["mse"] < 1e-12 and errors["relmse"] < 1e-10
    unconverted = np.stack(
        [OpenEXR.File(str(paths["acescg"]), separate_channels=True).channels()[c].pixels for c in "RGB"], -1
    )
    assert metrics.mean_errors(a, unconverted)["mse"] > 1e-4  # unconverted they differ
