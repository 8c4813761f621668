// float32 -> IEEE half as OpenEXR's C++ library converts (Imath's half): what a float channel
// becomes in the half frame buffer RgbaInputFile reads luminance/chroma into (derived_colour.ts).

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
