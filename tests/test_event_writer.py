"""Event files: native CRC equals TensorBoard's, EXR events serialise byte-identically, TB reads them."""

from __future__ import annotations

import os

from tensorboard.backend.event_processing.event_file_loader import EventFileLoader
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
from tensorboard.compat.tensorflow_stub import pywrap_tensorflow

from tensorboard_exr import event_writer, metadata


def _reference_event(step, wall_time, tag, md, values):
    tensor = tensor_pb2.TensorProto(
        dtype=types_pb2.DT_STRING,
        tensor_shape=tensor_shape_pb2.TensorShapeProto(
            dim=[tensor_shape_pb2.TensorShapeProto.Dim(size=len(values))]
        ),
        string_val=values,
    )
    value = summary_pb2.Summary.Value(tag=tag, metadata=md, tensor=tensor)
    return event_pb2.Event(wall_time=wall_time, step=step, summary=summary_pb2.Summary(value=[value]))


def _tensorboard_masked_crc(data: bytes) -> int:
    # TensorBoard's pure-Python CRC32C, masked as in pywrap_tensorflow.masked_crc32c (which other
    # tests may have replaced with ours via install_native_crc_in_tensorboard).
    x = pywrap_tensorflow.u32(pywrap_tensorflow.crc32c(data))
    return pywrap_tensorflow.u32(((x >> 15) | pywrap_tensorflow.u32(x << 17)) + 0xA282EAD8)


def test_masked_crc_equals_tensorboards_pure_python_one():
    for data in (b"", b"a", os.urandom(1000), bytes(range(256)) * 3):
        assert event_writer.masked_crc32c(data) == _tensorboard_masked_crc(data)


def test_exr_event_parts_concatenate_to_the_protobuf_serialisation():
    md = metadata.create_summary_metadata(group="g", role="r", image=metadata.ExrImageInfo(width=3))
    for big in (b"", os.urandom(5), os.urandom(200_000)):
        values = [b"step info", big]
        parts = event_writer.exr_event_parts(step=-3, wall_time=12.5, tag="a/b", metadata=md, values=values)
        assert parts[1] is big
        assert b"".join(parts) == _reference_event(-3, 12.5, "a/b", md, values).SerializeToString()


def test_tensorboard_reads_back_every_record(tmp_path):
    md = metadata.create_summary_metadata(group="", role="", image=metadata.ExrImageInfo())
    writer = event_writer.EventFileWriter(tmp_path)
    blobs = [os.urandom(n) for n in (1, 70_000, 3)]
    for step, blob in enumerate(blobs):
        writer.write_record(
            event_writer.exr_event_parts(step=step, wall_time=1.0, tag="t", metadata=md, values=[b"i", blob])
        )
    writer.close()
    assert os.path.basename(writer.path).startswith("events.out.tfevents.")
    events = list(EventFileLoader(writer.path).Load())
    assert events[0].file_version == "brain.Event:2"
    assert [list(e.summary.value[0].tensor.string_val) for e in events[1:]] == [[b"i", b] for b in blobs]


def test_writing_after_close_raises(tmp_path):
    writer = event_writer.EventFileWriter(tmp_path)
    writer.close()
    writer.close()
    try:
        writer.write_record([b"x"])
    except ValueError as e:
        assert "closed" in str(e)
    else:
        raise AssertionError("write after close did not raise")


def test_a_torch_summary_writer_in_the_same_run_and_second_does_not_overwrite_our_events(tmp_path):
    # Torch names its files events.out.tfevents.<time>.<host>.<pid>.<counter> and opens them with
    # "wb": with the same pattern, both writers in one process and one second chose the same name
    # and torch's file replaced ours.
    import numpy as np
    from torch.utils.tensorboard import SummaryWriter

    from tensorboard_exr import summary as exr_summary
    from tests.conftest import logged_exrs

    with exr_summary.Writer(tmp_path, background=False) as writer:
        exr_summary.image("img", np.ones((4, 4, 3), np.float32), 0, writer=writer)
        torch_writer = SummaryWriter(str(tmp_path))
        torch_writer.add_scalar("loss", 1.0, 0)
        torch_writer.close()
    assert ("img", 0) in logged_exrs(tmp_path)
    assert len(os.listdir(tmp_path)) == 2
