"""Where the review tree comes from: a folder scan or a config file, re-read when it changes.

A source answers two questions for the server: what the tree is now (`snapshot`), and whether a
path is one it lists (`may_serve`), which bounds what `/files/` sends beyond the path checks of
`served_files.py`: in a folder, image files only; with a config, only the files the config names.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from .config import ConfigError, LoadedConfig, load_config
from .folder_tree import DEFAULT_MAX_FILES, IMAGE_EXTENSIONS, folder_title, folder_tree
from .served_files import FileVersion
from .tree import Group, ImageLeaf


@dataclass(frozen=True)
class TreeSnapshot:
    """The tree as it is now, with what the user should know about how it was built."""

    source: Literal["folder", "config", "image"]
    title: str
    tree: Group
    warnings: tuple[str, ...] = ()
    # Paths as written in a config that are not served, and why (see config.py).
    refused: Mapping[str, str] = field(default_factory=dict)
    # Versions already known from a folder scan; other files are stat-ed when the tree is sent.
    versions: Mapping[str, FileVersion] = field(default_factory=dict)


class TreeSource(Protocol):
    """What the server needs from a folder or a config."""

    root: Path

    @property
    def title(self) -> str:
        """A title for the page, known without building the tree."""
        ...

    def snapshot(self) -> TreeSnapshot:
        """The current tree; raises ConfigError when a config has become unreadable."""
        ...

    def may_serve(self, relpath: str) -> bool:
        """Whether `relpath` (relative to root) is a file this source lists."""
        ...


class FolderSource:
    """A folder browsed as a tree; rescanned on every snapshot so new results show up."""

    def __init__(self, root: Path, max_files: int = DEFAULT_MAX_FILES) -> None:
        self.root = root
        self.max_files = max_files

    @property
    def title(self) -> str:
        return folder_title(self.root)

    def snapshot(self) -> TreeSnapshot:
        tree, scan = folder_tree(self.root, max_files=self.max_files)
        return TreeSnapshot(
            source="folder",
            title=tree.title,
            tree=tree,
            warnings=tuple(scan.warnings),
            versions=scan.versions,
        )

    def may_serve(self, relpath: str) -> bool:
        return relpath.lower().endswith(IMAGE_EXTENSIONS)


class ConfigSource:
    """A config file; re-parsed when its size or modification time changes.

    When an edit breaks the config, snapshot() raises ConfigError (the page shows it) while files
    of the last good version stay servable, so open views keep working until the fix.
    """

    def __init__(self, config_path: Path, root: Path) -> None:
        self.config_path = config_path
        self.root = root
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._loaded: LoadedConfig | None = None
        self._error: ConfigError | None = None
        self._reload_if_changed()
        if self._error is not None:
            raise self._error

    def _reload_if_changed(self) -> None:
        with self._lock:
            try:
                st = os.stat(self.config_path)
                stamp = (st.st_mtime_ns, st.st_size)
            except OSError as error:
                self._error = ConfigError(f"{self.config_path}: cannot read the config: {error.strerror}")
                self._stamp = None
                return
            if stamp == self._stamp:
                return
            try:
                self._loaded = load_config(self.config_path, self.root)
                self._error = None
            except ConfigError as error:
                self._error = error
            self._stamp = stamp

    @property
    def title(self) -> str:
        self._reload_if_changed()
        if self._loaded is None:
            return self.config_path.name
        # JERI's examples all call the top node "root": the file name says more.
        title = self._loaded.tree.title
        return title if title not in ("", "root") else self.config_path.name

    def snapshot(self) -> TreeSnapshot:
        self._reload_if_changed()
        if self._error is not None:
            raise self._error
        assert self._loaded is not None
        loaded = self._loaded
        return TreeSnapshot(
            source="config",
            title=self.title,
            tree=loaded.tree,
            warnings=tuple(loaded.refused.values()),
            refused=loaded.refused,
        )

    def may_serve(self, relpath: str) -> bool:
        self._reload_if_changed()
        return self._loaded is not None and relpath in self._loaded.files


class ImageFileSource:
    """One image file, served alone (`tensorboard-exr serve render.exr`): nothing else of its
    folder is listed or sent."""

    def __init__(self, path: Path) -> None:
        # A link named on the command line is followed, like a linked root folder.
        real = Path(os.path.realpath(path))
        self.root = real.parent
        self.name = real.name

    @property
    def title(self) -> str:
        return self.name

    def snapshot(self) -> TreeSnapshot:
        tree = Group(title=self.name, children=(ImageLeaf(title=self.name, path=self.name),))
        return TreeSnapshot(source="image", title=self.name, tree=tree)

    def may_serve(self, relpath: str) -> bool:
        return relpath == self.name


def open_source(path: Path, root: Path | None = None, max_files: int = DEFAULT_MAX_FILES) -> TreeSource:
    """The source for a command-line PATH: a folder, one image, or a JSON config (served from
    its folder, or from `root`, which must contain it)."""
    path = path.absolute()
    if root is not None and not path.is_file():
        raise ConfigError(f"--root is only for configs; to serve {root}, pass it as PATH")
    if path.is_dir():
        return FolderSource(path, max_files=max_files)
    if not path.is_file():
        raise ConfigError(f"{path}: no such folder or config file")
    if path.name.lower().endswith(IMAGE_EXTENSIONS):
        if root is not None:
            raise ConfigError(f"--root is only for configs, not for an image ({path.name})")
        return ImageFileSource(path)
    config_root = (root or path.parent).absolute()
    real_root = Path(os.path.realpath(config_root))
    real_config = Path(os.path.realpath(path))
    if not real_config.is_relative_to(real_root):
        raise ConfigError(f"{path}: the config must be inside the served folder {config_root}")
    return ConfigSource(real_config, real_root)
