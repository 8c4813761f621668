#!/usr/bin/env bash
# Builds the same OpenEXRCore sources and the same shim (frontend/src/decoder/exr_shim.c) natively
# with gcc, as the baselines for bench_decode.mjs and for debugging the shim under sanitizers.
# Takes the sources (the verified sdist, patched: the patches change nothing off wasm) from the
# wasm build's cache, preparing them if needed.
#
# Usage: bash bench/build_native.sh [release|sse4|asan]  -> frontend/.cache/native-<mode>/exr_native
#   release  as OpenEXR's CMake builds it for x86-64 with gcc (the PyPI wheel's configuration):
#            OpenJPH's SSE..AVX2 kernels and zstd's BMI2 assembly Huffman decoder, picked at run
#            time; DWA's AVX/F16C assembly; the AVX2 paths of libdeflate and OpenEXRCore's zstd
#            shuffles. The wheel on this CPU runs the same paths.
#   sse4     the same code restricted to what a CPU with SSE4.2 and no AVX/BMI runs: 128-bit
#            vectors, as wasm SIMD has. The honest limit for the wasm build (bench_decode.mjs
#            prints both).
#   asan     AddressSanitizer + UBSan (frontend/tools/fuzz_native.mjs)
set -euo pipefail
MODE=${1:-release}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
{ read -r SRC; read -r CONF; } < <(bash "$REPO/frontend/src/decoder/build_wasm.sh" --sources)
[ -f "${SRC:-}/.complete" ] || { echo "build_native.sh: preparing the sources failed" >&2; exit 1; }
OUT=$REPO/frontend/.cache/native-$MODE
CORE=$SRC/src/lib/OpenEXRCore
ZSTD=$SRC/external/zstd/lib
OJPH=$SRC/external/OpenJPH/src/core

# -ffp-contract=off everywhere: the CPU has FMA, but the wheel is built for plain x86-64 and
# fuses no multiply-adds, so that DWA gives the wheel's values.
DEFS=(-DIMATH_HALF_NO_LOOKUP_TABLE -DOJPH_ALIGNED_ALLOC_EXISTS)
ASM_AVX=1
case "$MODE" in
  # -march=x86-64-v3: gcc may use AVX2 in OpenEXR's C code, as the wheel's dispatched kernels do.
  release) FLAGS=(-O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off)
    DEFS+=(-DOJPH_DISABLE_AVX512) ;;
  # x86-64-v2 = SSE4.2, SSSE3, POPCNT: no AVX, no BMI. Each library's run-time dispatch is held to
  # it too: OpenJPH by its own switches, zstd without BMI2 (its assembly needs BMI2), libdeflate
  # by its test hook (native_decode.c sets LIBDEFLATE_DISABLE_CPU_FEATURES), OpenEXRCore's zstd
  # shuffles by answering "no" to __builtin_cpu_supports, DWA without the AVX assembly (SSE2
  # inverse DCT: DWA's values differ slightly, which a speed baseline may).
  sse4) FLAGS=(-O3 -DNDEBUG -march=x86-64-v2 -ffp-contract=off -DEXR_NATIVE_128BIT)
    DEFS+=(-DOJPH_DISABLE_AVX -DOJPH_DISABLE_AVX2 -DOJPH_DISABLE_AVX512 -DZSTD_DISABLE_ASM -DDYNAMIC_BMI2=0
      '-D__builtin_cpu_supports(feature)=0' -DTEST_SUPPORT__DO_NOT_USE)
    ASM_AVX= ;;
  asan) FLAGS=(-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer)
    DEFS+=(-DOJPH_DISABLE_SIMD -DZSTD_DISABLE_ASM) ;;
  *) echo "mode: release|sse4|asan" >&2; exit 1 ;;
esac
# Threads decode bands concurrently here, so OpenEXRCore's per-thread state must be on (the wasm
# build has one thread per instance and turns it off).
mkdir -p "$OUT/config"
cat >"$OUT/config/IlmThreadConfig.h" <<'EOF'
#pragma once
#define ILMTHREAD_THREADING_ENABLED 1
#define ILMTHREAD_HAVE_POSIX_SEMAPHORES 1
#define ILMTHREAD_USE_TBB 0
EOF
# As CMake configures OpenEXR for gcc on x86-64: the AVX inline assembly (DWA's inverse DCT and
# F16C conversions) is compiled in and chosen at run time by CPUID, as in the PyPI wheel.
{
  echo "#pragma once"
  echo "#define OPENEXR_USE_INTERNAL_DEFLATE 1"
  echo "#define OPENEXR_USE_INTERNAL_ZSTD 1"
  [ -n "$ASM_AVX" ] && echo "#define OPENEXR_IMF_HAVE_GCC_INLINE_ASM_AVX 1"
  true
} >"$OUT/config/OpenEXRConfigInternal.h"
INCLUDES=(-I"$OUT/config" -I"$CONF" -I"$CONF/Imath" -I"$CORE" -I"$SRC/external/deflate" -I"$ZSTD" -I"$ZSTD/common"
  -I"$OJPH" -I"$OJPH/openjph" -I"$OJPH/shared")
