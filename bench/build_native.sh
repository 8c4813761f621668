#!/usr/bin/env bash
# Builds the same OpenEXRCore sources and the same shim (frontend/src/decoder/exr_shim.c) natively
# with gcc, as the single-thread baseline for bench_decode.mjs and for debugging the shim under
# sanitizers. Reuses the sdist the wasm build downloaded and verified (run `node build.mjs` in
# frontend/ first).
#
# Usage: bash bench/build_native.sh [release|asan]   -> frontend/.cache/native-<mode>/exr_native
set -euo pipefail
MODE=${1:-release}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/.." && pwd)
CACHE=$REPO/frontend/.cache/exr-wasm
# The sources the last wasm build extracted and patched (its patches change nothing on 64-bit x86).
SRC=$(ls -td "$CACHE"/src-3.5.3-*/ 2>/dev/null | head -1)
SRC=${SRC%/}
CONF=$CACHE/config
[ -n "$SRC" ] && [ -f "$SRC/.complete" ] || { echo "build_native.sh: run the wasm build first (it fetches the sdist)" >&2; exit 1; }
OUT=$REPO/frontend/.cache/native-$MODE
mkdir -p "$OUT/obj"

case "$MODE" in
  # -march=x86-64-v3 lets OpenEXR pick its AVX paths at run time, as the PyPI wheel does.
  release) FLAGS=(-O3 -DNDEBUG -march=x86-64-v3) ;;
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
INCLUDES=(-I"$OUT/config" -I"$CONF" -I"$CONF/Imath" -I"$CORE" -I"$SRC/external/deflate" -I"$ZSTD" -I"$ZSTD/common"
  -I"$OJPH" -I"$OJPH/openjph" -I"$OJPH/shared")
DEFS=(-DZSTD_DISABLE_ASM -DIMATH_HALF_NO_LOOKUP_TABLE -DOJPH_DISABLE_SIMD -DOJPH_ALIGNED_ALLOC_EXISTS)

sources=("$CORE"/*.c "$CORE"/internal_ht.cpp "$CORE"/internal_ht_common.cpp "$ZSTD"/common/*.c
  "$ZSTD"/compress/*.c "$ZSTD"/decompress/*.c)
for f in "$OJPH"/{codestream,coding,others,transform}/*.c*; do
  case "$f" in *_sse*.cpp | *_ssse3.cpp | *_avx*.cpp | *_vsx.cpp | *_wasm.cpp) ;; *) sources+=("$f") ;; esac
done

compile() {
  local src=$1 obj="$OUT/obj/$(printf '%s' "${1#"$SRC"/}" | tr '/' '_').o"
  [ -f "$obj" ] && return 0
  case "$src" in
    *.cpp) g++ -std=c++17 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj" ;;
    *) gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj" ;;
  esac
}
export -f compile
export OUT SRC
export FLAGS_S="${FLAGS[*]}" DEFS_S="${DEFS[*]}" INCLUDES_S="${INCLUDES[*]}"
printf '%s\0' "${sources[@]}" | xargs -0 -P "$(nproc)" -n 1 bash -c '
  read -r -a FLAGS <<<"$FLAGS_S"; read -r -a DEFS <<<"$DEFS_S"; read -r -a INCLUDES <<<"$INCLUDES_S"
  compile "$1"' _
gcc -std=gnu11 "${FLAGS[@]}" "${DEFS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/exr_shim.c" -o "$OUT/exr_shim.o"
g++ -std=c++17 "${FLAGS[@]}" "${INCLUDES[@]}" -c "$REPO/frontend/src/decoder/ojph_quiet.cpp" -o "$OUT/ojph_quiet.o"
gcc -std=gnu11 "${FLAGS[@]}" -c "$HERE/native_decode.c" -o "$OUT/native_decode.o"
g++ "${FLAGS[@]}" "$OUT"/obj/*.o "$OUT/exr_shim.o" "$OUT/ojph_quiet.o" "$OUT/native_decode.o" -lm -lpthread -o "$OUT/exr_native"
echo "$OUT/exr_native"
