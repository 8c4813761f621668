// The text of a header attribute's value in the info view, by its EXR type (as OpenEXR's
// exrheader prints them, shortened): vectors as tuples, matrices by rows, boxes with their size,
// timecodes as hh:mm:ss:ff, enumerations by name, and what the viewer does not interpret by size.

import type { AttributeValue } from "../decoder/types.js";

const LEVEL_MODES = ["one level", "mipmap levels", "ripmap levels"];
const ROUNDING_MODES = ["round down", "round up"];
const DEEP_IMAGE_STATES = ["messy", "sorted", "non-overlapping", "tidy"];

/** The value as text; `type` is the attribute's type name in the file. */
export function attributeText(type: string, value: AttributeValue | undefined): string {
  if (value === undefined) return type === "chlist" ? "the channels above" : "(not read)";
  switch (type) {
    case "int":
      return String(value);
    case "float":
    case "double":
      return numberText(value as number);
    case "v2i":
    case "v3i":
    case "v2f":
    case "v3f":
    case "v2d":
    case "v3d":
      return tuple(value as number[]);
    case "floatvector":
      return `[${(value as number[]).map(numberText).join(", ")}]`;
    case "m33f":
    case "m33d":
      return matrix(value as number[], 3);
    case "m44f":
    case "m44d":
      return matrix(value as number[], 4);
    case "box2i":
    case "box2f":
      return boxText(value as Record<string, number>, type === "box2i");
    case "chromaticities":
      return chromaticitiesText(value as Record<string, number>);
    case "rational": {
      const { num, denom } = value as Record<string, number>;
      return `${num}/${denom}` + (denom ? ` (${numberText(num! / denom)})` : "");
    }
    case "timecode":
      return timecodeText(value as Record<string, number>);
    case "keycode":
      return keycodeText(value as Record<string, number>);
    case "tiledesc": {
      const t = value as Record<string, number>;
      return `${t["xSize"]} × ${t["ySize"]} tiles, ${name(LEVEL_MODES, t["levelMode"])}, ${name(ROUNDING_MODES, t["roundingMode"])}`;
    }
    case "deepImageState":
      return name(DEEP_IMAGE_STATES, value as number);
    case "stringvector":
      return (value as string[]).map((s) => JSON.stringify(s)).join(", ") || "(empty)";
    case "preview": {
      const p = value as Record<string, number>;
      return `${p["width"]} × ${p["height"]} preview image`;
    }
    default:
      return otherText(value);
  }
}

/** Numbers as JS prints them (shortest round trip), non-finite ones as the readout does. */
export function numberText(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "+Inf" : "-Inf";
  return String(value);
}

function tuple(values: number[]): string {
  return `(${values.map(numberText).join(", ")})`;
}

function matrix(values: number[], n: number): string {
  const rows: string[] = [];
  for (let r = 0; r < n; r++) rows.push(values.slice(r * n, r * n + n).map(numberText).join(" "));
  return `[${rows.join("; ")}]`;
}

function boxText(b: Record<string, number>, integer: boolean): string {
  const text = `(${numberText(b["xMin"]!)}, ${numberText(b["yMin"]!)}) – (${numberText(b["xMax"]!)}, ${numberText(b["yMax"]!)})`;
  return integer ? `${text}, ${b["xMax"]! - b["xMin"]! + 1} × ${b["yMax"]! - b["yMin"]! + 1}` : text;
}

function chromaticitiesText(c: Record<string, number>): string {
  const pair = (p: string) => `${p} (${numberText(c[`${p}X`]!)}, ${numberText(c[`${p}Y`]!)})`;
  return ["red", "green", "blue", "white"].map(pair).join(", ");
}

/** SMPTE 12M as OpenEXR stores it (ImfTimeCode.h, the TV60 packing): BCD digits and flags. */
function timecodeText(t: Record<string, number>): string {
  const bits = t["timeAndFlags"]! >>> 0;
  const bcd = (shift: number, tensBits: number) =>
    ((bits >>> (shift + 4)) & ((1 << tensBits) - 1)) * 10 + ((bits >>> shift) & 0xf);
  const two = (n: number) => String(n).padStart(2, "0");
  const time = [bcd(24, 2), bcd(16, 3), bcd(8, 3), bcd(0, 2)].map(two).join(":");
  const flags = [bits & (1 << 6) ? "drop frame" : "", bits & (1 << 7) ? "colour frame" : ""].filter(Boolean);
  return `${time}${flags.length ? ` (${flags.join(", ")})` : ""}, user data 0x${(t["userData"]! >>> 0).toString(16)}`;
}

function keycodeText(k: Record<string, number>): string {
  return (
    `film manufacturer ${k["filmMfcCode"]}, type ${k["filmType"]}, prefix ${k["prefix"]}, count ${k["count"]}, ` +
    `perf offset ${k["perfOffset"]}, ${k["perfsPerFrame"]} perfs/frame, ${k["perfsPerCount"]} perfs/count`
  );
}

/** Strings as they are; opaque, bytes and unknown types by size; anything else as JSON. */
function otherText(value: AttributeValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return numberText(value);
  if (typeof value === "object" && !Array.isArray(value) && typeof value["byteLength"] === "number") {
    return `${value["byteLength"]} bytes (not interpreted)`;
  }
  return JSON.stringify(value);
}

function name(names: string[], index: number | undefined): string {
  return index !== undefined && names[index] !== undefined ? names[index]! : `unknown (${index})`;
}
