"""A real JupyterLab server for tests: on 127.0.0.1, with a token the test sets, serving a
temporary root folder, its kernels this venv's Python (ipykernel), its settings and runtime files
in a temporary folder of their own (nothing of the user's Jupyter set-up is read or written)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat


@dataclass(frozen=True)
class JupyterServer:
    url: str
    token: str
    root: Path

    def lab(self, notebook: str) -> str:
        """The URL of `notebook` (relative to the root) in JupyterLab."""
        return f"{self.url}lab/tree/{notebook}?token={self.token}"

    def notebook7(self, notebook: str) -> str:
        """The URL of `notebook` in Jupyter Notebook 7 (served by the same server)."""
        return f"{self.url}notebooks/{notebook}?token={self.token}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def jupyter_lab(folder: Path) -> Iterator[JupyterServer]:
    """Runs `jupyter lab` on a free port with `folder/root` as its root; stops it afterwards."""
    root, home = folder / "root", folder / "jupyter"
    root.mkdir(parents=True, exist_ok=True)
    settings = home / "lab-settings"
    # Every cell rendered, not only those in view: the tests read pixels of outputs anywhere.
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True, exist_ok=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    port, token = _free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
        # window.jupyterapp, which the tests drive (tests/browser/notebook_page.py)
        "--LabApp.expose_app_in_browser=True", "--JupyterNotebookApp.expose_app_in_browser=True",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        # Only the package registries are reachable, and a test asks none of them anything.
        "--LabApp.extension_manager=readonly",
        *(["--allow-root"] if os.geteuid() == 0 else []),
    ]  # fmt: skip
    log = (folder / "jupyter.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = JupyterServer(f"http://127.0.0.1:{port}/", token, root)
    try:
        _wait_until_up(server, process, folder / "jupyter.log")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_until_up(server: JupyterServer, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"jupyter lab exited ({process.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}api/status?token={server.token}", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"jupyter lab did not start within {timeout} s:\n{log.read_text()[-3000:]}")


def write_notebook(path: Path, cells: list[str]) -> None:
    """A notebook of code cells, for this venv's `python3` kernel."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    )
    nbformat.write(notebook, path)
