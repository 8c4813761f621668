#!/usr/bin/env bash
# The whole test suite, set-up included (README's test command, run by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-tensorflow
export PATH="$PWD/.venv/bin:$PATH"
status=0
echo "== lint: ruff, tsc"
ruff check . || status=1
(cd frontend && npx tsc --noEmit -p .) || status=1
echo "== frontend (node --test)"
(cd frontend && node --test --test-reporter=spec test/*.test.mjs) || status=1
echo "== python (pytest)"
python -m pytest -q "$@" || status=1
echo "== python with TensorFlow (pytest in .venv-tf)"
.venv-tf/bin/python -m pytest -q tests/frameworks/with_tensorflow || status=1
exit $status
