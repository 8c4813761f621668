"""File storage at scale: the writer's storage rule and write order, and what the plugin refuses.

A step's event names its stored file, so an event file is input the plugin must not trust: a
reference anywhere but `plugins/exr/<its own sha256>.exr` inside the run, or a file whose bytes
do not hash to that name, is answered with a 404 naming run, tag and step, and nothing else is
read or served.
"""

from __future__ import annotations

import hashlib
import os
import time
import urllib.parse

import numpy as np
import pytest
from conftest import LOADERS, logged_exrs

from tensorboard_exr import encode, event_writer, loader, metadata
from tensorboard_exr import summary as exr_summary


def test_auto_storage_is_decided_per_image_by_its_size(tmp_path):
    with exr_summary.Writer(tmp_path, background=False) as writer:
        exr_summary.image("t", np.zeros((8, 8, 3), np.float32), 0, writer=writer)
        noise = np.random.default_rng(0).random((256, 256, 4), np.float32)
        exr_summary.image("t", noise, 1, writer=writer, pixel_type="float", compression="none")
    logged = logged_exrs(tmp_path)
    small = metadata.parse_step_info(logged[("t", 0)][0])
    large = metadata.parse_step_info(logged[("t", 1)][0])
    assert small.size <= exr_summary.INLINE_LIMIT_BYTES < large.size
    assert (small.storage, large.storage) == (metadata.STORAGE_INLINE, metadata.STORAGE_FILE)
    assert (tmp_path / large.path).read_bytes() == logged[("t", 1)][1]
    assert hashlib.sha256(logged[("t", 1)][1]).digest() == large.sha256


def test_auto_is_the_default_and_every_step_is_kept_by_default():
    import inspect

    assert inspect.signature(exr_summary.Writer).parameters["storage"].default == "auto"
    assert loader.DEFAULT_SAMPLES_PER_TAG == 0  # TensorBoard's "keep every step"


def test_stored_file_is_complete_before_its_event_is_written(tmp_path, monkeypatch):
    order: list[str] = []
    write_file = event_writer.write_file_atomically
    write_record = event_writer.EventFileWriter.write_record

    def recording_write_file(path, data):
        order.append(f"file {os.path.getsize(path) if os.path.exists(path) else 'absent'}")
        result = write_file(path, data)
        order.append(f"file {os.path.getsize(path)}")
        return result

    def recording_write_record(self, parts):
        order.append("event")
        return write_record(self, parts)

    monkeypatch.setattr(event_writer, "write_file_atomically", recording_write_file)
    monkeypatch.setattr(event_writer.EventFileWriter, "write_record", recording_write_record)
    with exr_summary.Writer(tmp_path, background=False, storage="file") as writer:
        exr_summary.image("t", np.ones((4, 4, 3), np.float32), 0, writer=writer)
    ((_, step_info),) = [(k, v[0]) for k, v in logged_exrs(tmp_path).items()]
    size = metadata.parse_step_info(step_info).size
    # file_version event; the whole EXR in place; only then the event that refers to it.
    assert order == ["event", "file absent", f"file {size}", "event"]
    assert not list((tmp_path / "plugins" / "exr").glob("*.tmp"))


def _exr(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).random((6, 5, 3)).astype(np.float16)
    plan = encode.plan_image(
        "x", pixels, channels=None, pixel_type="half", compression="zip", dwa_level=None, layout="HWC"
    )
    return encode.encode_plan(plan)


def _info(exr: bytes, path: str) -> metadata.ExrStepInfo:
    return metadata.ExrStepInfo(
        version=metadata.PLUGIN_DATA_VERSION,
        storage=metadata.STORAGE_FILE,
        size=len(exr),
        sha256=hashlib.sha256(exr).digest(),
        image=encode.inspect_exr("x", exr),
        path=path,
    )


