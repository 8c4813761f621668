"""Arrays → OpenEXR bytes, and the checks that make bad input fail at the call with a clear message.

The work is split in two so the background writer can do the slow part on its thread:
`plan_image` validates the input and names every channel (cheap, in the caller's thread, so bad
arguments raise where they were passed), `ImagePlan.snapshot` copies the pixels so the caller may
reuse its buffers, and `encode_plan` converts and compresses them (slow, releases the GIL).
Existing EXR files go through `inspect_exr`, which checks that they parse and describes them.
"""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

import numpy as np
import OpenEXR

from tensorboard_exr import colour, deep, exr_layout, metadata

EXR_MAGIC: Final = exr_layout.EXR_MAGIC

MAX_DIMENSION: Final = 32768
"""Largest width or height accepted, in pixels."""

MAX_EXR_BYTES: Final = 1 << 30
"""Largest EXR file, and largest uncompressed pixel data, accepted (1 GiB).

Both TensorBoard loaders hold every retained blob in memory and a protobuf message cannot exceed
2 GiB, so anything larger cannot be served anyway.
"""

PIXEL_DTYPES: Final = {
    "half": np.dtype(np.float16),
    "float": np.dtype(np.float32),
    "uint32": np.dtype(np.uint32),
}

# Every compression the installed OpenEXR writes, by lower-case name ("none" for NO_COMPRESSION).
COMPRESSIONS: Final = {
    ("none" if name == "NO_COMPRESSION" else name.removesuffix("_COMPRESSION").lower()): value
    for name, value in OpenEXR.Compression.__members__.items()
    if name != "NUM_COMPRESSION_METHODS"
}
_COMPRESSION_NAMES: Final = {int(value): name for name, value in COMPRESSIONS.items()}
_DWA_COMPRESSIONS: Final = frozenset({"dwaa", "dwab"})

# Layers whose channels are written without a "layer." prefix (the image's main RGB(A)).
DEFAULT_LAYER_NAMES: Final = frozenset({"", "beauty", "rgb", "rgba", "color", "colour"})
# Keys of 2-D arrays that are channel names by themselves rather than one-channel layers.
_BARE_CHANNEL_NAMES: Final = frozenset(
    {"R", "G", "B", "A", "Y", "Z", "X", "U", "V", "W", "RY", "BY", "AR", "AG", "AB"}
)
_VECTOR_LAYERS: Final = frozenset(
    {"n", "normal", "normals", "p", "pos", "position", "world_position", "wpos"}
)
_DEPTH_LAYERS: Final = frozenset({"z", "depth", "zdepth", "distance"})
_MOTION_LAYERS: Final = frozenset(
    {"motion", "motion_vector", "motion_vectors", "velocity", "flow", "optical_flow"}
)
_LAYOUTS: Final = ("HWC", "CHW")

GRAPH_MODE_HINT: Final = (
    "an EXR is encoded from the pixel values in Python, which a graph (tf.function, Keras' "
    "train_step) does not have. Log from eager code: return the images from the tf.function, or "
    "log them from a Keras callback (tensorboard_exr.keras.ExrComparisonCallback)"
)
"""Why a TensorFlow graph cannot log an EXR, and what to do instead (see tensorflow_target.py)."""


@dataclasses.dataclass(frozen=True)
class Channel:
    """One EXR channel before encoding: a 2-D array of any numeric dtype and its target type."""

    name: str
    pixels: np.ndarray
    pixel_type: str


