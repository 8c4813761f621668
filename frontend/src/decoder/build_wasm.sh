#!/usr/bin/env bash
# Builds OpenEXR's C core (OpenEXRCore, with its vendored libdeflate, zstd and OpenJPH for HTJ2K)
# into WebAssembly with Debian's emscripten, plus our shim (exr_shim.c), and writes
#   <outdir>/exr_core.js    emscripten ES-module glue (factory: default export)
#   <outdir>/exr_core.wasm  the module
# (exr_deep.c and exr_deep_flatten.c, the deep parts, are linked in with the shim.)
# The sources come from the pinned `openexr` sdist on PyPI, checked against its sha256; nothing
# third-party lives in this repository. See docs/decoder.md.
#
# Incremental: objects are cached per (sdist, flags) under frontend/.cache/exr-wasm/, and the link
# is skipped when a hash of every input (script, shim, flags, sdist) matches the last output.
#
# Usage: bash build_wasm.sh <outdir>      (EXR_WASM_FORCE=1 rebuilds everything;
#                                         EXR_WASM_LINK_EXTRA="--profiling-funcs" adds link flags)
#        bash build_wasm.sh --sources     prepares the patched sources and configuration headers
#                                         and prints their two directories (for
#                                         bench/build_native.sh and tools/dwa_kernels_check.mjs)
set -euo pipefail

OUT_DIR=${1:?usage: build_wasm.sh <outdir> | --sources}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FRONTEND=$(cd "$HERE/../.." && pwd)
REPO=$(cd "$FRONTEND/.." && pwd)
CACHE=${EXR_WASM_CACHE:-$FRONTEND/.cache/exr-wasm}

OPENEXR_VERSION=3.5.3
OPENEXR_SHA256=5645cc5493802832860a715ceb621139b44ee867084cec1501a2b8685e40d88a
SDIST_DIR=$CACHE/sdist
SDIST=$SDIST_DIR/openexr-$OPENEXR_VERSION.tar.gz

# Debian's emcc runs its JS optimiser with node and needs node-acorn from /usr/share/nodejs,
# which this node does not search by default.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}
command -v emcc >/dev/null || { echo "build_wasm.sh: emcc not found (apt-get install emscripten)" >&2; exit 1; }
command -v patch >/dev/null || { echo "build_wasm.sh: patch not found (apt-get install patch)" >&2; exit 1; }
[ -f /usr/include/Imath/half.h ] || { echo "build_wasm.sh: Imath headers missing (apt-get install libimath-dev)" >&2; exit 1; }

# Compile flags shared by every object. Changing them invalidates the object cache.
# -fwasm-exceptions: OpenJPH reports corrupt codestreams with C++ exceptions, which OpenEXR's HT
#   glue catches; without native wasm EH a throw would abort the whole module.
# ZSTD_DISABLE_ASM: zstd's x86 assembly Huffman decoder cannot target wasm.
# ZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT: only zstd's plain sequence decoder, not the variant that
#   prefetches far matches (prefetches are no-ops in wasm; zstd may pick it per block): ZSTD
#   decodes 9-12 % faster (CPU time, 1080p and 4K, one thread).
# IMATH_HALF_NO_LOOKUP_TABLE: use Imath's table-free half conversion (no libImath to link).
# -msimd128 + OJPH_ENABLE_WASM_SIMD: OpenJPH's wasm-SIMD kernels for its wavelet, colour transform
#   and sample conversion (its SIMD block decoder is slower in V8 than the portable one: a patch
#   picks the latter); clang also auto-vectorises some of OpenEXRCore's loops.
# -ffp-contract=off: no a*b+c fused into one rounding. WebAssembly without relaxed SIMD has no
#   fused multiply-add, so clang 14 cannot fuse anyway; this keeps it so if flags change, since
#   DWA's values depend on every rounding (the C++ library it must match fuses nothing there).
OPT_FLAGS=(-O3 -flto -msimd128)
COMMON_FLAGS=("${OPT_FLAGS[@]}" -ffp-contract=off -DNDEBUG -DZSTD_DISABLE_ASM -DZSTD_FORCE_DECOMPRESS_SEQUENCES_SHORT
  -DIMATH_HALF_NO_LOOKUP_TABLE
  -DOJPH_ENABLE_WASM_SIMD -DOJPH_ALIGNED_ALLOC_EXISTS -fwasm-exceptions -Wno-unused-command-line-argument)
