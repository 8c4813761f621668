/*
 * OpenEXRCore's DWA decoding kernels in WebAssembly SIMD, giving the values of the OpenEXR
 * C++ library on a current x86 CPU (its AVX inverse DCT and F16C half conversions), bit for
 * bit. Included into internal_dwa_simd.h by patches/dwa-wasm-simd-avx-order.patch, which also
 * makes initializeFuncs() pick these functions; see docs/decoder.md, "DWA".
 *
 * Why not OpenEXR's own SSE2 or scalar inverse DCT: floating-point sums depend on their order,
 * and OpenEXR's paths add the same products in different orders ((a + b) + (c + d) in the AVX
 * code, (((0 + a) + b) + c) + d in the SSE2 one, another factorisation in the scalar one), so
 * their outputs differ by a rounding here and there, which the half conversion after the DCT
 * can turn into several half ULPs. The C++ library picks its AVX code whenever the CPU has AVX
 * (nearly every x86 CPU of the last decade), so that is the order to follow. The AVX code is
 * inline assembly, which neither clang's nor emscripten's headers can turn into wasm.
 *
 * How the AVX code is followed: each of its vmulps/vaddps/vsubps becomes the same operation on
 * the same two operands, lane by lane, in the same order (AT&T `vaddps %A, %B, %C` is C = B + A;
 * the first source comes first here too, though clang may still swap the operands of an
 * addition, which matters only for which of two NaNs comes out). A 256-bit register holds two rows there; here a row is two v128_t (columns 0-3 and
 * 4-7), and the shuffles that only move values around are free to differ. The AVX code skips
 * the work of rows known to be zero (its ROWn() macros): the statements it drops are dropped
 * here under the same conditions (`rows > n`), since even a skipped "+ 0" can change the sign of
 * a zero result. The build compiles with -ffp-contract=off and without relaxed SIMD, so nothing
 * is fused into a multiply-add (wasm SIMD128 has none anyway).
 */

#ifndef TBEXR_DWA_WASM_SIMD_H
#define TBEXR_DWA_WASM_SIMD_H

#include <wasm_simd128.h>

/* ---- half <-> float, as F16C's vcvtph2ps / vcvtps2ph (round to nearest even) do it ------------ */

/*
 * Four halves (low 16 bits of each lane) to floats, exactly. F16C also makes a signalling NaN
 * quiet; here it stays signalling, because every value this gives goes straight into a
 * multiplication in the inverse DCT, which quiets it to the very bits F16C gives (x86 sets the
 * quiet bit and keeps sign and payload; V8 multiplies with mulps). Quieting here made the
 * un-zig-zag a fifth slower.
 */
static inline v128_t
dwaw_half_to_float4 (v128_t h)
{
    v128_t sign   = wasm_i32x4_shl (wasm_v128_and (h, wasm_i32x4_splat (0x8000)), 16);
    v128_t e      = wasm_i32x4_shl (wasm_v128_and (h, wasm_i32x4_splat (0x7fff)), 13);
    v128_t normal = wasm_i32x4_add (e, wasm_i32x4_splat (0x38000000));
    v128_t infnan = wasm_v128_or (e, wasm_i32x4_splat (0x7f800000));
    /* denormal (and zero): the mantissa times 2^-24 is exact in float */
    v128_t den = wasm_f32x4_mul (
        wasm_f32x4_convert_i32x4 (wasm_v128_and (h, wasm_i32x4_splat (0x3ff))),
        wasm_f32x4_splat (5.9604644775390625e-8f));
    v128_t r = wasm_v128_bitselect (normal, den, wasm_i32x4_ge (e, wasm_i32x4_splat (0x00800000)));
    r = wasm_v128_bitselect (infnan, r, wasm_i32x4_ge (e, wasm_i32x4_splat (0x0f800000)));
    return wasm_v128_or (r, sign);
}

