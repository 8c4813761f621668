// Every keyboard shortcut, declared once: the help overlay (`?`) is built from this list.

export const SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: "← / →", action: "Previous / next step" },
  { keys: "Home / End", action: "First / last step" },
  { keys: "E / Shift+E", action: "Exposure +0.5 / −0.5 stops" },
  { keys: "O / Shift+O", action: "Offset +0.1 / −0.1" },
  { keys: "G / Shift+G", action: "Gamma +0.1 / −0.1 (switches sRGB to the gamma tonemap)" },
  { keys: "R", action: "Reset exposure, offset and gamma" },
  { keys: "T / Shift+T", action: "Next / previous tonemap (sRGB, gamma, false colour, +/−)" },
  { keys: "[ / ]", action: "Previous / next layer" },
  { keys: "N", action: "Toggle NaN (magenta) / +Inf (green) / −Inf (blue) markers" },
  { keys: "B", action: "Toggle data window (solid) and display window (dashed) outlines" },
  { keys: "C", action: "Convert the file's primaries (chromaticities) to sRGB / show the stored values" },
  { keys: "F", action: "Fit image to the view" },
  { keys: "Ctrl+0", action: "Actual pixels (1:1)" },
  { keys: "+ / −", action: "Zoom in / out" },
  { keys: "Wheel", action: "Zoom about the cursor" },
  { keys: "Drag", action: "Pan" },
  { keys: "Ctrl+drag", action: "Statistics rectangle (with Stats on)" },
  { keys: "1 – 9", action: "Show that member of the image's group (same step, same view)" },
  { keys: "Shift (hold)", action: "Show the reference image (when one is set)" },
  { keys: "W", action: "Wipe on/off: image left of the line, reference or error map right (drag the line)" },
  { keys: "I", action: "Show / hide the file's header: every part, channel and attribute" },
  { keys: "?", action: "Show / hide this help" },
  { keys: "Esc", action: "Close this help or the header" },
];

/** The dashboard's keys for the overview and playback (the review page has neither). */
export const OVERVIEW_SHORTCUTS: ReadonlyArray<{ keys: string; action: string }> = [
  { keys: "Space", action: "Play / pause the steps (the fps field sets the rate)" },
  { keys: "Enter / click", action: "Overview: open the card under the pointer in the inspector" },
  { keys: "Esc", action: "Inspector: back to the overview" },
  { keys: "Drag / Ctrl+wheel", action: "Overview: pan / zoom a card (all of them with Link pan/zoom)" },
];
