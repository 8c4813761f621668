"""plugin_data.proto and the descriptors metadata.py builds describe the same messages."""

from __future__ import annotations

import os
import re

import pytest
from google.protobuf import descriptor_pb2

from tensorboard_exr import metadata

PROTO_PATH = os.path.join(os.path.dirname(metadata.__file__), "plugin_data.proto")
_FDP = descriptor_pb2.FieldDescriptorProto
_TYPE_NAMES = {
    _FDP.TYPE_STRING: "string",
    _FDP.TYPE_BYTES: "bytes",
    _FDP.TYPE_UINT32: "uint32",
    _FDP.TYPE_UINT64: "uint64",
}


def _definitions_in_proto_file() -> dict[str, list[str]]:
    """{definition name: its statements}, comments and blank space removed."""
    text = re.sub(r"//[^\n]*", "", open(PROTO_PATH).read())
    definitions = {}
    for kind, name, body in re.findall(r"\b(message|enum)\s+(\w+)\s*\{([^}]*)\}", text):
        statements = [" ".join(s.split()) for s in body.split(";") if s.strip()]
        definitions[f"{kind} {name}"] = statements
    return definitions


def _definitions_in_descriptor() -> dict[str, list[str]]:
    file_proto = metadata.schema_file_descriptor()
    definitions = {}
    for enum in file_proto.enum_type:
        definitions[f"enum {enum.name}"] = [f"{v.name} = {v.number}" for v in enum.value]
    for message in file_proto.message_type:
        statements = []
        for field in message.field:
            type_name = _TYPE_NAMES.get(field.type) or field.type_name.rsplit(".", 1)[-1]
            repeated = "repeated " if field.label == _FDP.LABEL_REPEATED else ""
            statements.append(f"{repeated}{type_name} {field.name} = {field.number}")
        definitions[f"message {message.name}"] = statements
    return definitions


def test_proto_file_matches_the_runtime_descriptors():
    assert _definitions_in_proto_file() == _definitions_in_descriptor()


def test_proto_file_declares_package_and_syntax():
    text = open(PROTO_PATH).read()
    assert 'syntax = "proto3";' in text
    assert f"package {metadata.PROTO_PACKAGE};" in text


def test_summary_metadata_marks_a_blob_sequence_of_the_exr_plugin():
    image = metadata.ExrImageInfo(width=4, height=2, compression="zip", parts=1)
    image.channels.add(name="R", pixel_type=metadata.PIXEL_TYPE_BY_NAME["half"])
    md = metadata.create_summary_metadata(group="val/a", role="output", image=image, description="d")
    assert md.plugin_data.plugin_name == "exr"
    assert md.data_class == 3  # DATA_CLASS_BLOB_SEQUENCE
    assert md.summary_description == "d"
    parsed = metadata.parse_plugin_data(md.plugin_data.content)
    assert (parsed.version, parsed.group, parsed.role) == (1, "val/a", "output")
    assert parsed.image == image


def test_parsing_foreign_bytes_raises_value_error():
    with pytest.raises(ValueError, match="plugin data"):
        metadata.parse_plugin_data(b"\xff\xff\xff")
    with pytest.raises(ValueError, match="no version"):
        metadata.parse_step_info(b"")


def test_a_newer_version_with_unknown_fields_still_parses():
    newer = metadata.ExrStepInfo(version=7, size=12).SerializeToString() + b"\xa8\x06\x01"  # field 101
    parsed = metadata.parse_step_info(newer)
    assert (parsed.version, parsed.size) == (7, 12)
