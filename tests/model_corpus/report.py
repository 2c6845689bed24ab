"""Print how nnexam's analyser does on the corpus, per pattern, without pytest (reads ``truth.json``).

    python -m tests.model_corpus.report            # the table and the disagreeing cases
    python -m tests.model_corpus.report -v         # also every refusal's message
    python -m tests.model_corpus.report PATTERN..  # only these patterns (or case ids / id prefixes)
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from . import Case, all_cases
from .compare import Outcome, judge
from .truth import load

KINDS = ("agree", "refused", "disagree", "no-line")  # no-line: refusals whose message names no line


def run(cases: list[Case]) -> dict[str, Outcome]:
    truth = load()
    return {case.id: judge(case, truth.get(case.id)) for case in cases}


def table(cases: list[Case], outcomes: dict[str, Outcome]) -> str:
    """Counts per pattern (expect="refuse" cases as their own rows), then a total line."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for case in cases:
        key = f"{case.framework}/{case.pattern}" + (" (must refuse)" if case.expect == "refuse" else "")
        out = outcomes[case.id]
        counts[key][out.kind] += 1
        counts[key]["no-line"] += out.kind == "refused" and not out.names_line
    width = max(len(k) for k in counts) if counts else 10
    lines = [f"{'pattern':{width}s}  {'cases':>5s}  " + "  ".join(f"{k:>8s}" for k in KINDS)]
    total: Counter[str] = Counter()
    for key in sorted(counts):
        c = counts[key]
        total.update(c)
        lines.append(f"{key:{width}s}  {sum(c[k] for k in KINDS[:3]):5d}  " + "  ".join(f"{c[k]:8d}" for k in KINDS))
    lines.append(f"{'TOTAL':{width}s}  {sum(total[k] for k in KINDS[:3]):5d}  " + "  ".join(f"{total[k]:8d}" for k in KINDS))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    wanted = [a for a in argv if a != "-v"]
    cases = all_cases()
    if wanted:
        cases = [c for c in cases if c.pattern in wanted or c.id.startswith(tuple(wanted))]
    outcomes = run(cases)
    print(table(cases, outcomes))
    for case in cases:
        out = outcomes[case.id]
        if out.kind == "disagree" or (verbose and out.kind == "refused"):
            print(f"{out.kind.upper():9s} {case.id}: {out.detail[:300]}")
    return 1 if any(o.kind == "disagree" for o in outcomes.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