/* Four floats to halves (in the low 16 bits of each lane), rounded to nearest even; overflow
 * gives infinity and a NaN keeps its top mantissa bits and comes out quiet, as F16C does. */
static inline v128_t
dwaw_float_to_half4 (v128_t f)
{
    v128_t ui   = wasm_v128_and (f, wasm_i32x4_splat (0x7fffffff));
    v128_t sign = wasm_v128_and (wasm_u32x4_shr (f, 16), wasm_i32x4_splat (0x8000));
    /* normal: round to nearest even on the 13 dropped mantissa bits */
    v128_t t    = wasm_i32x4_sub (ui, wasm_i32x4_splat (0x38000000));
    v128_t odd  = wasm_v128_and (wasm_u32x4_shr (t, 13), wasm_i32x4_splat (1));
    v128_t norm = wasm_u32x4_shr (wasm_i32x4_add (wasm_i32x4_add (t, wasm_i32x4_splat (0xfff)), odd), 13);
    /* denormal and underflow to zero: |f| * 2^24 rounded to nearest even by adding 2^23 */
    v128_t den = wasm_i32x4_sub (
        wasm_f32x4_add (
            wasm_f32x4_mul (ui, wasm_f32x4_splat (16777216.0f)), wasm_f32x4_splat (8388608.0f)),
        wasm_i32x4_splat (0x4b000000));
    /* infinity, and overflow of a finite value: 0x7c00; NaN: 0x7e00 | top mantissa bits */
    v128_t m     = wasm_u32x4_shr (wasm_v128_and (ui, wasm_i32x4_splat (0x7fffff)), 13);
    v128_t isnan = wasm_i32x4_gt (ui, wasm_i32x4_splat (0x7f800000));
    v128_t inf   = wasm_v128_or (
        wasm_i32x4_splat (0x7c00), wasm_v128_and (isnan, wasm_v128_or (m, wasm_i32x4_splat (0x200))));
    v128_t r = wasm_v128_bitselect (norm, den, wasm_i32x4_ge (ui, wasm_i32x4_splat (0x38800000)));
    r = wasm_v128_bitselect (inf, r, wasm_i32x4_gt (ui, wasm_i32x4_splat (0x477fefff)));
    return wasm_v128_or (r, sign);
}

/* convertFloatToHalf64: 64 floats to halves (both 16-byte aligned). */
static void
convertFloatToHalf64_wasm (uint16_t* dst, float* src)
{
    for (int i = 0; i < 64; i += 8)
    {
        v128_t a = dwaw_float_to_half4 (wasm_v128_load (src + i));
        v128_t b = dwaw_float_to_half4 (wasm_v128_load (src + i + 4));
        wasm_v128_store (dst + i, wasm_u16x8_narrow_i32x4 (a, b));
    }
}

/* fromHalfZigZag: an 8x8 block of halves in zig-zag order to floats in row order. */
static void
fromHalfZigZag_wasm (uint16_t* src, float* dst)
{
    static const uint8_t zigzag[64] = {
        0,  1,  5,  6,  14, 15, 27, 28, 2,  4,  7,  13, 16, 26, 29, 42,
        3,  8,  12, 17, 25, 30, 41, 43, 9,  11, 18, 24, 31, 40, 44, 53,
        10, 19, 23, 32, 39, 45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60,
        21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63};
    uint16_t ordered[64] __attribute__ ((aligned (16)));
    for (int i = 0; i < 64; ++i)
        ordered[i] = src[zigzag[i]];
    for (int i = 0; i < 64; i += 8)
    {
        v128_t h = wasm_v128_load (ordered + i);
        wasm_v128_store (dst + i, dwaw_half_to_float4 (wasm_u32x4_extend_low_u16x8 (h)));
        wasm_v128_store (dst + i + 4, dwaw_half_to_float4 (wasm_u32x4_extend_high_u16x8 (h)));
    }
}