@dataclasses.dataclass(frozen=True)
class ImagePlan:
    """A validated image, ready to encode. Only `encode_plan` and `snapshot` read the pixels."""

    tag: str
    width: int
    height: int
    channels: tuple[Channel, ...]
    compression: str
    dwa_level: float | None
    # Fast path: the C-contiguous HxWx3/4 array behind channels R,G,B(,A) of one pixel type,
    # handed to OpenEXR whole (it splits interleaved arrays itself, without a copy per channel).
    interleaved: np.ndarray | None = None
    # The `chromaticities` (8 numbers) and `adoptedNeutral` (x, y) attributes to write, if any.
    chromaticities: colour.Chromaticities | None = None
    adopted_neutral: tuple[float, float] | None = None

    @property
    def raw_size(self) -> int:
        """Uncompressed pixel bytes."""
        return sum(self.width * self.height * PIXEL_DTYPES[c.pixel_type].itemsize for c in self.channels)

    def snapshot(self, allocate: Callable[[tuple[int, ...], np.dtype], np.ndarray] = np.empty) -> ImagePlan:
        """Returns a plan that owns copies of its pixels, so the caller may overwrite its arrays.

        `allocate(shape, dtype)` provides the (C-contiguous) arrays to copy into, e.g. recycled ones.
        """

        def copy(array: np.ndarray) -> np.ndarray:
            target = allocate(array.shape, array.dtype)
            np.copyto(target, array)
            return target

        if self.interleaved is not None:
            interleaved = copy(self.interleaved)
            channels = tuple(
                Channel(c.name, interleaved[..., i], c.pixel_type) for i, c in enumerate(self.channels)
            )
            return dataclasses.replace(self, channels=channels, interleaved=interleaved)
        # One contiguous plane per channel: the copy is also the layout OpenEXR needs.
        channels = tuple(Channel(c.name, copy(c.pixels), c.pixel_type) for c in self.channels)
        return dataclasses.replace(self, channels=channels)

    def pixel_buffers(self) -> list[np.ndarray]:
        """The arrays a snapshot owns (to recycle once the plan is encoded)."""
        if self.interleaved is not None:
            return [self.interleaved]
        return [c.pixels for c in self.channels]

    def image_info(self) -> metadata.ExrImageInfo:
        """Describes the EXR that `encode_plan` writes (EXR stores channels sorted by name)."""
        return metadata.ExrImageInfo(
            width=self.width,
            height=self.height,
            channels=[
                metadata.ExrChannel(
                    name=c.name,
                    pixel_type=metadata.PIXEL_TYPE_BY_NAME[c.pixel_type],
                    part=0,
                    x_sampling=1,
                    y_sampling=1,
                )
                for c in sorted(self.channels, key=lambda c: c.name)
            ],
            compression=self.compression,
            parts=1,
            part_types=["scanlineimage"],
        )


def to_numpy(tag: str, data: Any, layout: str = "HWC") -> np.ndarray:
    """Converts an array-like (numpy, PyTorch on any device, JAX, TensorFlow) to HxW or HxWxC numpy.

    Returns a view where possible; `ImagePlan.snapshot` makes the copy the background writer needs.
    """
    if layout not in _LAYOUTS:
        raise ValueError(f"tag {tag!r}: layout must be one of {_LAYOUTS}, got {layout!r}")
    if hasattr(data, "detach") and hasattr(data, "cpu") and type(data).__module__.startswith("torch"):
        # PyTorch: leave the autograd graph, leave the GPU; numpy has no bfloat16.
        tensor = data.detach()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()
        data = tensor.cpu().numpy()
    try:
        array = np.asarray(data)
    except Exception as e:
        if type(data).__module__.startswith("tensorflow"):  # a symbolic tensor, inside tf.function
            message = f"tag {tag!r}: a TensorFlow graph tensor has no values: {GRAPH_MODE_HINT}"
            raise TypeError(message) from None
        raise TypeError(f"tag {tag!r}: cannot convert {type(data).__name__} to an array: {e}") from None
    if array.dtype.name == "bfloat16":  # JAX / ml_dtypes
        array = array.astype(np.float32)
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"tag {tag!r}: unsupported dtype {array.dtype} (expected bool, integer or floating point)"
        )
    if array.ndim == 3 and layout == "CHW":
        array = np.moveaxis(array, 0, -1)
    if array.ndim not in (2, 3):
        raise ValueError(
            f"tag {tag!r}: expected an HxW or HxWxC array ({'CxHxW' if layout == 'CHW' else 'HxWxC'}), "
            f"got shape {array.shape}"
        )
    return array


