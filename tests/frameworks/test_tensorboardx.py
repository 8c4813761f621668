"""tensorboardX's `SummaryWriter` as `writer=` (docs/examples/tensorboardx_writer.py)."""

from __future__ import annotations

import hashlib
import urllib.parse

import numpy as np
import pytest
from conftest import logged_exrs
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.frameworks.examples import as_half, load_example, rgb

pytest.importorskip("tensorboardX")


def test_example_logs_through_tensorboardx_beside_its_scalars(tmp_path, start_tensorboard):
    load_example("tensorboardx_writer").main(str(tmp_path))
    logged = logged_exrs(tmp_path)
    roles = ("input", "output", "reference")
    assert set(logged) == {("render/radiance", s) for s in range(3)} | {
        (f"val/view0/{role}", s) for role in roles for s in range(3)
    } | {("render/large", 2)}
    y, x = np.mgrid[0:64, 0:64].astype(np.float32) / 63
    for step in range(3):
        radiance = np.stack([x * 4 * (step + 1), y, np.full_like(x, 0.25)], axis=-1)
        np.testing.assert_array_equal(rgb(logged[("render/radiance", step)][1]), as_half(radiance))
        np.testing.assert_array_equal(rgb(logged[("val/view0/reference", step)][1]), as_half(radiance))
    stored = list((tmp_path / "plugins" / "exr").iterdir())  # the 4 MiB image, content-addressed
    assert [p.name for p in stored] == [hashlib.sha256(logged[("render/large", 2)][1]).hexdigest() + ".exr"]
    scalars = EventAccumulator(str(tmp_path)).Reload().Scalars("loss")
    assert [s.step for s in scalars] == [0, 1, 2]

    tb = start_tensorboard(tmp_path, load_fast=True)
    for tag in ("render/radiance", "render/large"):
        steps = tb.wait_for_json(
            "/data/plugin/exr/steps?" + urllib.parse.urlencode({"run": ".", "tag": tag}), lambda e: len(e) > 0
        )
        for entry in steps:
            body = tb.get("/data/plugin/exr/" + entry["url"]).body
            assert hashlib.sha256(body).digest() == hashlib.sha256(logged[(tag, entry["step"])][1]).digest()
    tb.stop()
