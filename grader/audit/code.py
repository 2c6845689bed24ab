"""Code in reports: the model (Keras ``Sequential([...])`` or ``model.add`` style, PyTorch
``nn.Sequential``) and its training setup (``compile``/``fit`` arguments), read through ``ast``,
never executed.

Code is taken from fenced blocks (```` ``` ````, LaTeX ``lstlisting``/``verbatim``/``minted``)
and, for text without fences (PDF, notebook text), from the lines around ``Sequential(`` /
``.add(`` / ``.fit(`` / ``.compile(``, extended while brackets are open (a page number and running
header left inside by a PDF page break are dropped). The model goes to the model analyser;
``compile``/``fit`` are read here (literal values and names bound to literals at module level).
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nnexam.questions.errors import NnexamError
from nnexam.questions.model_analyser.pycode import Evaluator, is_literal
from nnexam.questions.model_spec import LayerSpec, ModelSpec

FENCE = re.compile(r"^\s*(```|~~~|\\(?:begin|end)\{(?:lstlisting|verbatim|minted|Verbatim)\})")
# Code that makes a model another way: loaded from a file, a Keras application, a torchvision model,
# or a model variable assigned from a call (``model = Net()``, ``model = build_model()``).
OTHER_MODEL = (r"\bload_model\s*\(|\bapplications\.\w+\s*\(|\bmodels\.[a-z]\w*\s*\("
               r"|^\s*(?:model|net|network|cnn|mlp|classifier)\w*\s*=\s*(?:[A-Za-z_]\w*\.){0,3}[A-Za-z_]\w*\s*\(")
MODEL_HINT = re.compile(r"Sequential\s*\(|\.add\s*\(|\bModel\((?=\s*(?:inputs|\w+\s*,))|\(\s*nn\.Module\s*\)|"
                        + OTHER_MODEL, re.M)
SETUP_HINT = re.compile(r"\.(fit|compile)\s*\(")
MAX_SNIPPET_LINES = 400
MAX_CODE_CHARS = 100_000  # one snippet; longer code is not read
NOT_CODE = re.compile(r"^\s*(?:\d{1,4}|Page \d+.*|In \[\d*\]:?|Out\[\d*\]:?)\s*$|^\f")


@dataclass(frozen=True)
class Snippet:
    line: int  # first line in the report (1-based)
    text: str
    span: int = 0  # report lines it covers (0: as many as its text has)

    def __post_init__(self) -> None:
        if not self.span:
            object.__setattr__(self, "span", self.text.count("\n") + 1)


@dataclass(frozen=True)
class FoundModel:
    snippet: Snippet
    spec: ModelSpec | None
    error: str | None = None

    def line_of(self, layer: LayerSpec | None = None) -> int:
        """Report line of ``layer`` (default: the first layer), from the analyser's snippet-relative line."""
        layer = layer or (self.spec.layers[0] if self.spec and self.spec.layers else None)
        return self.snippet.line + (layer.line - 1 if layer is not None and layer.line else 0)

    def where(self) -> str:
        return f"model code (line {self.line_of()})"


@dataclass(frozen=True)
class Setup:
    """compile/fit settings found in the code (None: not stated)."""

    optimizer: str | None = None
    learning_rate: float | None = None
    momentum: float | None = None
    nesterov: bool | None = None
    loss: str | None = None
    from_logits: bool | None = None
    batch_size: int | None = None
    epochs: int | None = None
    validation_split: float | None = None
    fit_line: int | None = None
    compile_line: int | None = None

    FIT_KEYS = ("batch_size", "epochs", "validation_split", "fit_line")


def _balance(text: str) -> int:
    return sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")


def parse(text: str) -> ast.Module | None:
    """``ast.parse`` for report code, bounded: None for code that is not Python, too long, or
    nested too deeply for the parser (hostile input must not crash the audit)."""
    if len(text) > MAX_CODE_CHARS:
        return None
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _parses(text: str) -> str | None:
    body = textwrap.dedent(text)
    return body if parse(body) is not None else None


def fenced_regions(lines: tuple[str, ...]) -> list[tuple[int, int]]:
    """(first, last) 1-based lines of each fenced block, fences included."""
    out, i = [], 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]) and j - i < MAX_SNIPPET_LINES:
                j += 1
            out.append((i + 1, min(j, len(lines) - 1) + 1))
            i = j + 1
            continue
        i += 1
    return out


