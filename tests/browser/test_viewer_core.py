"""The embeddable viewer on its own (no TensorBoard): real WebGL2 in Chromium, pixel values
checked against tests/browser/pixel_model.py. Images are built in the page from planes made here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from playwright.sync_api import Page, expect

from .pixel_model import NAN_MARKER, NEG_INF_MARKER, POS_INF_MARKER, assert_close, displayed, half

W = H = 64


def half_bits(values: np.ndarray) -> list[int]:
    return values.astype(np.float16).view(np.uint16).ravel().tolist()


def plane(name: str, values: np.ndarray, pixel_type: str = "half") -> dict:
    if pixel_type == "half":
        return {"name": name, "pixelType": "half", "data": half_bits(values)}
    out = []
    for v in values.astype(np.float32).ravel().tolist():
        out.append("nan" if math.isnan(v) else "inf" if v == math.inf else "-inf" if v == -math.inf else v)
    return {"name": name, "pixelType": pixel_type, "data": out}


def gradient() -> dict[str, np.ndarray]:
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return {"R": x / (W - 1), "G": 2.0 * y / (H - 1), "B": np.full((H, W), 0.18, np.float32)}


def spec(channels: list[dict], **extra: object) -> dict:
    return {"width": W, "height": H, "channels": channels, **extra}


POINTS = [(0, 0), (13, 40), (31, 31), (63, 5), (50, 63)]


@pytest.fixture
def viewer(page: Page, page_server: str) -> Page:
    page.goto(f"{page_server}/viewer.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    return page


def show(page: Page, image: dict) -> None:
    page.evaluate("s => window.__exrTest.show(s)", image)
    expect(page.locator(".exr-viewer")).to_have_attribute("data-ready", "1")


def read_image_pixels(page: Page, points: list[tuple[int, int]]) -> list[list[int]]:
    return page.evaluate("p => window.__exrTest.readImagePixels(p)", [list(p) for p in points])


def expected_gradient(ix: int, iy: int, **view: object) -> tuple[int, int, int]:
    g = gradient()
    return displayed(tuple(half(float(g[c][iy, ix])) for c in "RGB"), **view)  # type: ignore[arg-type]


def visible(page: Page, points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The image pixels whose centre is on the 256x256 canvas in the current view."""
    out = []
    for ix, iy in points:
        p = page.evaluate("([x, y]) => window.__exrTest.viewer.canvasPointOf(x, y)", [ix, iy])
        if 0 <= p["x"] < 256 and 0 <= p["y"] < 256:
            out.append((ix, iy))
    return out


def check_gradient(page: Page, **view: object) -> None:
    points = visible(page, POINTS + [(24, 24), (30, 20), (20, 35)])
    assert len(points) >= 3
    for (ix, iy), got in zip(points, read_image_pixels(page, points), strict=True):
        assert_close(got, expected_gradient(ix, iy, **view), where=f"pixel {ix},{iy} {view}")


def gradient_image() -> dict:
    return spec([plane(c, v) for c, v in gradient().items()])


def test_constant_half_image_renders_srgb(viewer: Page) -> None:
    show(
        viewer,
        spec(
            [plane(c, np.full((H, W), v, np.float32)) for c, v in zip("RGB", (0.5, 0.25, 1.0), strict=True)]
        ),
    )
    want = displayed((half(0.5), half(0.25), 1.0))
    assert want == (188, 137, 255)
    for got in read_image_pixels(viewer, POINTS):
        assert_close(got, want)


def test_gradient_fits_and_renders_srgb(viewer: Page) -> None:
    show(viewer, gradient_image())
    state = viewer.evaluate("window.__exrTest.viewer.state")
    assert (state["zoom"], state["panX"], state["panY"]) == (4, 32, 32)
    check_gradient(viewer)


