"""EXRs through TensorFlow 2's summary writers (docs/examples/tensorflow_summary.py): the default
writer, steps from TensorFlow, `tf.Tensor` inputs, `record_if`, big images, graph mode, and a
`tensorboard` serving the logdir with TensorFlow as its filesystem layer."""

from __future__ import annotations

import hashlib
import urllib.parse
import warnings

import numpy as np
import pytest
from conftest import logged_exrs
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

from tensorboard_exr import image_job, metadata
from tensorboard_exr import summary as exr_summary
from tests.frameworks.examples import as_half, load_example, rgb

tf = pytest.importorskip("tensorflow", reason="TensorFlow tests run in .venv-tf (scripts/test.sh)")


@pytest.fixture(autouse=True)
def no_default_step():
    """TensorFlow's default step is per thread: each test starts without one."""
    tf.summary.experimental.set_step(None)
    yield
    tf.summary.experimental.set_step(None)


def _storage(info: bytes) -> int:
    return metadata.parse_step_info(info).storage


def test_example_logs_through_the_default_writer_with_tensorflows_steps(tmp_path):
    example = load_example("tensorflow_summary")
    example.main(str(tmp_path))
    logged = logged_exrs(tmp_path)
    roles = ("input", "output", "reference")
    assert set(logged) == {("render/radiance", s) for s in range(4)} | {
        (f"val/view0/{role}", s) for role in roles for s in range(4)
    } | {("render/large", 3)}
    for step in range(4):
        image = example.render(tf.constant(step), 64).numpy()
        np.testing.assert_array_equal(rgb(logged[("render/radiance", step)][1]), as_half(image))
        np.testing.assert_array_equal(rgb(logged[("val/view0/input", step)][1]), as_half(image * 0.5))
        assert _storage(logged[("render/radiance", step)][0]) == metadata.STORAGE_INLINE
    large_info, large_exr = logged[("render/large", 3)]
    assert _storage(large_info) == metadata.STORAGE_FILE
    np.testing.assert_array_equal(rgb(large_exr), example.render(tf.constant(3), 512).numpy())
    stored = [p.name for p in (tmp_path / "plugins" / "exr").iterdir()]
    assert stored == [hashlib.sha256(large_exr).hexdigest() + ".exr"]
    # TensorFlow's own summaries sit in the same event file
    (events,) = tmp_path.glob("events.out.tfevents.*")
    scalar_steps = [
        e.step
        for e in EventFileLoader(str(events)).Load()
        for v in e.summary.value
        if v.tag == "mean_radiance"
    ]
    assert scalar_steps == [0, 1, 2, 3]


def test_tensors_and_variable_steps_are_logged_exactly(tmp_path):
    pixels = np.array([[[1.5, np.nan, np.inf], [-2.0, 1e-30, 65504.0]]], np.float32)
    writer = tf.summary.create_file_writer(str(tmp_path))
    step = tf.Variable(41, dtype=tf.int64)
    with writer.as_default(step=step):
        step.assign_add(1)
        exr_summary.image("t", tf.constant(pixels), pixel_type="float")
    writer.close()
    ((key, (_, exr)),) = logged_exrs(tmp_path).items()
    assert key == ("t", 42)
    np.testing.assert_array_equal(rgb(exr), pixels.astype(np.float64))


def test_explicit_writer_and_record_if(tmp_path):
    writer = tf.summary.create_file_writer(str(tmp_path))
    exr_summary.image("explicit", tf.ones((4, 4, 3)), 5, writer=writer)  # no default writer needed
    with writer.as_default():
        with tf.summary.record_if(False):
            exr_summary.image("never", np.ones((4, 4, 3)), 6)
        with tf.summary.record_if(lambda: tf.equal(tf.summary.experimental.get_step() % 2, 0)):
            for step in (7, 8):
                tf.summary.experimental.set_step(step)
                exr_summary.image("even", np.ones((4, 4, 3)))
    writer.close()
    assert set(logged_exrs(tmp_path)) == {("explicit", 5), ("even", 8)}


def test_a_big_image_without_logdir_goes_inline_and_warns_once(tmp_path, monkeypatch):
    monkeypatch.setattr(image_job, "_warned_inline", False)
    big = np.random.default_rng(0).random((256, 256, 4), np.float32)  # 1 MiB uncompressed
    writer = tf.summary.create_file_writer(str(tmp_path))
    with writer.as_default(step=1):
        with pytest.warns(UserWarning, match=r"'big'.*does not expose its directory.*pass logdir=") as caught:
            exr_summary.image("big", big, pixel_type="float", compression="none")
        assert [w.filename for w in caught] == [__file__]  # the warning names the logging call
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            exr_summary.image("big", big, 2, pixel_type="float", compression="none")
    writer.close()
    logged = logged_exrs(tmp_path)
    assert [_storage(logged[("big", s)][0]) for s in (1, 2)] == [metadata.STORAGE_INLINE] * 2
    assert not (tmp_path / "plugins").exists()


def test_no_step_from_anywhere_is_an_error(tmp_path):
    with tf.summary.create_file_writer(str(tmp_path)).as_default():
        with pytest.raises(ValueError, match=r"'s': no step: pass step=, or .*set_step"):
            exr_summary.image("s", np.ones((2, 2)))


def test_inside_tf_function_a_call_says_to_log_from_eager_code(tmp_path):
    @tf.function
    def train_step(x):
        exr_summary.image("graph", x, 0)
        return x

    with tf.summary.create_file_writer(str(tmp_path / "tf")).as_default():
        with pytest.raises(RuntimeError, match="cannot log inside a tf.function.*return the images"):
            train_step(tf.ones((4, 4, 3)))
    # with this package's Writer as the default, the graph's symbolic tensor is refused alike
    with exr_summary.Writer(tmp_path / "own") as own, own.as_default():
        with pytest.raises(
            TypeError, match="'graph': a TensorFlow graph tensor has no values.*Log from eager"
        ):
            train_step(tf.ones((4, 4, 3)))
    assert logged_exrs(tmp_path / "own") == {}


def test_tensorboard_with_tensorflow_as_filesystem_serves_the_logdir(tmp_path, start_tensorboard):
    load_example("tensorflow_summary").main(str(tmp_path))
    logged = logged_exrs(tmp_path)
    tb = start_tensorboard(tmp_path, load_fast=False)
    for tag in ("render/radiance", "render/large"):
        steps = tb.wait_for_json(
            "/data/plugin/exr/steps?" + urllib.parse.urlencode({"run": ".", "tag": tag}), lambda e: len(e) > 0
        )
        assert {e["step"] for e in steps} == {s for t, s in logged if t == tag}
        for entry in steps:
            body = tb.get("/data/plugin/exr/" + entry["url"]).body
            assert (
                hashlib.sha256(body).hexdigest()
                == hashlib.sha256(logged[(tag, entry["step"])][1]).hexdigest()
            )
    tb.stop()
