// Every keyboard shortcut, declared once: the help overlay (`?`) is built from these lists, and
// test/shortcuts.test.mjs checks that no key is declared twice on a page.

export interface Shortcut {
  keys: string;
  action: string;
}

export const SHORTCUTS: ReadonlyArray<Shortcut> = [
  { keys: "← / →", action: "Previous / next step" },
  { keys: "Home / End", action: "First / last step" },
  { keys: "E / Shift+E", action: "Exposure +0.5 / −0.5 stops" },
  { keys: "O / Shift+O", action: "Offset +0.1 / −0.1" },
  { keys: "G / Shift+G", action: "Gamma +0.1 / −0.1 (switches sRGB to the gamma tonemap)" },
  { keys: "R", action: "Reset exposure, offset and gamma" },
  { keys: "N", action: "Auto exposure: the 0.5–99.5 % range of luminance fills the display, for each new image until E/O/R or L" },
  { keys: "L", action: "Lock exposure, offset and the false-colour range while steps, runs and cards change" },
  { keys: "T / Shift+T", action: "Next / previous tonemap (sRGB, gamma, false colour, +/−)" },
  { keys: "[ / ]", action: "Previous / next layer" },
  { keys: "M", action: "Toggle NaN (magenta) / +Inf (green) / −Inf (blue) markers" },
  { keys: "B", action: "Toggle data window (solid) and display window (dashed) outlines" },
  { keys: "C", action: "Convert the file's primaries (chromaticities) to sRGB / show the stored values" },
  { keys: "F", action: "Fit image to the view" },
  { keys: "Ctrl+0", action: "Actual pixels (1:1)" },
  { keys: "+ / −", action: "Zoom in / out" },
  { keys: "Wheel", action: "Zoom about the cursor" },
  { keys: "Drag", action: "Pan" },
  { keys: "H", action: "Statistics on / off: per channel, and against the reference (MSE, relMSE, PSNR)" },
  { keys: "Ctrl+drag", action: "Statistics rectangle (kept while the step changes)" },
  { keys: "P / Shift+P", action: "Pin / unpin the pixel under the cursor (numbered; the pin panel lists its values) / remove every pin" },
  { keys: "X / Shift+X", action: "ε of the relative metrics × 10 / ÷ 10 (the field next to the metric sets any value)" },
  { keys: "1 – 9", action: "Show that member of the image's group (same step, same view)" },
  { keys: "Shift (hold)", action: "Show the reference image (when one is set)" },
  { keys: "W", action: "Wipe on/off: image left of the line, reference or error map right (drag the line)" },
  { keys: "Ctrl+C / Ctrl+Shift+C", action: "Copy the view to the clipboard: as shown / one pixel per image pixel (1:1)" },
  { keys: "S / Shift+S", action: "Save the view as PNG, as shown / 1:1 (what it shows is in the PNG's text)" },
  { keys: "D", action: "Download the original EXR of the image shown" },
  { keys: "U", action: "Copy a link that reopens this exact view" },
  { keys: "I", action: "Show / hide the file's header: every part, channel and attribute" },
  { keys: "?", action: "Show / hide this help" },
  { keys: "Esc", action: "Close this help or the header" },
];

/** The dashboard's own keys: the overview, playback and the pins over steps (the review page has none). */
export const OVERVIEW_SHORTCUTS: ReadonlyArray<Shortcut> = [
  { keys: "Space", action: "Play / pause the steps (the fps field sets the rate)" },
  { keys: "V", action: "Plot the pins' values over every step (again: cancel); a click on a point shows that step" },
  { keys: "Enter / click", action: "Overview: open the card under the pointer in the inspector" },
  { keys: "Esc", action: "else, in the inspector: back to the overview" },
  { keys: "Drag", action: "in the overview: a card (all of them with Link pan/zoom)" },
  { keys: "Ctrl+wheel", action: "Overview: zoom a card (all of them with Link pan/zoom)" },
];

/** A page's list: the keys of `extra` that `base` has too are one entry, their actions joined. */
export function withShortcuts(base: ReadonlyArray<Shortcut>, extra: ReadonlyArray<Shortcut>): Shortcut[] {
  const merged = base.map((s) => {
    const more = extra.find((e) => e.keys === s.keys);
    return more ? { keys: s.keys, action: `${s.action}; ${more.action}` } : s;
  });
  return [...merged, ...extra.filter((e) => !base.some((b) => b.keys === e.keys))];
}
