"""Production headers in the EXR panel and on the review page, with a real `tensorboard` / review
server, the wasm decoder and WebGL2 in Chromium:

* non-square pixels (`pixelAspectRatio` 2) are drawn twice as wide: rendered pixel values at
  positions computed here from the view state, the pixel grid, the readout;
* the info view (I, or the Info button) lists every part, channel (type, sampling) and attribute
  (type and value: +Inf, NaN, multiView, opaque types by size), as text;
* a multi-view file opens on its default view, the other view offered in its own layer group;
* a tag without any step says so (`data-state="empty"`) instead of loading forever.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from playwright.sync_api import Page, Route, expect
from review_server import ReviewServer

from tensorboard_exr import summary as exr_summary
from tests.tb_server import TensorBoardServer

from .conftest import STATIC
from .overview_page import wait_drawn
from .panel_page import open_panel, select_tag
from .pixel_model import assert_close, displayed, half, srgb_encode, to8

W, H = 8, 6
ASPECT = 2.0
RIGHT_EYE = (0.25, 0.5, 0.75)
LEFT_EYE = (0.8, 0.1, 0.05)
HOSTILE_NAME = "<b class=xss-injected>n</b>"
HOSTILE_VALUE = "<img src=x class=xss-injected onerror=window.__xss=1>\nline 2"


def exr_bytes(parts: list[OpenEXR.Part] | tuple[dict, dict]) -> bytes:
    buffer = io.BytesIO()
    exr = OpenEXR.File(parts) if isinstance(parts, list) else OpenEXR.File(*parts)
    exr.write(buffer)
    return buffer.getvalue()


def aspect_pixels() -> np.ndarray:
    """A different colour in every pixel: R along x, G along y."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    return np.stack([x / (W - 1), y / (H - 1), np.full((H, W), 0.25, np.float32)], axis=-1)


def aspect_exr() -> bytes:
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "pixelAspectRatio": ASPECT}
    return exr_bytes((header, {"RGB": aspect_pixels().astype(np.float16)}))


def timecode() -> OpenEXR.TimeCode:
    tc = OpenEXR.TimeCode()
    tc.hours, tc.minutes, tc.seconds, tc.frame, tc.dropFrame, tc.userData = 1, 2, 3, 4, True, 0x2A
    return tc


def info_exr(subsampled: bool = True) -> bytes:
    """Two parts; the first with attributes of many types (and a 2x2 subsampled channel)."""
    sub = np.zeros((H, W), np.float16)  # the binding reads the first (H/2)x(W/2) samples
    beauty = {
        "compression": OpenEXR.ZIP_COMPRESSION,
        "focus": float("inf"),
        "nanValue": float("nan"),
        "multiView": ["right", "left"],
        "idManifest": OpenEXR.IDManifest(),
        "custom": OpenEXR.OpaqueAttribute(b"\x01\x02\x03\x04\x05", "myCustomType"),
        "timeCode": timecode(),
        "worldToNDC": np.eye(4, dtype=np.float32),
        HOSTILE_NAME: HOSTILE_VALUE,
    }
    channels = {"RGB": np.full((H, W, 3), 0.5, np.float16)}
    if subsampled:
        channels["sub"] = OpenEXR.Channel(sub, 2, 2)
    aux = {"compression": OpenEXR.PIZ_COMPRESSION}
    return exr_bytes(
        [
            OpenEXR.Part(beauty, channels, "beauty"),
            OpenEXR.Part(aux, {"Z": np.ones((H, W), np.float32)}, "aux"),
        ]
    )


def stereo_exr() -> bytes:
    """Both eyes prefixed; the default view ("right") is listed first but sorts after "left"."""
    eyes = (("right", RIGHT_EYE), ("left", LEFT_EYE))
    channels = {}
    for name, rgb in eyes:
        for c, v in zip("RGB", rgb, strict=True):
            channels[f"{name}.{c}"] = np.full((H, W), v, np.float16)
    return exr_bytes(({"compression": OpenEXR.ZIP_COMPRESSION, "multiView": ["right", "left"]}, channels))


FILES = {"aspect": aspect_exr, "info": info_exr, "stereo": stereo_exr}
# The writer does not log subsampled files yet (issue 15, item 1): the panel's copy has none.
LOGGED = {**FILES, "info": lambda: info_exr(subsampled=False)}


