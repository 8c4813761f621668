"""The review config: a JSON tree of groups whose leaves are images or error maps.

The format is JERI's `data` object (disneyresearch/jeri, `InputTree`), so a JERI config saved as
JSON opens unchanged:

    {"title": "root", "children": [
      {"title": "Living room", "children": [
        {"title": "Denoised", "image": "images/denoised.exr"},
        {"title": "Reference", "image": "images/reference.exr"},
        {"title": "L1", "tonemapGroup": "other",
         "lossMap": {"function": "L1", "imageA": "images/denoised.exr", "imageB": "images/reference.exr"}}]}]}

Paths are relative to the config file. Additions (ignored by JERI): a group may name its
`reference` member (the default right-hand side of the viewer's error metric), and a loss map's
`function` may be any of our metric ids as well as JERI's names (tree.JERI_METRICS).
docs/standalone.md is the full description.

Structural mistakes raise ConfigError naming the file and the node. A path that cannot be served
(a URL, an absolute path, one leaving the served root) does not: that leaf is kept and reported
as refused, so one bad entry does not hide the rest.
"""

from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .tree import (
    DEFAULT_TONEMAP_GROUP,
    JERI_METRICS,
    METRIC_IDS,
    Group,
    ImageLeaf,
    LossMapLeaf,
    Node,
    metric_from_name,
    referenced_paths,
)

MAX_CONFIG_BYTES = 16 * 1024 * 1024
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_DRIVE = re.compile(r"^[a-zA-Z]:[\\/]")


class ConfigError(ValueError):
    """A config that cannot be read, with the file and the node it is about in the message."""


@dataclass(frozen=True)
class LoadedConfig:
    """A parsed config: the tree, paths relative to the served root, and refused paths."""

    tree: Group
    # Paths as written in the config that will not be served, and why.
    refused: dict[str, str] = field(default_factory=dict)

    @property
    def files(self) -> frozenset[str]:
        """The root-relative paths the config lists and the server may send."""
        return frozenset(p for p in referenced_paths(self.tree) if p not in self.refused)


def load_config(config_path: Path, root: Path) -> LoadedConfig:
    """Reads and checks a config; `root` is the served folder and contains the config."""
    try:
        size = config_path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                f"{config_path}: {size} bytes is too large for a config (limit {MAX_CONFIG_BYTES})"
            )
        text = config_path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise ConfigError(f"{config_path}: cannot read the config: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{config_path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(
            f"{config_path}: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    base = config_path.parent.relative_to(root).as_posix()
    parser = _Parser(config_path, "" if base == "." else base)
    tree = parser.node(data, default_title=config_path.stem, where=())
    if not isinstance(tree, Group):
        tree = Group(title=config_path.stem, children=(tree,))
    return LoadedConfig(tree=tree, refused=parser.refused)


class _Parser:
    def __init__(self, config_path: Path, base: str) -> None:
        self.config_path = config_path
        self.base = base
        self.refused: dict[str, str] = {}

    def fail(self, where: tuple[str, ...], message: str) -> ConfigError:
        node = " › ".join(where) if where else "the top-level node"
        return ConfigError(f"{self.config_path}: {node}: {message}")

    def node(self, data: Any, default_title: str | None, where: tuple[str, ...], index: int = 0) -> Node:
        if not isinstance(data, dict):
            raise self.fail((*where, f"child {index}"), f"expected an object with a title, got {_kind(data)}")
        title = data.get("title", default_title)
        if not isinstance(title, str):
            raise self.fail((*where, f"child {index}"), "every node needs a string 'title'")
        where = (*where, repr(title))
        kinds = [key for key in ("children", "image", "lossMap") if key in data]
        if len(kinds) != 1:
            found = " and ".join(repr(k) for k in kinds) if kinds else "none of them"
            raise self.fail(
                where, f"a node has exactly one of 'children', 'image', 'lossMap' (found {found})"
            )
        tonemap_group = data.get("tonemapGroup", DEFAULT_TONEMAP_GROUP)
        if not isinstance(tonemap_group, str):
            raise self.fail(where, f"'tonemapGroup' must be a string, got {_kind(tonemap_group)}")
        if kinds[0] == "children":
            return self.group(data, title, where)
        if kinds[0] == "image":
            return ImageLeaf(
                title=title, path=self.path(data["image"], where, "image"), tonemap_group=tonemap_group
            )
        return self.loss_map(data["lossMap"], title, tonemap_group, where)

    def group(self, data: dict[str, Any], title: str, where: tuple[str, ...]) -> Group:
        children_data = data["children"]
        if not isinstance(children_data, list):
            raise self.fail(where, f"'children' must be a list, got {_kind(children_data)}")
        children = tuple(self.node(child, None, where, i) for i, child in enumerate(children_data))
        reference = data.get("reference")
        if reference is not None:
            titles = [child.title for child in children if not isinstance(child, Group)]
            if not isinstance(reference, str) or reference not in titles:
                raise self.fail(where, f"'reference' must be the title of one of its images, one of {titles}")
        return Group(title=title, children=children, reference=reference)

    def loss_map(self, data: Any, title: str, tonemap_group: str, where: tuple[str, ...]) -> LossMapLeaf:
        if not isinstance(data, dict):
            raise self.fail(where, f"'lossMap' must be an object, got {_kind(data)}")
        missing = [key for key in ("function", "imageA", "imageB") if key not in data]
        if missing:
            raise self.fail(where, f"'lossMap' lacks {', '.join(repr(k) for k in missing)}")
        function = data["function"]
        metric = metric_from_name(function) if isinstance(function, str) else None
        if metric is None:
            known = ", ".join([*JERI_METRICS, *METRIC_IDS])
            raise self.fail(where, f"unknown lossMap function {function!r}; known: {known}")
        return LossMapLeaf(
            title=title,
            metric=metric,
            image_a=self.path(data["imageA"], where, "lossMap.imageA"),
            image_b=self.path(data["imageB"], where, "lossMap.imageB"),
            tonemap_group=tonemap_group,
        )

    def path(self, value: Any, where: tuple[str, ...], key: str) -> str:
        """A config path made relative to the served root, or kept as written and refused."""
        if not isinstance(value, str) or not value:
            raise self.fail(where, f"'{key}' must be a non-empty path string, got {_kind(value)}")
        if value.startswith("/") or _DRIVE.match(value):
            reason = "absolute paths are not served: write it relative to the config"
        elif _URL.match(value):
            reason = "URLs are not fetched: only files under the served folder are"
        elif "\\" in value or "\x00" in value:
            reason = "use '/' to separate folders"
        else:
            resolved = posixpath.normpath(posixpath.join(self.base, value))
            if resolved == ".." or resolved.startswith("../"):
                reason = "it leaves the served folder (use --root to serve a folder that contains it)"
            else:
                return resolved
        self.refused.setdefault(value, f"{' › '.join(where)}: {value!r} refused: {reason}")
        return value


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__
    )
