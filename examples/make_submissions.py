"""Write the sample submissions of the README demo from a key made by `nnexam generate`:

    nnexam generate examples/exam.toml --roster examples/roster.csv --out /tmp/exam
    python examples/make_submissions.py /tmp/exam/key.json examples/submissions

Six students in five formats: s001 all right (YAML answer sheet), s002 classic mistakes carried
through (YAML), s003 decimals, a transposed matrix and NumPy-style printing (JSON), s004 LaTeX in
Markdown, s005 and s006 in an LMS export (CSV, s006 with blanks and an unreadable matrix); plus
a submission from a student not on the roster and a malformed file, which the report lists.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Any

MISTAKES_S002 = ("forgot-bias", "log-base-10", "flipped-kernel", "floor-steps", "zero-based-epochs", "opposite",
                 "forgot-padding", "forgot-jump", "forgot-normalisation", "forgot-bn-non-trainable", "missing-x-transpose")


def _decimal(v: Any) -> str:
    if isinstance(v, list):
        if v and isinstance(v[0], list):
            return "[" + " ".join("[" + " ".join(_decimal(x) for x in row) + "]" for row in v) + "]"
        return "[" + ", ".join(_decimal(x) for x in v) + "]"
    return f"{v:.4g}" if isinstance(v, float) else json.dumps(v) if not isinstance(v, str) else v


def _parts(key: dict, student: str) -> list[dict]:
    entry = next(s for s in key["students"] if s["student"] == student)
    return [p for q in entry["questions"] for p in q["parts"]]


def _yaml_value(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def main(key_path: str, out_dir: str) -> None:
    key = json.loads(Path(key_path).read_text(encoding="utf-8"))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    right = {p["id"]: p["exact"] for p in _parts(key, "s001")}
    lines = ["# s001: every answer right, exact forms", "student: s001", "answers:"]
    lines += [f"  {json.dumps(k)}: {_yaml_value(v)}" for k, v in right.items()]
    (out / "s001.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    answers = {}
    for p in _parts(key, "s002"):
        picked = next((m for mid in MISTAKES_S002 for m in p["mistakes"] if m["id"] == mid), None)
        answers[p["id"]] = picked["exact"] if picked else p["exact"]
    lines = ["# s002: classic mistakes (forgot the bias and carried it through, log base 10, flipped kernel, ...)",
             "student: s002", "answers:"] + [f"  {json.dumps(k)}: {_yaml_value(v)}" for k, v in answers.items()]
    (out / "s002.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    answers = {}
    for p in _parts(key, "s003"):
        v = p["value"]
        if p["kind"] == "matrix" and isinstance(v, list) and v and isinstance(v[0], list):
            v = [list(r) for r in zip(*v)]  # transposed
        answers[p["id"]] = _decimal(v) if p["kind"] not in ("table", "choice") else p["exact"] if p["kind"] == "choice" else v
    (out / "s003.json").write_text(json.dumps({"student": "s003", "answers": answers}, indent=1, ensure_ascii=False) + "\n")

    md = ["# Exam answers", "", "**Student:** s004", ""]
    for p in _parts(key, "s004"):
        v = p["value"]
        if p["kind"] == "matrix" and isinstance(v, list) and v and isinstance(v[0], list):
            body = " \\\\\n".join(" & ".join(str(x) for x in row) for row in v)
            md.append(f"- {p['id']}: \\begin{{bmatrix}} {body} \\end{{bmatrix}}")
        elif p["kind"] == "number":
            latex = p["exact"].replace("exp(", "e^(").replace("log(", "\\ln(")
            md.append(f"- {p['id']}: $ {latex} $")
        elif p["kind"] == "expression":
            latex = p["exact"].replace("*", " ").replace(".T", "^{\\top}").replace("1_m", "\\mathbf{1}_m")
            md.append(f"- {p['id']}: $ {latex} $")
        elif p["kind"] == "table":
            continue  # tables are answered in YAML
        else:
            md.append(f"- {p['id']}: `{p['exact']}`")
    (out / "s004.md").write_text("\n".join(md) + "\n", encoding="utf-8")

    ids = [p["id"] for p in _parts(key, "s005") if p["kind"] != "table"]
    with (out / "lms-export.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Student ID", "Full name", *ids])
        for s in ("s005", "s006"):
            row = {p["id"]: _decimal(p["value"]) if p["kind"] not in ("choice",) else p["exact"] for p in _parts(key, s)}
            if s == "s006":
                for k in ids[::3]:
                    row[k] = ""
                matrix = next(p["id"] for p in _parts(key, s) if p["kind"] == "matrix")
                row[matrix] = "[[1, 2], [3, 4"
            w.writerow([s, "", *(row.get(k, "") for k in ids)])

    (out / "s999.yaml").write_text("# a student who is not on the roster\nstudent: s999\nanswers:\n  q8.steps_per_epoch: 12\n")
    (out / "broken.json").write_text('{"student": "s006", "answers": {"q1.z1": [1, 2]\n')


if __name__ == "__main__":
    main(*sys.argv[1:3])
