"""`tensorboard_exr.show` and `ExrViewer` in Python and in a real kernel: what the viewer holds is
what the writer logs, bad input fails in the cell and changes nothing, TensorBoard never imports
the notebook libraries, the EXRs travel as binary buffers, the notebook of the browser test runs
headless (nbclient), and its static HTML export shows the tonemapped preview."""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import logged_exrs
from PIL import Image

import tensorboard_exr
from tensorboard_exr import notebook, preview_png
from tensorboard_exr import summary as exr_summary
from tests import viewer_notebook as nb
from tests.browser.pixel_model import displayed

NOTEBOOK_MODULES = ("anywidget", "ipywidgets", "IPython", "comm", "ipykernel")


def test_tensorboard_importing_the_package_and_loading_the_plugin_imports_no_notebook_library(
    tmp_path: Path,
) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import tensorboard_exr
        from tensorboard_exr import summary
        from tensorboard.plugins import base_plugin
        from tensorboard_exr.loader import ExrLoader
        context = base_plugin.TBContext(logdir={str(tmp_path)!r}, multiplexer=None, flags=None)
        ExrLoader().load(context)
        print(sorted(m for m in {NOTEBOOK_MODULES!r} if m in sys.modules))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]", result.stdout + result.stderr


def test_show_is_found_at_the_top_level() -> None:
    assert tensorboard_exr.show is notebook.show
    assert tensorboard_exr.ExrViewer is notebook.ExrViewer
    assert "show" in dir(tensorboard_exr)
    with pytest.raises(AttributeError, match="no attribute 'shwo'"):
        tensorboard_exr.shwo  # noqa: B018


def _logged(tmp_path: Path, data, **options) -> bytes:
    with exr_summary.Writer(tmp_path, background=False, storage="inline") as writer:
        exr_summary.image("t", data, 0, writer=writer, **options)
    ((_, (_, exr)),) = logged_exrs(tmp_path).items()
    return exr


@pytest.mark.parametrize(
    "options",
    [{}, {"pixel_type": "float", "compression": "piz"}, {"compression": "dwaa", "dwa_level": 30.0}],
    ids=["half-zip", "float-piz", "dwaa"],
)
def test_the_viewer_holds_the_bytes_the_writer_logs(tmp_path: Path, options: dict) -> None:
    image = nb.gradient()
    viewer = notebook.ExrViewer(image, **options)
    assert viewer._members[0].exr == _logged(tmp_path, image, **options)


