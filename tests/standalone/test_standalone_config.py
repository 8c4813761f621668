"""The review config: JERI's format read unchanged, our additions, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tensorboard_exr.standalone.config import ConfigError, load_config
from tensorboard_exr.standalone.tree import JERI_METRICS, Group, ImageLeaf, LossMapLeaf

# The shape of JERI's own example viewer data (build_web/examples/example_viewer.html), as JSON.
JERI_EXAMPLE = {
    "title": "root",
    "children": [
        {
            "title": "Living room",
            "children": [
                {"title": "Denoised", "image": "images/test_image.exr"},
                {"title": "Input", "image": "images/test_input.exr"},
                {"title": "Reference", "image": "images/test_reference.exr"},
                {
                    "title": "1-SSIM",
                    "tonemapGroup": "other",
                    "lossMap": {
                        "function": "SSIM",
                        "imageA": "images/test_image.exr",
                        "imageB": "images/test_reference.exr",
                    },
                },
                {
                    "title": "L1",
                    "tonemapGroup": "other",
                    "lossMap": {
                        "function": "L1",
                        "imageA": "images/test_image.exr",
                        "imageB": "images/test_reference.exr",
                    },
                },
            ],
        },
        {"title": "Mountains", "image": "images/test_image.jpg"},
    ],
}


def write_config(folder: Path, data: object, name: str = "config.json") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def test_jeri_example_reads_into_groups_images_and_loss_maps(tmp_path: Path) -> None:
    loaded = load_config(write_config(tmp_path, JERI_EXAMPLE), tmp_path)
    living_room, mountains = loaded.tree.children
    assert isinstance(living_room, Group) and living_room.title == "Living room"
    denoised, _, _, ssim, l1 = living_room.children
    assert denoised == ImageLeaf(title="Denoised", path="images/test_image.exr")
    assert l1 == LossMapLeaf(
        title="L1",
        metric="l1",
        image_a="images/test_image.exr",
        image_b="images/test_reference.exr",
        tonemap_group="other",
    )
    assert isinstance(ssim, LossMapLeaf) and ssim.metric == "ssim"
    assert mountains == ImageLeaf(title="Mountains", path="images/test_image.jpg")
    assert loaded.refused == {}


@pytest.mark.parametrize(("jeri_name", "metric"), sorted(JERI_METRICS.items()))
def test_every_jeri_loss_function_maps_to_a_metric(tmp_path: Path, jeri_name: str, metric: str) -> None:
    config = {"title": "t", "lossMap": {"function": jeri_name, "imageA": "a.exr", "imageB": "b.exr"}}
    (leaf,) = load_config(write_config(tmp_path, config), tmp_path).tree.children
    assert isinstance(leaf, LossMapLeaf) and leaf.metric == metric


def test_our_metric_ids_are_accepted_in_any_case(tmp_path: Path) -> None:
    config = {"title": "t", "lossMap": {"function": "Rae", "imageA": "a.exr", "imageB": "b.exr"}}
    (leaf,) = load_config(write_config(tmp_path, config), tmp_path).tree.children
    assert isinstance(leaf, LossMapLeaf) and leaf.metric == "rae"


def test_paths_are_relative_to_the_config_and_normalised(tmp_path: Path) -> None:
    config = {"title": "r", "children": [{"title": "a", "image": "../renders/./a.exr"}]}
    loaded = load_config(write_config(tmp_path / "configs", config), tmp_path)
    assert loaded.tree.children == (ImageLeaf(title="a", path="renders/a.exr"),)
    assert loaded.files == {"renders/a.exr"}


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("../outside.exr", "leaves the served folder"),
        ("/etc/passwd", "absolute paths are not served"),
        ("https://example.com/a.exr", "URLs are not fetched"),
        ("C:\\images\\a.exr", "absolute paths are not served"),
        ("images\\a.exr", "use '/'"),
    ],
)
def test_unservable_paths_are_refused_per_leaf_not_for_the_whole_config(
    tmp_path: Path, path: str, reason: str
) -> None:
    config = {
        "title": "r",
        "children": [{"title": "bad", "image": path}, {"title": "good", "image": "a.exr"}],
    }
    loaded = load_config(write_config(tmp_path, config), tmp_path)
    assert reason in loaded.refused[path] and "'bad'" in loaded.refused[path]
    assert loaded.files == {"a.exr"}


def test_unknown_loss_function_names_the_node_and_the_known_names(tmp_path: Path) -> None:
    config = {
        "title": "r",
        "children": [{"title": "err", "lossMap": {"function": "L3", "imageA": "a", "imageB": "b"}}],
    }
    with pytest.raises(ConfigError) as raised:
        load_config(write_config(tmp_path, config), tmp_path)
    message = str(raised.value)
    assert "config.json" in message and "'r' › 'err'" in message and "'L3'" in message
    assert "SMAPE" in message and "mrse" in message


def test_a_node_with_image_and_children_is_an_error(tmp_path: Path) -> None:
    config = {"title": "r", "children": [{"title": "x", "image": "a.exr", "children": []}]}
    with pytest.raises(ConfigError, match="exactly one of 'children', 'image', 'lossMap'"):
        load_config(write_config(tmp_path, config), tmp_path)


def test_a_child_without_title_is_named_by_its_position(tmp_path: Path) -> None:
    config = {"title": "r", "children": [{"title": "a", "image": "a.exr"}, {"image": "b.exr"}]}
    with pytest.raises(ConfigError, match=r"'r' › child 1: every node needs a string 'title'"):
        load_config(write_config(tmp_path, config), tmp_path)


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    path = write_config(tmp_path, '{"title": "r",\n "children": [}')
    with pytest.raises(ConfigError, match=r"config.json: not valid JSON: .* line 2 column"):
        load_config(path, tmp_path)


def test_group_reference_must_name_one_of_its_images(tmp_path: Path) -> None:
    good = {"title": "r", "reference": "gt", "children": [{"title": "gt", "image": "g.exr"}]}
    assert load_config(write_config(tmp_path, good), tmp_path).tree.reference == "gt"
    bad = {**good, "reference": "nope"}
    with pytest.raises(ConfigError, match="'reference' must be the title of one of its images"):
        load_config(write_config(tmp_path, bad), tmp_path)


def test_a_single_leaf_config_becomes_a_group_named_after_the_file(tmp_path: Path) -> None:
    loaded = load_config(write_config(tmp_path, {"title": "only", "image": "a.exr"}, "one.json"), tmp_path)
    assert loaded.tree == Group(title="one", children=(ImageLeaf(title="only", path="a.exr"),))
