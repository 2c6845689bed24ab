"""Hand computations in a report, checked by the question families that solve them exactly
(:mod:`nnexam.questions.registry`): a convolution by hand, an output size, a receptive field, a
dense forward pass, softmax, sigmoid, cross-entropy, steps per epoch, early stopping. When the
report's number is wrong and one of the family's known mistakes gives it, the finding names the
mistake (``log-base-10``, ``forgot-bias``, ``used-ceil``...) with the family's own explanation,
as the grader does.

Each computation is recognised by a bounded pattern in a paragraph; names defined in an earlier
paragraph of the same section (``X = [[...]]``, ``W = ...``) carry over to the next.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from nnexam.grader.audit.checks import rounding_verdict
from nnexam.grader.audit.code import Setup
from nnexam.grader.audit.document import Document, Paragraph
from nnexam.grader.claims import Verdict
from nnexam.questions.errors import NnexamError
from nnexam.questions.exact import exact_n
from nnexam.questions.training_steps import train_rows

NUMBER = r"-?\d{1,6}(?:\.\d{1,8})?"
VECTOR = rf"\[\s*{NUMBER}(?:\s*,\s*{NUMBER}){{0,63}}\s*\]"
MATRIX = rf"\[\s*{VECTOR}(?:\s*,\s*{VECTOR}){{0,63}}\s*\]"
NAMED = re.compile(rf"\b(?P<name>[A-Za-z]\w{{0,10}})\s*=\s*(?P<value>{MATRIX}|{VECTOR})")
# rows written as numpy prints them or one bracketed row a line: "X = [[1 2 0] [0 1 3]]", "K = [1 0] [0 -1]"
ROW = r"\[\s?-?\d{1,6}(?:\.\d{1,8})?(?:[ ,]{1,3}-?\d{1,6}(?:\.\d{1,8})?){0,63}\s?\]"
NAMED_ROWS = re.compile(rf"\b(?P<name>[A-Za-z]\w{{0,10}})\s?=\s?(?P<value>\[\s?{ROW}(?:\s{{1,3}}{ROW}){{1,63}}\s?\]"
                        rf"|{ROW}(?:\s{{1,3}}{ROW}){{1,63}})")
SIGMOID = re.compile(rf"(?:σ|\bsigma|\bsigmoid)\s*\(\s*(?P<z>{NUMBER})\s*\)\s*=\s*(?P<v>{NUMBER})(?!\.?\d)")
SOFTMAX = re.compile(rf"\bsoftmax\s*\(\s*(?P<l>{VECTOR})\s*\)\s*=\s*(?P<p>{VECTOR})")
CE = re.compile(rf"-\s*(?P<f>ln|log10|log_?2|log_?10|log)\s*\(?\s*(?P<p>0?\.\d{{1,8}}|1(?:\.0+)?)\s*\)?\s*=\s*(?P<v>{NUMBER})(?!\.?\d)")
OUT_SIZE = re.compile(r"(?:gives|produces|yields|results in|output (?:size )?(?:is|of|=|:))\s+(?:an?\s+)?(?P<h>\d{1,5})"
                      r"(?:\s*[x×]\s*(?P<w>\d{1,5}))?(?:\s*[x×]\s*\d{1,5})?(?:\s+output)?", re.I)
KERNEL = re.compile(r"\b(?P<k>\d{1,3})\s*[x×]\s*(?P=k)\s+(?:conv\w*|kernel|filter|max[- ]?pool\w*)|\bkernel(?: size)?(?: of)?\s+(?P<k2>\d{1,3})", re.I)
INPUT = re.compile(r"\b(?P<h>\d{1,5})\s*[x×]\s*(?P<w>\d{1,5})(?:\s*[x×]\s*\d{1,5})?\s+(?:input|image)|\binput(?: size)?(?: of)?\s+(?P<n>\d{1,5})\b", re.I)
SETTING = re.compile(r"\b(?P<what>padding|stride|dilation)(?:\s+(?:rate|of))?\s*(?:=\s*)?(?P<v>\d{1,3}|'?same'?|'?valid'?)", re.I)
RF_LAYER = re.compile(r"\b(?:(?P<c>two|three|four|five|six|[2-9])\s)?(?P<k>\d{1,2})\s*[x×]\s*(?P=k)"
                      r"(?=\s(?:conv|kernel|filter|layer|max|pool)|,?\s(?:with\s)?(?:stride|dilation))"  # a layer, not "28x28 input"
                      r"(?:\s+conv\w*)?(?:,?\s+(?:with\s+)?stride\s+(?P<s>\d{1,2}))?"
                      r"(?:,?\s+(?:with\s+)?dilation\s+(?P<d>\d{1,2}))?", re.I)
RF_CLAIM = re.compile(r"receptive field\s+(?:of\s+|is\s+|=\s*|:\s*)(?:\w+\s+){0,2}?(?P<v>\d{1,5})(?:\s*[x×]\s*\d{1,5})?", re.I)
DENSE_Z = re.compile(rf"\b(?:z\s*=\s*)?W\s*[*·]?\s*x\s*\+\s*b\s*=\s*(?P<z>{VECTOR})")
DENSE_A = re.compile(rf"\ba\s?=\s?(?P<act>relu|ReLU|sigmoid|σ|tanh|softmax)\s?\(\s?z\s?\)\s?=\s?(?P<a>{VECTOR})")
STEPS = re.compile(r"\bbatch(?: size|_size\s?=?)\s?(?:of\s)?(?P<bs>\d{1,6})\b(?:(?!batch)[^.;]){0,80}?"
                   r"\b(?P<n>\d{1,3}(?:,\d{3})+|\d{1,9})\s(?:steps|iterations|batches)\b"
                   r"|\b(?P<n2>\d{1,3}(?:,\d{3})+|\d{1,9})\s(?:steps|iterations|batches)(?:\sper\sepoch)?"
                   r"(?:(?!batch)[^.;]){0,40}?\bbatch(?: size|_size\s?=?)\s?(?:of\s)?(?P<bs2>\d{1,6})\b", re.I)
SPLIT = re.compile(r"validation_split\s?=\s?(?P<f>0?\.\d{1,4})|(?P<pct>\d{1,2})\s?%\s(?:[\w,]+\s){0,6}?(?:for|as)\s"
                   r"(?:the\s)?validation", re.I)
TOTAL_STEPS = re.compile(r"\b(?:in total|total|overall|altogether|in all|all epochs|updates)\b", re.I)
SAMPLES = re.compile(r"(?P<n>\d{1,3}(?:,\d{3})+|\d{3,})\s+(?:training\s+)?(?:images|samples|examples)", re.I)
EARLY = re.compile(r"patience\s?(?:=|of|:)?\s?(?P<p>\d{1,3})(?P<mid>[^.\d]{0,60})(?P<vals>(?:\d+\.\d+,\s*){2,99}\d+\.\d+)[^.]{0,80}?"
                   r"(?:stops?|stopped|ends?)\s+(?:after|at|in)\s+epoch\s+(?P<e>\d{1,4})", re.I)


MAX_FINDINGS = 500


def _family(type_id: str):
    from nnexam.questions import registry

    return registry.get(type_id)


def _float_tree(x: Any) -> Any:
    if isinstance(x, list | tuple):
        return [_float_tree(v) for v in x]
    try:
        return float(x)
    except (TypeError, ValueError):
        return float(exact_n(x)) if hasattr(x, "evalf") else None


def _decimals(text: str) -> int | None:
    return len(text.partition(".")[2]) if "." in text else None


def _compare(claimed_text: str, claimed: Any, exact: Any) -> tuple[str, str]:
    """Rounding-honest comparison of a number, vector or matrix written in the report."""
    from fractions import Fraction

    exact_f = _float_tree(exact)
    if isinstance(claimed, list):
        if not isinstance(exact_f, list) or len(exact_f) != len(claimed):
            return "refuted", "a different shape"
        texts = re.findall(NUMBER, claimed_text) if isinstance(claimed_text, str) else []
        flat_c, flat_e = _flatten(claimed), _flatten(exact_f)
        if len(flat_c) != len(flat_e):
            return "refuted", "a different shape"
        worst, note = "confirmed", ""
        for i, (c, e) in enumerate(zip(flat_c, flat_e)):
            t = texts[i] if i < len(texts) else str(c)
            v, why = rounding_verdict(Fraction(t), _decimals(t), e)
            if v == "refuted":
                return "refuted", ""
            if v == "consistent":
                worst, note = "consistent", why
        return worst, note
    return rounding_verdict(Fraction(claimed_text), _decimals(claimed_text), exact_f)


def _flatten(x: Any) -> list[float]:
    if isinstance(x, list):
        return [v for item in x for v in _flatten(item)]
    return [x]


def _verdict(what: str, where: str, type_id: str, params: dict[str, Any], part: str, claimed_text: str, claimed: Any,
             show: str) -> Verdict | None:
    """Solve ``params`` with the family, compare ``claimed`` with ``part``; name a mistake that gives it."""
    try:
        fam = _family(type_id)
        p = fam.parse(params)
        exact = fam.solve(p)[part]
    except (NnexamError, KeyError, ValueError, TypeError, ArithmeticError):
        return None
    try:
        verdict, why = _compare(claimed_text, claimed, exact)
        expected = _float_tree(exact)
    except (ArithmeticError, ValueError, TypeError):  # a value too large to compare: say nothing rather than guess
        return None
    shown = _round(expected)
    if verdict != "refuted":
        return Verdict(what, where, claimed, shown, verdict, f"{type_id}: {show} = {shown}" + (f"; {why}" if why else ""))
    named = [m for m, wrong in fam.mistake_answers(p) if part in wrong and _gives(claimed_text, claimed, wrong[part])]
    if named:
        ids = " or ".join(m.id for m in named)
        return Verdict(what, where, claimed, shown, "refuted",
                       f"{type_id}: {show} = {shown}; the report's value is what mistake {ids} gives: "
                       + " / ".join(m.message for m in named))
    return Verdict(what, where, claimed, shown, "refuted", f"{type_id}: {show} = {shown}")


def _gives(claimed_text: str, claimed: Any, wrong: Any) -> bool:
    """Does a mistake's answer round to the report's value?"""
    try:
        return _compare(claimed_text, claimed, wrong)[0] != "refuted"
    except (ArithmeticError, ValueError, TypeError):
        return False


def _round(x: Any) -> Any:
    if isinstance(x, list):
        return [_round(v) for v in x]
    return round(x, 4) if isinstance(x, float) and not float(x).is_integer() else (int(x) if isinstance(x, float) else x)


def _rows(text: str) -> list[list[float]] | None:
    """Bracketed rows without commas (numpy's print): ``[[1 2] [3 4]]`` or ``[1 2] [3 4]``."""
    rows = [[_number(t) for t in re.split(r"[ ,]+", r.strip()) if t] for r in re.findall(r"\[([^\[\]]*)\]", text)]
    rows = [r for r in rows if r]
    return rows if len(rows) >= 2 and len({len(r) for r in rows}) == 1 else None


def _number(t: str) -> float | int:
    return float(t) if "." in t else int(t)


def _load(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def check(doc: Document, fits: Sequence[Setup], sizes: Sequence[tuple[int, int]], dataset: str | None) -> list[Verdict]:
    from nnexam.grader.audit.prose import KNOWN_TRAIN_SIZES

    out: list[Verdict] = []
    names: dict[str, Any] = {}
    section = -1
    for p in doc.paragraphs:
        if len(out) >= MAX_FINDINGS:
            break
        sec = doc.section_of(p.first)
        if sec != section:
            names, section = {}, sec
        for m in [*NAMED.finditer(p.text), *NAMED_ROWS.finditer(p.text)]:
            if p.text[max(0, m.start() - 8): m.start()].rstrip()[-1:] in ("+", "-", "*", "/", "="):
                continue  # "Wx + b = [...]": a result, not a definition of b
            value = _load(m.group("value")) if m.re is NAMED else _rows(m.group("value"))
            if value is not None:
                names[m.group("name")] = (value, p, m)
        out += _sigmoid(p) + _softmax(p) + _cross_entropy(p) + _output_size(p) + _receptive_field(p)
        out += _dense(p, names) + _conv(p, names) + _early_stopping(p)
        for m in STEPS.finditer(p.text):
            n_group, bs_group = ("n", "bs") if m.group("n") else ("n2", "bs2")
            if TOTAL_STEPS.search(p.text, m.start(), min(len(p.text), m.end() + 25)):
                continue  # "9,375 steps in total": updates over all epochs, not per epoch
            line = p.line_at(m.start(n_group))
            window = p.text[max(0, m.start() - 200): m.end()]
            setup = next((f for f in reversed(fits) if f.fit_line is not None and f.fit_line < line), None)
            s = SAMPLES.search(window)
            stated = [n for n, at in sizes if at < line]
            base = int(s.group("n").replace(",", "")) if s else (stated[-1] if stated else KNOWN_TRAIN_SIZES.get(dataset or ""))
            if base is None:
                continue
            splits = [setup.validation_split] if setup is not None and setup.validation_split else []
            said = SPLIT.search(window)
            if said:
                splits.append(float(said.group("f")) if said.group("f") else int(said.group("pct")) / 100)
            # the rows an epoch sees: the stated number itself, or what a validation split mentioned leaves
            candidates = ([base] if s or not splits else []) + [train_rows(base, f) for f in splits if 0 < f < 1]
            claimed = m.group(n_group).replace(",", "")
            bs = int(m.group(bs_group))
            found = [_verdict("steps_per_epoch", f"line {line}: \"{m.group(0)[:80]}\"", "training-steps",
                              {"samples": n, "batch_size": bs}, "steps_per_epoch", claimed, int(claimed), f"ceil({n:,} / {bs})")
                     for n in dict.fromkeys(candidates)]
            found = [v for v in found if v is not None]
            good = [v for v in found if v.verdict != "refuted"]
            if good or found:
                out.append(good[0] if good else found[0])
    return out


def _sigmoid(p: Paragraph) -> list[Verdict]:
    out = []
    for m in SIGMOID.finditer(p.text):
        z = m.group("z")
        v = _verdict("sigmoid", f"line {p.line_at(m.start('v'))}: {m.group(0)}", "dense-forward",
                     {"x": [z], "weights": [[[1]]], "biases": [[0]], "activations": ["sigmoid"]}, "a1",
                     f"[{m.group('v')}]", [float(m.group("v"))], f"σ({z})")
        if v is not None:  # one unit: show numbers, not one-element vectors
            out.append(replace(v, claimed=float(m.group("v")), expected=v.expected[0] if isinstance(v.expected, list) else v.expected,
                               evidence=v.evidence.replace(f"= [{v.expected[0] if isinstance(v.expected, list) else ''}]",
                                                           f"= {v.expected[0] if isinstance(v.expected, list) else ''}")))
    return out


def _softmax(p: Paragraph) -> list[Verdict]:
    out = []
    for m in SOFTMAX.finditer(p.text):
        logits, probs = _load(m.group("l")), _load(m.group("p"))
        if logits is None or probs is None:
            continue
        v = _verdict("softmax", f"line {p.line_at(m.start('p'))}: softmax({m.group('l')})", "softmax",
                     {"logits": [str(x) for x in re.findall(NUMBER, m.group("l"))]}, "probabilities",
                     m.group("p"), probs, f"softmax({m.group('l')})")
        if v is not None:
            out.append(v)
    return out


def _cross_entropy(p: Paragraph) -> list[Verdict]:
    out = []
    for m in CE.finditer(p.text):
        sentence = p.text[max(0, m.start() - 300): m.end()]
        if not re.search(r"entropy|loss", sentence, re.I):
            continue
        base = m.group("f").replace("_", "")
        if base in ("log10", "log2"):
            continue  # a deliberate other base: not a Keras loss, nothing to compare
        v = _verdict("cross-entropy", f"line {p.line_at(m.start('v'))}: {m.group(0)}", "cross-entropy",
                     {"y_true": 1, "y_pred": m.group("p"), "kind": "binary"}, "loss", m.group("v"), float(m.group("v")),
                     f"-ln({m.group('p')}) (Keras' cross-entropy uses the natural log)")
        if v is not None:
            out.append(v)
    return out


def _sentences(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for part in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        at = text.find(part, pos)
        out.append((at, part))
        pos = at + len(part)
    return out


def _output_size(p: Paragraph) -> list[Verdict]:
    out = []
    for at, s in _sentences(p.text):
        if "receptive" in s.lower():
            continue
        claim = OUT_SIZE.search(s)
        kernels = list(KERNEL.finditer(s))
        inp = INPUT.search(s)
        if not (claim and len(kernels) == 1 and inp):
            continue  # no claim, or several layers in one sentence: not read as one layer
        kernel = kernels[0]
        k = int(kernel.group("k") or kernel.group("k2"))
        n = int(inp.group("h") or inp.group("n"))
        params: dict[str, Any] = {"input": n, "kernel": k}
        for sm in SETTING.finditer(s):
            val = sm.group("v").strip("'")
            params[sm.group("what").lower()] = int(val) if val.isdigit() else val
        if "pool" in kernel.group(0).lower():
            params["op"] = "pool"
        claimed = claim.group("h")
        v = _verdict("output_size", f"line {p.line_at(at + claim.start('h'))}: \"{s[:80]}\"", "conv-output-size", params,
                     "output", claimed, int(claimed), ", ".join(f"{a} {b}" for a, b in params.items()))
        if v is not None:
            out.append(v)
    return out


def _receptive_field(p: Paragraph) -> list[Verdict]:
    out = []
    for at, s in _sentences(p.text):
        claim = RF_CLAIM.search(s)
        if not claim:
            continue
        layers = [{"kernel": int(m.group("k")), "stride": int(m.group("s") or 1), "dilation": int(m.group("d") or 1)}
                  for m in RF_LAYER.finditer(s[: claim.start()]) for _ in range(COUNTS.get((m.group("c") or "1").lower(), 1))]
        if not layers:
            continue
        claimed = claim.group("v")
        v = _verdict("receptive_field", f"line {p.line_at(at + claim.start('v'))}: \"{s[:80]}\"", "receptive-field",
                     {"layers": layers}, "rf", claimed, int(claimed),
                     "receptive field of " + ", ".join(f"{d['kernel']}x{d['kernel']} stride {d['stride']}"
                                                     + (f" dilation {d['dilation']}" if d["dilation"] > 1 else "") for d in layers))
        if v is not None:
            out.append(v)
    return out


def _dense(p: Paragraph, names: dict[str, Any]) -> list[Verdict]:
    """``z = Wx + b = [...]`` and ``a = relu(z) = [...]`` with x, W and b named before."""
    out: list[Verdict] = []
    if not all(k in names for k in ("x", "W", "b")):
        return out
    x, w, b = (names[k][0] for k in ("x", "W", "b"))
    params = {"x": [str(t) for t in x], "weights": [[[str(t) for t in row] for row in w]], "biases": [[str(t) for t in b]]}
    for m in DENSE_Z.finditer(p.text):
        z = _load(m.group("z"))
        if z is None:
            continue
        v = _verdict("dense_forward", f"line {p.line_at(m.start('z'))}: Wx + b = {m.group('z')}", "dense-forward",
                     {**params, "activations": ["linear"]}, "z1", m.group("z"), z, f"W x + b with x = {x}, W = {w}, b = {b}")
        if v is not None:
            out.append(v)
    for m in DENSE_A.finditer(p.text):
        a = _load(m.group("a"))
        act = {"σ": "sigmoid"}.get(m.group("act"), m.group("act").lower())
        if a is None:
            continue
        v = _verdict("dense_forward", f"line {p.line_at(m.start('a'))}: a = {act}(z) = {m.group('a')}", "dense-forward",
                     {**params, "activations": [act]}, "a1", m.group("a"), a, f"{act}(W x + b) with x = {x}, W = {w}, b = {b}")
        if v is not None:
            out.append(v)
    return out


COUNTS = {"1": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, **{str(n): n for n in range(2, 10)}}
INPUT_NAMES = ("X", "I", "A", "x", "input", "img", "image")
KERNEL_NAMES = ("K", "W", "F", "k", "w", "kernel", "filter", "H")


def _named(name: str, options: tuple[str, ...]) -> bool:
    """``K``, ``K2``, ``K_1``, ``kernel`` are kernel names; ``X``, ``X1``, ``input`` input names."""
    return re.sub(r"_?\d+$", "", name) in options


def _conv(p: Paragraph, names: dict[str, Any]) -> list[Verdict]:
    """A convolution by hand: an input and a kernel matrix named before (X/K, or the two matrices
    before the result), a result matrix in this paragraph whose shape a stride gives."""
    out: list[Verdict] = []
    mats = {k: v for k, v in names.items() if isinstance(v[0], list) and v[0] and isinstance(v[0][0], list)}
    results = [(k, v) for k, v in mats.items() if v[1] is p]
    if not results or len(mats) < 3:
        return out
    yname, (y, _, ym) = max(results, key=lambda kv: kv[1][2].start())
    earlier = sorted(((k, v) for k, v in mats.items() if k != yname and (v[1] is not p or v[2].start() < ym.start())),
                     key=lambda kv: (kv[1][1].first, kv[1][2].start()))
    x = next((v for kk, v in reversed(earlier) if _named(kk, INPUT_NAMES)), None)
    k = next((v for kk, v in reversed(earlier) if _named(kk, KERNEL_NAMES)), None)
    if x is None or k is None:
        if len(earlier) < 2:
            return out
        x, k = earlier[-2][1], earlier[-1][1]
    xm, km = x[0], k[0]
    if len(km) > len(xm) or len(km[0]) > len(xm[0]):
        return out
    context = " ".join([x[1].text[max(0, x[2].start() - 200): x[2].end() + 200], p.text])
    if not re.search(r"conv|kernel|filter|feature map|correlat", context, re.I):
        return out
    stride = re.search(r"stride\s?(?:=\s?|of\s)?(\d{1,2})", context, re.I)
    s_ = int(stride.group(1)) if stride else 1
    want_h, want_w = (len(xm) - len(km)) // s_ + 1, (len(xm[0]) - len(km[0])) // s_ + 1
    if (len(y), len(y[0])) != (want_h, want_w) or re.search(r"\bpadding\s?(?:=\s?|of\s)?[1-9]|'same'", context):
        return out  # another padding or stride than we can tell: not compared
    params = {"input": xm, "kernel": km, "stride": s_}
    v = _verdict("conv2d_output", f"line {p.line_at(ym.start('value'))}: {yname} = {ym.group('value')[:60]}", "conv2d-output",
                 params, "output", ym.group("value"), y, f"the cross-correlation of the {len(xm)}x{len(xm[0])} input with the "
                 f"{len(km)}x{len(km[0])} kernel (stride {s_})")
    if v is not None:
        out.append(v)
    return out


def _early_stopping(p: Paragraph) -> list[Verdict]:
    out = []
    for m in EARLY.finditer(p.text):
        values = [t.strip() for t in m.group("vals").split(",")]
        claimed = m.group("e")
        mode_word = "val_accuracy" if re.search(r"accuracy", m.group(0), re.I) else "val_loss"
        v = _verdict("early_stopping", f"line {p.line_at(m.start('e'))}: training stops after epoch {claimed}", "early-stopping",
                     {"monitor": values, "patience": int(m.group("p")), "monitor_name": mode_word}, "epochs_run",
                     claimed, int(claimed), f"EarlyStopping(patience={m.group('p')}) on {mode_word} {', '.join(values)}")
        if v is not None:
            out.append(v)
    return out
