"""The audit measured on a labelled corpus of reports (tests/audit_corpus/, written by make_corpus.py
with Keras and textbook formulas for the truth): no false `refuted`/`implausible`, at least 95% of
the planted mistakes found, every finding located by line.

    .venv/bin/python tests/test_audit_corpus.py     # prints precision, recall and the misses
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "audit_corpus"
ALARMS = ("refuted", "implausible")


@dataclass
class Figures:
    reports: int = 0
    planted: int = 0
    found: int = 0
    named: int = 0  # planted with a family mistake id, and the audit names it
    with_mistake: int = 0
    true_alarms: int = 0
    false_alarms: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    unnamed: list[str] = field(default_factory=list)
    unlocated: list[str] = field(default_factory=list)
    correct: int = 0
    correct_checked: int = 0  # correct numbers that got a confirmed/consistent verdict on their line

    @property
    def recall(self) -> float:
        return self.found / self.planted if self.planted else 1.0

    @property
    def precision(self) -> float:
        n = self.true_alarms + len(self.false_alarms)
        return self.true_alarms / n if n else 1.0


def line_of(where: str) -> int | None:
    found = re.findall(r"line (\d+)", where)
    return int(found[-1]) if found else None


def cases() -> list[tuple[Path, dict]]:
    out = []
    for truth in sorted(CORPUS.glob("*.truth.yaml")):
        stem = truth.name[: -len(".truth.yaml")]
        (report,) = [p for p in CORPUS.glob(stem + ".*") if not p.name.endswith(".truth.yaml")]
        out.append((report, yaml.safe_load(truth.read_text())))
    return out


def relocate(report: Path, truth: dict) -> dict:
    """A PDF's truth lines found again in this machine's pdftotext text (another poppler may lay
    the page out differently): each value's line, as make_corpus.py found it."""
    import shutil
    import subprocess

    text = subprocess.run([shutil.which("pdftotext") or "pdftotext", "-layout", "-enc", "UTF-8", str(report), "-"],
                          capture_output=True, check=True).stdout.decode()
    lines = text.replace("\f", "").split("\n")
    for entry in (truth.get("planted") or []) + (truth.get("correct") or []):
        tok = re.compile(r"(?<![\d.])" + re.escape(str(entry["value"])) + r"(?![\d])")
        entry["line"] = next(i + 1 for i, ln in enumerate(lines) if tok.search(ln))
    return truth


def measure() -> Figures:
    import shutil

    from nnexam.grader.audit import audit

    fig = Figures()
    for report, truth in cases():
        if report.suffix == ".pdf":
            if shutil.which("pdftotext") is None:
                continue  # the PDF report needs poppler's pdftotext, as `nnexam audit` does
            truth = relocate(report, truth)
        fig.reports += 1
        verdicts = audit(report, bindings=truth.get("bind") or {})
        planted = truth.get("planted") or []
        alarm_lines: dict[int, list] = {}
        for v in verdicts:
            line = line_of(v.where)
            if line is None:
                fig.unlocated.append(f"{report.name}: {v.what} {v.where}")
                continue
            if v.verdict in ALARMS:
                alarm_lines.setdefault(line, []).append(v)
        planted_lines = {p["line"] for p in planted}
        for line, vs in alarm_lines.items():
            if line in planted_lines:
                fig.true_alarms += 1
            else:
                fig.false_alarms += [f"{report.name}:{line}: {v.verdict} {v.what} claimed {v.claimed} expected {v.expected}: "
                                     f"{v.evidence}" for v in vs]
        for p in planted:
            fig.planted += 1
            hit = alarm_lines.get(p["line"])
            if not hit:
                fig.misses.append(f"{report.name}:{p['line']}: {p.get('what')} {p['value']}")
                continue
            fig.found += 1
            if p.get("mistake"):
                fig.with_mistake += 1
                if any(p["mistake"] in v.evidence for v in hit):
                    fig.named += 1
                else:
                    fig.unnamed.append(f"{report.name}:{p['line']}: {p['mistake']}: {hit[0].evidence}")
        ok_lines = {line_of(v.where) for v in verdicts if v.verdict in ("confirmed", "consistent")}
        for c in truth.get("correct") or []:
            fig.correct += 1
            fig.correct_checked += c["line"] in ok_lines
    return fig


def test_corpus_no_false_alarm_and_recall():
    fig = measure()
    print(f"\naudit corpus: {fig.reports} reports, recall {fig.recall:.1%} ({fig.found}/{fig.planted}), "
          f"precision {fig.precision:.1%}, false alarms {len(fig.false_alarms)}, mistakes named {fig.named}/{fig.with_mistake}")
    assert fig.reports >= 40
    assert not fig.false_alarms, "\n".join(fig.false_alarms)
    assert not fig.unlocated, "\n".join(fig.unlocated)
    assert fig.recall >= 0.95, "\n".join(fig.misses)


if __name__ == "__main__":
    f = measure()
    print(f"reports {f.reports}, planted mistakes {f.planted}, found {f.found} (recall {f.recall:.1%}), "
          f"alarms true {f.true_alarms} false {len(f.false_alarms)} (precision {f.precision:.1%}), "
          f"family mistakes named {f.named}/{f.with_mistake}, correct numbers confirmed {f.correct_checked}/{f.correct}, "
          f"unlocated {len(f.unlocated)}")
    for title, items in (("FALSE ALARMS", f.false_alarms), ("MISSES", f.misses), ("UNNAMED", f.unnamed),
                         ("UNLOCATED", f.unlocated)):
        if items:
            print(f"-- {title}")
            print("\n".join(items[:60]))
