"""The entry-point loader: import-light, and its default for --samples_per_plugin."""

from __future__ import annotations

import argparse
import subprocess
import sys

from tensorboard_exr import loader


def test_entry_point_module_imports_neither_openexr_nor_numpy():
    # A failing import in the entry-point module would take TensorBoard down: keep it minimal.
    script = (
        "import sys, tensorboard_exr.loader; "
        "heavy = ('OpenEXR', 'numpy', 'google_crc32c', 'tensorboard_exr.plugin'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_entry_point_is_declared_in_the_installed_metadata():
    from importlib.metadata import entry_points

    (entry,) = [e for e in entry_points(group="tensorboard_plugins") if e.name == "exr"]
    assert entry.value == "tensorboard_exr.loader:ExrLoader"
    assert entry.load() is loader.ExrLoader


def test_fix_flags_sets_the_default_only_when_the_user_did_not():
    flags = argparse.Namespace(samples_per_plugin={"images": 3})
    loader.ExrLoader().fix_flags(flags)
    assert flags.samples_per_plugin == {"images": 3, "exr": 0}  # 0: every step
    flags = argparse.Namespace(samples_per_plugin={"exr": 25})
    loader.ExrLoader().fix_flags(flags)
    assert flags.samples_per_plugin == {"exr": 25}
