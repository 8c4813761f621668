"""Driving the overview grid in a real TensorBoard: open it, read the pixels its cards show, hover."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.tb_server import TensorBoardServer

# The grid's 18 cards fit a window this tall at the card size the tests pick.
TALL_WINDOW = {"width": 1280, "height": 1300}
CARD_WIDTH = 128


def open_grid(page: Page, tensorboard: TensorBoardServer, hash_state: str = "") -> Page:
    """Opens the plugin's page (with `p.exr.*` entries in its fragment) and waits for a drawn grid."""
    page.set_viewport_size(TALL_WINDOW)
    page.goto(tensorboard.url + "data/plugin_entry.html?name=exr#exr" + hash_state)
    root = page.locator(".exr-panel")
    expect(root).to_have_attribute("data-view", "grid")
    page.locator(".exr-card-size").select_option(str(CARD_WIDTH))
    expect(root).to_have_attribute("data-state", "ready")
    wait_drawn(page)
    return page


def wait_drawn(page: Page) -> None:
    """Waits until every card on screen has loaded and been drawn."""
    # The grid learns which cards a scroll brought on screen from its IntersectionObserver, whose
    # callbacks run with the next rendering steps: before them nothing is loading yet.
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.wait_for_function(
        "() => { const o = window.__exrPanel.overview, s = o.stats();"
        " return o.element.dataset.state === 'ready' && s.loadingCards === 0; }"
    )
    page.evaluate("window.__exrPanel.overview.flush()")


def wait_card_drawn(page: Page, index: int) -> None:
    """Waits until card `index` is on screen and drawn (after it was scrolled into view)."""
    page.wait_for_function(
        "i => { const c = window.__exrPanel.overview.cardList[i]; return c.visible && c.state === 'ready'; }",
        arg=index,
    )
    page.wait_for_function(
        "i => (window.__exrPanel.overview.flush(), window.__exrPanel.overview.cardList[i].drawn)", arg=index
    )


def card_index(page: Page, run: str, tag: str) -> int:
    return page.evaluate(
        "([run, tag]) => window.__exrPanel.overview.cardList"
        ".findIndex(c => c.spec.run === run && c.spec.tag === tag)",
        [run, tag],
    )


def card_pixels(page: Page, index: int, points: list[tuple[int, int]]) -> list[list[int]]:
    """The RGBA card `index` (reading order) shows at these image pixels (read from its canvas)."""
    return page.evaluate(
        "([i, pts]) => pts.map(([x, y]) => window.__exrPanel.overview.cardPixel(i, x, y))",
        [index, [list(p) for p in points]],
    )


def hover_card(page: Page, index: int, x: int, y: int) -> None:
    """Moves the mouse over image pixel (x, y) of card `index`."""
    point = page.evaluate(
        """([i, x, y]) => {
             const card = window.__exrPanel.overview.cardList[i];
             const p = card.drawn.view.canvasPixelOf(x, y), r = card.canvas.getBoundingClientRect();
             const ratio = window.devicePixelRatio || 1;
             return {x: r.left + (p.x + 0.5) / ratio, y: r.top + (p.y + 0.5) / ratio};
           }""",
        [index, x, y],
    )
    page.mouse.move(point["x"], point["y"])
