#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh Debian 12 machine: system packages, a Python venv in
# .venv with the package installed in editable mode, and the frontend build (WebAssembly + JS).
# Used by scripts/demo.sh and scripts/test.sh; safe to re-run.
#   --with-tensorflow   also the TensorFlow venv .venv-tf for tests/frameworks/with_tensorflow
#                       (scripts/test.sh; about a minute and 2.2 GB on a fresh machine)
set -euo pipefail
with_tensorflow=""
[ "${1:-}" = "--with-tensorflow" ] && with_tensorflow=1
cd "$(dirname "$0")/.."

# Debian packages: emscripten builds OpenEXRCore to WebAssembly, libimath-dev gives the Imath
# headers OpenEXR's C++ HTJ2K glue includes, patch applies frontend/src/decoder/patches/ to the
# OpenEXR sources, chromium runs the browser tests; g++, pkg-config and libopenexr-dev (OpenEXR's
# C++ library) build the reference programs of tests and benchmarks (tests/reference/rgba_reference.cpp:
# RgbaInputFile/RgbaOutputFile; bench/deep_composite.cpp: deep compositing).
apt_packages=(emscripten libimath-dev patch chromium g++ pkg-config libopenexr-dev)
missing=()
for p in "${apt_packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  for i in 1 2 3 4 5 6 7 8 9 10; do  # another apt user may hold the dpkg lock
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" && break
    sleep 15
  done
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then "$PY" -m venv .venv; fi
.venv/bin/python -m pip install -q --upgrade "pip>=24" >/dev/null
# torch==2.13.0 (CPU) is the wheel this machine kind ships on disk; a bare "torch" would pull a
# multi-GB CUDA build. It is only needed by the demo and the PyTorch-writer tests.
.venv/bin/pip install -q "torch==2.13.0"

bash scripts/build_frontend.sh
TENSORBOARD_EXR_SKIP_FRONTEND=1 .venv/bin/pip install -q -e ".[dev]"

# TensorFlow has a venv of its own: where it is importable, TensorBoard and gfile use it as their
# filesystem layer (s3:// then fails) and each TensorBoard process grows by ~500 MB.
if [ -n "$with_tensorflow" ]; then
  if [ ! -x .venv-tf/bin/python ]; then "$PY" -m venv .venv-tf; fi
  .venv-tf/bin/python -m pip install -q --upgrade "pip>=24" >/dev/null
  TENSORBOARD_EXR_SKIP_FRONTEND=1 .venv-tf/bin/pip install -q -e ".[tensorflow-tests]"
fi
