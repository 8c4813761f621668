"""Auto-grouping a folder: same-named files in sibling folders become one comparison group."""

from __future__ import annotations

import os
from pathlib import Path

from tensorboard_exr.standalone.folder_tree import folder_tree, group_files, scan_folder
from tensorboard_exr.standalone.served_files import file_version
from tensorboard_exr.standalone.tree import Group, ImageLeaf


def titles(group: Group) -> list[str]:
    return [child.title for child in group.children]


def child(group: Group, title: str) -> Group:
    (found,) = [c for c in group.children if c.title == title]
    assert isinstance(found, Group)
    return found


def test_same_name_in_sibling_folders_forms_one_group_with_the_reference_last() -> None:
    tree = group_files(["denoised/x.exr", "noisy/x.exr", "reference/x.exr"], title="results")
    assert tree.title == "results" and titles(tree) == ["x.exr"]
    group = child(tree, "x.exr")
    assert group.reference == "reference"
    assert group.children == (
        ImageLeaf(title="denoised", path="denoised/x.exr"),
        ImageLeaf(title="noisy", path="noisy/x.exr"),
        ImageLeaf(title="reference", path="reference/x.exr"),
    )


def test_method_scene_layout_groups_methods_when_one_folder_is_the_reference() -> None:
    files = [
        "noisy/bath/beauty.exr",
        "noisy/kitchen/beauty.exr",
        "gt/bath/beauty.exr",
        "gt/kitchen/beauty.exr",
    ]
    tree = group_files(files, title="r")
    assert titles(tree) == ["bath/beauty.exr", "kitchen/beauty.exr"]
    kitchen = child(tree, "kitchen/beauty.exr")
    assert titles(kitchen) == ["noisy", "gt"] and kitchen.reference == "gt"


def test_scene_method_layout_groups_methods_within_each_scene() -> None:
    files = ["bath/noisy/x.exr", "bath/ref/x.exr", "kitchen/noisy/x.exr", "kitchen/ref/x.exr"]
    tree = group_files(files, title="r")
    assert titles(tree) == ["bath", "kitchen"]
    group = child(child(tree, "bath"), "x.exr")
    assert titles(group) == ["noisy", "ref"] and group.reference == "ref"


def test_without_a_reference_folder_the_nearest_level_wins_and_there_is_no_reference() -> None:
    tree = group_files(["a/x.exr", "b/x.exr", "c/y.exr"], title="r")
    assert titles(tree) == ["c", "x.exr"]
    assert child(tree, "x.exr").reference is None
    assert child(tree, "c").children == (ImageLeaf(title="y.exr", path="c/y.exr"),)


def test_members_and_folders_sort_naturally() -> None:
    tree = group_files(["it10/a.exr", "it2/a.exr", "it1/a.exr", "img10.exr", "img9.exr"], title="r")
    assert titles(tree) == ["a.exr", "img9.exr", "img10.exr"]
    assert titles(child(tree, "a.exr")) == ["it1", "it2", "it10"]


def write(path: Path, data: bytes = b"x") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_scan_lists_exr_files_only_and_skips_hidden_entries(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.exr")
    write(tmp_path / "a" / "X2.EXR")
    write(tmp_path / "a" / "notes.txt")
    write(tmp_path / ".cache" / "x.exr")
    write(tmp_path / "a" / ".hidden.exr")
    assert scan_folder(tmp_path).files == ["a/X2.EXR", "a/x.exr"]


def test_scan_follows_no_symlinks_and_says_so(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside / "secret.exr")
    root = tmp_path / "root"
    write(root / "real" / "x.exr")
    os.symlink(outside / "secret.exr", root / "real" / "link.exr")
    os.symlink(outside, root / "linked_dir")
    scan = scan_folder(root)
    assert scan.files == ["real/x.exr"]
    (warning,) = scan.warnings
    assert "2 symbolic link(s) not followed" in warning
    assert "real/link.exr" in warning and "linked_dir" in warning


def test_scan_stops_at_the_file_limit_with_a_warning(tmp_path: Path) -> None:
    for i in range(5):
        write(tmp_path / f"{i}.exr")
    scan = scan_folder(tmp_path, max_files=3)
    assert len(scan.files) == 3
    assert any("more than 3 image files" in w for w in scan.warnings)


def test_an_empty_folder_gives_an_empty_tree_and_a_warning(tmp_path: Path) -> None:
    tree, scan = folder_tree(tmp_path)
    assert tree.children == () and tree.title == tmp_path.name
    assert scan.warnings == [f"no image files (.exr) under {tmp_path}"]


def test_the_scan_knows_each_file_version_as_the_file_server_computes_it(tmp_path: Path) -> None:
    write(tmp_path / "a" / "x.exr", b"12345")
    scan = scan_folder(tmp_path)
    assert scan.versions == {"a/x.exr": file_version(tmp_path, "a/x.exr")}
    assert scan.versions["a/x.exr"].size == 5