@pytest.fixture(scope="module")
def tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    root: Path = tmp_path_factory.mktemp("fidelity")
    with exr_summary.Writer(root / "run", background=False) as writer:
        for name, make in LOGGED.items():
            exr_summary.image(f"fidelity/{name}", make(), 0, writer=writer)
        exr_summary.image("fidelity/nosteps", aspect_exr(), 0, writer=writer)
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json("/data/plugin/exr/tags", lambda tags: len(tags.get("run", {})) == len(FILES) + 1)
        yield server


@pytest.fixture
def panel(page: Page, tensorboard: TensorBoardServer) -> Page:
    return open_panel(page, tensorboard)


# ---- pixel aspect ratio -------------------------------------------------------------------


def geometry(page: Page, root: str = "__exrPanel") -> dict:
    return page.evaluate(
        f"""() => {{
            const v = window.{root}.viewer;
            return {{...v.state, width: v.canvas.width, height: v.canvas.height}};
        }}"""
    )


def canvas_point(g: dict, x: float, y: float) -> tuple[int, int]:
    """The canvas pixel whose centre shows image point (x, y), pixels ASPECT times as wide as high."""
    cx = (x - g["panX"]) * g["zoom"] * ASPECT + g["width"] / 2
    cy = (y - g["panY"]) * g["zoom"] + g["height"] / 2
    return int(np.floor(cx)), int(np.floor(cy))


def read(page: Page, points: list[tuple[int, int]], root: str = "__exrPanel") -> list[list[int]]:
    return page.evaluate(f"pts => pts.map(([x, y]) => window.{root}.viewer.readPixel(x, y))", points)


def colour_of(ix: int, iy: int) -> tuple[float, ...]:
    return tuple(half(float(v)) for v in aspect_pixels()[iy, ix])


def test_non_square_pixels_are_drawn_twice_as_wide(panel: Page) -> None:
    select_tag(panel, "run", "fidelity/aspect", step=0)
    g = geometry(panel)
    # Fitted with the aspect: the image, twice as wide as its pixel count, fits the canvas.
    assert W * ASPECT * g["zoom"] <= g["width"] and H * g["zoom"] <= g["height"], g
    # Each pixel's colour fills it from 10 % to 90 % of its (double) width: with square pixels
    # the right part of each would show the next pixel.
    probes = [(ix, iy, fx) for ix, iy in [(0, 0), (3, 2), (7, 5), (5, 1)] for fx in (0.1, 0.5, 0.9)]
    points = [canvas_point(g, ix + fx, iy + 0.5) for ix, iy, fx in probes]
    for (ix, iy, fx), got in zip(probes, read(panel, points), strict=True):
        assert_close(got, displayed(colour_of(ix, iy)), where=f"pixel {ix},{iy} at {fx:.0%} of its width")
    # Left and right of the image is background: it is W * ASPECT * zoom device pixels wide.
    left = canvas_point(g, -0.05, 2.5)
    right = canvas_point(g, W + 0.05, 2.5)
    background = read(panel, [left, right])
    assert all(pixel[:3] != list(displayed(colour_of(0, 2)))[:3] for pixel in background), background
    # The readout names the pixel under the pointer the same way.
    for ix, iy, fx in probes:
        x, y = canvas_point(g, ix + fx, iy + 0.5)
        info = panel.evaluate("([x, y]) => window.__exrPanel.viewer.inspect(x, y)", [x, y])
        assert (info["x"], info["y"]) == (ix, iy), (ix, iy, fx, info)


def test_overview_cards_draw_non_square_pixels_too(panel: Page) -> None:
    # The run holds several tags: the dashboard opens on the overview grid.
    expect(panel.locator(".exr-panel")).to_have_attribute("data-view", "grid")
    wait_drawn(panel)
    # The image's extent on the card's canvas, found by its constant blue (the background is grey).
    blue = displayed((0.0, 0.0, 0.25))[2]
    width, height = panel.evaluate(
        """([tag, blue]) => {
            const o = window.__exrPanel.overview;
            o.flush();
            const card = o.cardList.find((c) => c.spec.tag === tag);
            const {width, height} = card.canvas;
            const data = card.context.getImageData(0, 0, width, height).data;
            let x0 = width, x1 = -1, y0 = height, y1 = -1;
            for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
                const i = (y * width + x) * 4;
                if (Math.abs(data[i + 2] - blue) > 3) continue;
                x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
            }
            return [x1 - x0 + 1, y1 - y0 + 1];
        }""",
        ["fidelity/aspect", blue],
    )
    assert width / height == pytest.approx(W * ASPECT / H, rel=0.08), (width, height)