def plan_image(
    tag: str,
    data: Any,
    *,
    channels: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
    pixel_type: str | Mapping[str, str] = "half",
    compression: str = "zip",
    dwa_level: float | None = None,
    layout: str = "HWC",
    chromaticities: Any = None,
    adopted_neutral: Any = None,
) -> ImagePlan:
    """Validates an array or a dict of channels/layers and names every channel.

    See `tensorboard_exr.summary.image` for the meaning of each argument. Raises `ValueError` or
    `TypeError` naming the tag and the problem.
    """
    if not isinstance(tag, str) or not tag:
        raise ValueError(f"tag must be a non-empty string, got {tag!r}")
    compression_name = normalize_compression(tag, compression)
    if dwa_level is not None:
        if compression_name not in _DWA_COMPRESSIONS:
            raise ValueError(f"tag {tag!r}: dwa_level only applies to dwaa/dwab, not {compression_name!r}")
        if not (isinstance(dwa_level, (int, float)) and 0 < float(dwa_level) < float("inf")):
            raise ValueError(f"tag {tag!r}: dwa_level must be a positive number, got {dwa_level!r}")

    interleaved = None
    if isinstance(data, Mapping):
        named = _name_dict_channels(tag, data, channels, layout)
    else:
        array = to_numpy(tag, data, layout)
        if channels is not None and isinstance(channels, Mapping):
            raise TypeError(f"tag {tag!r}: channels for a single array must be a list of names")
        count = 1 if array.ndim == 2 else array.shape[2]
        names = _channel_names(tag, "", count, channels)
        named = [(name, "", array if array.ndim == 2 else array[..., i]) for i, name in enumerate(names)]
        if array.ndim == 3 and names in (["R", "G", "B"], ["R", "G", "B", "A"]) and array.flags.c_contiguous:
            interleaved = array

    height, width = named[0][2].shape
    if height == 0 or width == 0:
        raise ValueError(f"tag {tag!r}: empty image ({height}x{width})")
    if height > MAX_DIMENSION or width > MAX_DIMENSION:
        raise ValueError(f"tag {tag!r}: image is {width}x{height}, the limit is {MAX_DIMENSION} per side")
    seen: set[str] = set()
    for name, _, _ in named:
        if name in seen:
            raise ValueError(f"tag {tag!r}: channel {name!r} is given twice")
        seen.add(name)
        if not name or "\0" in name:
            raise ValueError(f"tag {tag!r}: invalid channel name {name!r}")

    types = _pixel_types(tag, pixel_type, named)
    planned = tuple(Channel(name, pixels, types[name]) for name, _, pixels in named)
    for channel in planned:
        if channel.pixel_type == "uint32":
            _check_uint32(tag, channel)
    primaries = None if chromaticities is None else colour.chromaticities_argument(tag, chromaticities)
    neutral = None if adopted_neutral is None else colour.adopted_neutral_argument(tag, adopted_neutral)
    plan = ImagePlan(
        tag,
        width,
        height,
        planned,
        compression_name,
        None if dwa_level is None else float(dwa_level),
        chromaticities=primaries,
        adopted_neutral=neutral,
    )
    if plan.raw_size > MAX_EXR_BYTES:
        raise ValueError(
            f"tag {tag!r}: {width}x{height} with {len(planned)} channels is {plan.raw_size} bytes of pixels, "
            f"the limit is {MAX_EXR_BYTES}"
        )
    if interleaved is not None and len(set(types.values())) == 1:
        plan = dataclasses.replace(plan, interleaved=interleaved)
    return plan


def normalize_compression(tag: str, compression: Any) -> str:
    """Returns the lower-case name of a compression given by name or `OpenEXR.Compression`."""
    if isinstance(compression, OpenEXR.Compression):
        return _COMPRESSION_NAMES[int(compression)]
    if isinstance(compression, str):
        name = compression.strip().lower().removesuffix("_compression")
        name = "none" if name == "no" else name
        if name in COMPRESSIONS:
            return name
    raise ValueError(
        f"tag {tag!r}: unknown compression {compression!r}; this OpenEXR writes: {', '.join(COMPRESSIONS)}"
    )


