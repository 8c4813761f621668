#!/usr/bin/env bash
# Builds everything the browser needs into tensorboard_exr/static/: the OpenEXRCore WebAssembly
# module (from the pinned PyPI sdist, with Debian's emscripten) and the TypeScript bundles.
set -euo pipefail
cd "$(dirname "$0")/../frontend"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs "$@"
