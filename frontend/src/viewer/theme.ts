// The page's theme colours a draw uses (canvas background, alpha checkerboard), read from the CSS
// custom properties of an element, so drawings follow the page's light or dark style.

import type { Theme } from "./draw_plan.js";

/** The theme that applies to `element` (fallbacks where a property is unset or not `#rrggbb`). */
export function readTheme(element: Element): Theme {
  const style = getComputedStyle(element);
  const colour = (variable: string, fallback: [number, number, number]): [number, number, number] => {
    const match = /^#([0-9a-f]{6})$/i.exec(style.getPropertyValue(variable).trim());
    if (!match) return fallback;
    const n = parseInt(match[1]!, 16);
    return [((n >> 16) & 255) / 255, ((n >> 8) & 255) / 255, (n & 255) / 255];
  };
  return {
    background: colour("--exr-canvas-bg", [0.12, 0.12, 0.12]),
    checkerDark: colour("--exr-checker-dark", [0.3, 0.3, 0.3]),
    checkerLight: colour("--exr-checker-light", [0.4, 0.4, 0.4]),
  };
}