# Objects are cached per sources, flags and configuration.
OBJ=$OUT/obj-$(printf '%s\n' "$SRC" "${FLAGS[*]}" "${DEFS[*]}" "$(cat "$OUT/config"/*.h)" | sha256sum | cut -c1-16)
mkdir -p "$OBJ"

sources=("$CORE"/*.c "$CORE"/internal_ht.cpp "$CORE"/internal_ht_common.cpp "$ZSTD"/common/*.c
  "$ZSTD"/compress/*.c "$ZSTD"/decompress/*.c)
defined() { [[ " ${DEFS[*]} " == *" -D$1 "* ]]; }
# zstd's x86-64 assembly Huffman decoder, as OpenEXR's CMake adds it (used when the CPU has BMI2).
defined ZSTD_DISABLE_ASM || sources+=("$ZSTD"/decompress/huf_decompress_amd64.S)
# OpenJPH: the portable files plus the x86 kernels its switches leave in (CMake's file lists).
for f in "$OJPH"/{codestream,coding,others,transform}/*.c*; do
  case "$f" in
    *_vsx.cpp | *_wasm.cpp) continue ;;
    *_sse.cpp | *_sse2.cpp | *_ssse3.cpp) defined OJPH_DISABLE_SIMD && continue ;;
    *_avx.cpp) { defined OJPH_DISABLE_SIMD || defined OJPH_DISABLE_AVX; } && continue ;;
    *_avx2.cpp) { defined OJPH_DISABLE_SIMD || defined OJPH_DISABLE_AVX2; } && continue ;;
    *_avx512.cpp) { defined OJPH_DISABLE_SIMD || defined OJPH_DISABLE_AVX512; } && continue ;;
  esac
  sources+=("$f")
done

compile() {
  local src=$1 obj="$OBJ/$(printf '%s' "${1#"$SRC"/}" | tr '/' '_').o" extra=()
  [ -f "$obj" ] && return 0
  # OpenJPH's per-file instruction sets, as its CMakeLists sets them.
  case "$src" in
    *_ssse3.cpp) extra=(-mssse3) ;;
    *_avx.cpp) extra=(-mavx) ;;
    *_avx2.cpp) extra=(-mavx2) ;;
  esac
  case "$src" in
    *.cpp) g++ -std=c++17 "${FLAGS[@]}" "${DEFS[@]}" "${extra[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj.tmp.$$" ;;
    *.S) gcc "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj.tmp.$$" ;;
    *) gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj.tmp.$$" ;;
  esac
  mv "$obj.tmp.$$" "$obj"
}
export -f compile
# The arrays reach the xargs shells through a file (a define holds spaces and parentheses).
declare -p FLAGS DEFS INCLUDES >"$OBJ/flags.sh"
export OBJ SRC
printf '%s\0' "${sources[@]}" | xargs -0 -P "$(nproc)" -n 1 bash -c 'set -e; source "$OBJ/flags.sh"; compile "$1"' _
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_shim.c" -o "$OUT/exr_shim.o"
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_deep.c" -o "$OUT/exr_deep.o"
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_deep_flatten.c" -o "$OUT/exr_deep_flatten.o"
g++ -std=c++17 "${FLAGS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/ojph_quiet.cpp" -o "$OUT/ojph_quiet.o"
gcc -std=gnu11 "${FLAGS[@]}" -c "$HERE/native_decode.c" -o "$OUT/native_decode.o"
g++ "${FLAGS[@]}" "$OBJ"/*.o "$OUT/exr_shim.o" "$OUT/exr_deep.o" "$OUT/exr_deep_flatten.o" "$OUT/ojph_quiet.o" "$OUT/native_decode.o" -lm -lpthread -o "$OUT/exr_native"
echo "$OUT/exr_native"
