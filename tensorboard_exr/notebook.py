"""The EXR tab's viewer in a notebook's output cell: `tensorboard_exr.show(...)`.

    import tensorboard_exr

    viewer = tensorboard_exr.show(output)                              # any image `exr_summary.image` takes
    tensorboard_exr.show(input=noisy, output=denoised, reference=ref)  # a comparison group (keys 1-9)
    viewer.update(new_output)                                          # the same viewer, a new image

The images are encoded here exactly as the writer logs them (`image_job.make_job` with the same
options), and the browser decodes those EXR bytes with the EXR tab's WebAssembly decoder and
draws them with its renderer: what is shown is what would be logged. `ExrViewer` is an anywidget
(a standard Jupyter widget: JupyterLab, Notebook 7, VS Code); its EXRs travel as the widget
protocol's binary buffers, one child widget per image, so `update()` of one image sends only that
image. Each output also carries a tonemapped PNG (`preview_png.py`) for static exports.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import inspect
import numbers
from collections.abc import Mapping, Sequence
from typing import Any, Final

import anywidget
import ipywidgets
import numpy as np
import traitlets
from IPython import display as ipython_display
from IPython import get_ipython

from tensorboard_exr import encode, image_job, metadata, notebook_runtime, preview_png
from tensorboard_exr.image_job import ImageOptions

__all__ = ["ExrViewer", "show"]

DEFAULT_HEIGHT: Final = 520
"""Height of a viewer in CSS pixels: toolbar, image and readout."""

MAX_GROUP_BYTES: Final = encode.MAX_EXR_BYTES
"""Largest sum of the EXR sizes of one viewer (its images travel to the browser together)."""

_SINGLE_NAME: Final = "image"


@dataclasses.dataclass(frozen=True)
class _Encoded:
    """One image of a viewer, encoded: its name (role, or position), role, EXR bytes and description."""

    name: str
    role: str
    exr: bytes
    info: metadata.ExrImageInfo

    def description(self) -> str:
        info = self.info
        names = [c.name for c in info.channels]
        types = {metadata.PIXEL_TYPE_NAMES.get(c.pixel_type, "?") for c in info.channels}
        channels = ",".join(names[:8]) + (f" +{len(names) - 8}" if len(names) > 8 else "")
        parts = f", {info.parts} parts" if info.parts > 1 else ""
        pixel_types = "/".join(sorted(types))
        return f"{self.name}: {info.width}x{info.height}, {channels} {pixel_types}, {info.compression}{parts}"


class _ExrImage(ipywidgets.Widget):  # type: ignore[misc]
    """One image of a viewer: a model without a view, whose `exr` goes as a binary buffer."""

    name = traitlets.Unicode().tag(sync=True)
    role = traitlets.Unicode().tag(sync=True)
    sha256 = traitlets.Unicode().tag(sync=True)
    description = traitlets.Unicode().tag(sync=True)
    exr = traitlets.Bytes().tag(sync=True)

    @classmethod
    def of(cls, image: _Encoded) -> _ExrImage:
        """A new widget holding `image` (sent with its comm's opening message)."""
        return cls(name=image.name, **cls._traits_of(image))

    def set_image(self, image: _Encoded) -> None:
        """Replaces the image (one update message)."""
        with self.hold_sync():
            for name, value in self._traits_of(image).items():
                setattr(self, name, value)

    @staticmethod
    def _traits_of(image: _Encoded) -> dict[str, Any]:
        return {
            "role": image.role,
            "description": image.description(),
            "sha256": hashlib.sha256(image.exr).hexdigest(),
            "exr": image.exr,
        }


class ExrViewer(anywidget.AnyWidget):  # type: ignore[misc]
    """The EXR tab's viewer as a notebook widget; `show(...)` makes and displays one.

    Constructed directly (`ExrViewer(image)`), it is displayed like any widget: as a cell's value,
    by `IPython.display.display`, or inside `ipywidgets.VBox([...])`. Arguments are `show`'s.
    """

    _esm = traitlets.Unicode().tag(sync=True)
    _runtime = traitlets.Instance(notebook_runtime._ExrRuntime).tag(
        sync=True, **ipywidgets.widget_serialization
    )
    _members = traitlets.List(traitlets.Instance(_ExrImage)).tag(sync=True, **ipywidgets.widget_serialization)
    title = traitlets.Unicode().tag(sync=True)
    height = traitlets.Int(DEFAULT_HEIGHT).tag(sync=True)

    def __init__(
        self,
        data: Any = None,
        /,
        *,
        title: str | None = None,
        height: int = DEFAULT_HEIGHT,
        channels: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
        pixel_type: str | Mapping[str, str] = "half",
        compression: str = "zip",
        dwa_level: float | None = None,
        layout: str = "HWC",
        **images_by_role: Any,
    ) -> None:
        if isinstance(height, bool) or not isinstance(height, int) or not 120 <= height <= 4000:
            raise ValueError(f"height must be an integer number of pixels from 120 to 4000, got {height!r}")
        if title is not None and not isinstance(title, str):
            raise TypeError(f"title must be a string, got {type(title).__name__}")
        self._options = ImageOptions(
            channels=channels,
            pixel_type=pixel_type,
            compression=compression,
            dwa_level=dwa_level,
            layout=layout,
        )
        images = self._encode(_named_images(data, images_by_role, "show"))
        _check_total([len(image.exr) for image in images])
        members = [_ExrImage.of(image) for image in images]
        self._displayed_in: int | None = None
        super().__init__(
            _esm=notebook_runtime.viewer_widget_esm(),
            _runtime=notebook_runtime.runtime(),
            _members=members,
            title=title if title is not None else _default_title(images),
            height=height,
        )

    @property
    def names(self) -> list[str]:
        """The names of the images, in the order of their number keys."""
        return [member.name for member in self._members]

    def update(self, data: Any = None, /, **images_by_role: Any) -> None:
        """Replaces images in place: the view (zoom, pan, exposure, the image shown) stays.

        `update(image)` replaces the image of a single-image viewer; `update([a, b, ...])` the
        images of a group made from a list, by position; `update(output=y)` the image named
        "output" (an unknown name adds an image to the group). Images are encoded with the options
        given to `show`; all are checked before any is replaced.
        """
        members = {member.name: member for member in self._members}
        if data is not None and not images_by_role and not _is_image_list(data):
            if len(members) != 1:
                raise TypeError(
                    f"this viewer shows {len(members)} images ({', '.join(members)}): name the ones to "
                    "replace, e.g. update(output=...)"
                )
            named = [(next(iter(members)), "", data)]
        else:
            named = _named_images(data, images_by_role, "update")
        images = self._encode(
            [(name, members[name].role if name in members else role, image) for name, role, image in named]
        )
        replaced = {image.name for image in images}
        kept = [len(m.exr) for name, m in members.items() if name not in replaced]
        _check_total([len(image.exr) for image in images] + kept)
        with self.hold_sync():
            for image in images:
                if image.name in members:
                    members[image.name].set_image(image)
            added = [_ExrImage.of(image) for image in images if image.name not in members]
            if added:
                self._members = [*self._members, *added]

    def close(self) -> None:
        """Closes the viewer and its images (their bytes are freed in the kernel and the browser)."""
        for member in self._members:
            member.close()
        super().close()

    def _encode(self, named: Sequence[tuple[str, str, Any]]) -> list[_Encoded]:
        images = []
        for name, role, data in named:
            job = image_job.make_job(name, data, 0, dataclasses.replace(self._options, role=role or None))
            exr, info = job.encoded()
            images.append(_Encoded(name, role, exr, info))
        return images

    def _repr_mimebundle_(self, **kwargs: Any) -> tuple[dict[str, Any], dict[str, Any]] | None:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata_ = bundle
        data = {**data, "text/plain": self._summary()}
        try:
            png = preview_png.preview_png([member.exr for member in self._members])
        except ValueError as e:
            data["text/plain"] += f"\n(no static preview: {e})"
        else:
            data["image/png"] = base64.b64encode(png).decode("ascii")
        return data, metadata_

    def _ipython_display_(self) -> None:
        # `show()` displays the viewer and returns it: as the cell's value it is not shown twice.
        if self.comm is None or (self._displayed_in is not None and self._displayed_in == _execution_count()):
            return  # closed, or shown by show() in this cell already
        bundle = self._repr_mimebundle_()
        if bundle is not None:
            data, metadata_ = bundle
            ipython_display.display(data, metadata=metadata_, raw=True)

    def _summary(self) -> str:
        return "\n".join(["ExrViewer", *(f"  {member.description}" for member in self._members)])


def show(data: Any = None, /, **arguments: Any) -> ExrViewer:
    """Shows images in the EXR tab's viewer, in the output of the running cell; returns the viewer.

        show(image)                                           # one image
        show(input=noisy, output=denoised, reference=target)  # a comparison group, by role
        show([a, b, c])                                       # a comparison group, by position

    Each image is anything `tensorboard_exr.summary.image` logs: an HxW/HxWxC array or tensor
    (numpy, PyTorch, JAX, TensorFlow; `layout="CHW"` for channel-first), a dict of channels or
    layers, or the bytes or path of an EXR file (shown byte for byte). Arrays are encoded with
    `channels`, `pixel_type`, `compression`, `dwa_level` and `layout` exactly as `image` would
    log them. A list of such images is a group; a list of numbers is one array.

    In a group the number keys 1-9 and 0 switch between the images (at the same view), and the
    image named "reference" (or the one chosen in the toolbar) is image B of the error metrics,
    the wipe (W), Shift and the statistics. Every key of the EXR tab works the same (? lists
    them) once the viewer has been clicked.

    Args:
      data: The image, or a list of images; or leave it out and name the images by role.
      title: Shown in the toolbar (default: the images' sizes, or their names).
      height: Height of the viewer in CSS pixels.
      channels, pixel_type, compression, dwa_level, layout: As for `summary.image`, for every image.
      **images_by_role: The images of a comparison group, by role (e.g. input=, output=, reference=).

    Returns:
      The `ExrViewer`; its `update(...)` replaces images in place (e.g. from a training loop).

    Raises:
      ValueError, TypeError: Bad arguments or images, as `summary.image` raises them (naming the
        image), including the writer's limits (`MAX_DIMENSION` per side, `MAX_EXR_BYTES` per
        image and for all images of the viewer together).
    """
    viewer = ExrViewer(data, **arguments)
    ipython_display.display(viewer)
    viewer._displayed_in = _execution_count()
    return viewer


# `help(show)` and IPython's `show?` list the arguments themselves, which are the viewer's.
show.__signature__ = inspect.signature(ExrViewer).replace(return_annotation=ExrViewer)  # type: ignore[attr-defined]


def _execution_count() -> int | None:
    shell = get_ipython()
    return None if shell is None else shell.execution_count


def _is_image_list(data: Any) -> bool:
    """Whether `data` is a list of images (a group) rather than nested numbers (one array)."""
    if not isinstance(data, (list, tuple)) or not data:
        return False
    return not any(isinstance(item, (list, tuple, numbers.Number, np.generic)) for item in data)


def _named_images(data: Any, images_by_role: Mapping[str, Any], call: str) -> list[tuple[str, str, Any]]:
    """(name, role, image) for each image of a `show`/`update` call."""
    if data is not None and images_by_role:
        raise TypeError(
            f"{call}() takes one image (or a list of images) or images by role (input=..., output=...), "
            "not both"
        )
    if images_by_role:
        return [(role, role, image) for role, image in images_by_role.items()]
    if data is None:
        raise TypeError(
            f"{call}() needs an image: {call}(image), {call}([a, b]) or {call}(input=..., output=...)"
        )
    if _is_image_list(data):
        return [(f"{_SINGLE_NAME} {i}", "", image) for i, image in enumerate(data, start=1)]
    return [(_SINGLE_NAME, "", data)]


def _check_total(sizes: Sequence[int]) -> None:
    total = sum(sizes)
    if total > MAX_GROUP_BYTES:
        raise ValueError(
            f"the viewer's images are {total} bytes of EXR together, the limit is {MAX_GROUP_BYTES}; "
            "show fewer or smaller images"
        )


def _default_title(images: Sequence[_Encoded]) -> str:
    if len(images) == 1:
        info = images[0].info
        return f"{info.width}×{info.height}"
    return " · ".join(image.name for image in images)
