"""Remote logdirs, end to end: the Writer writes to them and a real `tensorboard` serves them.

An S3 API endpoint (moto's standalone server, started here on 127.0.0.1) stands in for S3: the
writer runs in its own process (as a training job would) with `S3_ENDPOINT` pointing at it, and
`tensorboard --logdir s3://...` reads through TensorBoard's gfile (boto3). A GCS emulator
(gcp-storage-emulator, on 127.0.0.1) stands in for Google Cloud Storage, reached by gcsfs through
`STORAGE_EMULATOR_HOST`. The same for an fsspec `file://` URL. Each run holds a small image
(inline under `storage="auto"`) and a large one (file storage), and the served bytes must hash
to what the writer logged.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto")

STEPS = (0, 1, 2)

# Logs, in its own process, a 16x16 image (a few kB: inline) and a 256x256 float RGBA image of
# noise without compression (1 MiB: file storage) per step, with the writer's default storage.
_WRITE_RUN = r"""
import json, sys
import numpy as np
from tensorboard_exr import summary as exr_summary

url, steps = sys.argv[1], json.loads(sys.argv[2])
with exr_summary.Writer(url, background=False) as writer:
    for step in steps:
        rng = np.random.default_rng(step)
        exr_summary.image("small", rng.random((16, 16, 3), np.float32), step, writer=writer)
        exr_summary.image("large", rng.random((256, 256, 4), np.float32), step, writer=writer,
                          pixel_type="float", compression="none")
"""


def _write_run(url: str, env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-c", _WRITE_RUN, url, json.dumps(list(STEPS))],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        timeout=120,
    )


def _served_matches_logged(tb, logged_by_tag: dict[str, dict[int, str]]) -> None:
    for tag, by_step in logged_by_tag.items():
        steps = tb.wait_for_json(
            "/data/plugin/exr/steps?" + urllib.parse.urlencode({"run": "run", "tag": tag}),
            lambda entries, expected=set(by_step): {e["step"] for e in entries} == expected,
        )
        expected_storage = "inline" if tag == "small" else "file"
        assert [entry["storage"] for entry in steps] == [expected_storage] * len(by_step)
        for entry in steps:
            assert entry["sha256"] == by_step[entry["step"]]
            response = tb.get("/data/plugin/exr/" + entry["url"])
            assert response.status == 200, response.body[:300]
            assert hashlib.sha256(response.body).hexdigest() == by_step[entry["step"]]


@pytest.fixture(scope="module")
def s3_endpoint():
    """A moto S3 server on 127.0.0.1 (port chosen by the OS) and the environment to reach it."""
    moto_server = os.path.join(os.path.dirname(sys.executable), "moto_server")
    process = subprocess.Popen(
        [moto_server, "-H", "127.0.0.1", "-p", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    port: list[int] = []
    ready = threading.Event()

    def read_output() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            match = re.search(rb"Running on http://127\.0\.0\.1:(\d+)", line)
            if match and not ready.is_set():
                port.append(int(match.group(1)))
                ready.set()

    threading.Thread(target=read_output, daemon=True).start()
    try:
        assert ready.wait(30), "moto_server did not start"
        endpoint = f"http://127.0.0.1:{port[0]}"
        env = {
            "S3_ENDPOINT": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
        yield endpoint, env
    finally:
        process.terminate()
        process.wait(timeout=15)


# Serves an in-memory GCS API on 127.0.0.1 (port chosen by the OS) and prints the port.
_GCS_EMULATOR = r"""
import time
from gcp_storage_emulator.server import create_server
server = create_server("127.0.0.1", 0, in_memory=True, default_bucket="exr-logs")
server.start()
print("port", server._api._httpd.server_address[1], flush=True)
while True:
    time.sleep(3600)