/* ---- the inverse DCT in the AVX code's order (dctInverse8x8_avx_* in internal_dwa_simd.h) ---- */

/* The cosines, as OpenEXR spells them (sAvxCoef). */
#define DWAW_A 3.535536e-01f
#define DWAW_B 4.903927e-01f
#define DWAW_C 4.619398e-01f
#define DWAW_D 4.157349e-01f
#define DWAW_E 2.777855e-01f
#define DWAW_F 1.913422e-01f
#define DWAW_G 9.754573e-02f

#define DWAW_MUL wasm_f32x4_mul
#define DWAW_ADD wasm_f32x4_add
#define DWAW_SUB wasm_f32x4_sub
#define DWAW_LANE(v, i) wasm_i32x4_shuffle ((v), (v), (i), (i), (i), (i))
/* Keeps clang from interleaving the rows' work (and V8 from spilling the lot): each row's
 * results go to memory before the next row's values are loaded. */
#define DWAW_BARRIER() __asm__ __volatile__ ("" ::: "memory")

/*
 * One row of the block through the 1-D inverse DCT (IDCT_AVX_MMULT_ROWS and
 * IDCT_AVX_EO_TO_ROW_HALVES): even = (x0 M1c0 + x2 M1c1) + (x4 M1c2 + x6 M1c3), odd likewise
 * with x1, x3, x5, x7 and M2; the row becomes [even + odd | reversed (even - odd)].
 */
static inline __attribute__ ((always_inline)) void
dwaw_idct_row (float* row)
{
    const v128_t m1c0 = wasm_f32x4_make (DWAW_A, DWAW_A, DWAW_A, DWAW_A);
    const v128_t m1c1 = wasm_f32x4_make (DWAW_C, DWAW_F, -DWAW_F, -DWAW_C);
    const v128_t m1c2 = wasm_f32x4_make (DWAW_A, -DWAW_A, -DWAW_A, DWAW_A);
    const v128_t m1c3 = wasm_f32x4_make (DWAW_F, -DWAW_C, DWAW_C, -DWAW_F);
    const v128_t m2c0 = wasm_f32x4_make (DWAW_B, DWAW_D, DWAW_E, DWAW_G);
    const v128_t m2c1 = wasm_f32x4_make (DWAW_D, -DWAW_G, -DWAW_B, -DWAW_E);
    const v128_t m2c2 = wasm_f32x4_make (DWAW_E, -DWAW_B, DWAW_G, DWAW_D);
    const v128_t m2c3 = wasm_f32x4_make (DWAW_G, -DWAW_E, DWAW_D, -DWAW_B);

    v128_t lo = wasm_v128_load (row), hi = wasm_v128_load (row + 4);
    /* vmulps %12, %8, %12 (coefficient times broadcast value); then %12 = %12 + %13,
     * %14 = %14 + %15, result = %12 + %14 */
    v128_t even = DWAW_ADD (
        DWAW_ADD (DWAW_MUL (m1c0, DWAW_LANE (lo, 0)), DWAW_MUL (m1c1, DWAW_LANE (lo, 2))),
        DWAW_ADD (DWAW_MUL (m1c2, DWAW_LANE (hi, 0)), DWAW_MUL (m1c3, DWAW_LANE (hi, 2))));
    v128_t odd = DWAW_ADD (
        DWAW_ADD (DWAW_MUL (m2c0, DWAW_LANE (lo, 1)), DWAW_MUL (m2c1, DWAW_LANE (lo, 3))),
        DWAW_ADD (DWAW_MUL (m2c2, DWAW_LANE (hi, 1)), DWAW_MUL (m2c3, DWAW_LANE (hi, 3))));
    v128_t diff = DWAW_SUB (even, odd);
    wasm_v128_store (row, DWAW_ADD (even, odd));
    wasm_v128_store (row + 4, wasm_i32x4_shuffle (diff, diff, 3, 2, 1, 0));
    DWAW_BARRIER ();
}

