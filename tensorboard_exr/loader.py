"""The `tensorboard_plugins` entry point: an import-light loader for the EXR plugin.

TensorBoard imports every entry-point module at start-up without catching errors, so a failing
import here would take the whole of TensorBoard down. This module therefore imports only
TensorBoard's `base_plugin`; the plugin itself (and protobuf, etc.) is imported in `load()`, where
TensorBoard catches and logs failures.
"""

from __future__ import annotations

import logging
from typing import Any

from tensorboard.plugins import base_plugin

logger = logging.getLogger(__name__)

DEFAULT_SAMPLES_PER_TAG = 0
"""Steps of each EXR tag TensorBoard keeps unless `--samples_per_plugin exr=N` says otherwise: 0, all.

TensorBoard keeps 10 of an unknown plugin's steps, a random subset, which hides most of a run.
Both loaders hold each kept step's event in RAM, so keeping every step is affordable only because
the events are small: the writer's default `storage="auto"` puts an EXR over 256 KiB
(`summary.INLINE_LIMIT_BYTES`) into a file under the run's `plugins/exr/` folder and the event
carries a few hundred bytes, so RAM grows with the number of steps, not with the logdir's
gigabytes; inline EXRs cost at most 256 KiB each. Logdirs written with `storage="inline"` and
big images need `--samples_per_plugin exr=N` to bound memory.
"""


class ExrLoader(base_plugin.TBLoader):
    """Loads `tensorboard_exr.plugin.ExrPlugin` and sets its default sample count."""

    def fix_flags(self, flags: Any) -> None:
        """Keeps every step of EXR tags (`exr=0`) unless `--samples_per_plugin` names exr."""
        samples = getattr(flags, "samples_per_plugin", None)
        if isinstance(samples, dict):
            samples.setdefault("exr", DEFAULT_SAMPLES_PER_TAG)

    def load(self, context: base_plugin.TBContext) -> base_plugin.TBPlugin | None:
        """Returns the plugin, or None (EXR tab absent, TensorBoard fine) if it cannot be imported."""
        try:
            from tensorboard_exr.event_writer import install_native_crc_in_tensorboard
            from tensorboard_exr.plugin import ExrPlugin
        except ImportError as e:
            logger.warning("tensorboard-exr: the EXR plugin is disabled: %s", e)
            return None
        # Without TensorFlow the Python loader checks every record with a pure-Python CRC32C
        # (~1.6 s per 8 MB EXR); the native one gives the same values.
        install_native_crc_in_tensorboard()
        return ExrPlugin(context)