C_FLAGS=(-std=gnu11)
# OpenEXRCore's own SSE2/SSE4.1 code (DWA's colour transform and row copies, the ZIP predictor)
# compiles to wasm SIMD through emscripten's SSE headers: the same operations, lane by lane, as
# the SSE2 code the C++ library runs on x86. Debian's emscripten lacks mmintrin.h/x86intrin.h,
# hence the shims below. DWA's inverse DCT and half conversions are x86 inline assembly in
# OpenEXR; dwa_wasm_simd.h (here, included by a patch) gives their values in wasm SIMD.
CORE_SIMD_FLAGS=(-msse4.1)
CORE_HEADERS=("$HERE/dwa_wasm_simd.h")
# OpenEXRCore enables PIZ's fast Huffman decoder only on CPUs it recognises by macro (it needs
# little-endian, unaligned loads: wasm has both). Claiming e2k for exactly this file turns it on;
# nothing else in it tests the macro.
E2K_FILES="internal_huf.c"
CXX_FLAGS=(-std=c++17)
LINK_FLAGS=("${OPT_FLAGS[@]}" -fwasm-exceptions
  -sMODULARIZE=1 -sEXPORT_ES6=1 -sEXPORT_NAME=createExrCore
  -sENVIRONMENT=web,worker
  -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=33554432 -sMAXIMUM_MEMORY=4GB
  # malloc must return NULL (reported as "out of memory") instead of aborting the module.
  -sABORTING_MALLOC=0
  -sFILESYSTEM=0 -sSUPPORT_LONGJMP=0 -sDYNAMIC_EXECUTION=0
  -sEXPORTED_FUNCTIONS=_malloc,_free
  -sEXPORTED_RUNTIME_METHODS=UTF8ToString)
# Extra link flags for a developer's build, e.g. EXR_WASM_LINK_EXTRA=--profiling-funcs keeps
# function names for `node --cpu-prof` (the objects are shared; only the link differs).
read -r -a LINK_EXTRA <<<"${EXR_WASM_LINK_EXTRA:-}"
LINK_FLAGS+=("${LINK_EXTRA[@]}")