def test_exposure_offset_gamma_keys(viewer: Page) -> None:
    show(viewer, gradient_image())
    root = viewer.locator(".exr-viewer")
    root.focus()
    viewer.keyboard.press("e")
    viewer.keyboard.press("e")
    expect(root).to_have_attribute("data-exposure", "1")
    check_gradient(viewer, exposure=1.0)
    viewer.keyboard.press("Shift+E")
    expect(root).to_have_attribute("data-exposure", "0.5")
    check_gradient(viewer, exposure=0.5)
    viewer.keyboard.press("o")
    expect(root).to_have_attribute("data-offset", "0.1")
    check_gradient(viewer, exposure=0.5, offset=0.1)
    viewer.keyboard.press("r")
    expect(root).to_have_attribute("data-exposure", "0")
    expect(root).to_have_attribute("data-offset", "0")
    viewer.keyboard.press("g")
    expect(root).to_have_attribute("data-tonemap", "gamma")
    expect(root).to_have_attribute("data-gamma", "2.3")
    check_gradient(viewer, tonemap="gamma", gamma=2.3)
    viewer.keyboard.press("Shift+G")
    viewer.keyboard.press("Shift+G")
    expect(root).to_have_attribute("data-gamma", "2.1")
    check_gradient(viewer, tonemap="gamma", gamma=2.1)


def test_tonemaps(viewer: Page) -> None:
    show(viewer, gradient_image())
    for tonemap in ("falsecolour", "posneg", "srgb"):
        viewer.evaluate("t => window.__exrTest.viewer.setState({tonemap: t})", tonemap)
        check_gradient(viewer, tonemap=tonemap)
    viewer.evaluate("window.__exrTest.viewer.setState({tonemap: 'falsecolour', exposure: -2})")
    check_gradient(viewer, tonemap="falsecolour", exposure=-2.0)


def test_positive_negative_shows_signs(viewer: Page) -> None:
    values = np.where(np.arange(W)[None, :] < W // 2, -0.5, 0.25).astype(np.float32) * np.ones(
        (H, 1), np.float32
    )
    show(viewer, spec([plane("Y", values, "float")]))
    viewer.evaluate("window.__exrTest.viewer.setState({tonemap: 'posneg'})")
    left, right = read_image_pixels(viewer, [(5, 5), (60, 5)])
    assert_close(left, displayed((-0.5,), tonemap="posneg"))
    assert_close(right, displayed((0.25,), tonemap="posneg"))
    assert left[0] > 200 and left[1] == 0 and right[0] == 0 and right[1] > 100


def test_non_finite_markers_and_toggle(viewer: Page) -> None:
    values = np.full((H, W), 0.5, np.float32)
    values[10, 10] = np.nan
    values[20, 20] = np.inf
    values[30, 30] = -np.inf
    show(viewer, spec([plane("Y", values, "float")]))
    pts = [(10, 10), (20, 20), (30, 30), (40, 40)]
    got = read_image_pixels(viewer, pts)
    for g, want in zip(got, [NAN_MARKER, POS_INF_MARKER, NEG_INF_MARKER, displayed((0.5,))], strict=True):
        assert_close(g, want)
    viewer.locator(".exr-viewer").focus()
    viewer.keyboard.press("m")
    expect(viewer.locator(".exr-viewer")).to_have_attribute("data-non-finite", "0")
    got = read_image_pixels(viewer, pts)
    assert_close(got[0], (0, 0, 0))  # NaN shown as zero without markers
    assert_close(got[1], (255, 255, 255))
    assert_close(got[2], (0, 0, 0))


def test_half_non_finite_values_survive_upload(viewer: Page) -> None:
    values = np.full((H, W), 0.5, np.float32)
    values[3, 4] = np.nan
    values[5, 6] = np.inf
    show(viewer, spec([plane("Y", values, "half")]))
    nan, inf = read_image_pixels(viewer, [(4, 3), (6, 5)])
    assert_close(nan, NAN_MARKER)
    assert_close(inf, POS_INF_MARKER)


def test_layers_are_grouped_and_cycled(viewer: Page) -> None:
    g = gradient()
    ones = np.ones((H, W), np.float32)
    channels = [plane(c, g[c]) for c in "RGB"]
    channels += [plane(f"albedo.{c}", ones * v) for c, v in zip("RGB", (0.1, 0.2, 0.3), strict=True)]
    channels += [plane("depth.Z", g["R"] * 4.0, "float")]
    show(viewer, spec(channels))
    layers = viewer.evaluate("window.__exrTest.viewer.layers()")
    assert layers == ["RGB", "albedo.RGB", "depth.Z"]
    root = viewer.locator(".exr-viewer")
    root.focus()
    viewer.keyboard.press("]")
    expect(root).to_have_attribute("data-layer", "albedo.RGB")
    for got in read_image_pixels(viewer, POINTS):
        assert_close(got, displayed((half(0.1), half(0.2), half(0.3))))
    viewer.keyboard.press("]")
    expect(root).to_have_attribute("data-layer", "depth.Z")
    for (ix, iy), got in zip(POINTS, read_image_pixels(viewer, POINTS), strict=True):
        assert_close(got, displayed((float(np.float32(g["R"][iy, ix] * 4.0)),)))
    viewer.keyboard.press("[")
    viewer.keyboard.press("[")
    expect(root).to_have_attribute("data-layer", "RGB")
    check_gradient(viewer)


