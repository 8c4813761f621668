#!/usr/bin/env bash
# Builds everything the browser needs into tensorboard_exr/static/: the OpenEXRCore WebAssembly
# module (from the pinned PyPI sdist, with Debian's emscripten) and the TypeScript bundles.
# Run by `pip install .` / `python -m build` (setup.py) and scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
# emcc is a Python program of the system's python3. pip's build isolation points PYTHONPATH at a
# sitecustomize made for the build's own interpreter, which breaks any other Python ("No module
# named 'traceback'"): nothing here needs those variables (fetch_sdist.py runs with -I).
unset PYTHONPATH PYTHONHOME PYTHONNOUSERSITE PYTHONSAFEPATH

# What a build from source needs, said in one line before anything starts (a wheel needs none).
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if [[ " $* " != *" --skip-wasm "* ]]; then
  command -v emcc >/dev/null || missing+=(emscripten)
  command -v patch >/dev/null || missing+=(patch)
  [ -f /usr/include/Imath/half.h ] || missing+=(libimath-dev)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "tensorboard-exr: building the frontend from source needs ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]}); or install a built wheel (pip install tensorboard_exr-*-py3-none-any.whl), which needs none of them" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs "$@"
