// Header attributes as the shim writes them (JSON) made faithful again: JSON has no Infinity or
// NaN, so exr_shim.c writes such numbers as the strings "Infinity", "-Infinity" and "NaN". An
// attribute's type says where a number belongs; a string there can only be one of those three.

import type { AttributeValue, ExrPartInfo } from "./types";

/** Attribute types whose values hold only numbers (floating point ones may be non-finite). */
const NUMERIC_TYPES = new Set([
  "float",
  "double",
  "v2f",
  "v3f",
  "v2d",
  "v3d",
  "m33f",
  "m33d",
  "m44f",
  "m44d",
  "box2f",
  "floatvector",
  "chromaticities",
]);

/** A part's attributes with the non-finite numbers restored (the part is changed in place). */
export function restoreAttributeNumbers(part: ExrPartInfo): ExrPartInfo {
  part.attributeTypes ??= {};
  for (const [name, value] of Object.entries(part.attributes)) {
    if (NUMERIC_TYPES.has(part.attributeTypes[name] ?? "")) part.attributes[name] = numbersIn(value);
  }
  return part;
}

function numbersIn(value: AttributeValue): AttributeValue {
  if (typeof value === "string") return Number(value);
  if (Array.isArray(value)) return value.map((v: number | string) => Number(v));
  if (typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Number(v)]));
  }
  return value;
}