def snippets(lines: tuple[str, ...]) -> list[Snippet]:
    """Parsable code: fenced blocks, then unfenced statements around model/fit/compile lines."""
    out: list[Snippet] = []
    covered: set[int] = set()
    i = 0
    while i < len(lines):
        if FENCE.match(lines[i]):
            j = i + 1
            while j < len(lines) and not FENCE.match(lines[j]) and j - i < MAX_SNIPPET_LINES:
                j += 1
            body = _parses("\n".join(lines[i + 1 : j]))
            if body is not None:
                out.append(Snippet(i + 2, body))
            covered.update(range(i, j + 1))
            i = j + 1
            continue
        i += 1
    i = 0
    while i < len(lines):
        if i in covered or not (MODEL_HINT.search(lines[i]) or SETUP_HINT.search(lines[i])):
            i += 1
            continue
        start = i
        # a Sequential model written over lines: include the 'model = ' line and the add() calls after it
        j, depth = i, 0
        while j < len(lines) and j - start < MAX_SNIPPET_LINES:
            depth += _balance(lines[j])
            j += 1
            if depth <= 0 and not (j < len(lines) and re.match(r"\s*(model|net)\w*\.add\s*\(", lines[j])):
                break
        chunk = _without_page_breaks(lines[start:j])
        if sum(len(ln) for ln in chunk) > MAX_CODE_CHARS:
            chunk = []  # not a model a student wrote; nothing to read
        while chunk:
            body = _parses("\n".join(chunk))
            if body is not None:
                out.append(Snippet(start + 1, body, j - start))
                break
            chunk.pop()
        covered.update(range(start, j))
        i = max(j, i + 1)
    return out


def _without_page_breaks(lines: tuple[str, ...]) -> list[str]:
    """Unfenced code as PDF extraction leaves it, less the page number and running header that a
    page break puts inside an open bracket (unindented there, unlike the code around them)."""
    out, depth = [], 0
    for ln in lines:
        if NOT_CODE.match(ln) or (depth > 0 and ln.strip() and not ln[:1].isspace() and ln.strip()[0] not in ")]}"):
            continue
        if not ln.strip() and depth > 0:
            continue
        out.append(ln)
        depth += _balance(ln)
    return out


ASSIGN = re.compile(r"^\s*[A-Za-z_]\w*\s*=\s*[^=]")


def assignments(lines: tuple[str, ...]) -> dict[str, Any]:
    """``name = literal`` lines anywhere in the report (``num_classes = 10``, ``batch_size = 128``):
    unfenced code loses its context, so these fill names the model and ``fit`` use."""
    out: dict[str, Any] = {}
    for line in lines:
        if not ASSIGN.match(line) or len(line) > 2000:
            continue
        tree = parse(line.strip())
        if tree is None:
            continue
        stmt = tree.body
        if len(stmt) == 1 and isinstance(stmt[0], ast.Assign) and isinstance(stmt[0].targets[0], ast.Name):
            v = _literal(stmt[0].value, out)
            if isinstance(v, int | float | str | tuple) and not isinstance(v, bool):
                out[stmt[0].targets[0].id] = v
    return out


MODEL_START = re.compile(r"^\s*\w+\s*=\s*(?:[A-Za-z_]\w*\.){0,3}(?:Sequential|Model)\s*\("
                         r"|^\s*class\s+\w+\s*\(\s*(?:nn\.Module|(?:keras\.)?Model|Module)\s*\)|" + OTHER_MODEL)


def unread_models(lines: tuple[str, ...], found: list[FoundModel]) -> list[FoundModel]:
    """Model definitions (``model = Sequential(``) that no snippet could read: they still start
    an experiment, so that what follows is not bound to the model before them."""
    covered = set()
    for f in found:
        covered.update(range(f.snippet.line - 1, f.snippet.line + f.snippet.span + 1))
    out = []
    for i, line in enumerate(lines, start=1):
        if i not in covered and len(line) < 2000 and MODEL_START.match(line):
            out.append(FoundModel(Snippet(i, line.strip()), None, f"the model defined at line {i} could not be read (a "
                                  "fragment, code cut by a page break, a model loaded from a file, or a model class)"))
    return out