def encode_plan(plan: ImagePlan) -> bytes:
    """Encodes a plan to the bytes of a single-part scanline EXR file."""
    header: dict[str, Any] = {"compression": COMPRESSIONS[plan.compression], "type": OpenEXR.scanlineimage}
    if plan.dwa_level is not None:
        header["dwaCompressionLevel"] = plan.dwa_level
    if plan.chromaticities is not None:
        header["chromaticities"] = plan.chromaticities
    if plan.adopted_neutral is not None:
        header["adoptedNeutral"] = np.asarray(plan.adopted_neutral, np.float32)  # a v2f attribute
    # OpenEXR's Python binding silently writes garbage from strided arrays: every array it gets
    # must be C-contiguous. Overflow to +-inf is what a half conversion means for HDR data.
    with np.errstate(over="ignore", invalid="ignore"):
        if plan.interleaved is not None:
            target = PIXEL_DTYPES[plan.channels[0].pixel_type]
            key = "RGBA" if plan.interleaved.shape[2] == 4 else "RGB"
            pixels = {key: np.ascontiguousarray(plan.interleaved, dtype=target)}
        else:
            pixels = {
                c.name: np.ascontiguousarray(c.pixels, dtype=PIXEL_DTYPES[c.pixel_type])
                for c in plan.channels
            }
    stream = io.BytesIO()
    try:
        OpenEXR.File(header, pixels).write(stream)
    except Exception as e:
        raise RuntimeError(f"tag {plan.tag!r}: OpenEXR could not encode the image: {e}") from e
    data = stream.getvalue()
    if len(data) > MAX_EXR_BYTES:
        raise ValueError(f"tag {plan.tag!r}: encoded EXR is {len(data)} bytes, the limit is {MAX_EXR_BYTES}")
    return data


def read_exr_source(tag: str, data: bytes | bytearray | memoryview | str | os.PathLike[str]) -> bytes:
    """Returns the bytes of an existing EXR given as bytes or as a path, unchanged."""
    if isinstance(data, (str, os.PathLike)):
        path = os.fspath(data)
        # os.path would raise a bare ValueError ("embedded null byte") that names no tag.
        if ("\0" if isinstance(path, str) else b"\0") in path:
            raise ValueError(f"tag {tag!r}: cannot read EXR file {path!r}: the path contains a NUL byte")
        try:
            size = os.path.getsize(path)
            if size > MAX_EXR_BYTES:
                raise ValueError(f"tag {tag!r}: {path} is {size} bytes, the limit is {MAX_EXR_BYTES}")
            with open(path, "rb") as f:
                return f.read()
        except OSError as e:
            raise ValueError(f"tag {tag!r}: cannot read EXR file {path}: {e.strerror or e}") from None
    blob = bytes(data)
    if len(blob) > MAX_EXR_BYTES:
        raise ValueError(f"tag {tag!r}: EXR is {len(blob)} bytes, the limit is {MAX_EXR_BYTES}")
    return blob


def declared_pixel_bytes(data: bytes, where: str = "EXR") -> int:
    """The uncompressed size of every part's pixels as the EXR's headers declare it, in bytes.

    Reads only the headers (data windows and channel lists) and, for deep parts, their chunks'
    leaders: a deep part counts its sample count tables (4 bytes a pixel) and the sample data its
    chunks declare. So a small file that declares an enormous image (a decompression bomb) is
    measured without decoding or allocating anything. Raises `ValueError`, naming `where`, if the
    headers do not parse.
    """
    layout = exr_layout.read_layout(data, where)
    total = 0
    for index, part in enumerate(layout.parts):
        window = part.data_window
        if window is None:
            raise ValueError(f"{where}: the EXR bytes do not parse (header: no dataWindow)")
        width, height = part.size
        if width <= 0 or height <= 0:
            raise ValueError(f"{where}: the EXR data window {window} is empty or inverted")
        try:
            channels = part.channels
        except ValueError:
            raise ValueError(f"{where}: the EXR bytes do not parse (header: bad channel list)") from None
        if part.deep:
            chunks = exr_layout.deep_chunks(data, layout, index, where)
            total += width * height * 4 + sum(chunk.unpacked_bytes for chunk in chunks)
        else:
            total += width * height * sum(channel.bytes_per_sample for channel in channels)
    return total


