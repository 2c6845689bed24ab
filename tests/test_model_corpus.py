"""The model analyser against the differential corpus (issue 11): every case's counts, per-layer params,
Keras output shapes and names against what Keras / PyTorch report (cached in truth.json, recomputed
live by the slow tests so the cache cannot drift). A disagreement fails; a refusal of an analysable
case is counted, not failed (the table per pattern is printed at the end of the run, and by
``python -m tests.model_corpus.report``); a case that cannot be analysed without running code must be
refused; every refusal names a line."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
from model_corpus import Case, all_cases
from model_corpus.compare import Outcome, judge
from model_corpus.report import table
from model_corpus.truth import PUBLISHED, TRUTH_FILE, load

CASES = all_cases()
TRUTH = load()
OUTCOMES: dict[str, Outcome] = {}

# Every class of code issue 11 names has cases (pattern tags, see the corpus modules).
REQUIRED_PATTERNS = {
    "keras": {"nested-call", "inline-merge", "shared-layer", "tuple-unpack", "helper-def", "helper-add",
              "make-base-add", "freeze-after", "base-trainable", "pop", "branch-add", "branch-concat",
              "branch-multiply", "branch-average", "resnet-block", "inception-block", "multi-io",
              "def-returns-model", "subclass", "multi-head-attention", "layer-norm", "lambda", "conv-transpose",
              "comprehension", "layer-list", "star-block", "build", "xtrain-shape", "image-data-format",
              "sequential-as-layer", "transfer", "applications", "generated"},
    "torch": {"freeze-after", "setitem", "add-module", "module-two-sequentials", "module-list", "module-dict",
              "module-loop", "star-layers", "nested-sequential", "resnet-block", "bare-rnn", "bare-transformer",
              "bare-attention", "layer-norm", "group-norm", "conv-transpose", "upsample", "torchvision",
              "module", "generated"},
}  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def _report(request: pytest.FixtureRequest) -> None:
    """Print the agree / refused / disagree table per pattern at the end of the run."""

    class Summary:
        def pytest_terminal_summary(self, terminalreporter: Any) -> None:
            done = [c for c in CASES if c.id in OUTCOMES]
            if done:
                terminalreporter.write_sep("=", "model corpus: analyser vs Keras / PyTorch")
                terminalreporter.write_line(table(done, OUTCOMES))

    manager = request.config.pluginmanager
    if not manager.has_plugin("model-corpus-summary"):
        manager.register(Summary(), "model-corpus-summary")


@pytest.mark.timeout(60)  # bounded work: a 10**9-iteration loop must be refused, not run
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_analyser_agrees_or_refuses(case: Case) -> None:
    outcome = judge(case, TRUTH.get(case.id))
    OUTCOMES[case.id] = outcome
    assert outcome.kind != "disagree", f"{case.id} [{case.pattern}]: {outcome.detail}\n--- source ---\n{case.source}"


def test_refusals_name_a_line() -> None:
    """Every refusal says where: its message names a line of the source (``line N``)."""
    outcomes = {c.id: OUTCOMES.get(c.id) or judge(c, TRUTH.get(c.id)) for c in CASES}
    silent = [f"{i}: {o.detail[:120]}" for i, o in outcomes.items() if o.kind == "refused" and not o.names_line]
    assert not silent, f"{len(silent)} refusals name no line, e.g.\n" + "\n".join(silent[:15])


def test_corpus_is_complete() -> None:
    """At least 400 cases, ~30 that must be refused, ~100 generated, every named pattern present, and a
    cached truth for exactly the analysable cases."""
    assert len(CASES) >= 400, f"the corpus has {len(CASES)} cases, issue 11 asks for at least 400"
    assert sum(c.expect == "refuse" for c in CASES) >= 30
    assert sum(c.pattern == "generated" for c in CASES) >= 100
    for framework, wanted in REQUIRED_PATTERNS.items():
        have = {c.pattern for c in CASES if c.framework == framework}
        assert not wanted - have, f"{framework} patterns without a case: {sorted(wanted - have)}"
    analysable = {c.id for c in CASES if c.expect == "analyse"}
    assert set(TRUTH) == analysable, (
        f"{TRUTH_FILE.name} is stale: missing {sorted(analysable - set(TRUTH))[:5]}, "
        f"extra {sorted(set(TRUTH) - analysable)[:5]}; run python -m tests.model_corpus.truth --write"
    )


def test_patterns_are_balanced() -> None:
    """No pattern is a single lucky case where the issue names a class of code: most have several."""
    counts = Counter(c.pattern for c in CASES)
    single = [p for p, n in counts.items() if n == 1]
    assert len(single) <= len(counts) // 2, f"too many patterns with one case: {single}"


@pytest.mark.torch
def test_torchvision_stand_ins_match_published_counts() -> None:
    """tv_arch (the torchvision architectures the truth uses, torchvision not installing here) has exactly
    the parameter counts torchvision publishes for every model."""
    import torch
    from model_corpus import tv_arch

    for name, published in PUBLISHED.items():
        with torch.device("meta"):  # shapes only: no memory, no random initialisation
            model = getattr(tv_arch, name)()
        assert sum(p.numel() for p in model.parameters()) == published, name


def _live_marks(case: Case) -> list[Any]:
    return [pytest.mark.slow, getattr(pytest.mark, case.framework)]


LIVE = [pytest.param(c, marks=_live_marks(c), id=c.id) for c in CASES if c.expect == "analyse"]


@pytest.mark.parametrize("case", LIVE)
def test_cached_truth_is_the_frameworks(case: Case) -> None:
    """truth.json holds what Keras / PyTorch say today (the cache cannot drift from the frameworks)."""
    import warnings

    from model_corpus.truth import compute

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        live = json.loads(json.dumps(compute(case)))
    assert live == TRUTH[case.id], f"{case.id}: truth.json is stale; run python -m tests.model_corpus.truth --write"