@pytest.fixture(scope="module")
def crafted_logdir(tmp_path_factory):
    """A run whose events point at files inside and outside it, some of them damaged.

    The file every bad reference aims at exists, with the size and SHA-256 the event claims: only
    the plugin's refusal keeps it from being served.
    """
    root = tmp_path_factory.mktemp("crafted")
    run = root / "run"
    secret = _exr(1)
    (root / "secret.exr").write_bytes(secret)
    (root / "plugins" / "exr").mkdir(parents=True)
    (root / "plugins" / "exr" / f"{hashlib.sha256(secret).hexdigest()}.exr").write_bytes(secret)
    stored = run / "plugins" / "exr"
    stored.mkdir(parents=True)
    good, other, truncated, corrupt = _exr(2), _exr(3), _exr(4), _exr(5)
    for exr in (good, other):
        (stored / f"{hashlib.sha256(exr).hexdigest()}.exr").write_bytes(exr)
    (stored / f"{hashlib.sha256(truncated).hexdigest()}.exr").write_bytes(truncated[:-7])
    damaged = bytearray(corrupt)
    damaged[len(damaged) // 2] ^= 0xFF
    (stored / f"{hashlib.sha256(corrupt).hexdigest()}.exr").write_bytes(bytes(damaged))
    # Shares a run folder name with the secret's folder: ../plugins/exr/<sha>.exr leaves the run.
    sha = hashlib.sha256(secret).hexdigest()
    infos = {
        "good": _info(good, metadata.stored_file_path(hashlib.sha256(good).digest())),
        "parent": _info(secret, "../secret.exr"),
        "parent_plugins": _info(secret, f"../plugins/exr/{sha}.exr"),
        "nested_parent": _info(secret, f"plugins/exr/../../plugins/exr/{sha}.exr"),
        "absolute": _info(secret, str(root / "secret.exr")),
        "file_url": _info(secret, f"file://{root / 'secret.exr'}"),
        "s3_url": _info(secret, f"s3://bucket/plugins/exr/{sha}.exr"),
        "backslash": _info(secret, f"plugins\\exr\\..\\..\\..\\plugins\\exr\\{sha}.exr"),
        "other_name": _info(secret, metadata.stored_file_path(hashlib.sha256(other).digest())),
        "truncated": _info(truncated, metadata.stored_file_path(hashlib.sha256(truncated).digest())),
        "corrupt": _info(corrupt, metadata.stored_file_path(hashlib.sha256(corrupt).digest())),
    }
    events = event_writer.EventFileWriter(run)
    for tag, info in infos.items():
        summary_metadata = metadata.create_summary_metadata(group="", role="", image=info.image)
        events.write_record(
            event_writer.exr_event_parts(
                step=0,
                wall_time=time.time(),
                tag=tag,
                metadata=summary_metadata,
                values=[info.SerializeToString()],
            )
        )
    events.close()
    return root, infos, good


@pytest.fixture(scope="module", params=LOADERS)
def crafted_tb(request, crafted_logdir, start_tensorboard):
    root, infos, _ = crafted_logdir
    server = start_tensorboard(root, load_fast=request.param)
    server.wait_for_json("/data/plugin/exr/tags", lambda tags: len(tags.get("run", {})) == len(infos))
    yield server
    server.stop()


def _get_exr(tb, tag):
    return tb.get("/data/plugin/exr/exr?" + urllib.parse.urlencode({"run": "run", "tag": tag, "step": 0}))


def test_a_well_formed_reference_is_served(crafted_tb, crafted_logdir):
    response = _get_exr(crafted_tb, "good")
    assert response.status == 200 and response.body == crafted_logdir[2]


@pytest.mark.parametrize(
    "tag", ["parent", "parent_plugins", "nested_parent", "absolute", "file_url", "s3_url", "backslash"]
)
def test_references_outside_the_run_folder_are_refused(crafted_tb, tag):
    response = _get_exr(crafted_tb, tag)
    assert response.status == 404
    error = response.json()["error"]
    assert error.startswith(f"run 'run', tag '{tag}', step 0: invalid stored file path")
    assert b"v/1\x01" not in response.body  # no EXR bytes, whatever the path pointed at


def test_a_reference_to_another_images_file_is_refused(crafted_tb):
    response = _get_exr(crafted_tb, "other_name")
    assert response.status == 404 and "invalid stored file path" in response.json()["error"]


def test_a_partial_stored_file_is_never_served(crafted_tb, crafted_logdir):
    response = _get_exr(crafted_tb, "truncated")
    size = crafted_logdir[1]["truncated"].size
    assert response.status == 404
    assert f"is {size - 7} bytes, expected {size}" in response.json()["error"]


def test_a_damaged_stored_file_is_never_served(crafted_tb):
    response = _get_exr(crafted_tb, "corrupt")
    assert response.status == 404 and "does not match its SHA-256" in response.json()["error"]


def test_steps_still_describe_refused_steps(crafted_tb, crafted_logdir):
    steps = crafted_tb.get_json("/data/plugin/exr/steps?run=run&tag=parent")
    assert [(e["step"], e["storage"], e["sha256"]) for e in steps] == [
        (0, "file", crafted_logdir[1]["parent"].sha256.hex())
    ]
