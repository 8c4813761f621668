"""The structure of an EXR file read from its bytes, without decoding or allocating any pixels.

Each part's header attributes (raw), what they say (data window, channels, storage, compression),
where the chunk offset tables start, and the leaders of a deep part's chunks, whose declared
sizes bound what a reader would allocate. Used before OpenEXR is asked to read anything, so that
a small file declaring an enormous image (a decompression bomb) is measured first.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Iterator
from typing import Final

EXR_MAGIC: Final = b"\x76\x2f\x31\x01"
_TILED_FLAG: Final = 0x200
_DEEP_FLAG: Final = 0x800
_MULTIPART_FLAG: Final = 0x1000
PART_TYPES: Final = ("scanlineimage", "tiledimage", "deepscanline", "deeptile")
"""OpenEXR's names of the storage kinds (the `type` attribute)."""


@dataclasses.dataclass(frozen=True)
class ChannelLayout:
    name: str
    pixel_type: int  # OpenEXR's: 0 uint, 1 half, 2 float
    x_sampling: int
    y_sampling: int

    @property
    def bytes_per_sample(self) -> int:
        return 2 if self.pixel_type == 1 else 4


@dataclasses.dataclass(frozen=True)
class PartLayout:
    """One part's header: every attribute as (type name, raw value)."""

    attributes: dict[str, tuple[str, bytes]]
    part_type: str
    """One of PART_TYPES (from the `type` attribute, or the version flags of single-part files)."""

    @property
    def data_window(self) -> tuple[int, int, int, int] | None:
        kind, value = self.attributes.get("dataWindow", ("", b""))
        return struct.unpack("<4i", value) if kind == "box2i" and len(value) == 16 else None  # type: ignore[return-value]

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the data window (0 x 0 without one)."""
        window = self.data_window
        return (0, 0) if window is None else (window[2] - window[0] + 1, window[3] - window[1] + 1)

    @property
    def channels(self) -> list[ChannelLayout]:
        kind, value = self.attributes.get("channels", ("", b""))
        channels: list[ChannelLayout] = []
        at = 0
        while kind == "chlist" and at < len(value) and value[at] != 0:
            end = value.find(b"\0", at)
            if end < 0 or end + 17 > len(value):
                raise ValueError("bad channel list")
            pixel_type, _, x_sampling, y_sampling = struct.unpack_from("<iB3xii", value, end + 1)
            channels.append(
                ChannelLayout(value[at:end].decode("utf-8", "replace"), pixel_type, x_sampling, y_sampling)
            )
            at = end + 17
        return channels

    @property
    def compression(self) -> int:
        kind, value = self.attributes.get("compression", ("", b"\0"))
        return value[0] if kind == "compression" and len(value) == 1 else 0

    @property
    def chunk_count(self) -> int | None:
        kind, value = self.attributes.get("chunkCount", ("", b""))
        return struct.unpack("<i", value)[0] if kind == "int" and len(value) == 4 else None

    @property
    def deep(self) -> bool:
        return self.part_type.startswith("deep")


@dataclasses.dataclass(frozen=True)
class FileLayout:
    multipart: bool
    parts: list[PartLayout]
    tables_start: int
    """Where the first part's chunk offset table starts (right after the headers)."""


def read_layout(data: bytes, where: str = "EXR") -> FileLayout:
    """Parses every header of `data`. Raises `ValueError`, naming `where`, if they do not parse."""
    if len(data) < 8 or data[:4] != EXR_MAGIC:
        raise ValueError(f"{where}: not an OpenEXR file (the magic number 76 2f 31 01 is missing)")
    flags = int.from_bytes(data[4:8], "little")
    multipart = bool(flags & _MULTIPART_FLAG)
    position = 8
    parts: list[PartLayout] = []

    def fail(reason: str) -> ValueError:
        return ValueError(f"{where}: the EXR bytes do not parse (header: {reason})")

    def string_at(at: int) -> tuple[str, int]:
        end = data.find(b"\0", at, at + 256)
        if end < 0:
            raise fail(f"unterminated name at byte {at}")
        return data[at:end].decode("latin-1"), end + 1

    while True:
        attributes: dict[str, tuple[str, bytes]] = {}
        while True:
            if position >= len(data):
                raise fail("it is truncated")
            if data[position] == 0:
                position += 1
                break
            name, position = string_at(position)
            kind, position = string_at(position)
            if position + 4 > len(data):
                raise fail("it is truncated")
            size = int.from_bytes(data[position : position + 4], "little", signed=True)
            position += 4
            if size < 0 or position + size > len(data):
                raise fail(f"attribute {name!r} has size {size}")
            attributes[name] = (kind, data[position : position + size])
            position += size
        if not attributes:  # the empty header that ends a multi-part file's header list
            break
        kind, value = attributes.get("type", ("", b""))
        declared = value.split(b"\0")[0].decode("latin-1") if kind == "string" else ""
        if declared in PART_TYPES and (multipart or flags & _DEEP_FLAG):
            part_type = declared
        else:
            part_type = "tiledimage" if flags & _TILED_FLAG else "scanlineimage"
        parts.append(PartLayout(attributes, part_type))
        if not multipart:
            break
    return FileLayout(multipart, parts, position)


@dataclasses.dataclass(frozen=True)
class DeepChunk:
    """A deep chunk's leader: where it is and the sizes it declares."""

    offset: int
    sample_table_bytes: int
    packed_bytes: int
    unpacked_bytes: int


def deep_chunks(data: bytes, layout: FileLayout, part: int, where: str = "EXR") -> Iterator[DeepChunk]:
    """The chunks of deep part `part`, from its offset table. Raises `ValueError` (naming `where`)
    for a chunk outside the file or a leader whose sizes do not fit in it."""
    counts = [p.chunk_count for p in layout.parts[: part + 1]]
    if any(count is None or count < 0 for count in counts):
        raise ValueError(f"{where}: the EXR bytes do not parse (deep part {part} without a chunkCount)")
    table = layout.tables_start + 8 * sum(counts[:-1])  # type: ignore[arg-type]
    count = counts[-1] or 0
    if table + 8 * count > len(data):
        raise ValueError(f"{where}: the EXR is truncated (its chunk table ends past the end of the file)")
    coordinates = 16 if layout.parts[part].part_type == "deeptile" else 4
    leader = (4 if layout.multipart else 0) + coordinates
    for index, offset in enumerate(struct.unpack_from(f"<{count}Q", data, table)):
        if offset + leader + 24 > len(data):
            raise ValueError(
                f"{where}: the EXR is truncated or corrupt (chunk {index} lies past the end of the file)"
            )
        sizes = struct.unpack_from("<3q", data, offset + leader)
        if min(sizes) < 0 or offset + leader + 24 + sizes[0] + sizes[1] > len(data):
            raise ValueError(
                f"{where}: the EXR is truncated or corrupt (chunk {index} declares sizes {sizes})"
            )
        yield DeepChunk(offset, *sizes)
