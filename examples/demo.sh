#!/usr/bin/env bash
# The README demo: solve example instances exactly, generate the example exam for the example
# roster, grade the sample submissions, verify the example claims by training, audit a report.
# Usage: demo.sh BIN_DIR OUT_DIR
set -euo pipefail
BIN=${1:-.venv/bin}
OUT=${2:-demo-out}
NN="$BIN/nnexam"
HERE="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$OUT" && mkdir -p "$OUT"
export KERAS_BACKEND=torch NNEXAM_CACHE="${NNEXAM_CACHE:-$OUT/cache}"

echo "== 1. Solve instances exactly, with worked steps (nnexam answer)"
"$NN" answer dense-forward --set 'x=[1,-2]' --set 'weights=[[[1,2],[3,-1],[0,1]],[[1,-1,2]]]' \
    --set 'biases=[[0,1,-1],2]' --set 'activations=["relu","sigmoid"]'
echo
"$NN" answer cross-entropy --set 'y_true=[1,0,0]' --set 'y_pred=[0.7,0.2,0.1]'
echo
"$NN" answer conv2d-output --set 'input=[[0,1,2],[3,4,5],[6,7,8]]' --set 'kernel=[[0,1],[2,3]]' \
    --set padding=1 --set stride=2 --set bias=1
echo
"$NN" answer param-count --set model=VGG-16 | tail -n 5
echo
"$NN" answer optimizer-step --set optimizer=adam --set convention=keras --set w='[1,-2]' \
    --set 'gradients=[[0.5,-1],[0.25,0.5]]' --set learning_rate=0.1

echo
echo "== 2. Generate the example exam for the example roster (nnexam generate)"
"$NN" generate "$HERE/exam.toml" --roster "$HERE/roster.csv" --out "$OUT/exam" --format pdf,md,html,moodle
ls "$OUT/exam" "$OUT/exam/exams"

echo
echo "== 3. Grade the sample submissions (nnexam grade)"
"$NN" grade "$OUT/exam/key.json" "$HERE/submissions" --out "$OUT/grades.csv" --json "$OUT/results.json" \
    --feedback "$OUT/feedback" --report "$OUT/report" --quiet
echo "-- gradebook ($OUT/grades.csv):"
cat "$OUT/grades.csv"
echo "-- instructor report: $OUT/report/ ; feedback per student: $OUT/feedback/"
sed -n '1,40p' "$OUT/report/report.md"

echo
echo "== 4. Verify the example claims by training on digits (nnexam verify)"
"$NN" verify "$HERE/claims.yaml" --json "$OUT/verify.json" --curves "$OUT/curves" --quiet

echo
echo "== 5. Audit a student report (nnexam audit)"
"$NN" audit "$HERE/report.md" --json "$OUT/audit.json" --quiet

echo
echo "Everything is in $OUT/: exam/ (PDF, Markdown, HTML, Moodle XML, key.json), grades.csv, feedback/, report/, curves/"