def models(found: list[Snippet], bindings: Mapping[str, Any], torch_shape: tuple[int, ...] | None = None) -> list[FoundModel]:
    """Each snippet that defines a model, analysed (or the analyser's message when it cannot be).

    ``torch_shape`` (channels first, from the data set) is tried when PyTorch code gives no input
    shape: its layers state their input sizes (``nn.Linear(784, 256)``), so the counts do not
    depend on it; Keras code is never given a guessed shape."""
    from nnexam.questions.model_analyser import analyse

    out = []
    for snip in found:
        if not MODEL_HINT.search(snip.text):
            continue
        try:
            spec = analyse(snip.text, None, bindings)
        except NnexamError as err:
            spec = None
            if torch_shape and "input_shape" in str(err) and re.search(r"\bnn\.Sequential\s*\(", snip.text):
                try:
                    spec = analyse(snip.text, torch_shape, bindings)
                except (NnexamError, RecursionError, MemoryError, ValueError, SyntaxError):
                    spec = None
            if spec is None:
                out.append(FoundModel(snip, None, str(err)))
                continue
        except (RecursionError, MemoryError, ValueError, SyntaxError) as err:  # hostile or odd code: say so, go on
            out.append(FoundModel(snip, None, f"the code could not be read ({type(err).__name__})"))
            continue
        if spec.layers:
            out.append(FoundModel(snip, spec))
    return out


def _literal(node: ast.AST, names: Mapping[str, Any]) -> Any:
    """A literal value (``names`` fill variables), or None: the model analyser's bounded evaluator."""
    value = Evaluator(names)(node)
    return value if is_literal(value) else None


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def setups(found: list[Snippet], known: Mapping[str, Any] | None = None) -> list[Setup]:
    """One setup per ``fit`` call, in report order: its own arguments and those of the latest
    ``compile`` before it (``known``: names bound elsewhere in the report). Each experiment of a
    report (baseline, another learning rate...) is judged with its own."""
    names: dict[str, Any] = dict(known or {})
    values: dict[str, Any] = {}
    out: list[Setup] = []
    for snip in found:
        tree = parse(snip.text)
        if tree is None:
            continue
        for stmt in tree.body:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                v = _literal(stmt.value, names)
                if isinstance(v, int | float | str | tuple):
                    names[stmt.targets[0].id] = v
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)]
        for node in sorted(calls, key=lambda n: (n.lineno, n.col_offset)):
            kw = {k.arg: k.value for k in node.keywords if k.arg}
            if node.func.attr == "compile":  # type: ignore[attr-defined]
                for key in ("optimizer", "learning_rate", "momentum", "nesterov", "loss", "from_logits"):
                    values.pop(key, None)
                values["compile_line"] = snip.line + node.lineno - 1
                _optimizer(kw.get("optimizer"), names, values)
                _loss(kw.get("loss"), names, values)
            elif node.func.attr == "fit":  # type: ignore[attr-defined]
                fit: dict[str, Any] = {"fit_line": snip.line + node.lineno - 1}
                for key in ("batch_size", "epochs", "validation_split"):
                    if key in kw:
                        v = _literal(kw[key], names)
                        if isinstance(v, int | float) and not isinstance(v, bool):
                            fit[key] = int(v) if key != "validation_split" else v
                out.append(Setup(**{**{k: v for k, v in values.items() if k not in Setup.FIT_KEYS}, **fit}))
    if values and not out:
        out.append(Setup(**{k: v for k, v in values.items() if k not in Setup.FIT_KEYS}))
    return out


def _optimizer(node: ast.AST | None, names: Mapping[str, Any], out: dict[str, Any]) -> None:
    if node is None:
        return
    if isinstance(node, ast.Call):
        name = _callee(node.func).lower()
        kw = {k.arg: _literal(k.value, names) for k in node.keywords if k.arg}
        if node.args:
            kw.setdefault("learning_rate", _literal(node.args[0], names))
        lr = kw.get("learning_rate", kw.get("lr"))
        if isinstance(lr, int | float):
            out["learning_rate"] = float(lr)
        if isinstance(kw.get("momentum"), int | float):
            out["momentum"] = float(kw["momentum"])
        if isinstance(kw.get("nesterov"), bool):
            out["nesterov"] = kw["nesterov"]
    else:
        v = _literal(node, names)
        name = v.lower() if isinstance(v, str) else ""
    if name in ("sgd", "adam", "rmsprop"):
        out["optimizer"] = name


def _loss(node: ast.AST | None, names: Mapping[str, Any], out: dict[str, Any]) -> None:
    if node is None:
        return
    if isinstance(node, ast.Call):
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", _callee(node.func)).lower()
        for k in node.keywords:
            if k.arg == "from_logits":
                v = _literal(k.value, names)
                out["from_logits"] = bool(v) if isinstance(v, bool) else None
    else:
        v = _literal(node, names)
        name = v.lower() if isinstance(v, str) else ""
    name = {"mean_squared_error": "mse"}.get(name, name)
    if name in ("categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy", "mse"):
        out["loss"] = name
