/*
 * Runs OpenEXRCore's DWA decoding kernels (the half -> float un-zig-zag, the eight inverse-DCT
 * variants, the float -> half conversion, and the table from DWA's perceptual encoding back to
 * linear, which OpenEXR computes with powf at start-up) on the same inputs and prints hashes of
 * their outputs. Built twice by dwa_kernels_check.mjs: natively, where OpenEXR picks its AVX +
 * F16C code by CPUID as the C++ library does (and powf is the system's libm, as for the OpenEXR
 * wheel), and to WebAssembly with the build's patches, where it picks dwa_wasm_simd.h (and
 * emscripten's musl powf). Equal hashes mean equal bits.
 *
 * One exception is hashed loosely: when two different NaNs meet in one operation, x86 returns
 * the first operand's and WebAssembly either (the compiler may swap the operands of a
 * commutative add), so blocks whose coefficients hold two or more different NaNs are hashed
 * with every NaN output made the same. DWA maps NaN to 0 on the way back to linear, so such
 * payloads reach a decoded image only in channels marked pLinear.
 *
 * Usage: dwa_kernels_check <blocks> <float stride>   (stride 1: all 2^32 floats)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal_coding.h"
#include "internal_cpuid.h"
#define IMF_INTERNAL_DWA_HELPERS_H_HAS_BEEN_INCLUDED 1
#include "internal_dwa_simd.h"
#include "internal_dwa_table.c"
#include "internal_dwa_table_init.c"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
next_random (void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z          = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z          = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t
fnv (uint64_t h, const void* data, size_t n)
{
    const uint8_t* p = data;
    for (size_t i = 0; i < n; ++i)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* A DCT coefficient as a half: mostly magnitudes DWA produces, sometimes anything at all. */
static uint16_t
random_coefficient (void)
{
    uint64_t r = next_random ();
    switch (r & 15)
    {
        case 0: return (uint16_t) (r >> 16); /* any bit pattern: denormals, inf, NaN */
        case 1: return (r >> 16) & 1 ? 0x8000 : 0; /* signed zeros */
        case 2: return (uint16_t) (((r >> 16) & 0x83ff)); /* denormals */
        default:
        {
            uint16_t exponent = (uint16_t) (8 + ((r >> 20) % 22)); /* ~2^-7 .. 2^14 */
            return (uint16_t) (((r >> 16) & 0x8000) | (exponent << 10) | ((r >> 32) & 0x3ff));
        }
    }
}

/* How many different NaNs (after F16C's quieting) a zig-zag block holds. */
static int
distinct_nans (const uint16_t* zig)
{
    uint16_t seen[64];
    int      count = 0;
    for (int i = 0; i < 64; ++i)
    {
        if ((zig[i] & 0x7c00) != 0x7c00 || (zig[i] & 0x3ff) == 0) continue;
        uint16_t quiet = zig[i] | 0x200;
        int      known = 0;
        for (int j = 0; j < count; ++j)
            known |= seen[j] == quiet;
        if (!known) seen[count++] = quiet;
    }
    return count;
}

static void
same_nans (float* dct, uint16_t* half)
{
    for (int i = 0; i < 64; ++i)
    {
        uint32_t bits;
        memcpy (&bits, &dct[i], 4);
        if ((bits & 0x7fffffff) > 0x7f800000) bits = 0x7fc00000;
        memcpy (&dct[i], &bits, 4);
        if ((half[i] & 0x7fff) > 0x7c00) half[i] = 0x7e00;
    }
}

/* Which inverse DCT the decoder runs for a block whose last non-zero zig-zag index is lnz. */
static int
variant_for (int lnz)
{
    if (lnz < 2) return 7;
    if (lnz < 3) return 6;
    if (lnz < 9) return 5;
    if (lnz < 10) return 4;
    if (lnz < 20) return 3;
    if (lnz < 21) return 2;
    if (lnz < 35) return 1;
    return 0;
}

