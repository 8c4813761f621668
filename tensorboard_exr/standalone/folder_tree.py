"""A review tree from a plain folder: same-named files in sibling folders become one group.

`noisy/x.exr`, `denoised/x.exr` and `reference/x.exr` form the group `x.exr` with the members
`denoised`, `noisy`, `reference`, so serving a results folder gives toggles and error maps with no
config. More generally a file `P/D/R` (P a folder path, D one folder, R the rest of the path) is
grouped with `P/D2/R`, `P/D3/R` ...; when a file could be grouped at several levels the level
whose member folders include a reference-like name (REFERENCE_NAMES) wins, then the one nearest
the file (same file name in sibling folders), then the one with more members. Files that match
nothing are single images in the folder they live in.

The scan follows no symlinks and skips hidden entries, like the file server (`served_files.py`),
so the tree lists exactly the files the server will send.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .served_files import FileVersion
from .tree import Group, ImageLeaf, Node, natural_key

IMAGE_EXTENSIONS: tuple[str, ...] = (".exr",)

# Folder names that mark the ground truth of a comparison (compared case-insensitively), in the
# order of preference when a group has several.
REFERENCE_NAMES: tuple[str, ...] = (
    "reference",
    "ref",
    "gt",
    "groundtruth",
    "ground_truth",
    "ground-truth",
    "target",
)

DEFAULT_MAX_FILES = 50_000
_MAX_DEPTH = 32
_MAX_LISTED = 5


@dataclass
class FolderScan:
    """The image files under a root, as sorted POSIX relative paths, and what was skipped."""

    files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # The scan's own lstat of each file, so the tree needs no second stat per file.
    versions: dict[str, FileVersion] = field(default_factory=dict)


def scan_folder(root: Path, max_files: int = DEFAULT_MAX_FILES) -> FolderScan:
    """Finds the image files under `root` without following symlinks or entering hidden folders."""
    scan = FolderScan()
    symlinks: list[str] = []
    unreadable: list[str] = []
    truncated = False
    pending: list[tuple[Path, str, int]] = [(root, "", 0)]
    while pending and not truncated:
        folder, prefix, depth = pending.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as error:
            unreadable.append(f"{prefix or '.'} ({error.strerror})")
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            relpath = f"{prefix}{entry.name}"
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError as error:
                unreadable.append(f"{relpath} ({error.strerror})")
                continue
            mode = st.st_mode
            if stat.S_ISLNK(mode):
                if entry.name.lower().endswith(IMAGE_EXTENSIONS) or _is_dir_target(entry):
                    symlinks.append(relpath)
            elif stat.S_ISDIR(mode):
                if depth + 1 < _MAX_DEPTH:
                    pending.append((Path(entry.path), relpath + "/", depth + 1))
                else:
                    unreadable.append(f"{relpath} (deeper than {_MAX_DEPTH} levels)")
            elif stat.S_ISREG(mode) and entry.name.lower().endswith(IMAGE_EXTENSIONS):
                if len(scan.files) >= max_files:
                    truncated = True
                    break
                scan.files.append(relpath)
                scan.versions[relpath] = FileVersion.of(st)
    scan.files.sort()
    if truncated:
        scan.warnings.append(f"more than {max_files} image files: only the first {max_files} are listed")
    if symlinks:
        scan.warnings.append(
            f"{len(symlinks)} symbolic link(s) not followed (the server never follows links): "
            + _listing(symlinks)
        )
    if unreadable:
        scan.warnings.append(f"{len(unreadable)} entries could not be read: " + _listing(unreadable))
    if not scan.files and not truncated:
        extensions = ", ".join(IMAGE_EXTENSIONS)
        scan.warnings.append(f"no image files ({extensions}) under {root}")
    return scan


def _is_dir_target(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir(follow_symlinks=True)
    except OSError:
        return False


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f" and {len(items) - _MAX_LISTED} more" if len(items) > _MAX_LISTED else "")


def reference_rank(name: str) -> int | None:
    """Position of a folder name in REFERENCE_NAMES, or None if it does not name a reference."""
    lowered = name.casefold()
    return REFERENCE_NAMES.index(lowered) if lowered in REFERENCE_NAMES else None


def pick_reference(member_names: list[str]) -> str | None:
    """The member that is the default reference of a group, if one is named like a reference."""
    ranked = [(rank, name) for name in member_names if (rank := reference_rank(name)) is not None]
    return min(ranked)[1] if ranked else None


# A candidate group: the folder it lives in (P) and the path below the member folders (R).
_Key = tuple[tuple[str, ...], tuple[str, ...]]


def group_files(files: list[str], title: str) -> Group:
    """Builds the review tree for `files` (POSIX paths relative to the root titled `title`)."""
    candidates: dict[_Key, dict[str, str]] = defaultdict(dict)
    for path in files:
        parts = tuple(path.split("/"))
        for k in range(len(parts) - 1):
            candidates[(parts[:k], parts[k + 1 :])][parts[k]] = path

    def preference(item: tuple[_Key, dict[str, str]]) -> tuple[object, ...]:
        (parent, rest), members = item
        has_reference = pick_reference(list(members)) is not None
        return (not has_reference, len(rest), -len(members), natural_key("/".join(parent + rest)))

    assigned: set[str] = set()
    folders = _FolderNode()
    for (parent, rest), members in sorted(
        ((key, members) for key, members in candidates.items() if len(members) >= 2), key=preference
    ):
        free = {name: path for name, path in members.items() if path not in assigned}
        if len(free) < 2:
            continue
        assigned.update(free.values())
        reference = pick_reference(list(free))
        order = sorted(free, key=lambda name: (name == reference, natural_key(name)))
        group = Group(
            title="/".join(rest),
            children=tuple(ImageLeaf(title=name, path=free[name]) for name in order),
            reference=reference,
        )
        folders.at(parent).entries.append(group)
    for path in files:
        if path not in assigned:
            *parent, name = path.split("/")
            folders.at(tuple(parent)).entries.append(ImageLeaf(title=name, path=path))
    return folders.to_group(title)


@dataclass
class _FolderNode:
    subfolders: dict[str, _FolderNode] = field(default_factory=dict)
    entries: list[Node] = field(default_factory=list)

    def at(self, parts: tuple[str, ...]) -> _FolderNode:
        node = self
        for part in parts:
            node = node.subfolders.setdefault(part, _FolderNode())
        return node

    def to_group(self, title: str) -> Group:
        children: list[Node] = [sub.to_group(name) for name, sub in self.subfolders.items()]
        children.extend(self.entries)
        children.sort(key=lambda node: natural_key(node.title))
        return Group(title=title, children=tuple(children))


def folder_tree(root: Path, max_files: int = DEFAULT_MAX_FILES) -> tuple[Group, FolderScan]:
    """Scans `root` and groups what it finds; returns the tree and the scan."""
    scan = scan_folder(root, max_files=max_files)
    return group_files(scan.files, title=folder_title(root)), scan


def folder_title(root: Path) -> str:
    """How a served folder is titled: its name."""
    return root.name or str(root)
