#!/usr/bin/env bash
# The demo, set-up included (README's demo command): builds everything, trains a small HDR
# denoiser that logs EXR summaries into demo/logs (skipped when present), then starts TensorBoard.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
if [ ! -f demo/logs/.complete ]; then
  python demo/train_denoiser.py --logdir demo/logs
fi
PORT=${PORT:-6006}
echo "Open http://127.0.0.1:$PORT/#exr"
exec tensorboard --logdir demo/logs --host 127.0.0.1 --port "$PORT"
