"""A decompression bomb logged into an event file (10 KB declaring 4.8 GB of pixels, written past
the writer's own check) is refused by the page's decoder before it allocates: the panel shows a
readable error naming run/tag/step, its memory stays small, and the next image renders exactly.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import Page, expect
from tensorboard.compat.proto import event_pb2

from tensorboard_exr import event_writer
from tensorboard_exr import summary as exr_summary
from tests.exr_bomb import bomb_exr
from tests.tb_server import TensorBoardServer
from tests.test_fuzz_plugin import GOOD_METADATA, _info, _strings, _value

from .panel_page import read_pixels
from .pixel_model import assert_close, displayed, half

COLOUR = (0.5, 0.25, 1.0)


@pytest.fixture(scope="module")
def bomb_tensorboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TensorBoardServer]:
    import hashlib

    root: Path = tmp_path_factory.mktemp("bomb")
    bomb = bomb_exr()
    events = event_writer.EventFileWriter(root / "run")
    tensor = _strings(_info(sha256=hashlib.sha256(bomb).digest(), size=len(bomb)), bomb)
    events.write_event(
        event_pb2.Event(step=0, wall_time=time.time(), summary=_value("bomb", GOOD_METADATA, tensor))
    )
    events.close()
    with exr_summary.Writer(root / "run", background=False, filename_suffix=".good") as writer:
        exr_summary.image(
            "good", np.broadcast_to(np.asarray(COLOUR, np.float32), (16, 16, 3)), 0, writer=writer
        )
    with TensorBoardServer(root, load_fast=True) as server:
        server.wait_for_json(
            "/data/plugin/exr/tags", lambda tags: {"bomb", "good"} <= set(tags.get("run", {}))
        )
        yield server


def test_bomb_is_refused_with_a_readable_error_and_the_panel_stays_usable(
    page: Page, bomb_tensorboard: TensorBoardServer
) -> None:
    page.goto(bomb_tensorboard.url + "data/plugin_entry.html?name=exr")
    page.locator('.exr-tag[data-run="run"][data-tag="bomb"]').click()
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-state", "error")
    message = page.locator(".exr-viewer-message")
    expect(message).to_contain_text("run / bomb / step 0:")
    expect(message).to_contain_text(re.compile(r"too large|invalid OpenEXR file"))
    heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : 0")
    assert heap < 256 * 1024 * 1024, f"JS heap {heap} bytes after refusing the bomb"
    page.locator('.exr-tag[data-run="run"][data-tag="good"]').click()
    expect(root).to_have_attribute("data-tag", "good")
    expect(root).to_have_attribute("data-state", "ready")
    got = read_pixels(page, [(5, 6)])[0]
    assert_close(got, displayed(tuple(half(v) for v in COLOUR)), where="good image after the bomb")
