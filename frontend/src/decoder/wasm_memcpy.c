/* memcpy, memmove and memset for the WebAssembly build (build_wasm.sh compiles this file without
 * LTO and with -fno-builtin, so that nothing here turns back into a call to itself).
 *
 * Why: the prebuilt libc of Debian's emscripten 3.1.6 copies 4 bytes at a time, 1 byte at a time
 * when source and destination differ in alignment (chunks lie at any offset in an EXR file), and
 * hands copies of 512 bytes or more to JavaScript (HEAPU8.copyWithin through an import call).
 * Here small copies move 16 bytes at a time (wasm SIMD) and larger ones are one memory.copy /
 * memory.fill instruction (bulk memory), which V8 runs as the C library's memmove / memset. Same
 * semantics as the C standard's: memmove allows overlap, memcpy does not need it. */

#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

/* From this size on, one bulk-memory instruction beats a loop (V8 calls out to C for it). */
#define BULK_MIN 32

typedef uint64_t u64_unaligned __attribute__ ((aligned (1)));
typedef uint32_t u32_unaligned __attribute__ ((aligned (1)));
typedef uint16_t u16_unaligned __attribute__ ((aligned (1)));

/* Copies n < 16 bytes: every load before any store, so overlapping ranges are fine. */
static inline void copy_under_16 (unsigned char* d, const unsigned char* s, size_t n)
{
    if (n >= 8)
    {
        uint64_t a = *(const u64_unaligned*) s, b = *(const u64_unaligned*) (s + n - 8);
        *(u64_unaligned*) d           = a;
        *(u64_unaligned*) (d + n - 8) = b;
    }
    else if (n >= 4)
    {
        uint32_t a = *(const u32_unaligned*) s, b = *(const u32_unaligned*) (s + n - 4);
        *(u32_unaligned*) d           = a;
        *(u32_unaligned*) (d + n - 4) = b;
    }
    else if (n >= 2)
    {
        uint16_t a = *(const u16_unaligned*) s, b = *(const u16_unaligned*) (s + n - 2);
        *(u16_unaligned*) d           = a;
        *(u16_unaligned*) (d + n - 2) = b;
    }
    else if (n == 1)
        *d = *s;
}

/* 16 <= n < BULK_MIN, front to back: right when d does not lie inside (s, s + n). The last 16
 * bytes are loaded first and stored last (they may overlap the loop's last block). */
static inline void copy_forward (unsigned char* d, const unsigned char* s, size_t n)
{
    v128_t tail = wasm_v128_load (s + n - 16);
    for (size_t i = 0; i + 16 < n; i += 16)
        wasm_v128_store (d + i, wasm_v128_load (s + i));
    wasm_v128_store (d + n - 16, tail);
}

/* 16 <= n < BULK_MIN, back to front: right when d lies inside (s, s + n). */
static inline void copy_backward (unsigned char* d, const unsigned char* s, size_t n)
{
    v128_t head = wasm_v128_load (s);
    while (n > 16)
    {
        n -= 16;
        wasm_v128_store (d + n, wasm_v128_load (s + n));
    }
    wasm_v128_store (d, head);
}

void* memcpy (void* restrict dest, const void* restrict src, size_t n)
{
    unsigned char*       d = dest;
    const unsigned char* s = src;
    if (n >= BULK_MIN)
        __builtin_memcpy (d, s, n); /* memory.copy */
    else if (n >= 16)
        copy_forward (d, s, n);
    else
        copy_under_16 (d, s, n);
    return dest;
}

void* memmove (void* dest, const void* src, size_t n)
{
    unsigned char*       d = dest;
    const unsigned char* s = src;
    if (n >= BULK_MIN)
        __builtin_memmove (d, s, n); /* memory.copy allows overlap */
    else if (n >= 16)
    {
        if ((uintptr_t) d - (uintptr_t) s >= n)
            copy_forward (d, s, n);
        else
            copy_backward (d, s, n);
    }
    else
        copy_under_16 (d, s, n);
    return dest;
}

void* memset (void* dest, int c, size_t n)
{
    unsigned char* d = dest;
    if (n >= BULK_MIN)
    {
        __builtin_memset (d, c, n); /* memory.fill */
        return dest;
    }
    if (n >= 16)
    {
        v128_t v = wasm_i8x16_splat ((int8_t) c);
        for (size_t i = 0; i + 16 < n; i += 16)
            wasm_v128_store (d + i, v);
        wasm_v128_store (d + n - 16, v);
        return dest;
    }
    for (size_t i = 0; i < n; ++i)
        d[i] = (unsigned char) c;
    return dest;
}