"""


@pytest.fixture(scope="module")
def gcs_endpoint():
    """A GCS emulator on 127.0.0.1 with the bucket exr-logs, and the environment to reach it."""
    pytest.importorskip("gcsfs")
    pytest.importorskip("gcp_storage_emulator")
    process = subprocess.Popen(
        [sys.executable, "-c", _GCS_EMULATOR], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().decode()
        assert line.startswith("port "), f"the GCS emulator did not start: {line}"
        endpoint = f"http://127.0.0.1:{int(line.split()[1])}"
        env = {
            "STORAGE_EMULATOR_HOST": endpoint,  # gcsfs sends every request there
            "FSSPEC_GS_TOKEN": "anon",  # no credentials to look for (fsspec's config for gs://)
            "NO_GCE_CHECK": "true",  # google-auth: do not probe for a GCE metadata server
            # gcsfs's extra gRPC client (bucket layout) would wait 60 s for an emulator without gRPC
            "GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT": "false",
        }
        yield endpoint, env
    finally:
        process.terminate()
        process.wait(timeout=15)


def _logged_from_events(run_url: str, env: dict[str, str]) -> dict[str, dict[int, str]]:
    """{tag: {step: sha256}} as recorded in the run's events, read back in a fresh process."""
    script = r"""
import json, sys
from tensorboard.compat import tf
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard_exr import metadata
run = sys.argv[1]
found = {}
for path in tf.io.gfile.glob(run + "/events.out.tfevents.*"):
    for event in EventFileLoader(path).Load():
        for value in event.summary.value:
            info = metadata.parse_step_info(value.tensor.string_val[0])
            found.setdefault(value.tag, {})[event.step] = info.sha256.hex()
print(json.dumps(found))
"""
    result = subprocess.run(
        [sys.executable, "-c", script, run_url],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return {tag: {int(s): h for s, h in steps.items()} for tag, steps in json.loads(result.stdout).items()}


def test_writer_and_tensorboard_on_an_s3_logdir(s3_endpoint, start_tensorboard):
    import boto3

    endpoint, env = s3_endpoint
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    s3.create_bucket(Bucket="exr-logs")
    _write_run("s3://exr-logs/logs/run", env)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="exr-logs", Prefix="logs/run/")["Contents"]]
    stored = [k for k in keys if k.startswith("logs/run/plugins/exr/")]
    assert len(stored) == len(STEPS) and all(k.endswith(".exr") for k in stored)
    assert not [k for k in keys if k.endswith(".tmp")]
    logged = _logged_from_events("s3://exr-logs/logs/run", env)
    for key in stored:  # each stored object is the EXR whose sha256 names it
        body = s3.get_object(Bucket="exr-logs", Key=key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == key.rsplit("/", 1)[1][: -len(".exr")]
    # TensorBoard reads s3:// with its Python loader (the Rust server knows local and gs:// only).
    tb = start_tensorboard("s3://exr-logs/logs", load_fast=False, env=env)
    _served_matches_logged(tb, logged)
    tb.stop()


def test_writer_and_tensorboard_on_a_gcs_logdir(gcs_endpoint, start_tensorboard, monkeypatch):
    endpoint, env = gcs_endpoint
    _write_run("gs://exr-logs/logs/run", env)
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", endpoint)
    import gcsfs.core

    # gcsfs's plain HTTP client (gcsfs.GCSFileSystem is its gRPC-extended one unless the
    # environment said otherwise when it was imported)
    gcs = gcsfs.core.GCSFileSystem(token="anon", skip_instance_cache=True)
    objects = gcs.find("exr-logs/logs/run")
    stored = [o for o in objects if o.startswith("exr-logs/logs/run/plugins/exr/")]
    assert len(stored) == len(STEPS) and all(o.endswith(".exr") for o in stored)
    assert not [o for o in objects if o.endswith(".tmp")]
    for name in stored:  # each stored object is the EXR whose sha256 names it
        assert hashlib.sha256(gcs.cat_file(name)).hexdigest() == name.rsplit("/", 1)[1][: -len(".exr")]
    logged = _logged_from_events("gs://exr-logs/logs/run", env)
    assert logged == {tag: {step: logged[tag][step] for step in STEPS} for tag in ("small", "large")}
    # The Python loader reads gs:// through gcsfs, which honours STORAGE_EMULATOR_HOST; the Rust
    # data server (load_fast) has Google's endpoints built in and could not reach the emulator.
    tb = start_tensorboard("gs://exr-logs/logs", load_fast=False, env=env)
    _served_matches_logged(tb, logged)
    tb.stop()


def test_writer_and_tensorboard_on_an_fsspec_file_url(tmp_path, start_tensorboard):
    root = tmp_path / "logs"
    url = f"file://{root}"
    _write_run(f"{url}/run", {})
    stored = sorted((root / "run" / "plugins" / "exr").iterdir())
    assert len(stored) == len(STEPS) and not list((root / "run" / "plugins" / "exr").glob("*.tmp"))
    logged = _logged_from_events(f"{url}/run", {})
    tb = start_tensorboard(url, load_fast=False)
    _served_matches_logged(tb, logged)
    tb.stop()
