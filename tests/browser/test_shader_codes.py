"""One source for the shader's codes: the metric and tonemap tables of pipeline.ts (read from the
built bundle, as the viewer uses them) name the same ids as the Python reference, the docs and
the review config, and view.frag.glsl switches on their generated #define names, never numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tensorboard_exr import metrics
from tensorboard_exr.standalone.tree import JERI_METRICS, METRIC_IDS

REPO = Path(__file__).resolve().parents[2]
SHADER = REPO / "frontend" / "src" / "render" / "view.frag.glsl"
# The switches of a variant that are not table rows (render/shader_defines.ts).
SWITCHES = {"METRIC_IS_PER_PIXEL", "METRIC_IS_MAP"}


@pytest.fixture
def tables(page: Page, page_server: str) -> dict[str, list[dict]]:
    """METRICS and TONEMAPS exactly as the bundle exports them."""
    page.goto(f"{page_server}/viewer.html")
    expect(page.locator("body")).to_have_attribute("data-ready", "1")
    return page.evaluate(
        "import('/static/index.js').then((m) => ({ metrics: m.METRICS, tonemaps: m.TONEMAPS }))"
    )


def define_name(prefix: str, table_id: str) -> str:
    """The rule of render/shader_defines.ts: prefix + id upper-cased, '-' -> '_'."""
    return f"{prefix}_{table_id.upper().replace('-', '_')}"


def ids_of(rows: list[dict], kind: str) -> set[str]:
    return {row["id"] for row in rows if row["kind"] == kind}


def test_metric_ids_are_those_of_the_python_reference_and_the_review_config(tables: dict) -> None:
    rows = tables["metrics"]
    assert [r["id"] for r in rows if r["kind"] == "none"] == ["none"]
    assert ids_of(rows, "per-pixel") == set(metrics.PER_PIXEL_METRICS)
    assert ids_of(rows, "map") == {"ssim"}
    assert ids_of(rows, "external") == set(metrics.FLIP_METRICS) == {"flip-ldr", "flip-hdr"}
    assert {r["id"] for r in rows if r["kind"] in ("per-pixel", "map")} == set(metrics.METRICS)
    # The review config asks for the metrics the viewer computes itself, JERI's names included.
    assert set(METRIC_IDS) == set(metrics.METRICS)
    assert set(JERI_METRICS.values()) <= set(METRIC_IDS)


def test_metric_epsilons_are_those_of_the_python_reference(tables: dict) -> None:
    epsilons = {r["id"]: r["epsilon"] for r in tables["metrics"] if r["epsilon"] != 0}
    assert epsilons == metrics.DEFAULT_EPSILONS
    rse = next(r for r in tables["metrics"] if r["id"] == "rse")
    assert rse["formula"] == "(A − B)² / (B² + 0.01)"  # the tooltip writes ε out
    assert metrics.RELATIVE_EPSILON == epsilons["rse"]


def test_docs_table_lists_every_metric_with_its_epsilon(tables: dict) -> None:
    text = (REPO / "docs" / "metrics.md").read_text()
    table = text[text.index("## The metrics") :]
    table = table[: table.index("\n\n", table.index("| id |"))]
    documented = {}
    for line in table.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)]
        if len(cells) == 7 and cells[1].startswith("`"):
            documented[cells[1].strip("`")] = float(cells[4]) if cells[4] else 0.0
    rows = [r for r in tables["metrics"] if r["kind"] != "none"]
    assert documented == {r["id"]: r["epsilon"] for r in rows}


def test_the_shader_switches_on_generated_names_only(tables: dict) -> None:
    source = SHADER.read_text()
    code = "\n".join(line.split("//")[0] for line in source.splitlines())  # comments may say anything
    for row in tables["metrics"]:
        if row["kind"] == "per-pixel":
            assert re.search(rf"#(el)?if METRIC == {define_name('METRIC', row['id'])}\b", code), row["id"]
    for row in tables["tonemaps"]:
        assert re.search(rf"#(el)?if TONEMAP == {define_name('TONEMAP', row['id'])}\b", code), row["id"]
    generated = {define_name("METRIC", r["id"]) for r in tables["metrics"]}
    generated |= {define_name("TONEMAP", r["id"]) for r in tables["tonemaps"]}
    used = set(re.findall(r"\b(?:METRIC|TONEMAP)_[A-Z0-9_]+\b", code))
    assert used - generated - SWITCHES == set()
    assert not re.search(r"\b(?:METRIC|TONEMAP)\s*[!=<>]=?\s*\d", code), "a hand-written code"