def test_the_pixel_grid_follows_the_pixel_aspect_ratio(panel: Page) -> None:
    select_tag(panel, "run", "fidelity/aspect", step=0)
    panel.evaluate("window.__exrPanel.viewer.setState({zoom: 16, panX: 4, panY: 3})")
    g = geometry(panel)
    left, top = canvas_point(g, 3, 2)  # the top-left device pixel of image pixel (3, 2)
    plain = displayed(colour_of(3, 2))
    on_grid = tuple(to8(srgb_encode(v) * 0.7 + 0.15) for v in colour_of(3, 2))
    # Pixel (3, 2) is 32 device px wide and 16 high: grid lines at its left and top edges only.
    cases = {
        "left edge": ((left, top + 8), on_grid),
        "top edge": ((left + 8, top), on_grid),
        "16 px in (a square pixel's edge)": ((left + 16, top + 8), plain),
        "inside": ((left + 24, top + 8), plain),
    }
    got = read(panel, [point for point, _ in cases.values()])
    for (name, (_, want)), pixel in zip(cases.items(), got, strict=True):
        assert_close(pixel, want, where=name)


# ---- the info view -------------------------------------------------------------------------


def info_rows(page: Page, part: int, table: str) -> dict[str, list[str]]:
    """{first cell: other cells} of a table of part `part` of the info view."""
    return dict(
        page.evaluate(
            """([part, table]) => Array.from(document.querySelectorAll(
                 `.exr-info-part[data-part="${part}"] .${table} tbody tr`)).map((tr) =>
                 [tr.cells[0].textContent, Array.from(tr.cells).slice(1).map((c) => c.textContent)])""",
            [part, table],
        )
    )


def check_info(page: Page, subsampled: bool) -> None:
    info = page.locator(".exr-info")
    expect(info).to_be_visible()
    expect(info).to_have_attribute("data-parts", "2")
    expect(info.locator(".exr-info-part h3")).to_have_text(["Part 0 “beauty”", "Part 1 “aux”"])
    summary = info_rows(page, 0, "exr-info-summary")
    assert summary["compression"] == ["ZIP"] and summary["type"] == ["scanline"]
    assert summary["data window"] == [f"(0, 0) – ({W - 1}, {H - 1}), {W} × {H}"]
    assert summary["views"] == ["right, left (default: right)"]
    channels = info_rows(page, 0, "exr-info-channels")
    full = {c: ["half", "1", "1"] for c in "BGR"}
    assert channels == full | ({"sub": ["half", "2", "2"]} if subsampled else {})
    attributes = info_rows(page, 0, "exr-info-attributes")
    assert attributes["focus"] == ["float", "+Inf"]
    assert attributes["nanValue"] == ["float", "NaN"]
    assert attributes["multiView"] == ["stringvector", '"right", "left"']
    assert attributes["custom"] == ["myCustomType", "5 bytes (not interpreted)"]
    assert attributes["idManifest"][0] == "idmanifest"
    assert re.fullmatch(r"\d+ bytes \(not interpreted\)", attributes["idManifest"][1])
    assert attributes["timeCode"] == ["timecode", "01:02:03:04 (drop frame), user data 0x2a"]
    assert attributes["worldToNDC"] == ["m44f", "[1 0 0 0; 0 1 0 0; 0 0 1 0; 0 0 0 1]"]
    assert attributes["channels"] == ["chlist", "the channels above"]
    # Hostile text is shown as text, not markup.
    assert attributes[HOSTILE_NAME] == ["string", HOSTILE_VALUE]
    assert page.locator(".xss-injected").count() == 0 and page.evaluate("window.__xss") is None
    assert info_rows(page, 1, "exr-info-channels") == {"Z": ["float", "1", "1"]}
    assert info_rows(page, 1, "exr-info-summary")["compression"] == ["PIZ"]


