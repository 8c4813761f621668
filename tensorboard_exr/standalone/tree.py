"""The review tree: groups whose leaves are images or error maps.

Both sources of a tree, a JSON config (`config.py`) and a folder scan (`folder_tree.py`), produce
these nodes; the server turns them into the JSON the page reads (`/api/tree`, docs/standalone.md).
Paths are POSIX paths relative to the served root and never contain `..`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from tensorboard_exr.metrics import METRICS

# The error metrics of the viewer, by the id the page uses: those of the Python reference
# implementation, which mirrors METRICS in frontend/src/render/pipeline.ts (a test keeps the two
# in sync); "none" is not a metric a loss map can ask for.
METRIC_IDS: tuple[str, ...] = tuple(METRICS)

# JERI's loss-function names (its `lossFunctionFromString`) and the metric each one is here; the
# formulas match JERI's shader, epsilons included, except SSIM's window and luma
# (docs/standalone.md lists the differences).
JERI_METRICS: dict[str, str] = {
    "L1": "l1",
    "L2": "l2",
    "MAPE": "mape",
    "MRSE": "mrse",
    "SMAPE": "smape",
    "SSIM": "ssim",
}

DEFAULT_TONEMAP_GROUP = "default"


def metric_from_name(name: str) -> str | None:
    """The metric id for a loss-map function name: JERI's names, or ours in any letter case."""
    if name in JERI_METRICS:
        return JERI_METRICS[name]
    lowered = name.strip().lower()
    if lowered in METRIC_IDS:
        return lowered
    return None


@dataclass(frozen=True)
class ImageLeaf:
    """One image file, shown as it is."""

    title: str
    path: str
    tonemap_group: str = DEFAULT_TONEMAP_GROUP


@dataclass(frozen=True)
class LossMapLeaf:
    """A per-pixel error map `metric(image_a, image_b)`, computed by the viewer's shader."""

    title: str
    metric: str
    image_a: str
    image_b: str
    tonemap_group: str = DEFAULT_TONEMAP_GROUP


@dataclass(frozen=True)
class Group:
    """A node with children. Its leaf children are the members number keys toggle between.

    `reference` names the member (by title) that is the default right-hand side of an error map
    when the viewer's metric is switched on for this group, or None when there is none.
    """

    title: str
    children: tuple[Node, ...] = field(default_factory=tuple)
    reference: str | None = None


Node = Group | ImageLeaf | LossMapLeaf


def referenced_paths(node: Node) -> list[str]:
    """Every file path a tree refers to, in tree order, without duplicates."""
    seen: dict[str, None] = {}

    def visit(n: Node) -> None:
        if isinstance(n, Group):
            for child in n.children:
                visit(child)
        elif isinstance(n, ImageLeaf):
            seen.setdefault(n.path, None)
        else:
            seen.setdefault(n.image_a, None)
            seen.setdefault(n.image_b, None)

    visit(node)
    return list(seen)


_DIGITS = re.compile(r"(\d+)")


# Cached: a results folder repeats the same few names (methods, passes) thousands of times.
@functools.lru_cache(maxsize=1 << 16)
def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts `img2` before `img10` (case-insensitive otherwise)."""
    return tuple(
        [(0, int(part)) if part.isdigit() else (1, part.casefold()) for part in _DIGITS.split(text) if part]
    )
