"""tensorboard_exr.metrics: the documented formulas on hand-checked values, SSIM's properties,
the per-step means and the EXR colour decoding used by the comparison routes."""

from __future__ import annotations

import io

import numpy as np
import OpenEXR
import pytest

from tensorboard_exr import metrics

A = np.array([[[1.0, -0.5, 2.0]]])
B = np.array([[[0.5, 0.5, -1.0]]])


@pytest.mark.parametrize(
    ("metric", "want"),
    [
        ("signed", [0.5, -1.0, 3.0]),
        ("l1", [0.5, 1.0, 3.0]),
        ("l2", [0.25, 1.0, 9.0]),
        ("rae", [0.5 / 0.51, 1.0 / 0.51, 3.0 / -0.99]),  # tev: B + 0.01, sign kept
        ("mape", [0.5 / 0.51, 1.0 / 0.51, 3.0 / 1.01]),  # JERI: |B| + 0.01
        ("rse", [0.25 / 0.26, 1.0 / 0.26, 9.0 / 1.01]),
        ("mrse", [0.25 / 0.2501, 1.0 / 0.2501, 9.0 / 1.0001]),
        ("smape", [1.0 / 1.52, 2.0 / 1.02, 6.0 / 3.02]),
    ],
)
def test_per_pixel_formulas(metric: str, want: list[float]) -> None:
    assert metrics.per_pixel(metric, A, B)[0, 0] == pytest.approx(want, rel=1e-12)


def test_an_epsilon_replaces_the_default_one() -> None:
    rse = metrics.per_pixel("rse", A, B, epsilon=0.5)[0, 0]
    assert rse == pytest.approx([0.25 / 0.75, 1.0 / 0.75, 9.0 / 1.5])
    smape = metrics.per_pixel("smape", A, B, epsilon=0.0)[0, 0]
    assert smape == pytest.approx([1.0 / 1.5, 2.0 / 1.0, 6.0 / 3.0])


def test_unknown_metric_and_shape_mismatch_are_named() -> None:
    with pytest.raises(ValueError, match="unknown metric 'l3'"):
        metrics.per_pixel("l3", A, B)
    with pytest.raises(ValueError, match="must match"):
        metrics.per_pixel("l1", A, np.zeros((2, 1, 3)))


def test_ssim_is_zero_for_identical_images_and_grows_with_noise() -> None:
    rng = np.random.default_rng(1)
    image = rng.uniform(0, 1, (16, 20, 3))
    assert np.allclose(metrics.one_minus_ssim(image, image), 0.0, atol=1e-12)
    mild = metrics.one_minus_ssim(image + rng.normal(0, 0.02, image.shape), image).mean()
    strong = metrics.one_minus_ssim(image + rng.normal(0, 0.2, image.shape), image).mean()
    assert 0 < mild < strong


def test_ssim_window_matches_a_direct_computation_at_one_pixel() -> None:
    rng = np.random.default_rng(2)
    a, b = rng.uniform(0, 1, (12, 12)), rng.uniform(0, 1, (12, 12))
    ya, yb = metrics.ssim_luma(a[..., None]), metrics.ssim_luma(b[..., None])
    wa, wb = ya[3:10, 2:9], yb[3:10, 2:9]  # the 7x7 window around pixel (x=5, y=6)
    ma, mb = wa.mean(), wb.mean()
    cov = (wa * wb).mean() - ma * mb
    ssim = ((2 * ma * mb + 1e-4) * (2 * cov + 9e-4)) / ((ma**2 + mb**2 + 1e-4) * (wa.var() + wb.var() + 9e-4))
    assert metrics.one_minus_ssim(a[..., None], b[..., None])[6, 5] == pytest.approx(1 - ssim, rel=1e-10)


def test_mean_errors_leave_out_and_count_non_finite_terms() -> None:
    a = np.array([[1.0, np.nan], [3.0, 4.0]])
    b = np.array([[0.0, 1.0], [1.0, 4.0]])
    errors = metrics.mean_errors(a, b)
    assert errors["nonfinite"] == 1
    assert errors["mse"] == pytest.approx((1 + 4 + 0) / 3)
    assert errors["relmse"] == pytest.approx((1 / 0.01 + 4 / 1.01 + 0) / 3)


def exr(channels: dict[str, np.ndarray]) -> bytes:
    stream = io.BytesIO()
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}, channels).write(
        stream
    )
    return stream.getvalue()


def test_decode_colour_reads_rgb_or_the_only_channel_and_names_the_image() -> None:
    plane = np.arange(12, dtype=np.float32).reshape(3, 4)
    rgb = metrics.decode_colour(exr({"R": plane, "G": plane + 1, "B": plane + 2, "A": plane * 0}), "x")
    assert rgb.shape == (3, 4, 3) and rgb[2, 3].tolist() == [11, 12, 13]
    assert metrics.decode_colour(exr({"depth": plane}), "x")[..., 0].tolist() == plane.tolist()
    with pytest.raises(ValueError, match="run 'r', tag 't'.*no R,G,B or Y"):
        metrics.decode_colour(exr({"u": plane, "v": plane}), "run 'r', tag 't'")
    with pytest.raises(ValueError, match="img: the EXR"):
        metrics.decode_colour(b"v/1\x01garbage", "img")


def test_flip_ldr_and_hdr_are_flip_evaluators() -> None:
    import flip_evaluator

    rng = np.random.default_rng(3)
    reference = rng.uniform(0, 1, (24, 24, 3))
    test = np.clip(reference + rng.normal(0, 0.1, reference.shape), 0, None)
    for mode, a, b in (
        ("ldr", metrics.srgb_encode(test), metrics.srgb_encode(reference)),
        ("hdr", test, reference),
    ):
        result = metrics.flip(test, reference, mode)
        want_map, want_mean, _ = flip_evaluator.evaluate(
            b.astype(np.float32), a.astype(np.float32), mode.upper(), applyMagma=False
        )
        assert result.mean == pytest.approx(want_mean, rel=1e-6)
        assert np.allclose(result.map, np.asarray(want_map).reshape(24, 24), atol=1e-7)
        decoded = OpenEXR.File(io.BytesIO(result.exr_bytes()), separate_channels=True).parts[0]
        assert np.array_equal(decoded.channels["Y"].pixels, result.map)
    with pytest.raises(ValueError, match="FLIP needs equal sizes"):
        metrics.flip(test, reference[:10], "ldr")
