#!/usr/bin/env bash
# Builds the same OpenEXRCore sources and the same shim (frontend/src/decoder/exr_shim.c) natively
# with gcc, as the single-thread baseline for bench_decode.mjs and for debugging the shim under
# sanitizers. Takes the sources (the verified sdist, patched: the patches change nothing off
# wasm) from the wasm build's cache, preparing them if needed.
#
# Usage: bash bench/build_native.sh [release|asan]   -> frontend/.cache/native-<mode>/exr_native
set -euo pipefail
MODE=${1:-release}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
{ read -r SRC; read -r CONF; } < <(bash "$REPO/frontend/src/decoder/build_wasm.sh" --sources)
[ -f "${SRC:-}/.complete" ] || { echo "build_native.sh: preparing the sources failed" >&2; exit 1; }
OUT=$REPO/frontend/.cache/native-$MODE

case "$MODE" in
  # -march=x86-64-v3: gcc may use AVX2 in OpenEXR's C code; -ffp-contract=off: but fuse no
  # multiply-adds (the CPU has FMA; the PyPI wheel is built for plain x86-64 and fuses none), so
  # that DWA gives the wheel's values.
  release) FLAGS=(-O3 -DNDEBUG -march=x86-64-v3 -ffp-contract=off) ;;
  asan) FLAGS=(-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer) ;;
  *) echo "mode: release|asan" >&2; exit 1 ;;
esac
CORE=$SRC/src/lib/OpenEXRCore
ZSTD=$SRC/external/zstd/lib
OJPH=$SRC/external/OpenJPH/src/core
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
cat >"$OUT/config/OpenEXRConfigInternal.h" <<'EOF'
#pragma once
#define OPENEXR_USE_INTERNAL_DEFLATE 1
#define OPENEXR_USE_INTERNAL_ZSTD 1
#define OPENEXR_IMF_HAVE_GCC_INLINE_ASM_AVX 1
EOF
INCLUDES=(-I"$OUT/config" -I"$CONF" -I"$CONF/Imath" -I"$CORE" -I"$SRC/external/deflate" -I"$ZSTD" -I"$ZSTD/common"
  -I"$OJPH" -I"$OJPH/openjph" -I"$OJPH/shared")
DEFS=(-DZSTD_DISABLE_ASM -DIMATH_HALF_NO_LOOKUP_TABLE -DOJPH_DISABLE_SIMD -DOJPH_ALIGNED_ALLOC_EXISTS)
# Objects are cached per sources, flags and configuration.
OBJ=$OUT/obj-$(printf '%s\n' "$SRC" "${FLAGS[*]}" "${DEFS[*]}" "$(cat "$OUT/config"/*.h)" | sha256sum | cut -c1-16)
mkdir -p "$OBJ"

sources=("$CORE"/*.c "$CORE"/internal_ht.cpp "$CORE"/internal_ht_common.cpp "$ZSTD"/common/*.c
  "$ZSTD"/compress/*.c "$ZSTD"/decompress/*.c)
for f in "$OJPH"/{codestream,coding,others,transform}/*.c*; do
  case "$f" in *_sse*.cpp | *_ssse3.cpp | *_avx*.cpp | *_vsx.cpp | *_wasm.cpp) ;; *) sources+=("$f") ;; esac
done

compile() {
  local src=$1 obj="$OBJ/$(printf '%s' "${1#"$SRC"/}" | tr '/' '_').o"
  [ -f "$obj" ] && return 0
  case "$src" in
    *.cpp) g++ -std=c++17 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj" ;;
    *) gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj" ;;
  esac
}
export -f compile
export OBJ SRC
export FLAGS_S="${FLAGS[*]}" DEFS_S="${DEFS[*]}" INCLUDES_S="${INCLUDES[*]}"
printf '%s\0' "${sources[@]}" | xargs -0 -P "$(nproc)" -n 1 bash -c '
  read -r -a FLAGS <<<"$FLAGS_S"; read -r -a DEFS <<<"$DEFS_S"; read -r -a INCLUDES <<<"$INCLUDES_S"
  compile "$1"' _
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_shim.c" -o "$OUT/exr_shim.o"
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_deep.c" -o "$OUT/exr_deep.o"
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_deep_flatten.c" -o "$OUT/exr_deep_flatten.o"
g++ -std=c++17 "${FLAGS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/ojph_quiet.cpp" -o "$OUT/ojph_quiet.o"
gcc -std=gnu11 "${FLAGS[@]}" -c "$HERE/native_decode.c" -o "$OUT/native_decode.o"
g++ "${FLAGS[@]}" "$OBJ"/*.o "$OUT/exr_shim.o" "$OUT/exr_deep.o" "$OUT/exr_deep_flatten.o" "$OUT/ojph_quiet.o" "$OUT/native_decode.o" -lm -lpthread -o "$OUT/exr_native"
echo "$OUT/exr_native"
