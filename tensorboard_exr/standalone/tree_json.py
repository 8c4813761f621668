"""The JSON the page reads from `/api/tree` (the shape is documented in docs/standalone.md).

Every node gets an `id`, the path of titles below the root joined by "/", made unique, which the
page keeps in its URL; every file gets a URL carrying its version, so the page can cache it
forever and still see a re-rendered file, or the reason it cannot be served.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .served_files import FileVersion, RefusedPath, file_version
from .sources import TreeSnapshot
from .tree import Group, ImageLeaf, Node

FILES_PREFIX = "files/"


def file_url(relpath: str, token: str) -> str:
    """The page-relative URL of a served file at one version."""
    return f"{FILES_PREFIX}{quote(relpath)}?v={token}"


def snapshot_json(snapshot: TreeSnapshot, root: Path) -> dict[str, Any]:
    """The `/api/tree` body for a snapshot; files are stat-ed now, so the versions are current."""
    writer = _TreeWriter(root, snapshot.refused, snapshot.versions)
    return {
        "source": snapshot.source,
        "title": snapshot.title,
        "root": writer.node(snapshot.tree, parent_id=None),
        "warnings": list(snapshot.warnings),
    }


class _TreeWriter:
    def __init__(self, root: Path, refused: Mapping[str, str], versions: Mapping[str, FileVersion]) -> None:
        self.root = root
        self.refused = refused
        self.versions = versions
        self.ids: set[str] = set()
        self.files: dict[str, dict[str, Any]] = {}

    def unique_id(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate in self.ids:
            n += 1
            candidate = f"{wanted}~{n}"
        self.ids.add(candidate)
        return candidate

    def node(self, node: Node, parent_id: str | None) -> dict[str, Any]:
        if parent_id is None:
            wanted = ""
        else:
            wanted = f"{parent_id}/{node.title}" if parent_id else node.title
        node_id = self.unique_id(wanted)
        if isinstance(node, Group):
            return {
                "type": "group",
                "id": node_id,
                "title": node.title,
                "reference": node.reference,
                "children": [self.node(child, node_id) for child in node.children],
            }
        if isinstance(node, ImageLeaf):
            return {
                "type": "image",
                "id": node_id,
                "title": node.title,
                "tonemapGroup": node.tonemap_group,
                "file": self.file(node.path),
            }
        return {
            "type": "lossMap",
            "id": node_id,
            "title": node.title,
            "tonemapGroup": node.tonemap_group,
            "metric": node.metric,
            "imageA": self.file(node.image_a),
            "imageB": self.file(node.image_b),
        }

    def file(self, relpath: str) -> dict[str, Any]:
        if relpath not in self.files:
            if relpath in self.refused:
                self.files[relpath] = {"path": relpath, "error": self.refused[relpath]}
            else:
                try:
                    version = self.versions.get(relpath) or file_version(self.root, relpath)
                    self.files[relpath] = {
                        "path": relpath,
                        "url": file_url(relpath, version.token),
                        "size": version.size,
                    }
                except RefusedPath as refusal:
                    self.files[relpath] = {"path": relpath, "error": refusal.message}
        return dict(self.files[relpath])
