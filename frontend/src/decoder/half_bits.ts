// IEEE half <-> float32 as OpenEXR's C++ library converts (Imath's half), for code that must give
// the library's exact half results (luminance/chroma reconstruction, rgba_yca.ts).

let halfTable: Float32Array | null = null;

/** Every half bit pattern's float value (65536 entries, built on first use). */
export function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) {
    const sign = bits & 0x8000 ? -1 : 1;
    const exponent = (bits >> 10) & 0x1f;
    const mantissa = bits & 0x3ff;
    table[bits] =
      exponent === 0
        ? sign * mantissa * 2 ** -24
        : exponent === 31
          ? mantissa
            ? NaN
            : sign * Infinity
          : sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return (halfTable = table);
}

const scratchFloat = new Float32Array(1);
const scratchBits = new Uint32Array(scratchFloat.buffer);

/**
 * The half nearest to float32 `f` (ties to even, overflow to ±inf), as Imath's
 * `imath_float_to_half` computes it without F16C (Debian's and the wheels' generic x86-64 builds):
 * a NaN keeps its top mantissa bits. JS does not preserve NaN payloads, so NaNs may differ in them.
 */
export function floatToHalfBits(f: number): number {
  scratchFloat[0] = f;
  const x = scratchBits[0]!;
  const sign = (x >>> 16) & 0x8000;
  let ui = x & 0x7fffffff;
  if (ui >= 0x38800000) {
    if (ui >= 0x7f800000) {
      if (ui === 0x7f800000) return sign | 0x7c00;
      const m = (ui & 0x7fffff) >>> 13;
      return sign | 0x7c00 | m | (m === 0 ? 1 : 0);
    }
    if (ui > 0x477fefff) return sign | 0x7c00;
    ui -= 0x38000000;
    return sign | ((ui + 0x00000fff + ((ui >>> 13) & 1)) >>> 13);
  }
  if (ui < 0x33000001) return sign;
  // A subnormal half: shift the mantissa down, rounding to nearest even.
  const shift = 0x7e - (ui >>> 23);
  const m = 0x800000 | (ui & 0x7fffff);
  const rest = (m << (32 - shift)) >>> 0;
  let bits = sign | (m >>> shift);
  if (rest > 0x80000000 || (rest === 0x80000000 && (bits & 1) !== 0)) bits++;
  return bits;
}