/*
 * The column pass (IDCT_AVX_BODY after the row reassembly) on four columns: r[k] holds those
 * columns of row k, and only rows below `rows` are used (the ROWk() statements of the AVX code
 * run when k < rows). Comments name the AVX registers the values live in.
 */
static inline __attribute__ ((always_inline)) void
dwaw_idct_columns (float* data, int rows)
{
    v128_t r[8];
    for (int k = 0; k < rows; ++k)
        r[k] = wasm_v128_load (data + 8 * k);
    const v128_t a = wasm_f32x4_splat (DWAW_A), b = wasm_f32x4_splat (DWAW_B);
    const v128_t c = wasm_f32x4_splat (DWAW_C), d = wasm_f32x4_splat (DWAW_D);
    const v128_t e = wasm_f32x4_splat (DWAW_E), f = wasm_f32x4_splat (DWAW_F);
    const v128_t g = wasm_f32x4_splat (DWAW_G);
    v128_t o0, o1, o2, o3, t13, t14, t15, t3, t5, t7;
    v128_t e0, e1, e2, e3, s1, s7, t9;

    /* o0 (ymm12) = b r1 + d r3 + e r5 + g r7 */
    o0 = DWAW_MUL (b, r[1]);
    if (rows > 3) t13 = DWAW_MUL (d, r[3]);
    if (rows > 5) t14 = DWAW_MUL (e, r[5]);
    if (rows > 7) t15 = DWAW_MUL (g, r[7]);
    if (rows > 3) o0 = DWAW_ADD (t13, o0);
    if (rows > 7) t14 = DWAW_ADD (t15, t14);
    if (rows > 5) o0 = DWAW_ADD (t14, o0);

    /* o1 (ymm13) = d r1 - g r3 - b r5 - e r7 */
    o1 = DWAW_MUL (d, r[1]);
    if (rows > 3) t14 = DWAW_MUL (g, r[3]);
    if (rows > 5) t15 = DWAW_MUL (b, r[5]);
    if (rows > 5) t14 = DWAW_ADD (t15, t14);
    if (rows > 3) o1 = DWAW_SUB (o1, t14);
    if (rows > 7) t15 = DWAW_MUL (e, r[7]);
    if (rows > 7) o1 = DWAW_SUB (o1, t15);

    /* o2 (ymm14) = e r1 - b r3 + g r5 + d r7 */
    o2 = DWAW_MUL (e, r[1]);
    if (rows > 3) t15 = DWAW_MUL (b, r[3]);
    if (rows > 3) o2 = DWAW_SUB (o2, t15);
    if (rows > 5) t15 = DWAW_MUL (g, r[5]);
    if (rows > 5) o2 = DWAW_ADD (o2, t15);
    if (rows > 7) t15 = DWAW_MUL (d, r[7]);
    if (rows > 7) o2 = DWAW_ADD (o2, t15);

    /* o3 (ymm15) = g r1 - e r3 + d r5 - b r7 */
    o3 = DWAW_MUL (g, r[1]);
    if (rows > 3) t3 = DWAW_MUL (e, r[3]);
    if (rows > 5) t5 = DWAW_MUL (d, r[5]);
    if (rows > 7) t7 = DWAW_MUL (b, r[7]);
    if (rows > 5) o3 = DWAW_ADD (t5, o3);
    if (rows > 7) t3 = DWAW_ADD (t7, t3);
    if (rows > 3) o3 = DWAW_SUB (o3, t3);

    /* even outputs: s1 (ymm11) = a r0 + a r4, ymm1 = a r0 - a r4 */
    s1 = DWAW_MUL (r[0], a);
    {
        v128_t t4;
        v128_t sum = s1;
        if (rows > 4) t4 = DWAW_MUL (r[4], a);
        if (rows > 4) sum = DWAW_ADD (sum, t4);
        if (rows > 4) s1 = DWAW_SUB (s1, t4);
        e3 = sum; /* ymm11 */
    }
    /* s7 (ymm7) = c r2 + f r6; e0 (ymm8) = s + s7, e3 (ymm11) = s - s7 */
    if (rows > 2) s7 = DWAW_MUL (r[2], c);
    if (rows > 6) t9 = DWAW_MUL (r[6], f);
    if (rows > 6) s7 = DWAW_ADD (s7, t9);
    e0 = e3;
    if (rows > 2) e0 = DWAW_ADD (e0, s7);
    if (rows > 2) e3 = DWAW_SUB (e3, s7);
    /* s7 (ymm7) = f r2 - c r6; e1 (ymm9) = ymm1 + s7, e2 (ymm10) = ymm1 - s7 */
    if (rows > 2) s7 = DWAW_MUL (r[2], f);
    if (rows > 6) t9 = DWAW_MUL (r[6], c);
    if (rows > 6) s7 = DWAW_SUB (s7, t9);
    e1 = s1;
    e2 = s1;
    if (rows > 2) e1 = DWAW_ADD (s1, s7);
    if (rows > 2) e2 = DWAW_SUB (s1, s7);

    wasm_v128_store (data + 0 * 8, DWAW_ADD (e0, o0));
    wasm_v128_store (data + 1 * 8, DWAW_ADD (e1, o1));
    wasm_v128_store (data + 2 * 8, DWAW_ADD (e2, o2));
    wasm_v128_store (data + 3 * 8, DWAW_ADD (e3, o3));
    wasm_v128_store (data + 4 * 8, DWAW_SUB (e3, o3));
    wasm_v128_store (data + 5 * 8, DWAW_SUB (e2, o2));
    wasm_v128_store (data + 6 * 8, DWAW_SUB (e1, o1));
    wasm_v128_store (data + 7 * 8, DWAW_SUB (e0, o0));
    DWAW_BARRIER ();
}