def test_alpha_is_composited_over_checkerboard(viewer: Page) -> None:
    zeros = np.zeros((H, W), np.float32)
    alpha = np.zeros((H, W), np.float32)
    alpha[:, W // 2 :] = 1.0
    show(viewer, spec([plane("R", zeros + alpha), plane("G", zeros), plane("B", zeros), plane("A", alpha)]))
    assert viewer.evaluate("window.__exrTest.viewer.layers()") == ["RGBA"]
    # Transparent left half: 8 px checker cells in the page's colours (#505050 / #a0a0a0).
    transparent = viewer.evaluate("window.__exrTest.read([[2, 130], [10, 130], [18, 130], [26, 138]])")
    for got, want in zip(transparent, [0x50, 0xA0, 0x50, 0x50], strict=True):
        assert_close(got, (want, want, want))
    opaque = read_image_pixels(viewer, [(50, 10)])[0]
    assert_close(opaque, (255, 0, 0))


def test_error_metrics_against_reference(viewer: Page) -> None:
    a = np.full((H, W), 0.5, np.float32)
    b = np.full((H, W), 0.25, np.float32)
    show(viewer, spec([plane("Y", a, "float")]))
    viewer.evaluate("s => window.__exrTest.reference(s)", spec([plane("Y", b, "float")]))
    cases = {
        "signed": 0.25,
        "l1": 0.25,
        "l2": 0.0625,
        "rae": 0.25 / 0.26,
        "mape": 0.25 / 0.26,
        "rse": 0.0625 / (0.0625 + 0.01),
        "mrse": 0.0625 / (0.0625 + 1e-4),
        "smape": 0.5 / 0.77,
    }
    for metric, value in cases.items():
        viewer.evaluate("m => window.__exrTest.viewer.setState({metric: m})", metric)
        assert_close(read_image_pixels(viewer, [(7, 7)])[0], displayed((value,)), where=metric)
    viewer.evaluate("window.__exrTest.viewer.setState({metric: 'l1', display: 'reference'})")
    assert_close(read_image_pixels(viewer, [(7, 7)])[0], displayed((0.25,)), where="reference shown")


def test_ssim_map_is_computed_once_per_image_pair_and_readouts_never_upload(viewer: Page) -> None:
    g = gradient()
    stats = "window.__exrTest.viewer.stats()"
    show(viewer, gradient_image())
    viewer.evaluate("s => window.__exrTest.reference(s)", spec([plane(c, g[c] * 0.5) for c in "RGB"]))
    viewer.evaluate("window.__exrTest.viewer.setState({metric: 'ssim'})")
    viewer.evaluate("window.__exrTest.viewer.readPixel(1, 1)")
    first = viewer.evaluate(stats)
    assert (first["metricPasses"], first["uploads"]) == (1, 6)
    for e in (-1, 0, 1):
        viewer.evaluate(
            "e => window.__exrTest.viewer.setState({exposure: e, tonemap: e ? 'falsecolour' : 'srgb'})", e
        )
        viewer.evaluate("window.__exrTest.viewer.readPixel(1, 1)")
        info = viewer.evaluate("window.__exrTest.viewer.inspect(100, 100)")
        assert info["metric"] == "ssim" and len(info["metricValue"]) == 3
        assert viewer.evaluate("window.__exrTest.viewer.statistics().source") == "ssim"
    after = viewer.evaluate(stats)
    assert (after["metricPasses"], after["uploads"]) == (1, 6)
    viewer.evaluate("s => window.__exrTest.reference(s)", spec([plane(c, g[c] * 0.25) for c in "RGB"]))
    viewer.evaluate("window.__exrTest.viewer.readPixel(1, 1)")
    assert viewer.evaluate(stats)["metricPasses"] == 2  # a new pair, a new map


def test_readouts_made_right_after_a_state_change_measure_the_new_state(viewer: Page) -> None:
    g = gradient()
    show(viewer, spec([plane(c, g[c]) for c in "RGB"] + [plane("depth.Z", g["R"] * 4.0, "float")]))
    got = viewer.evaluate(
        """() => {
          const v = window.__exrTest.viewer;
          const measured = () => v.statistics()?.channels.map((c) => [c.channel, c.max]);
          const inState = [];
          const off = v.on('state', () => inState.push(measured()));
          v.setState({ layer: 'depth.Z' });  // no frame drawn yet: its plane is not on the GPU
          off();
          return { inState, after: measured(), readings: v.inspect(255, 255).readings.length };
        }"""
    )
    assert got == {"inState": [[["depth.Z", 4.0]]], "after": [["depth.Z", 4.0]], "readings": 1}


def test_exposure_changes_never_reupload(viewer: Page) -> None:
    show(viewer, gradient_image())
    before = viewer.evaluate("window.__exrTest.viewer.stats()")
    for e in range(-4, 5):
        viewer.evaluate(
            "e => window.__exrTest.viewer.setState({exposure: e, tonemap: e % 2 ? 'falsecolour' : 'srgb'})", e
        )
        viewer.evaluate("window.__exrTest.viewer.readPixel(1, 1)")
    after = viewer.evaluate("window.__exrTest.viewer.stats()")
    assert after["uploads"] == before["uploads"] == 3
    assert after["textureBytes"] == 3 * W * H * 2  # R16F: 2 bytes per half texel


def test_zoom_about_cursor_fit_and_actual_size(viewer: Page) -> None:
    show(viewer, gradient_image())
    root = viewer.locator(".exr-viewer")
    box = root.bounding_box()
    assert box is not None
    viewer.mouse.move(box["x"] + 64, box["y"] + 64)  # image point (16, 16)
    viewer.mouse.wheel(0, -500)  # one wheel step: zoom x 2^(500*0.002) = x2
    expect(root).to_have_attribute("data-zoom", "8")
    expect(root).to_have_attribute("data-pan", "24,24")
    check_gradient(viewer)
    root.focus()
    viewer.keyboard.press("Control+0")
    expect(root).to_have_attribute("data-zoom", "1")
    check_gradient(viewer)
    viewer.keyboard.press("f")
    expect(root).to_have_attribute("data-zoom", "4")
    expect(root).to_have_attribute("data-pan", "32,32")


def test_drag_pans(viewer: Page) -> None:
    show(viewer, gradient_image())
    root = viewer.locator(".exr-viewer")
    box = root.bounding_box()
    assert box is not None
    viewer.mouse.move(box["x"] + 100, box["y"] + 150)
    viewer.mouse.down()
    viewer.mouse.move(box["x"] + 140, box["y"] + 130, steps=4)
    viewer.mouse.up()
    expect(root).to_have_attribute("data-pan", "22,37")
    check_gradient(viewer)


def test_inspect_reports_exact_decoded_values(viewer: Page) -> None:
    g = gradient()
    show(viewer, gradient_image())
    viewer.evaluate("window.__exrTest.viewer.actualSize()")
    p = viewer.evaluate("window.__exrTest.viewer.canvasPointOf(13, 40)")
    info = viewer.evaluate("([x, y]) => window.__exrTest.viewer.inspect(x, y)", [p["x"], p["y"]])
    assert (info["x"], info["y"], info["inside"]) == (13, 40, True)
    for reading in info["readings"]:
        value = half(float(g[reading["channel"]][40, 13]))
        assert reading["value"] == value
        assert float(np.float16(float(reading["text"]))) == value
    assert_close(info["displayed"], expected_gradient(13, 40))


def test_data_window_inside_display_window(viewer: Page) -> None:
    values = np.full((16, 32), 1.0, np.float32)
    image = {
        "width": 32,
        "height": 16,
        "dataWindow": {"xMin": 10, "yMin": 20, "xMax": 41, "yMax": 35},
        "displayWindow": {"xMin": 0, "yMin": 0, "xMax": 63, "yMax": 63},
        "channels": [plane("Y", values)],
    }
    show(viewer, image)
    inside, outside = read_image_pixels(viewer, [(10, 20), (5, 5)])
    assert_close(inside, (255, 255, 255))
    assert_close(outside, (0x33, 0x33, 0x33))


def exr_bytes(tmp_path, channels: dict[str, np.ndarray], compression: str = "ZIP") -> str:
    """An EXR written by the OpenEXR package, base64-encoded for the page."""
    import base64

    import OpenEXR

    path = tmp_path / "image.exr"
    header = {"compression": getattr(OpenEXR, f"{compression}_COMPRESSION"), "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, channels).write(str(path))
    return base64.b64encode(path.read_bytes()).decode()


def test_load_bytes_decodes_with_wasm_and_renders(viewer: Page, tmp_path) -> None:
    g = gradient()
    channels = {c: g[c].astype(np.float16) for c in "RGB"}
    channels["depth.Z"] = (g["R"] * 3).astype(np.float32)
    error = viewer.evaluate("t => window.__exrTest.loadBase64(t)", exr_bytes(tmp_path, channels))
    assert error is None
    expect(viewer.locator(".exr-viewer")).to_have_attribute("data-ready", "1")
    assert viewer.evaluate("window.__exrTest.viewer.layers()") == ["RGB", "depth.Z"]
    check_gradient(viewer)


def test_corrupt_bytes_report_an_error(viewer: Page) -> None:
    import base64

    garbage = base64.b64encode(b"not an exr at all").decode()
    error = viewer.evaluate("t => window.__exrTest.loadBase64(t)", garbage)
    assert error
    expect(viewer.locator(".exr-viewer-message")).to_be_visible()


def test_recent_images_keep_their_textures(viewer: Page) -> None:
    g = gradient()
    first = spec([plane(c, g[c]) for c in "RGB"])
    second = spec([plane(c, g[c] * 0.5) for c in "RGB"])
    viewer.evaluate(
        """([a, b]) => {
             window.__first = window.__exrTest.show(a) && window.__exrTest.viewer.image;
             window.__exrTest.show(b);
           }""",
        [first, second],
    )
    before = viewer.evaluate("window.__exrTest.viewer.stats()")
    assert before["uploads"] == 6
    viewer.evaluate("window.__exrTest.viewer.setImage(window.__first)")  # back to the first image
    after = viewer.evaluate("window.__exrTest.viewer.stats()")
    assert after["uploads"] == 6 and after["textureBytes"] == 6 * W * H * 2
    check_gradient(viewer)


OVERLAY_INK_JS = """
() => {
  const overlay = document.querySelector('.exr-viewer-overlay');
  const data = overlay.getContext('2d').getImageData(0, 0, overlay.width, overlay.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
  return ink;
}
"""


def test_pixel_values_are_drawn_in_pixels_at_high_zoom(viewer: Page) -> None:
    show(viewer, gradient_image())
    assert viewer.evaluate(OVERLAY_INK_JS) == 0  # zoom 4: no text
    viewer.evaluate("window.__exrTest.viewer.setState({zoom: 128, panX: 13, panY: 40})")
    expect(viewer.locator(".exr-viewer")).to_have_attribute("data-zoom", "128")
    viewer.evaluate("window.__exrTest.viewer.readPixel(0, 0)")
    assert viewer.evaluate(OVERLAY_INK_JS) > 200  # digits of R, G and B in the visible pixels


def labels(page: Page) -> dict[tuple[int, int], list[str]]:
    """What the overlay wrote in each visible pixel at the current zoom."""
    page.evaluate("window.__exrTest.viewer.readPixel(0, 0)")  # after the frame is drawn
    drawn = page.evaluate("window.__exrTest.viewer.pixelLabels()")
    return {(d["x"], d["y"]): d["texts"] for d in drawn}


def test_pixel_values_are_what_the_readout_says_and_error_values_under_a_metric(viewer: Page) -> None:
    # Values that differ along y and x, so that a flipped or shifted read-back shows.
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    a = 0.5 + y / 8.0 + x / 64.0
    b = np.full((H, W), 0.25, np.float32)
    show(viewer, spec([plane("Y", a, "float")]))
    viewer.evaluate("window.__exrTest.viewer.setState({zoom: 64, panX: 13, panY: 40})")
    shown = labels(viewer)
    assert len(shown) >= 9
    for (px, py), texts in shown.items():
        p = viewer.evaluate("([x, y]) => window.__exrTest.viewer.canvasPointOf(x, y)", [px, py])
        readout = viewer.evaluate("([x, y]) => window.__exrTest.viewer.inspect(x, y)", [p["x"], p["y"]])
        assert texts == [r["text"] for r in readout["readings"]], (px, py)
    viewer.evaluate("s => window.__exrTest.reference(s)", spec([plane("Y", b, "float")]))
    for metric, error in {"l1": np.abs(a - b), "l2": (a - b) ** 2}.items():
        viewer.evaluate("m => window.__exrTest.viewer.setState({metric: m})", metric)
        shown = labels(viewer)
        assert {(13, 39), (13, 41), (12, 40), (14, 40)} <= set(shown)
        for (px, py), texts in shown.items():
            assert len(texts) == 1
            assert math.isclose(float(texts[0]), float(error[py, px]), rel_tol=1e-3), (metric, px, py, texts)
    # A wipe: the left side labels A's values, the right side the error map's.
    viewer.evaluate("window.__exrTest.viewer.setState({metric: 'l1', wipe: 0.5})")
    shown = labels(viewer)
    canvas_x = "([x, y]) => window.__exrTest.viewer.canvasPointOf(x, y).x"
    left = [k for k in shown if viewer.evaluate(canvas_x, list(k)) < 128]  # the canvas is 256 px wide
    right = [k for k in shown if k not in left]
    assert left and right
    for px, py in left:
        assert math.isclose(float(shown[(px, py)][0]), float(a[py, px]), rel_tol=1e-3)
    for px, py in right:
        assert math.isclose(float(shown[(px, py)][0]), float(abs(a[py, px] - 0.25)), rel_tol=1e-3)


def test_window_outlines_on_demand(viewer: Page) -> None:
    image = {
        "width": 32,
        "height": 16,
        "dataWindow": {"xMin": 10, "yMin": 20, "xMax": 41, "yMax": 35},
        "displayWindow": {"xMin": 0, "yMin": 0, "xMax": 63, "yMax": 63},
        "channels": [plane("Y", np.full((16, 32), 0.5, np.float32))],
    }
    show(viewer, image)
    assert viewer.evaluate(OVERLAY_INK_JS) == 0
    viewer.locator(".exr-viewer").focus()
    viewer.keyboard.press("b")
    expect(viewer.locator(".exr-viewer")).to_have_attribute("data-windows", "1")
    viewer.evaluate("window.__exrTest.viewer.readPixel(0, 0)")
    assert viewer.evaluate(OVERLAY_INK_JS) > 4 * 100  # two rectangles' outlines


def test_new_viewer_prewarms_the_first_images_shader_without_a_trace(viewer: Page) -> None:
    """Renderer.prewarm draws the default view of a half RGB image (zoomed out and in) when a viewer
    is made: the first such image then links no program, and nothing of the stand-in is left."""
    before = viewer.evaluate(
        """() => {
            const host = document.createElement('div');
            host.style.cssText = 'width: 200px; height: 100px';
            document.body.append(host);
            const v = new window.__exrTest.viewer.constructor(host);
            window.__second = v;
            const r = v.renderer;
            return { programs: r.programs.size, stats: v.stats(), textures: r.textureCount,
                     pixel: r.readPixel(0, 0) };
        }"""
    )
    assert before["stats"]["uploads"] == 0 and before["stats"]["textureBytes"] == 0
    assert before["textures"] == 0
    assert before["pixel"][:3] == [0, 0, 0]
    for label, size in (("zoomed out", 400), ("zoomed in", 20)):
        y, x = np.mgrid[0:size, 0:size].astype(np.float32)
        rgb = [x / size, y / size, np.full((size, size), 0.5, np.float32)]
        channels = [plane(c, v) for c, v in zip("RGB", rgb, strict=True)]
        image = {"width": size, "height": size, "channels": channels}
        after = viewer.evaluate(
            """spec => {
                const v = window.__second;
                const img = window.__exrTest.makeImage(spec);
                v.setImage(img);
                return { programs: v.renderer.programs.size, zoom: v.state.zoom };
            }""",
            image,
        )
        assert after["programs"] == before["programs"], f"{label} (zoom {after['zoom']}) linked a new program"