def test_layers_tensors_and_files_are_shown_as_logged(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    layers = {"beauty": nb.gradient(), "depth": nb.gradient()[..., 0]}
    chw = torch.from_numpy(nb.gradient()).permute(2, 0, 1)
    path = tmp_path / "file.exr"
    path.write_bytes(_logged(tmp_path / "a", nb.gradient()))
    viewer = notebook.ExrViewer(layers=layers, tensor=chw.permute(1, 2, 0), file=path)
    assert viewer.names == ["layers", "tensor", "file"]
    assert viewer._members[0].exr == _logged(tmp_path / "b", layers)
    assert viewer._members[1].exr == _logged(tmp_path / "c", nb.gradient())
    assert viewer._members[2].exr == path.read_bytes()
    group = notebook.ExrViewer([chw, chw], layout="CHW")
    assert group.names == ["image 1", "image 2"]
    assert group._members[0].exr == _logged(tmp_path / "d", chw, layout="CHW")


def test_a_comparison_group_by_role() -> None:
    viewer = notebook.ExrViewer(input=nb.gradient(), output=nb.gradient() * 2, reference=nb.gradient())
    assert viewer.names == ["input", "output", "reference"]
    assert [m.role for m in viewer._members] == ["input", "output", "reference"]
    assert viewer.title == "input · output · reference"
    assert "output: 48x32, B,G,R half, zip" in viewer._members[1].description


def test_update_replaces_only_the_named_images() -> None:
    viewer = notebook.ExrViewer(input=nb.gradient(), output=nb.gradient() * 2, reference=nb.gradient())
    before = [m.sha256 for m in viewer._members]
    viewer.update(output=nb.gradient() * 3, extra=nb.gradient() * 4)
    after = [m.sha256 for m in viewer._members]
    assert viewer.names == ["input", "output", "reference", "extra"]
    assert after[0] == before[0] and after[2] == before[2] and after[1] != before[1]
    single = notebook.ExrViewer(nb.gradient())
    single.update(nb.updated())
    assert single.names == ["image"]
    assert single._members[0].exr == notebook.ExrViewer(nb.updated())._members[0].exr


def test_bad_input_fails_in_the_cell_and_changes_nothing() -> None:
    with pytest.raises(TypeError, match="needs an image"):
        notebook.ExrViewer()
    with pytest.raises(TypeError, match="not both"):
        notebook.ExrViewer(nb.gradient(), output=nb.gradient())
    with pytest.raises(ValueError, match="'output'.*7 channels need names"):
        notebook.ExrViewer(input=nb.gradient(), output=np.ones((4, 4, 7)))
    with pytest.raises(ValueError, match="limit is 32768 per side"):
        notebook.ExrViewer(np.broadcast_to(np.float16(1), (1, 40000)))
    with pytest.raises(ValueError, match="height must be"):
        notebook.ExrViewer(nb.gradient(), height=10)
    viewer = notebook.ExrViewer(input=nb.gradient(), output=nb.gradient())
    before = [m.exr for m in viewer._members]
    with pytest.raises(TypeError, match="name the ones to replace"):
        viewer.update(nb.gradient())
    with pytest.raises(TypeError, match="'input': unsupported dtype"):
        viewer.update(output=nb.gradient() * 2, input=np.array([["a"]]))
    assert [m.exr for m in viewer._members] == before


def test_close_frees_the_images_and_a_closed_viewer_displays_nothing() -> None:
    viewer = notebook.ExrViewer(input=nb.gradient(), output=nb.gradient())
    members = list(viewer._members)
    viewer.close()
    assert viewer.comm is None and all(member.comm is None for member in members)
    viewer._ipython_display_()  # no error, no output


def test_the_size_of_a_viewer_is_capped_like_one_logged_image(monkeypatch: pytest.MonkeyPatch) -> None:
    one = len(notebook.ExrViewer(nb.gradient())._members[0].exr)
    monkeypatch.setattr(notebook, "MAX_GROUP_BYTES", one + 10)
    with pytest.raises(ValueError, match="bytes of EXR together, the limit is"):
        notebook.ExrViewer([nb.gradient(), nb.gradient()])
    viewer = notebook.ExrViewer(input=nb.gradient())
    with pytest.raises(ValueError, match="the limit is"):
        viewer.update(output=nb.gradient())
    assert viewer.names == ["input"]


def _png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def test_the_preview_is_the_viewers_default_view_of_the_first_layer() -> None:
    image = nb.gradient()
    image[0, 1] = [np.nan, 0, 0]
    image[0, 2] = [np.inf, 0, 0]
    image[0, 3] = [-np.inf, 0, 0]
    exr = notebook.ExrViewer({"beauty": image, "albedo": np.zeros_like(image)})._members[0].exr
    pixels = _png_pixels(preview_png.preview_png([exr]))
    assert pixels.shape == (32, 48, 3)
    stored = nb.stored(image)
    for y, x in [(0, 0), (0, 1), (0, 2), (0, 3), (9, 20), (31, 47)]:
        assert tuple(pixels[y, x]) == displayed(tuple(stored[y, x])), (x, y)


def test_the_preview_of_a_group_is_a_strip_and_large_images_are_scaled_down() -> None:
    exr = notebook.ExrViewer(nb.gradient())._members[0].exr
    assert _png_pixels(preview_png.preview_png([exr, exr])).shape == (32, 48 * 2 + 8, 3)
    big = notebook.ExrViewer(np.full((1080, 1920), 0.5, np.float32))._members[0].exr
    pixels = _png_pixels(preview_png.preview_png([big]))
    assert pixels.shape == (540, 960, 3) and (pixels == displayed((0.5,))).all()


def test_the_output_bundle_carries_the_preview_and_a_summary() -> None:
    viewer = notebook.ExrViewer(input=nb.gradient(), output=nb.gradient())
    data, _ = viewer._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == viewer.model_id
    assert _png_pixels(base64.b64decode(data["image/png"])).shape == (32, 48 * 2 + 8, 3)
    assert data["text/plain"].splitlines()[1:] == [f"  {m.description}" for m in viewer._members]


# ---- in a real kernel ---------------------------------------------------------------------------

jupyter_client = pytest.importorskip("jupyter_client")


def _execute(client, code: str, timeout: float = 120.0) -> list[dict]:
    """Runs `code`; returns every iopub message it caused (raises on an error)."""
    message_id = client.execute(code)
    messages = []
    while True:
        message = client.get_iopub_msg(timeout=timeout)
        if message["parent_header"].get("msg_id") != message_id:
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    # Raised once idle: a request sent while the kernel still handles an error would be aborted.
    for error in (m["content"] for m in messages if m["msg_type"] == "error"):
        raise AssertionError(f"cell failed: {error['ename']}: {error['evalue']}")
    return messages


def test_in_a_kernel_the_exrs_travel_as_binary_buffers_and_show_displays_once() -> None:
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:
        _execute(client, nb.SETUP)
        messages = _execute(client, "v = tensorboard_exr.show(gradient)\nv")
        displays = [m for m in messages if m["msg_type"] in ("display_data", "execute_result")]
        assert len(displays) == 1, "show() as the cell's value must not display the viewer twice"
        assert {"image/png", "application/vnd.jupyter.widget-view+json"} <= set(
            displays[0]["content"]["data"]
        )
        opened = [m for m in messages if m["msg_type"] == "comm_open"]
        image = next(m for m in opened if m["content"]["data"]["state"].get("_model_name") == "WidgetModel"
                     and "sha256" in m["content"]["data"]["state"])  # fmt: skip
        assert image["content"]["data"]["buffer_paths"] == [["exr"]]
        (buffer,) = image["buffers"]
        assert len(buffer) > 1000 and bytes(buffer[:4]) == b"\x76\x2f\x31\x01"
        assert "exr" not in image["content"]["data"]["state"]  # no base64 copy in the JSON
        updated = _execute(client, "v.update(gradient * 0.5)")
        (change,) = [m for m in updated if m["msg_type"] == "comm_msg"]
        assert change["content"]["comm_id"] == image["content"]["comm_id"]
        assert change["content"]["data"]["buffer_paths"] == [["exr"]]
        # Bad input: the error, naming the image, in the cell; the kernel carries on.
        with pytest.raises(AssertionError, match="ValueError: tag 'image': 7 channels need names"):
            _execute(client, "tensorboard_exr.show(np.ones((4, 4, 7)))")
        with pytest.raises(AssertionError, match="ValueError: tag 'output'.*limit is 32768 per side"):
            _execute(client, "tensorboard_exr.show(output=np.zeros((1, 40000), np.float16))")
        # A second viewer reuses the kernel's runtime widget (the wasm is sent once).
        again = _execute(client, "w = tensorboard_exr.show(gradient)")
        assert not [m for m in again if m["msg_type"] == "comm_open" and "wasm" in str(m["content"]["data"])]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _run_notebook(tmp_path: Path, store_widget_state: bool) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    notebook_node = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in nb.CELLS])
    client = NotebookClient(
        notebook_node,
        kernel_name="python3",
        timeout=120,
        store_widget_state=store_widget_state,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    return client.execute()


def test_the_browser_tests_notebook_runs_headless_and_its_html_export_shows_the_preview(
    tmp_path: Path,
) -> None:
    from nbconvert import HTMLExporter

    # As JupyterLab saves a notebook by default: outputs, no widget state.
    executed = _run_notebook(tmp_path, store_widget_state=False)
    for index in (1, 2):
        (output,) = executed.cells[index].outputs
        assert {"image/png", "application/vnd.jupyter.widget-view+json"} <= set(output["data"])
    html, _ = HTMLExporter().from_notebook_node(executed)
    previews = re.findall(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(previews) == 2
    single = _png_pixels(base64.b64decode(previews[0]))
    stored = nb.stored(nb.gradient())  # the image as first shown: update() came later
    for y, x in [(0, 0), (9, 20), (31, 47)]:
        assert tuple(single[y, x]) == displayed(tuple(stored[y, x]))
    assert _png_pixels(base64.b64decode(previews[1])).shape == (32, 3 * 48 + 2 * 8, 3)


def test_nbclient_with_widget_state_keeps_the_images_once(tmp_path: Path) -> None:
    executed = _run_notebook(tmp_path, store_widget_state=True)
    state = executed.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    runtimes = [s for s in state.values() if "runtime_id" in s["state"]]
    images = [s for s in state.values() if "sha256" in s["state"]]
    assert len(runtimes) == 1 and len(images) == 4  # one runtime; one image, then a group of three
    assert all(s["buffers"][0]["path"] == ["exr"] for s in images)