hash_of() { sha256sum | cut -c1-16; }
# Small build-time patches to the pinned sources (each file says why); they are part of every key.
PATCHES=("$HERE"/patches/*.patch)
PATCH_KEY=$(cat "${PATCHES[@]}" | hash_of)
FLAGS_KEY=$(printf '%s\n' "$OPENEXR_SHA256" "$PATCH_KEY" "${COMMON_FLAGS[*]}" "${C_FLAGS[*]}" "${CXX_FLAGS[*]}" "${CORE_SIMD_FLAGS[*]}" "$E2K_FILES" "file-prefix-map: src, decoder" \
  "$(emcc --version | sed -n 1p)" "$(cat "${CORE_HEADERS[@]}" | hash_of)" | hash_of)
INPUT_KEY=$( { printf '%s\n' "$FLAGS_KEY" "${LINK_FLAGS[*]}"; cat "$HERE/build_wasm.sh" "$HERE/exr_shim.c" "$HERE/rgba_yca.c" "$HERE/exr_shim.h" "$HERE/exr_deep.h" "$HERE/exr_deep.c" "$HERE/exr_deep_flatten.c" "$HERE/exr_deep_flatten.h" "$HERE/ojph_quiet.cpp" "$HERE/wasm_memcpy.c" "${PATCHES[@]}"; } | hash_of)
STAMP=$CACHE/out-$INPUT_KEY

SOURCES_ONLY=
[ "$OUT_DIR" = --sources ] && SOURCES_ONLY=1
if [ -z "$SOURCES_ONLY" ] && [ -z "${EXR_WASM_FORCE:-}" ] && [ -f "$STAMP/exr_core.wasm" ] && [ -f "$STAMP/exr_core.js" ]; then
  mkdir -p "$OUT_DIR"
  cmp -s "$STAMP/exr_core.wasm" "$OUT_DIR/exr_core.wasm" || cp "$STAMP/exr_core.wasm" "$OUT_DIR/"
  cmp -s "$STAMP/exr_core.js" "$OUT_DIR/exr_core.js" || cp "$STAMP/exr_core.js" "$OUT_DIR/"
  echo "build_wasm.sh: exr_core.wasm up to date ($INPUT_KEY)"
  exit 0
fi

# --- 1. The pinned sdist, verified -------------------------------------------------------------
mkdir -p "$SDIST_DIR"
verify() { [ -f "$SDIST" ] && [ "$(sha256sum "$SDIST" | cut -d' ' -f1)" = "$OPENEXR_SHA256" ]; }
if ! verify; then
  rm -f "$SDIST"
  # Standard library only, with the interpreter running the package build (setup.py names it;
  # a PEP 517 build environment has no pip), isolated (-I) from that environment's PYTHONPATH.
  echo "build_wasm.sh: downloading openexr==$OPENEXR_VERSION sdist from PyPI (26 MB)" >&2
  "${TENSORBOARD_EXR_PYTHON:-python3}" -I "$REPO/scripts/fetch_sdist.py" openexr "$OPENEXR_VERSION" "$OPENEXR_SHA256" "$SDIST"
  if ! verify; then
    echo "build_wasm.sh: sha256 of $SDIST does not match the pinned $OPENEXR_SHA256" >&2
    rm -f "$SDIST"
    exit 1
  fi
fi
SRC=$CACHE/src-$OPENEXR_VERSION-$PATCH_KEY
if [ ! -f "$SRC/.complete" ]; then
  rm -rf "$SRC" && mkdir -p "$SRC"
  tar xzf "$SDIST" -C "$SRC" --strip-components=1
  for p in "${PATCHES[@]}"; do
    patch -d "$SRC" -p1 --forward --quiet <"$p" || { echo "build_wasm.sh: $p does not apply" >&2; exit 1; }
  done
  touch "$SRC/.complete"
fi

# --- 2. Configuration headers that CMake would generate ----------------------------------------
CONF=$CACHE/config
mkdir -p "$CONF/Imath"
cat >"$CONF/OpenEXRConfig.h" <<'EOF'
/* Written by build_wasm.sh in place of CMake's configure step. */
#pragma once
#define OPENEXR_VERSION_STRING "3.5.3"
#define OPENEXR_PACKAGE_STRING "OpenEXR 3.5.3"
#define OPENEXR_EXPORT
#define OPENEXR_HIDDEN
#define OPENEXR_EXPORT_TYPE
#define OPENEXR_EXPORT_EXTERN_TEMPLATE
#define OPENEXR_EXPORT_ENUM
#define OPENEXR_EXPORT_TEMPLATE_TYPE
#define OPENEXR_EXPORT_TEMPLATE_INSTANCE
EOF
cat >"$CONF/OpenEXRConfigInternal.h" <<'EOF'
/* Written by build_wasm.sh: use the deflate and zstd sources vendored in the sdist. */
#pragma once
#define OPENEXR_USE_INTERNAL_DEFLATE 1
#define OPENEXR_USE_INTERNAL_ZSTD 1
EOF
cat >"$CONF/IlmThreadConfig.h" <<'EOF'
/* Written by build_wasm.sh: no pthreads (no SharedArrayBuffer under TensorBoard). */
#pragma once
#define ILMTHREAD_THREADING_ENABLED 0
#define ILMTHREAD_HAVE_POSIX_SEMAPHORES 0
#define ILMTHREAD_USE_TBB 0
EOF
mkdir -p "$CONF/simd"
cat >"$CONF/simd/mmintrin.h" <<'EOF'
/* Written by build_wasm.sh: emscripten has no MMX header; its xmmintrin.h defines __m64. */
#pragma once
#include <xmmintrin.h>
EOF
cat >"$CONF/simd/x86intrin.h" <<'EOF'
/* Written by build_wasm.sh: route x86intrin.h to emscripten's SSE compatibility headers. */
#pragma once
#include <emmintrin.h>
#ifdef __SSE4_1__
#    include <smmintrin.h>
#endif
EOF
# Imath's headers (Debian libimath-dev) without adding /usr/include, which would leak glibc
# headers into the wasm build.
for h in /usr/include/Imath/*.h; do ln -sf "$h" "$CONF/Imath/"; done
if [ -n "$SOURCES_ONLY" ]; then
  printf '%s\n%s\n' "$SRC" "$CONF"
  exit 0
fi

# --- 3. Sources --------------------------------------------------------------------------------
CORE=$SRC/src/lib/OpenEXRCore
ZSTD=$SRC/external/zstd/lib
OJPH=$SRC/external/OpenJPH/src/core
sources=("$CORE"/*.c "$CORE"/internal_ht.cpp "$CORE"/internal_ht_common.cpp)
for f in common/debug.c common/entropy_common.c common/error_private.c common/fse_decompress.c \
  common/pool.c common/threading.c common/xxhash.c common/zstd_common.c \
  compress/fse_compress.c compress/hist.c compress/huf_compress.c compress/zstd_compress.c \
  compress/zstd_compress_literals.c compress/zstd_compress_sequences.c \
  compress/zstd_compress_superblock.c compress/zstd_double_fast.c compress/zstd_fast.c \
  compress/zstd_lazy.c compress/zstd_ldm.c compress/zstd_opt.c compress/zstd_preSplit.c \
  compress/zstdmt_compress.c decompress/huf_decompress.c decompress/zstd_ddict.c \
  decompress/zstd_decompress.c decompress/zstd_decompress_block.c; do
  sources+=("$ZSTD/$f")
done
# OpenJPH: the portable files plus its wasm-SIMD variants, as its CMake does for EMSCRIPTEN.
for f in "$OJPH"/{codestream,coding,others,transform}/*.c*; do
  case "$f" in
    *_sse.cpp | *_sse2.cpp | *_ssse3.cpp | *_avx.cpp | *_avx2.cpp | *_avx512.cpp | *_vsx.cpp) ;;
    *) sources+=("$f") ;;
  esac
done

# OpenJPH's messages embed __FILE__: map the cache path away so the output does not depend on
# where the repository lives (the build is byte-reproducible).
COMMON_FLAGS+=(-ffile-prefix-map="$SRC"=openexr-$OPENEXR_VERSION -ffile-prefix-map="$HERE"=decoder)
INCLUDES=(-I"$CONF" -I"$CONF/Imath" -I"$CORE" -I"$SRC/external/deflate" -I"$ZSTD" -I"$ZSTD/common"
  -I"$OJPH" -I"$OJPH/openjph" -I"$OJPH/shared")
OBJ=$CACHE/obj-$FLAGS_KEY
mkdir -p "$OBJ"

compile_one() {
  local src=$1 obj
  # Objects are named by path: zstd's common/debug.c and the core's debug.c would clash.
  obj="$OBJ/$(printf '%s' "${src#"$SRC"/}" | tr '/' '_').o"
  [ -f "$obj" ] && return 0
  case "$src" in
    */OpenEXRCore/*.c)
      local extra=()
      case " $E2K_FILES " in *" $(basename "$src") "*) extra=(-D__e2k__) ;; esac
      emcc "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" "${CORE_SIMD_FLAGS[@]}" "${extra[@]}" -I"$CONF/simd" "${INCLUDES[@]}" \
        -I"$HERE_DIR" -c "$src" -o "$obj.tmp.$$" ;;
    *.cpp) emcc "${COMMON_FLAGS[@]}" "${CXX_FLAGS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj.tmp.$$" ;;
    *) emcc "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" "${INCLUDES[@]}" -c "$src" -o "$obj.tmp.$$" ;;
  esac
  mv "$obj.tmp.$$" "$obj"
}
export -f compile_one
export OBJ SRC CONF E2K_FILES HERE_DIR="$HERE"
export CORE_SIMD_FLAGS_S="${CORE_SIMD_FLAGS[*]}" COMMON_FLAGS_S="${COMMON_FLAGS[*]}" C_FLAGS_S="${C_FLAGS[*]}" CXX_FLAGS_S="${CXX_FLAGS[*]}" INCLUDES_S="${INCLUDES[*]}"

echo "build_wasm.sh: compiling ${#sources[@]} OpenEXRCore/zstd/OpenJPH sources (cached in ${OBJ#"$FRONTEND"/})"
JOBS=$(nproc 2>/dev/null || echo 2)
printf '%s\0' "${sources[@]}" | xargs -0 -P "$JOBS" -n 1 bash -c '
  set -e
  read -r -a COMMON_FLAGS <<<"$COMMON_FLAGS_S"; read -r -a C_FLAGS <<<"$C_FLAGS_S"
  read -r -a CXX_FLAGS <<<"$CXX_FLAGS_S"; read -r -a INCLUDES <<<"$INCLUDES_S"
  read -r -a CORE_SIMD_FLAGS <<<"$CORE_SIMD_FLAGS_S"
  compile_one "$1"' _

# --- 4. Shim + link ----------------------------------------------------------------------------
# A stage of this process's own: two builds of the same inputs at once (two checkouts sharing
# EXR_WASM_CACHE, or pip and a developer) must not delete each other's half-linked module.
STAGE=$CACHE/stage-$INPUT_KEY.$$
rm -rf "$STAGE" && mkdir -p "$STAGE"
emcc "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" "${INCLUDES[@]}" -Wall -Wextra -Wno-missing-field-initializers -Werror \
  -c "$HERE/exr_shim.c" -o "$STAGE/exr_shim.o"
for deep in exr_deep exr_deep_flatten; do
  emcc "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" "${INCLUDES[@]}" -Wall -Wextra -Wno-missing-field-initializers -Werror \
    -c "$HERE/$deep.c" -o "$STAGE/$deep.o"
done
emcc "${COMMON_FLAGS[@]}" "${CXX_FLAGS[@]}" "${INCLUDES[@]}" -c "$HERE/ojph_quiet.cpp" -o "$STAGE/ojph_quiet.o"
# Luminance/chroma -> RGB as OpenEXR's RgbaInputFile computes it (float32, -ffp-contract=off).
emcc "${COMMON_FLAGS[@]}" "${C_FLAGS[@]}" -Wall -Wextra -Werror -c "$HERE/rgba_yca.c" -o "$STAGE/rgba_yca.o"
# Our memcpy/memmove/memset replace the prebuilt libc's (see the file): outside LTO and with
# -fno-builtin, so that no optimisation turns their loops back into calls to themselves.
emcc -O3 -msimd128 -mbulk-memory -fno-builtin -Wall -Wextra -Werror -c "$HERE/wasm_memcpy.c" -o "$STAGE/wasm_memcpy.o"
echo "build_wasm.sh: linking"
emcc "${LINK_FLAGS[@]}" "$OBJ"/*.o "$STAGE/exr_shim.o" "$STAGE/exr_deep.o" "$STAGE/exr_deep_flatten.o" "$STAGE/rgba_yca.o" \
  "$STAGE/ojph_quiet.o" "$STAGE/wasm_memcpy.o" -o "$STAGE/exr_core.js"
rm -f "$STAGE"/*.o
if [ -f "$STAMP/exr_core.wasm" ] && cmp -s "$STAGE/exr_core.wasm" "$STAMP/exr_core.wasm"; then
  rm -rf "$STAGE"  # another build of the same inputs finished first (the build is reproducible)
else
  rm -rf "$STAMP" && mv "$STAGE" "$STAMP"
fi
mkdir -p "$OUT_DIR"
cp "$STAMP/exr_core.wasm" "$STAMP/exr_core.js" "$OUT_DIR/"
echo "build_wasm.sh: wrote $OUT_DIR/exr_core.{js,wasm} ($(stat -c %s "$OUT_DIR/exr_core.wasm") bytes wasm)"