int
main (int argc, char** argv)
{
    long     blocks = argc > 1 ? atol (argv[1]) : 1000000;
    uint64_t stride = argc > 2 ? strtoull (argv[2], NULL, 10) : 1;
    uint16_t zig[64] __attribute__ ((aligned (32)));
    float    dct[64] __attribute__ ((aligned (32)));
    uint16_t half[64] __attribute__ ((aligned (32)));
    uint64_t idct_hash[8], half_hash = 0xcbf29ce484222325ull, float_hash = 0xcbf29ce484222325ull;
    uint64_t table_hash = 0xcbf29ce484222325ull;
    long     idct_count[8] = {0};
    int      f16c = 0, avx = 0, sse2 = 0;

    initializeFuncs ();
    check_for_x86_simd (&f16c, &avx, &sse2);
    for (int v = 0; v < 8; ++v)
        idct_hash[v] = 0xcbf29ce484222325ull;

    /* Inverse DCTs as the decoder runs them: un-zig-zag, transform, back to half. */
    for (long n = 0; n < blocks; ++n)
    {
        uint64_t r   = next_random ();
        int      lnz = (r & 3) ? 1 + (int) ((r >> 8) % 63) : 1 + (int) ((r >> 8) % 10);
        memset (zig, 0, sizeof zig);
        for (int i = 0; i <= lnz; ++i)
            zig[i] = (i == lnz || (next_random () & 3)) ? random_coefficient () : 0;
        int v = variant_for (lnz);
        fromHalfZigZag (zig, dct);
        switch (v)
        {
            case 0: dctInverse8x8_0 (dct); break;
            case 1: dctInverse8x8_1 (dct); break;
            case 2: dctInverse8x8_2 (dct); break;
            case 3: dctInverse8x8_3 (dct); break;
            case 4: dctInverse8x8_4 (dct); break;
            case 5: dctInverse8x8_5 (dct); break;
            case 6: dctInverse8x8_6 (dct); break;
            default: dctInverse8x8_7 (dct); break;
        }
        convertFloatToHalf64 (half, dct);
        if (distinct_nans (zig) > 1) same_nans (dct, half);
        idct_hash[v] = fnv (idct_hash[v], dct, sizeof dct);
        idct_hash[v] = fnv (idct_hash[v], half, sizeof half);
        idct_count[v]++;
    }

    /* Every half through the un-zig-zag (which converts to float). A signalling NaN is
     * compared quiet: F16C quiets it, the wasm conversion leaves that to the multiplication
     * that comes next in the decoder (see dwa_wasm_simd.h); the blocks above check that. */
    for (uint32_t base = 0; base < 65536; base += 64)
    {
        for (int i = 0; i < 64; ++i)
            zig[i] = (uint16_t) (base + i);
        fromHalfZigZag (zig, dct);
        for (int i = 0; i < 64; ++i)
        {
            uint32_t bits;
            memcpy (&bits, &dct[i], 4);
            if ((bits & 0x7fffffff) > 0x7f800000) bits |= 0x00400000;
            memcpy (&dct[i], &bits, 4);
        }
        half_hash = fnv (half_hash, dct, sizeof dct);
    }

    /* Floats to half: every stride-th bit pattern, 64 at a time. */
    for (uint64_t base = 0; base < (1ull << 32); base += 64 * stride)
    {
        for (int i = 0; i < 64; ++i)
        {
            uint32_t bits = (uint32_t) (base + (uint64_t) i * stride);
            memcpy (&dct[i], &bits, 4);
        }
        convertFloatToHalf64 (half, dct);
        float_hash = fnv (float_hash, half, sizeof half);
    }

    /* DWA's perceptual -> linear table */
    exrcore_ensure_dwa_tables ();
    table_hash = fnv (table_hash, exrcore_dwaToLinearTable, 65536 * sizeof (uint16_t));

    printf ("{\"cpu\": {\"avx\": %d, \"f16c\": %d}, \"idct\": [", avx, f16c);
    for (int v = 0; v < 8; ++v)
        printf ("%s{\"variant\": %d, \"blocks\": %ld, \"hash\": \"%016llx\"}", v ? ", " : "", v,
                idct_count[v], (unsigned long long) idct_hash[v]);
    printf ("], \"halfToFloat\": \"%016llx\", \"floatToHalf\": \"%016llx\", \"toLinear\": \"%016llx\"}\n",
            (unsigned long long) half_hash, (unsigned long long) float_hash,
            (unsigned long long) table_hash);
    return 0;
}