def inspect_exr(tag: str, data: bytes) -> metadata.ExrImageInfo:
    """Checks that `data` is a complete EXR file that OpenEXR decodes, and describes it.

    The declared pixel size is checked against `MAX_EXR_BYTES` before OpenEXR decodes anything.
    Files with deep parts are checked without decoding their samples (`deep.describe`).
    """
    if len(data) < 8 or data[:4] != EXR_MAGIC:
        raise ValueError(f"tag {tag!r}: not an OpenEXR file (the magic number 76 2f 31 01 is missing)")
    declared = declared_pixel_bytes(data, f"tag {tag!r}")
    if declared > MAX_EXR_BYTES:
        raise ValueError(
            f"tag {tag!r}: the EXR declares {declared} bytes of pixels (the file is {len(data)} bytes), "
            f"the limit is {MAX_EXR_BYTES}; refused before decoding"
        )
    layout = exr_layout.read_layout(data, f"tag {tag!r}")
    if any(part.deep for part in layout.parts):
        return deep.describe(
            tag, data, layout, _COMPRESSION_NAMES.get(layout.parts[0].compression, "unknown")
        )
    try:
        exr = OpenEXR.File(io.BytesIO(data), separate_channels=True)
        parts = list(exr.parts)
    except Exception as e:
        raise ValueError(f"tag {tag!r}: the EXR bytes do not parse: {e}") from None
    if not parts:
        # OpenEXR's binding reports truncated or corrupt pixel data by returning no parts.
        raise ValueError(f"tag {tag!r}: the EXR bytes do not parse: the pixel data is truncated or corrupt")
    try:
        info = _describe_parts(parts, [part.part_type for part in layout.parts])
    except Exception as e:  # whatever the binding raises, the caller learns which tag
        raise ValueError(f"tag {tag!r}: the EXR file cannot be described: {e}") from None
    if info.width == 0 or info.height == 0:
        raise ValueError(f"tag {tag!r}: the EXR file's image is empty")
    return info


def _describe_parts(parts: Sequence[Any], part_types: list[str]) -> metadata.ExrImageInfo:
    """The step info of decoded parts, from their headers (the binding's Part.width() refuses
    subsampled channels such as the 2x2 chroma of luminance/chroma files)."""
    window = parts[0].header["dataWindow"]
    (x_min, y_min), (x_max, y_max) = (tuple(int(v) for v in corner) for corner in window)
    info = metadata.ExrImageInfo(
        width=max(0, x_max - x_min + 1),
        height=max(0, y_max - y_min + 1),
        compression=_COMPRESSION_NAMES.get(int(parts[0].header.get("compression", 0)), "unknown"),
        parts=len(parts),
        part_types=part_types,
    )
    types = {np.dtype(dtype): metadata.PIXEL_TYPE_BY_NAME[name] for name, dtype in PIXEL_DTYPES.items()}
    for index, part in enumerate(parts):
        for name, channel in sorted(part.channels.items()):
            info.channels.add(
                name=name,
                pixel_type=types.get(channel.pixels.dtype, 0),
                part=index,
                x_sampling=channel.xSampling,
                y_sampling=channel.ySampling,
            )
    return info


