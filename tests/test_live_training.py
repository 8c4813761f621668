"""Live training: a writer process appends steps while a real `tensorboard` reloads every second.

Two tags are logged with the writer's default storage: a small image (inline in the event) and a
1 MiB one (a file under `plugins/exr/`, written before its event). While the writer runs, the
test lists `steps` and fetches every listed step's EXR, again and again. Every EXR served must
hash to what was logged for that tag and step (never a partial or foreign file), no listed step
may fail, and in the end every step is listed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import urllib.parse

import pytest
from conftest import LOADERS, logged_exrs

from tensorboard_exr import metadata

STEPS = 30

_TRAIN = r"""
import sys, time
import numpy as np
from tensorboard_exr import summary as exr_summary

run, steps = sys.argv[1], int(sys.argv[2])
with exr_summary.Writer(run) as writer, writer.as_default():
    for step in range(steps):
        rng = np.random.default_rng(step)
        exr_summary.image("live/small", rng.random((16, 16, 3), np.float32), step)
        exr_summary.image("live/large", rng.random((256, 256, 4), np.float32), step,
                          pixel_type="float", compression="none")
        writer.flush()
        time.sleep(0.15)
"""


@pytest.mark.parametrize("load_fast", LOADERS)
def test_steps_appear_while_training_and_nothing_partial_is_served(tmp_path, start_tensorboard, load_fast):
    run = tmp_path / "logs" / "live"
    run.mkdir(parents=True)
    tb = start_tensorboard(tmp_path / "logs", load_fast=load_fast)
    trainer = subprocess.Popen(
        [sys.executable, "-c", _TRAIN, str(run), str(STEPS)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ},
    )
    served: list[tuple[str, int, str, str]] = []  # (tag, step, listed sha256, served sha256)
    failures: list[tuple[str, int, int, bytes]] = []
    listed: dict[str, set[int]] = {}
    served_while_writing = 0
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            writer_done = trainer.poll() is not None
            for tag in ("live/small", "live/large"):
                response = tb.get(
                    "/data/plugin/exr/steps?" + urllib.parse.urlencode({"run": "live", "tag": tag})
                )
                if response.status != 200:  # the tag is not loaded yet
                    continue
                for entry in response.json():
                    if entry["step"] in listed.get(tag, set()) and not writer_done:
                        continue
                    listed.setdefault(tag, set()).add(entry["step"])
                    exr = tb.get("/data/plugin/exr/" + entry["url"])
                    if exr.status != 200:
                        failures.append((tag, entry["step"], exr.status, exr.body[:200]))
                        continue
                    served.append((tag, entry["step"], entry["sha256"], hashlib.sha256(exr.body).hexdigest()))
                    served_while_writing += not writer_done
            if writer_done and all(len(listed.get(t, ())) == STEPS for t in ("live/small", "live/large")):
                break
    finally:
        output = trainer.communicate(timeout=60)[0]
    assert trainer.returncode == 0, output.decode(errors="replace")
    logged = {
        (tag, step): hashlib.sha256(values[1]).hexdigest() for (tag, step), values in logged_exrs(run).items()
    }
    assert not failures
    assert {tag: len(steps) for tag, steps in listed.items()} == {"live/small": STEPS, "live/large": STEPS}
    # Steps were listed and fetched while the writer was still writing, not only at the end.
    assert served_while_writing >= STEPS // 2
    for tag, step, listed_sha, served_sha in served:
        assert served_sha == listed_sha == logged[(tag, step)], (tag, step)
    storages = {
        tag: {metadata.parse_step_info(v[0]).storage for (t, _), v in logged_exrs(run).items() if t == tag}
        for tag in ("live/small", "live/large")
    }
    assert storages == {"live/small": {metadata.STORAGE_INLINE}, "live/large": {metadata.STORAGE_FILE}}