/* The block's first `rows` rows may be non-zero (2..8): dctInverse8x8_avx_{8 - rows}. */
static inline __attribute__ ((always_inline)) void
dwaw_idct (float* data, int rows)
{
    for (int k = 0; k < rows; ++k)
        dwaw_idct_row (data + 8 * k);
    dwaw_idct_columns (data, rows);
    dwaw_idct_columns (data + 4, rows);
}

static void dctInverse8x8_wasm_0 (float* data) { dwaw_idct (data, 8); }
static void dctInverse8x8_wasm_1 (float* data) { dwaw_idct (data, 7); }
static void dctInverse8x8_wasm_2 (float* data) { dwaw_idct (data, 6); }
static void dctInverse8x8_wasm_3 (float* data) { dwaw_idct (data, 5); }
static void dctInverse8x8_wasm_4 (float* data) { dwaw_idct (data, 4); }
static void dctInverse8x8_wasm_5 (float* data) { dwaw_idct (data, 3); }
static void dctInverse8x8_wasm_6 (float* data) { dwaw_idct (data, 2); }

/* Only row 0 non-zero (dctInverse8x8_avx_7): the row pass on it, then every row = a * row 0. */
static void
dctInverse8x8_wasm_7 (float* data)
{
    dwaw_idct_row (data);
    const v128_t a     = wasm_f32x4_splat (DWAW_A);
    const v128_t front = DWAW_MUL (wasm_v128_load (data), a);
    const v128_t back  = DWAW_MUL (wasm_v128_load (data + 4), a);
    for (int k = 0; k < 8; ++k)
    {
        wasm_v128_store (data + 8 * k, front);
        wasm_v128_store (data + 8 * k + 4, back);
    }
}

#undef DWAW_MUL
#undef DWAW_ADD
#undef DWAW_SUB
#undef DWAW_LANE
#undef DWAW_BARRIER

#endif /* TBEXR_DWA_WASM_SIMD_H */