def test_the_info_view_lists_every_part_channel_and_attribute(panel: Page) -> None:
    select_tag(panel, "run", "fidelity/info", step=0)
    panel.keyboard.press("i")
    check_info(panel, subsampled=False)
    # Open while another image is shown: it shows that image's header.
    select_tag(panel, "run", "fidelity/aspect", step=0)
    expect(panel.locator(".exr-info")).to_have_attribute("data-parts", "1")
    aspect = info_rows(panel, 0, "exr-info-attributes")["pixelAspectRatio"]
    assert aspect == ["float", "2"]
    panel.keyboard.press("Escape")
    expect(panel.locator(".exr-info")).to_be_hidden()
    panel.locator(".exr-info-button").click()
    expect(panel.locator(".exr-info")).to_be_visible()
    panel.keyboard.press("i")
    expect(panel.locator(".exr-info")).to_be_hidden()


# ---- multi-view ----------------------------------------------------------------------------


def test_a_multi_view_file_opens_on_its_default_view(panel: Page) -> None:
    select_tag(panel, "run", "fidelity/stereo", step=0)
    viewer = panel.locator(".exr-viewer")
    expect(viewer).to_have_attribute("data-layer", "right.RGB")
    # The middle of pixel (1, 1) (square pixels here; both eyes are constant).
    centre = [tuple(panel.evaluate("window.__exrPanel.viewer.canvasPointOf(1, 1)").values())]
    got = read(panel, centre)[0]
    assert_close(got, displayed(tuple(half(v) for v in RIGHT_EYE)), where="default view")
    groups = panel.evaluate(
        "Array.from(document.querySelectorAll('.exr-layer optgroup')).map(g => [g.label, g.children.length])"
    )
    assert groups == [["view right (default)", 1], ["view left", 1]]
    panel.select_option(".exr-layer", "left.RGB")
    got = read(panel, centre)[0]
    assert_close(got, displayed(tuple(half(v) for v in LEFT_EYE)), where="other view")


# ---- a tag without steps -------------------------------------------------------------------


def test_a_tag_without_steps_says_so(panel: Page) -> None:
    # TensorBoard lists the tag, its step listing is empty (what the plugin's /steps route answers
    # for a tag whose kept steps are gone): the answer is replaced on the wire, nothing else is.
    def no_steps(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body="[]")

    panel.route(re.compile(r".*/steps\?run=run&tag=fidelity%2Fnosteps$"), no_steps)
    panel.locator('.exr-tag[data-run="run"][data-tag="fidelity/nosteps"]').click()
    root = panel.locator(".exr-panel")
    expect(root).to_have_attribute("data-state", "empty")
    expect(panel.locator(".exr-viewer-message")).to_have_text("run / fidelity/nosteps: no steps logged")
    assert root.get_attribute("data-error") is None
    select_tag(panel, "run", "fidelity/aspect", step=0)


# ---- the review page -----------------------------------------------------------------------


@pytest.mark.skipif(not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built")
def test_the_review_page_has_the_info_view_and_non_square_pixels(page: Page, tmp_path: Path) -> None:
    for name, make in FILES.items():
        (tmp_path / f"{name}.exr").write_bytes(make())
    with ReviewServer(tmp_path, ["--quiet"]) as server:
        page.goto(server.url + "#image=info.exr")
        review = page.locator(".exr-review")
        expect(review).to_have_attribute("data-state", "ready")
        page.locator(".exr-info-button").click()
        check_info(page, subsampled=True)
        page.keyboard.press("Escape")
        page.goto(server.url + "#image=aspect.exr")
        expect(review).to_have_attribute("data-image", "aspect.exr")
        expect(review).to_have_attribute("data-state", "ready")
        page.evaluate("window.__exrReview.viewer.fit()")
        g = geometry(page, "__exrReview")
        points = [canvas_point(g, 5.9, 1.5), canvas_point(g, 5.1, 1.5)]
        for got in read(page, points, "__exrReview"):
            assert_close(got, displayed(colour_of(5, 1)), where="review page pixel 5,1")
