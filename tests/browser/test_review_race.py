"""The review page switched quickly through `#image=` links ends on the last image asked for.

A real `tensorboard-exr serve` behind a proxy that holds some answers back (tests/delaying_proxy.py),
real Chromium. Each round changes the link several times at random intervals while downloads,
decodes, prefetches and the page's own rewriting of the link are in flight; the page must then show
the last image — its name, its link and its pixels — within a bound. The first test is the start-up
case: the link changes while the list of images is still loading.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from delaying_proxy import DelayingProxy
from playwright.sync_api import Page, expect
from review_server import ReviewServer, constant_rgb, write_exr

from .conftest import STATIC
from .pixel_model import assert_close, displayed

pytestmark = pytest.mark.skipif(
    not STATIC.joinpath("standalone.js").is_file(), reason="frontend not built (no static/standalone.js)"
)

# More images than the page prefetches around the one shown (9), so many switches really load.
COUNT = 16
COLOURS = {f"img{i:02d}.exr": (i / COUNT, 1 - i / COUNT, 0.5) for i in range(COUNT)}
ROUNDS = 40
# How long the page may take to show the last image once the switching stops.
BOUND_MS = 10_000


def delay_of(rng: random.Random, tree_delay: float) -> object:
    """Some files answer at once, others after up to 0.4 s; the list of images after `tree_delay`."""

    def delay(path: str) -> float:
        if path.startswith("/api/tree"):
            return tree_delay
        if path.startswith("/files/"):
            return rng.choice([0.0, 0.0, 0.0, 0.02, 0.08, 0.2, 0.4])
        return 0.0

    return delay


@pytest.fixture(scope="module")
def race_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("race")
    for name, rgb in COLOURS.items():
        write_exr(folder / name, constant_rgb(8, 8, rgb))
    return folder


@pytest.fixture(scope="module")
def server(race_folder: Path) -> Iterator[ReviewServer]:
    with ReviewServer(race_folder, ["--quiet"]) as review_server:
        yield review_server


def shows(page: Page, name: str, where: str) -> None:
    """The page shows `name`: its leaf, its link and its colour, within BOUND_MS."""
    root = page.locator(".exr-review")
    expect(root).to_have_attribute("data-image", name, timeout=BOUND_MS)
    expect(root).to_have_attribute("data-state", "ready", timeout=BOUND_MS)
    link_names = "name => new URLSearchParams(location.hash.slice(1)).get('image') === name"
    page.wait_for_function(link_names, arg=name, timeout=BOUND_MS)
    rgba = page.evaluate(
        """() => {
            const viewer = window.__exrReview.viewer;
            const p = viewer.canvasPointOf(3, 3);
            return viewer.readPixel(p.x, p.y);
        }"""
    )
    assert_close(rgba, displayed(COLOURS[name]), where=where)


def test_a_link_changed_while_the_list_loads_is_the_one_shown(page: Page, server: ReviewServer) -> None:
    with DelayingProxy(server.url, delay_of(random.Random(1), tree_delay=0.5)) as proxy:
        page.goto(proxy.url + "#image=img03.exr")
        page.evaluate("location.hash = '#image=img07.exr'")
        shows(page, "img07.exr", "changed during start-up")


def test_switching_quickly_through_links_ends_on_the_last_one(page: Page, server: ReviewServer) -> None:
    rng = random.Random(20261205)
    names = sorted(COLOURS)
    with DelayingProxy(server.url, delay_of(random.Random(2), tree_delay=0.0)) as proxy:
        page.goto(proxy.url + "#image=img00.exr")
        shows(page, "img00.exr", "first")
        for round_ in range(ROUNDS):
            sequence = [rng.choice(names) for _ in range(rng.randint(2, 6))]
            pauses = [rng.choice([0, 0, 1, 5, 20, 60, 150, 250]) for _ in sequence]
            if round_ % 4 == 3:
                # As a user pasting links: navigations of the page's URL.
                for name, pause in zip(sequence, pauses, strict=True):
                    page.goto(f"{proxy.url}#image={name}")
                    page.wait_for_timeout(pause)
            else:
                page.evaluate(
                    """async ([sequence, pauses]) => {
                        for (let i = 0; i < sequence.length; i++) {
                            location.hash = "#image=" + sequence[i];
                            await new Promise((resolve) => setTimeout(resolve, pauses[i]));
                        }
                    }""",
                    [sequence, pauses],
                )
            shows(page, sequence[-1], f"round {round_}: {sequence}")
        assert proxy.delayed > 0
