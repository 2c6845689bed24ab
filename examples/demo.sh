#!/usr/bin/env bash
# The README demo: solve example instances, generate the example exam, grade the sample
# submissions, verify the example claims. Usage: demo.sh BIN_DIR OUT_DIR
set -euo pipefail
BIN=${1:-.venv/bin}
OUT=${2:-demo-out}
NN="$BIN/nnexam"
HERE="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$OUT" && mkdir -p "$OUT"

echo "== 1. Solve example instances exactly (nnexam answer)"
"$NN" answer training-steps --set samples=60000 --set batch_size=128 --set epochs=10
