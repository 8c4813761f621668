"""Shared fixtures: real TensorBoard servers (see tb_server.py) and reading logged EXRs back."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterator

import pytest
from tb_server import TensorBoardServer
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from tensorboard_exr import metadata

LOADERS = [pytest.param(False, id="python-loader"), pytest.param(True, id="rust-loader")]
"""Parameters for fixtures that should run once per TensorBoard loader (`load_fast`)."""


def logged_exrs(run_dir: str | os.PathLike[str]) -> dict[tuple[str, int], list[bytes | None]]:
    """Every EXR summary in a run's event files, read with TensorBoard's own loader.

    Returns {(tag, step): [step info, EXR bytes]}. For file storage the bytes are read from the
    stored file the step info names (None if it is missing).
    """
    found: dict[tuple[str, int], list[bytes | None]] = {}
    for path in sorted(glob.glob(os.path.join(os.fspath(run_dir), "events.out.tfevents.*"))):
        for event in EventFileLoader(path).Load():
            for value in event.summary.value:
                if value.metadata.plugin_data.plugin_name != "exr" and not value.tensor.string_val:
                    continue
                values: list[bytes | None] = list(value.tensor.string_val)
                if len(values) == 1:
                    info = metadata.parse_step_info(values[0])
                    stored = os.path.join(os.fspath(run_dir), *info.path.split("/"))
                    values.append(open(stored, "rb").read() if os.path.exists(stored) else None)
                found[(value.tag, event.step)] = values
    return found


@pytest.fixture(scope="session")
def start_tensorboard() -> Iterator:
    """Factory: `start_tensorboard(logdir, load_fast=...)` → a running `TensorBoardServer`.

    Every server it started is stopped at the end of the session; stop one earlier with `.stop()`.
    """
    servers: list[TensorBoardServer] = []

    def start(logdir: str | os.PathLike[str], *, load_fast: bool, **options) -> TensorBoardServer:
        server = TensorBoardServer(logdir, load_fast=load_fast, **options)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