def _name_dict_channels(
    tag: str, data: Mapping[Any, Any], channels: Any, layout: str
) -> list[tuple[str, str, np.ndarray]]:
    """Names the channels of a dict of channels and/or layers: (channel name, layer key, pixels)."""
    if not data:
        raise ValueError(f"tag {tag!r}: the dict of channels/layers is empty")
    if channels is not None and not isinstance(channels, Mapping):
        raise TypeError(f"tag {tag!r}: channels for a dict of layers must map layer names to channel names")
    channels = channels or {}
    for key in channels:
        if key not in data:
            raise ValueError(f"tag {tag!r}: channels names layer {key!r}, which is not in the data")
    named: list[tuple[str, str, np.ndarray]] = []
    first_key, first_shape = None, None
    for key, value in data.items():
        if not isinstance(key, str):
            raise TypeError(f"tag {tag!r}: layer/channel names must be strings, got {key!r}")
        array = to_numpy(f"{tag}[{key}]", value, layout)
        if first_shape is None:
            first_key, first_shape = key, array.shape[:2]
        elif array.shape[:2] != first_shape:
            raise ValueError(
                f"tag {tag!r}: layer {key!r} is {array.shape[1]}x{array.shape[0]} but layer {first_key!r} is "
                f"{first_shape[1]}x{first_shape[0]}; all layers must have the same size"
            )
        if array.ndim == 2 and key not in channels and (key in _BARE_CHANNEL_NAMES or "." in key):
            named.append((key, key, array))
            continue
        count = 1 if array.ndim == 2 else array.shape[2]
        prefix = "" if key.lower() in DEFAULT_LAYER_NAMES else f"{key}."
        for i, name in enumerate(_channel_names(tag, key, count, channels.get(key))):
            named.append((prefix + name, key, array if array.ndim == 2 else array[..., i]))
    return named


def _channel_names(tag: str, layer: str, count: int, names: Sequence[str] | None) -> list[str]:
    """Channel names (without layer prefix) for `count` channels, given or by convention."""
    where = f"tag {tag!r}" + (f", layer {layer!r}" if layer else "")
    if names is not None:
        if isinstance(names, str):
            names = names.split(",") if "," in names else list(names)
        names = list(names)
        if len(names) != count or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{where}: {count} channels but channels={names!r}")
        return names
    if count == 0:
        raise ValueError(f"{where}: the array has no channels")
    lowered = layer.lower()
    if count == 3 and lowered in _VECTOR_LAYERS:
        return ["X", "Y", "Z"]
    if count == 1 and lowered in _DEPTH_LAYERS:
        return ["Z"]
    if count == 2 and lowered in _MOTION_LAYERS:
        return ["X", "Y"]
    defaults = {1: ["Y"], 3: ["R", "G", "B"], 4: ["R", "G", "B", "A"]}
    if count not in defaults:
        raise ValueError(f"{where}: {count} channels need names: pass channels=[...] with {count} names")
    return defaults[count]


def _pixel_types(
    tag: str, pixel_type: str | Mapping[str, str], named: list[tuple[str, str, np.ndarray]]
) -> dict[str, str]:
    """Target pixel type of every channel; a mapping may name channels or whole layers."""

    def check(value: Any, where: str) -> str:
        if value not in PIXEL_DTYPES:
            raise ValueError(
                f"tag {tag!r}: unknown pixel_type {value!r}{where}; use one of {list(PIXEL_DTYPES)}"
            )
        return value

    if not isinstance(pixel_type, Mapping):
        check(pixel_type, "")
        return {name: pixel_type for name, _, _ in named}
    known = {name for name, _, _ in named} | {layer for _, layer, _ in named}
    for key, value in pixel_type.items():
        if key not in known:
            raise ValueError(f"tag {tag!r}: pixel_type names {key!r}, which is neither a channel nor a layer")
        check(value, f" for {key!r}")
    return {name: pixel_type.get(name, pixel_type.get(layer, "half")) for name, layer, _ in named}


def _check_uint32(tag: str, channel: Channel) -> None:
    pixels = channel.pixels
    if pixels.dtype.kind not in "biu":
        raise TypeError(
            f"tag {tag!r}: channel {channel.name!r} is uint32 but its data is {pixels.dtype}; "
            "pass integer data or use pixel_type 'half'/'float'"
        )
    if pixels.dtype.kind == "i" and pixels.size and int(pixels.min()) < 0:
        raise ValueError(f"tag {tag!r}: channel {channel.name!r} is uint32 but has negative values")
    if pixels.dtype.itemsize > 4 and pixels.size and int(pixels.max()) > 0xFFFFFFFF:
        raise ValueError(f"tag {tag!r}: channel {channel.name!r} has values above the uint32 range")
