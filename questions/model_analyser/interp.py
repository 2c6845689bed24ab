"""A safe interpreter for the subset of Python that model code is written in (never ``exec``).

Statements: assignments (names, tuples, attributes and subscripts of known objects), calls,
``def``/``return``, classes (deriving from ``nn.Module``, ``keras.Model`` or plain), ``for`` over
what the code fixes (literals, ``range``, ``zip``, ``enumerate``, a model's layers or parameters),
``while`` with a known condition, comprehensions, ``if`` on known values, ``with``, ``try``
(its body). Values: literals, lists and dicts of the code, imported names (:class:`Ext`, known
by their dotted path), and the layer / model objects of :mod:`objects`. A value the code cannot
fix without running (``x_train.shape[1:]``, a file's contents) is :class:`Opaque`; a name it never
defines is :class:`Free` (``bindings`` fill it).

What the interpreter cannot follow and that could change the model (a loop over data that adds
layers, a condition on a run-time value around a layer, a method it does not know on a model)
is refused: :class:`Refusal` names the construct, its line and what would make it work. Work is
bounded: statements executed, loop iterations, objects created, call depth.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.objects import (
    ArrayVal,
    Bound,
    Cls,
    Ext,
    Func,
    Instance,
    KTensor,
    Obj,
    Super,
)
from nnexam.questions.model_analyser.pycode import MAX_INT
from nnexam.questions.model_analyser.values import Free, Opaque

MAX_STEPS = 200_000  # statements and expressions evaluated
MAX_ITEMS = 100_000  # elements of one list / range / comprehension
MAX_OBJECTS = 100_000  # layers and modules created
MAX_DEPTH = 40  # nested calls of the code's functions


class Refusal(ParamError):
    """Code the analyser cannot follow without running it: one line, with the place and the fix."""

    def __init__(self, line: int | None, construct: str, fix: str):
        where = f"line {line}: " if line else ""
        super().__init__("model", f"code the analyser can follow without running it ({fix})", f"{where}{construct}")
        self.line = line


class _Return(Exception):
    def __init__(self, value: Any):
        self.value = value


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def src(node: ast.AST, limit: int = 60) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Scope:
    def __init__(self, parent: Scope | None = None, *, is_class: bool = False):
        self.vars: dict[str, Any] = {}
        self.parent = parent
        self.is_class = is_class
        self.globals_declared: set[str] = set()

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars and not (scope.is_class and scope is not self):
                return scope.vars[name]
            scope = scope.parent
        raise KeyError(name)

    def root(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def set(self, name: str, value: Any) -> None:
        (self.root() if name in self.globals_declared else self).vars[name] = value

    def rebind(self, name: str, value: Any) -> None:
        """Change ``name`` where it lives (an object mutated in a function is the outer one)."""
        scope: Scope | None = self
        while scope is not None:
            if name in scope.vars:
                scope.vars[name] = value
                return
            scope = scope.parent
        self.vars[name] = value


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv, ast.Pow: operator.pow, ast.Mod: operator.mod,
}  # fmt: skip
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}  # fmt: skip

# Call names that build or change a model: a statement holding one cannot be skipped.
MODEL_VERBS = frozenset({
    "add", "pop", "add_module", "register_module", "register_parameter", "append", "extend", "insert", "requires_grad_",
    "Sequential", "Model", "ModuleList", "ModuleDict", "Parameter", "build", "update", "setdefault", "remove",
})  # fmt: skip
MODEL_ATTRS = frozenset({"trainable", "requires_grad"})
LIST_VERBS = frozenset({"append", "extend", "insert", "update", "pop", "remove", "setdefault"})
SAME_OBJECT = frozenset({"to", "cuda", "cpu", "eval", "train", "double", "float", "half", "bfloat16"})  # module methods returning it


def literal(value: Any) -> bool:
    if isinstance(value, tuple | list):
        return all(literal(v) for v in value)
    return isinstance(value, int | float | str | bool) or value is None


class Interpreter:
    """Runs a module's statements on model objects. ``hooks`` is the framework layer: it makes
    layers and models from calls of imported names, calls layers, reads their attributes."""

    def __init__(self, hooks: Any, bindings: dict[str, Any]):
        self.hooks = hooks
        self.bound = bindings
        self.steps = 0
        self.depth = 0
        self.globals = Scope()
        self.called: set[int] = set()  # ids of functions / classes the code calls
        self.defined: list[Func | Cls] = []
        self.top_values: list[tuple[str, Any]] = []  # (name, value) assigned at module level, in order
        self.notes: list[str] = []

    # -- bookkeeping -----------------------------------------------------------------------------

    def tick(self, node: ast.AST) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise Refusal(getattr(node, "lineno", None), "more than 200,000 interpreted steps",
                          "a model built with a bounded amount of work: smaller loops or fewer layers")  # fmt: skip

    # -- statements ------------------------------------------------------------------------------

    def module(self, tree: ast.Module) -> None:
        self.globals.vars.update(self.bound)
        try:
            self.block(tree.body, self.globals)
        except _Return:
            return  # Python refuses a return outside a function when it compiles; the code before it stands
        except (_Break, _Continue):
            raise Refusal(None, "break / continue outside a loop", "Python code that runs") from None
        except RecursionError:
            raise Refusal(None, "code nested too deeply to follow", "less deeply nested code") from None

    def block(self, body: Sequence[ast.stmt], scope: Scope) -> None:
        for st in body:
            self.stmt(st, scope)

    def stmt(self, st: ast.stmt, scope: Scope) -> None:
        self.tick(st)
        if isinstance(st, ast.Assign):
            value = self.expr(st.value, scope)
            for t in st.targets:
                self.assign(t, value, scope, st)
        elif isinstance(st, ast.AnnAssign):
            if st.value is not None:
                self.assign(st.target, self.expr(st.value, scope), scope, st)
        elif isinstance(st, ast.AugAssign):
            current = self.load(st.target, scope)
            self.assign(st.target, self.binop(st.op, current, self.expr(st.value, scope), st, inplace=True), scope, st)
        elif isinstance(st, ast.Expr):
            self.expr(st.value, scope)
        elif isinstance(st, ast.Return):
            raise _Return(None if st.value is None else self.expr(st.value, scope))
        elif isinstance(st, ast.If):
            self.if_stmt(st, scope)
        elif isinstance(st, ast.For | ast.AsyncFor):
            self.for_stmt(st, scope)
        elif isinstance(st, ast.While):
            self.while_stmt(st, scope)
        elif isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef):
            fn = Func(st, scope, self.defaults(st.args, scope))
            self.defined.append(fn)
            scope.set(st.name, fn)
        elif isinstance(st, ast.ClassDef):
            self.class_def(st, scope)
        elif isinstance(st, ast.Import):
            for a in st.names:
                name = a.asname or a.name.split(".")[0]
                scope.set(name, Ext(a.name if a.asname else name))
        elif isinstance(st, ast.ImportFrom):
            for a in st.names:
                if a.name != "*":
                    scope.set(a.asname or a.name, Ext(f"{st.module or ''}.{a.name}".lstrip(".")))
        elif isinstance(st, ast.With | ast.AsyncWith):
            for item in st.items:
                value = self.expr(item.context_expr, scope)
                if item.optional_vars is not None:
                    self.assign(item.optional_vars, Opaque(src(item.context_expr)) if not isinstance(value, Obj) else value, scope, st)
            self.block(st.body, scope)
        elif isinstance(st, ast.Try) or type(st).__name__ == "TryStar":
            self.block(st.body + st.orelse + st.finalbody, scope)  # type: ignore[attr-defined]
        elif isinstance(st, ast.Break):
            raise _Break
        elif isinstance(st, ast.Continue):
            raise _Continue
        elif isinstance(st, ast.Global):
            scope.globals_declared.update(st.names)
        elif isinstance(st, ast.Delete):
            for t in st.targets:
                self.delete(t, scope, st)
        elif isinstance(st, ast.Raise):
            raise Refusal(st.lineno, f"raise {src(st.exc) if st.exc else ''}".strip(), "code that reaches no raise statement")
        elif isinstance(st, ast.Pass | ast.Nonlocal | ast.Assert):
            pass
        elif isinstance(st, ast.Match):
            self.skip_or_refuse(st, [s for c in st.cases for s in c.body], scope, "match statement")

    def load(self, target: ast.expr, scope: Scope) -> Any:
        """The current value of an assignment target (``x`` in ``x += 1``)."""
        if isinstance(target, ast.Name):
            return self.name(target, scope)
        if isinstance(target, ast.Attribute):
            return self.getattr(self.expr(target.value, scope), target.attr, target)
        if isinstance(target, ast.Subscript):
            return self.getitem(self.expr(target.value, scope), self.expr(target.slice, scope), target)
        return Opaque(src(target))

    def defaults(self, args: ast.arguments, scope: Scope) -> dict[str, Any]:
        params = args.posonlyargs + args.args
        out = {a.arg: self.expr(d, scope) for a, d in zip(params[len(params) - len(args.defaults):], args.defaults)}
        out.update({a.arg: self.expr(d, scope) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        return out

    def class_def(self, st: ast.ClassDef, scope: Scope) -> None:
        bases = [self.expr(b, scope) for b in st.bases]
        family = "plain"
        for b in bases:
            if isinstance(b, Cls) and b.family != "plain":
                family = b.family
            elif isinstance(b, Ext | Free):
                family = self.hooks.class_family(b.path if isinstance(b, Ext) else b.name) or family
        body = Scope(scope, is_class=True)
        cls = Cls(st.name, bases, {}, family, st.lineno)
        for item in st.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in item.decorator_list)
                cls.attrs[item.name] = Func(item, scope, self.defaults(item.args, scope), owner=cls, static=static)
            elif isinstance(item, ast.Assign | ast.AnnAssign):
                self.stmt(item, body)
        cls.attrs.update({k: v for k, v in body.vars.items() if k not in cls.attrs})
        self.defined.append(cls)
        scope.set(st.name, cls)

    def if_stmt(self, st: ast.If, scope: Scope) -> None:
        test = self.truth(self.expr(st.test, scope))
        if test is None:
            self.skip_or_refuse(st, st.body + st.orelse, scope, f"the condition {src(st.test)!r}")
            return
        self.block(st.body if test else st.orelse, scope)

    def skip_or_refuse(self, st: ast.stmt, body: Sequence[ast.stmt], scope: Scope, what: str) -> None:
        """A branch or loop the interpreter cannot follow: fine when it changes no model (its
        assigned names become unknown), refused otherwise."""
        touched = self.touches_model(body, scope)
        if touched:
            raise Refusal(st.lineno, f"{what} decides how the model is built ({touched})",
                          "conditions and loops on values the code fixes (literals, range(n), bindings)")  # fmt: skip
        for node in (n for s in body for n in ast.walk(s)):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                scope.set(node.id, Opaque(f"{node.id} (set at line {st.lineno} under {what})"))
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LIST_VERBS
                  and isinstance(node.func.value, ast.Name)):  # a list filled there: its contents are unknown now
                scope.rebind(node.func.value.id, Opaque(f"{node.func.value.id} (changed at line {st.lineno} under {what})"))

    def touches_model(self, body: Sequence[ast.stmt], scope: Scope) -> str:
        """The first construct in ``body`` that could build or change a model, or ''.
        ``model = model.cuda()`` / ``.to(device)`` / ``.eval()`` (same object back) changes nothing."""
        same: set[int] = set()
        for node in (n for s in body for n in ast.walk(s)):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                v = node.value
                if (isinstance(v, ast.Call) and isinstance(v.func, ast.Attribute) and v.func.attr in SAME_OBJECT
                        and isinstance(v.func.value, ast.Name) and v.func.value.id == node.targets[0].id):
                    same.update({id(node.targets[0]), id(v)})
        for node in (n for s in body for n in ast.walk(s)):
            if id(node) in same:
                continue
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id if isinstance(node.func, ast.Name) else ""
                if name in LIST_VERBS and isinstance(node.func, ast.Attribute) and self.plain_container(node.func.value, scope):
                    continue  # losses.append(loss.item()): a list of the code's numbers, no model
                if name in MODEL_VERBS or self.hooks.is_layer_name(name):
                    return f"{src(node, 40)} at line {node.lineno}"
                if isinstance(node.func, ast.Name):
                    try:
                        fn = scope.lookup(node.func.id)
                    except KeyError:
                        fn = None
                    if isinstance(fn, Func | Cls):
                        return f"{src(node, 40)} at line {node.lineno}"
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                return f"{src(node, 40)} = ... at line {node.lineno}"
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                return f"{src(node, 40)} = ... at line {node.lineno}"
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                try:
                    old = scope.lookup(node.id)
                except KeyError:
                    continue
                if isinstance(old, Obj) and not isinstance(old, Func | Cls | Ext):
                    return f"{node.id} = ... at line {node.lineno}"
        return ""

    def plain_container(self, node: ast.expr, scope: Scope) -> bool:
        """A name bound to a list or dict holding no layer or model (a notebook's ``history`` list)."""
        if not isinstance(node, ast.Name):
            return False
        try:
            value = scope.lookup(node.id)
        except KeyError:
            return False
        if isinstance(value, Opaque):
            return True  # already unknown (filled under a loop before): it stays unknown, and is refused if a model uses it
        items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        return items is not None and not any(isinstance(v, Obj) for v in items)

    def iterate(self, value: Any, node: ast.AST) -> list[Any] | None:
        if isinstance(value, list | tuple | str):
            return list(value)
        if isinstance(value, dict):
            return list(value)
        if isinstance(value, range):
            if len(value) > MAX_ITEMS:
                raise Refusal(getattr(node, "lineno", None), f"a loop of {len(value):,} iterations", "loops of at most 100,000 iterations")
            return list(value)
        return self.hooks.iterate(value, node)

    def for_stmt(self, st: ast.For | ast.AsyncFor, scope: Scope) -> None:
        items = self.iterate(self.expr(st.iter, scope), st)
        if items is None:
            self.skip_or_refuse(st, st.body + st.orelse, scope, f"the loop over {src(st.iter)!r}")
            if isinstance(st.target, ast.Name):
                scope.set(st.target.id, Opaque(src(st.iter)))
            return
        broke = False
        for item in items:
            self.tick(st)
            self.assign(st.target, item, scope, st)
            try:
                self.block(st.body, scope)
            except _Break:
                broke = True
                break
            except _Continue:
                continue
        if not broke:
            self.block(st.orelse, scope)

    def while_stmt(self, st: ast.While, scope: Scope) -> None:
        count = 0
        while True:
            test = self.truth(self.expr(st.test, scope))
            if test is None:
                if count:
                    raise Refusal(st.lineno, f"while {src(st.test)}: its condition became unknown", "a loop condition on values the code fixes")
                self.skip_or_refuse(st, st.body, scope, f"the loop condition {src(st.test)!r}")
                return
            if not test:
                self.block(st.orelse, scope)
                return
            count += 1
            if count > MAX_ITEMS:
                raise Refusal(st.lineno, "a while loop of more than 100,000 iterations", "a bounded loop")
            try:
                self.block(st.body, scope)
            except _Break:
                return
            except _Continue:
                continue

    def delete(self, t: ast.expr, scope: Scope, st: ast.stmt) -> None:
        if isinstance(t, ast.Name):
            scope.vars.pop(t.id, None)
            return
        if isinstance(t, ast.Subscript):
            obj = self.expr(t.value, scope)
            if isinstance(obj, list | dict):
                key = self.expr(t.slice, scope)
                try:
                    del obj[key]
                except (KeyError, IndexError, TypeError):
                    raise Refusal(st.lineno, f"del {src(t)}", "indices that exist") from None
                return
            if isinstance(obj, Obj):
                self.hooks.delitem(obj, self.expr(t.slice, scope), st)
                return
        obj = self.expr(t.value, scope) if isinstance(t, ast.Attribute | ast.Subscript) else None
        if isinstance(obj, Obj):
            raise Refusal(st.lineno, f"del {src(t)}", "a model changed only through add/pop/assignment")

    # -- assignment --------------------------------------------------------------------------------

    def assign(self, target: ast.expr, value: Any, scope: Scope, st: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            if target.id in self.bound and scope is self.globals:
                return  # bindings win over the code's own assignments
            scope.set(target.id, value)
            if scope is self.globals:
                self.top_values.append((target.id, value))
        elif isinstance(target, ast.Tuple | ast.List):
            starred = [i for i, e in enumerate(target.elts) if isinstance(e, ast.Starred)]
            items = self.unpack(value, len(target.elts), bool(starred), st)
            if items is None:
                for e in target.elts:
                    self.assign(e.value if isinstance(e, ast.Starred) else e, Opaque(src(st, 40)), scope, st)
                return
            if starred:
                i = starred[0]
                n_after = len(target.elts) - i - 1
                items = items[:i] + [list(items[i: len(items) - n_after])] + items[len(items) - n_after:]
            for e, v in zip(target.elts, items):
                self.assign(e.value if isinstance(e, ast.Starred) else e, v, scope, st)
        elif isinstance(target, ast.Attribute):
            obj = self.expr(target.value, scope)
            self.setattr(obj, target.attr, value, st)
        elif isinstance(target, ast.Subscript):
            obj = self.expr(target.value, scope)
            key = self.expr(target.slice, scope)
            if isinstance(obj, list):
                if not (isinstance(key, int) and -len(obj) <= key < len(obj)):
                    raise Refusal(st.lineno, f"{src(target)} = ...", "an index the code fixes, inside the list")
                obj[key] = value
            elif isinstance(obj, dict):
                if not literal(key):
                    raise Refusal(st.lineno, f"{src(target)} = ...", "a key the code fixes")
                obj[key] = value
            elif isinstance(obj, Obj):
                self.hooks.setitem(obj, key, value, st)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, scope, st)

    def unpack(self, value: Any, n: int, starred: bool, st: ast.stmt) -> list[Any] | None:
        items = self.iterate(value, st) if not isinstance(value, str) else list(value)
        if items is None:
            if isinstance(value, Obj) and not isinstance(value, ArrayVal):
                raise Refusal(st.lineno, f"unpacking {type(value).__name__} in {src(st, 40)}", "unpacking of what the code fixes")
            return None
        if (len(items) != n and not starred) or (starred and len(items) < n - 1):
            raise Refusal(st.lineno, f"{src(st, 50)} unpacks {len(items)} values into {n} names", "as many names as values")
        return items

    def setattr(self, obj: Any, attr: str, value: Any, st: ast.stmt) -> None:
        if isinstance(obj, Instance):
            obj.attrs[attr] = value
        elif isinstance(obj, Cls):
            obj.attrs[attr] = value
        elif isinstance(obj, Obj):
            self.hooks.setattr(obj, attr, value, st)
        elif isinstance(obj, Free | Opaque) and attr in MODEL_ATTRS:
            raise Refusal(st.lineno, f"{src(st, 50)} sets {attr} on something the analyser cannot identify",
                          "freeze layers reached from the model by name or index")  # fmt: skip

    # -- expressions -------------------------------------------------------------------------------

    def expr(self, node: ast.expr, scope: Scope) -> Any:
        self.steps += 1
        if self.steps > MAX_STEPS:
            self.tick(node)
        kind = type(node)
        if kind is ast.Name:
            return self.name(node, scope)  # type: ignore[arg-type]
        if kind is ast.Call:
            return self.call_node(node, scope)  # type: ignore[arg-type]
        if kind is ast.Attribute:
            return self.getattr(self.expr(node.value, scope), node.attr, node)  # type: ignore[attr-defined]
        return self.other(node, scope)

    def name(self, node: ast.Name, scope: Scope) -> Any:
        try:
            return scope.lookup(node.id)
        except KeyError:
            pass
        builtin = BUILTINS.get(node.id)
        if builtin is not None:
            return builtin
        if node.id == "__name__":
            return "__main__"
        return Free(node.id)

    def other(self, node: ast.expr, scope: Scope) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INT:
                return Opaque(src(node))
            return v if isinstance(v, str | int | float | bool) or v is None else Opaque(src(node))
        if isinstance(node, ast.Name):
            return self.name(node, scope)
        if isinstance(node, ast.Tuple):
            return tuple(self.elements(node.elts, scope, node))
        if isinstance(node, ast.List):
            return self.elements(node.elts, scope, node)
        if isinstance(node, ast.Set):
            return self.elements(node.elts, scope, node)
        if isinstance(node, ast.Dict):
            out: dict[Any, Any] = {}
            for k, v in zip(node.keys, node.values):
                if k is None:
                    more = self.expr(v, scope)
                    if not isinstance(more, dict):
                        return Opaque(src(node))
                    out.update(more)
                    continue
                key = self.expr(k, scope)
                if not literal(key) or isinstance(key, list):
                    return Opaque(src(node))
                out[key] = self.expr(v, scope)
            return out
        if isinstance(node, ast.Attribute):
            return self.getattr(self.expr(node.value, scope), node.attr, node)
        if isinstance(node, ast.Subscript):
            return self.getitem(self.expr(node.value, scope), self.expr(node.slice, scope), node)
        if isinstance(node, ast.Slice):
            parts = [None if p is None else self.expr(p, scope) for p in (node.lower, node.upper, node.step)]
            if all(p is None or (isinstance(p, int) and not isinstance(p, bool)) for p in parts):
                return slice(*parts)
            return Opaque(src(node))
        if isinstance(node, ast.Call):
            return self.call_node(node, scope)
        if isinstance(node, ast.BinOp):
            return self.binop(node.op, self.expr(node.left, scope), self.expr(node.right, scope), node)
        if isinstance(node, ast.UnaryOp):
            v = self.expr(node.operand, scope)
            if isinstance(node.op, ast.Not):
                t = self.truth(v)
                return Opaque(src(node)) if t is None else not t
            if isinstance(v, int | float) and not isinstance(v, bool):
                return -v if isinstance(node.op, ast.USub) else v if isinstance(node.op, ast.UAdd) else ~v if isinstance(v, int) else Opaque(src(node))
            return v if isinstance(v, Free) else Opaque(src(node))
        if isinstance(node, ast.BoolOp):
            return self.boolop(node, scope)
        if isinstance(node, ast.Compare):
            return self.compare(node, scope)
        if isinstance(node, ast.IfExp):
            t = self.truth(self.expr(node.test, scope))
            if t is None:
                a, b = self.expr(node.body, scope), self.expr(node.orelse, scope)
                return a if literal(a) and a == b else Opaque(src(node))
            return self.expr(node.body if t else node.orelse, scope)
        if isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp):
            return self.comprehension(node, scope, lambda s: self.expr(node.elt, s), list)
        if isinstance(node, ast.DictComp):
            pairs = self.comprehension(node, scope, lambda s: (self.expr(node.key, s), self.expr(node.value, s)), list)
            return dict(pairs) if isinstance(pairs, list) and all(literal(k) for k, _ in pairs) else Opaque(src(node))
        if isinstance(node, ast.Lambda):
            return Func(node, scope, self.defaults(node.args, scope))
        if isinstance(node, ast.JoinedStr):
            parts = []
            for v in node.values:
                if isinstance(v, ast.Constant):
                    parts.append(str(v.value))
                elif isinstance(v, ast.FormattedValue):
                    x = self.expr(v.value, scope)
                    if not literal(x) or v.format_spec is not None:
                        return Opaque(src(node))
                    parts.append(str(x))
            return "".join(parts)
        if isinstance(node, ast.NamedExpr):
            value = self.expr(node.value, scope)
            scope.set(node.target.id, value)
            return value
        if isinstance(node, ast.Starred):
            return self.expr(node.value, scope)
        return Opaque(src(node))

    def elements(self, elts: Sequence[ast.expr], scope: Scope, node: ast.AST) -> list[Any]:
        out: list[Any] = []
        for e in elts:
            if isinstance(e, ast.Starred):
                items = self.iterate(self.expr(e.value, scope), e)
                if items is None:
                    raise Refusal(e.lineno, f"*{src(e.value)}", "a starred sequence the code fixes")
                out.extend(items)
            else:
                out.append(self.expr(e, scope))
            if len(out) > MAX_ITEMS:
                raise Refusal(getattr(node, "lineno", None), "a list of more than 100,000 items", "smaller lists")
        return out

    def comprehension(self, node: Any, scope: Scope, make: Callable[[Scope], Any], kind: type) -> Any:
        inner = Scope(scope)
        out: list[Any] = []

        def gen(i: int) -> bool:
            if i == len(node.generators):
                out.append(make(inner))
                if len(out) > MAX_ITEMS:
                    raise Refusal(node.lineno, "a comprehension of more than 100,000 items", "smaller comprehensions")
                return True
            g = node.generators[i]
            items = self.iterate(self.expr(g.iter, inner), g.iter)
            if items is None:
                return False
            for item in items:
                self.tick(node)
                self.assign(g.target, item, inner, node)
                conds = [self.truth(self.expr(c, inner)) for c in g.ifs]
                if any(c is None for c in conds):
                    return False
                if all(conds) and not gen(i + 1):
                    return False
            return True

        if not gen(0):
            if self.touches_model([ast.Expr(node)], scope):
                raise Refusal(node.lineno, f"the comprehension {src(node)!r} runs over values the analyser cannot know",
                              "a comprehension over literals, range(n) or zip/enumerate of them")  # fmt: skip
            return Opaque(src(node))
        return out

    def truth(self, value: Any) -> bool | None:
        if isinstance(value, Free | Opaque | ArrayVal | KTensor):
            return None
        if isinstance(value, list | tuple | dict | str):
            return bool(value) if isinstance(value, str) or all(not isinstance(v, Free | Opaque) for v in value) or value else None
        if isinstance(value, Obj | Ext):
            return True
        return bool(value)

    def boolop(self, node: ast.BoolOp, scope: Scope) -> Any:
        last: Any = None
        for v_node in node.values:
            last = self.expr(v_node, scope)
            t = self.truth(last)
            if t is None:
                return Opaque(src(node))
            if isinstance(node.op, ast.And) and not t:
                return last
            if isinstance(node.op, ast.Or) and t:
                return last
        return last

    def compare(self, node: ast.Compare, scope: Scope) -> Any:
        left = self.expr(node.left, scope)
        for op, right_node in zip(node.ops, node.comparators):
            right = self.expr(right_node, scope)
            if isinstance(op, ast.Is | ast.IsNot):
                if isinstance(left, Free | Opaque) or isinstance(right, Free | Opaque):
                    return Opaque(src(node))
                same = left is right if isinstance(left, Obj) or isinstance(right, Obj) else (left is None) == (right is None) and left == right
                ok = same if isinstance(op, ast.Is) else not same
            elif isinstance(op, ast.In | ast.NotIn):
                if isinstance(right, Opaque | Free) or isinstance(left, Opaque | Free):
                    return Opaque(src(node))
                try:
                    if isinstance(right, list | tuple | dict | str):
                        if not literal(left) and not isinstance(left, Obj):
                            return Opaque(src(node))
                        found = any(left is x if isinstance(x, Obj) else (x == left and not isinstance(left, Obj)) for x in right) \
                            if not isinstance(right, str) else left in right  # fmt: skip
                    else:
                        return Opaque(src(node))
                except TypeError:
                    return Opaque(src(node))
                ok = found if isinstance(op, ast.In) else not found
            else:
                if not (literal(left) and literal(right)):
                    return Opaque(src(node))
                try:
                    ok = _COMPARE[type(op)](left, right)
                except TypeError:
                    return Opaque(src(node))
            if not ok:
                return False
            left = right
        return True

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST, inplace: bool = False) -> Any:
        for v in (a, b):
            if isinstance(v, Free):
                return v
        if isinstance(a, Obj) or isinstance(b, Obj):
            return self.hooks.binop(op, a, b, node, inplace)
        nums = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
        ints = nums and all(isinstance(v, int) for v in (a, b))
        if isinstance(op, ast.Add) and isinstance(a, list) and isinstance(b, list | tuple):
            if len(a) + len(b) > MAX_ITEMS:
                return Opaque(src(node))
            if inplace:
                a.extend(b)
                return a
            return a + list(b)
        if isinstance(op, ast.Add) and isinstance(a, tuple) and isinstance(b, tuple):
            return a + b if len(a) + len(b) <= MAX_ITEMS else Opaque(src(node))
        if isinstance(op, ast.Add) and isinstance(a, str) and isinstance(b, str):
            return a + b if len(a) + len(b) <= 10_000 else Opaque(src(node))
        if isinstance(op, ast.Mult) and isinstance(a, list | tuple | str) and isinstance(b, int) and not isinstance(b, bool):
            return a * b if 0 <= len(a) * b <= MAX_ITEMS else Opaque(src(node))
        if isinstance(op, ast.Mult) and isinstance(b, list | tuple | str) and isinstance(a, int) and not isinstance(a, bool):
            return self.binop(op, b, a, node)
        if isinstance(op, ast.Mod) and isinstance(a, str):
            try:
                return a % b if literal(b) else Opaque(src(node))
            except (TypeError, ValueError):
                return Opaque(src(node))
        if type(op) not in _BINOPS or not nums:
            return Opaque(src(node))
        if isinstance(op, ast.Pow):
            return a**b if ints and 0 <= b <= 64 and abs(a) <= 2**20 and abs(a) ** b <= MAX_INT else Opaque(src(node))
        whole = isinstance(op, ast.FloorDiv | ast.Mod)
        if (whole and not ints) or (isinstance(op, ast.FloorDiv | ast.Mod | ast.Div) and b == 0):
            return Opaque(src(node))
        result = _BINOPS[type(op)](a, b)
        return result if abs(result) <= MAX_INT else Opaque(src(node))

    # -- attributes, items, calls -----------------------------------------------------------------

    def getattr(self, obj: Any, attr: str, node: ast.AST) -> Any:
        if isinstance(obj, Ext):
            return Ext(f"{obj.path}.{attr}")
        if isinstance(obj, Free):
            return Ext(f"{obj.name}.{attr}")
        if isinstance(obj, Instance):
            if attr in obj.attrs:
                return obj.attrs[attr]
            found = class_attr(obj.cls, attr)
            if isinstance(found, Func) and not found.static:
                return Bound(found, obj)
            return found if found is not None else Opaque(f"{src(node)}")
        if isinstance(obj, Cls):
            found = class_attr(obj, attr)
            return found if found is not None else Opaque(src(node))
        if isinstance(obj, Super):
            for base in obj.cls.bases:
                if isinstance(base, Cls):
                    found = class_attr(base, attr)
                    if isinstance(found, Func):
                        return Bound(found, obj.self_obj)
            if attr == "__init__":
                return BuiltinFn(lambda *a, **k: self.hooks.base_init(obj.self_obj, list(a), k, node))
            return Opaque(src(node))
        if isinstance(obj, Obj):
            return self.hooks.getattr(obj, attr, node)
        if isinstance(obj, str | list | dict | tuple):
            return PyMethod(obj, attr)
        return Opaque(src(node))

    def getitem(self, obj: Any, key: Any, node: ast.AST) -> Any:
        if isinstance(obj, list | tuple | str):
            if isinstance(key, slice) or (isinstance(key, int) and not isinstance(key, bool) and -len(obj) <= key < len(obj)):
                return obj[key]
            return Opaque(src(node))
        if isinstance(obj, dict):
            try:
                return obj[key] if literal(key) else Opaque(src(node))
            except (KeyError, TypeError):
                return Opaque(src(node))
        if isinstance(obj, Obj):
            return self.hooks.getitem(obj, key, node)
        return Opaque(src(node))

    def call_node(self, node: ast.Call, scope: Scope) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id == "super" and not node.args:
            try:
                return Super(scope.lookup("__class__"), scope.lookup("__self__"))
            except KeyError:
                raise Refusal(node.lineno, "super() outside a method", "super() inside a class's method") from None
        fn = self.expr(node.func, scope)
        args: list[Any] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                items = self.iterate(self.expr(a.value, scope), a)
                if items is None:
                    raise Refusal(node.lineno, f"*{src(a.value)} in {src(node, 40)}", "a starred sequence the code fixes (a list of layers it builds)")
                args.extend(items)
            else:
                args.append(self.expr(a, scope))
        kwargs: dict[str, Any] = {}
        for k in node.keywords:
            v = self.expr(k.value, scope)
            if k.arg is None:
                if not isinstance(v, dict) or not all(isinstance(x, str) for x in v):
                    raise Refusal(node.lineno, f"**{src(k.value)} in {src(node, 40)}", "keyword arguments the code fixes (write them out)")
                kwargs.update(v)
            else:
                kwargs[k.arg] = v
        return self.call(fn, args, kwargs, node)

    def call(self, fn: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        if isinstance(fn, Func):
            return self.call_func(fn, args, kwargs, node)
        if isinstance(fn, Bound):
            return self.call_func(fn.func, [fn.self_obj, *args], kwargs, node)
        if isinstance(fn, Cls):
            self.called.add(id(fn))
            return self.hooks.instantiate(fn, args, kwargs, node)
        if isinstance(fn, BuiltinFn):
            return fn.fn(self, node, *args, **kwargs) if fn.wants_interp else fn.fn(*args, **kwargs)
        if isinstance(fn, PyMethod):
            return fn.call(self, args, kwargs, node)
        if isinstance(fn, Ext | Free):
            return self.hooks.call_ext(fn.path if isinstance(fn, Ext) else fn.name, args, kwargs, node)
        if isinstance(fn, Obj):
            return self.hooks.call_obj(fn, args, kwargs, node)
        return Opaque(src(node))

    def call_func(self, fn: Func, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        self.called.add(id(fn))
        if self.depth >= MAX_DEPTH:
            raise Refusal(getattr(node, "lineno", None), f"calls nested more than {MAX_DEPTH} deep", "no deep recursion")
        local = Scope(fn.scope)
        self.bind_args(fn, args, kwargs, local, node)
        if fn.owner is not None:
            local.vars["__class__"] = fn.owner
            if args:
                local.vars["__self__"] = args[0]
        self.depth += 1
        try:
            if isinstance(fn.node, ast.Lambda):
                return self.expr(fn.node.body, local)
            self.block(fn.node.body, local)
        except _Return as r:
            return r.value
        finally:
            self.depth -= 1
        return None

    def bind_args(self, fn: Func, args: list[Any], kwargs: dict[str, Any], local: Scope, node: ast.AST) -> None:
        a = fn.node.args
        params = [p.arg for p in a.posonlyargs + a.args]
        for name, value in zip(params, args):
            local.vars[name] = value
        extra = args[len(params):]
        if extra:
            if a.vararg is None:
                raise Refusal(getattr(node, "lineno", None), f"{fn.name}() called with {len(args)} positional arguments", "a call that matches the function")
        if a.vararg is not None:
            local.vars[a.vararg.arg] = tuple(extra)
        rest: dict[str, Any] = {}
        names = set(params) | {p.arg for p in a.kwonlyargs}
        for k, v in kwargs.items():
            if k in names:
                local.vars[k] = v
            elif a.kwarg is not None:
                rest[k] = v
            else:
                raise Refusal(getattr(node, "lineno", None), f"{fn.name}() got an unexpected keyword {k!r}", "a call that matches the function")
        if a.kwarg is not None:
            local.vars[a.kwarg.arg] = rest
        for name in [*params, *(p.arg for p in a.kwonlyargs)]:
            if name not in local.vars:
                if name in fn.defaults:
                    local.vars[name] = fn.defaults[name]
                elif name in self.bound:
                    local.vars[name] = self.bound[name]
                else:
                    local.vars[name] = Free(name)

    def run_uncalled(self) -> None:
        """Functions and classes the code defines but never calls (a notebook's ``build_model``):
        called with their parameters free (bindings fill them), so their models are found. Code
        there that the interpreter cannot follow is refused only when it was building a model."""
        classes = [c for c in self.defined if isinstance(c, Cls)]
        for fn in list(reversed(classes)) + [f for f in self.defined if isinstance(f, Func)]:
            if id(fn) in self.called or self.hooks.found_models():
                continue
            if isinstance(fn, Func) and fn.scope is self.globals and not isinstance(fn.node, ast.Lambda):
                self.called.add(id(fn))
                self.try_uncalled(f"the function {fn.name}() is never called: read with its parameters as written",
                                  lambda: self.call_func(fn, [], {}, fn.node))  # noqa: B023
            elif isinstance(fn, Cls) and not self.used_by_others(fn):
                self.called.add(id(fn))
                self.try_uncalled(f"the class {fn.name} is never instantiated: read as {fn.name}()",
                                  lambda: self.hooks.instantiate(fn, [], {}, ast.Name(fn.name, lineno=fn.line)))  # noqa: B023

    def try_uncalled(self, note: str, run: Callable[[], Any]) -> None:
        before = len(self.hooks.models)
        try:
            run()
        except (Refusal, _Return, _Break, _Continue):
            if len(self.hooks.models) > before:
                raise
            return
        if len(self.hooks.models) > before:
            self.notes.append(note)

    def used_by_others(self, cls: Cls) -> bool:
        for other in self.defined:
            if other is cls or not isinstance(other, Cls):
                continue
            if cls in other.bases:
                return True
            for f in other.attrs.values():
                if isinstance(f, Func) and any(isinstance(n, ast.Name) and n.id == cls.name for n in ast.walk(f.node)):
                    return True
        return False


def class_attr(cls: Cls, attr: str) -> Any:
    if attr in cls.attrs:
        return cls.attrs[attr]
    for base in cls.bases:
        if isinstance(base, Cls):
            found = class_attr(base, attr)
            if found is not None:
                return found
    return None


# ---------------------------------------------------------------------------------------------
# Built-in functions and methods of plain values
# ---------------------------------------------------------------------------------------------


class BuiltinFn:
    def __init__(self, fn: Callable[..., Any], wants_interp: bool = False):
        self.fn = fn
        self.wants_interp = wants_interp


def _ints(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


def _range(*args: Any) -> Any:
    if not 1 <= len(args) <= 3 or not _ints(*args) or (len(args) == 3 and args[2] == 0):
        return Opaque(f"range{tuple(args)}")
    return range(*args)


def _seq(interp: Interpreter, node: ast.AST, value: Any) -> list[Any] | None:
    return interp.iterate(value, node)


def _enumerate(interp: Interpreter, node: ast.AST, value: Any, start: int = 0) -> Any:
    items = _seq(interp, node, value)
    return Opaque("enumerate(...)") if items is None or not _ints(start) else [(i + start, v) for i, v in enumerate(items)]


def _zip(interp: Interpreter, node: ast.AST, *values: Any, strict: bool = False) -> Any:
    lists = [_seq(interp, node, v) for v in values]
    return Opaque("zip(...)") if any(x is None for x in lists) else [tuple(t) for t in zip(*lists)]  # type: ignore[arg-type]


def _len(interp: Interpreter, node: ast.AST, value: Any) -> Any:
    if isinstance(value, str | list | tuple | dict | range):
        return len(value)
    items = interp.hooks.iterate(value, node) if isinstance(value, Obj) else None
    return Opaque(f"len({type(value).__name__})") if items is None else len(items)


def _numeric(fn: Callable[..., Any], name: str) -> BuiltinFn:
    def f(*args: Any, **kwargs: Any) -> Any:
        flat = list(args[0]) if len(args) == 1 and isinstance(args[0], list | tuple) else list(args)
        if not flat and name in ("min", "max"):
            return Opaque(f"{name}()")
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in flat) and all(literal(v) for v in kwargs.values()):
            try:
                return fn(*args, **kwargs)
            except (TypeError, ValueError, OverflowError):
                return Opaque(f"{name}(...)")
        return Opaque(f"{name}(...)")

    return BuiltinFn(f)


def _convert(kind: type) -> BuiltinFn:
    def f(interp: Interpreter, node: ast.AST, *args: Any) -> Any:
        if not args:
            return kind()
        v = args[0]
        if kind in (list, tuple):
            items = _seq(interp, node, v)
            return Opaque(src(node)) if items is None else kind(items)
        if kind is dict:
            if isinstance(v, dict):
                return dict(v)
            items = _seq(interp, node, v)
            if items is None or not all(isinstance(p, tuple) and len(p) == 2 for p in items):
                return Opaque(src(node))
            return dict(items)
        if literal(v) and not isinstance(v, list | tuple):
            try:
                out = kind(v)
                return out if not isinstance(out, int) or abs(out) <= MAX_INT else Opaque(src(node))
            except (TypeError, ValueError, OverflowError):
                return Opaque(src(node))
        return Opaque(src(node))

    return BuiltinFn(f, wants_interp=True)


def _isinstance(interp: Interpreter, node: ast.AST, obj: Any, kinds: Any) -> Any:
    return interp.hooks.isinstance(obj, kinds, node)


def _print(*args: Any, **kwargs: Any) -> None:
    return None


def _super(interp: Interpreter, node: ast.AST, *args: Any) -> Any:
    if len(args) == 2 and isinstance(args[0], Cls):
        return Super(args[0], args[1])
    raise Refusal(getattr(node, "lineno", None), src(node), "super() or super(Class, self) in a method")


def _reversed(interp: Interpreter, node: ast.AST, value: Any) -> Any:
    items = _seq(interp, node, value)
    return Opaque(src(node)) if items is None else list(reversed(items))


def _sorted(interp: Interpreter, node: ast.AST, value: Any, reverse: bool = False) -> Any:
    items = _seq(interp, node, value)
    if items is None or not literal(items):
        return Opaque(src(node))
    try:
        return sorted(items, reverse=bool(reverse))
    except TypeError:
        return Opaque(src(node))


def _sum(interp: Interpreter, node: ast.AST, value: Any, start: int = 0) -> Any:
    items = _seq(interp, node, value)
    if items is None or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in items):
        return Opaque(src(node))
    total = sum(items, start)
    return total if abs(total) <= MAX_INT else Opaque(src(node))


def _getattr(interp: Interpreter, node: ast.AST, obj: Any, name: Any, *default: Any) -> Any:
    if not isinstance(name, str):
        return Opaque(src(node))
    return interp.getattr(obj, name, node)


def _setattr(interp: Interpreter, node: ast.AST, obj: Any, name: Any, value: Any) -> None:
    if not isinstance(name, str):
        raise Refusal(getattr(node, "lineno", None), src(node), "setattr with a name the code fixes")
    interp.setattr(obj, name, value, node)  # type: ignore[arg-type]


def _all_any(fn: Callable[[Iterable[Any]], bool]) -> BuiltinFn:
    def f(interp: Interpreter, node: ast.AST, value: Any) -> Any:
        items = _seq(interp, node, value)
        if items is None:
            return Opaque(src(node))
        truths = [interp.truth(v) for v in items]
        return Opaque(src(node)) if any(t is None for t in truths) else fn(truths)

    return BuiltinFn(f, wants_interp=True)


BUILTINS: dict[str, Any] = {
    "range": BuiltinFn(_range),
    "enumerate": BuiltinFn(_enumerate, wants_interp=True),
    "zip": BuiltinFn(_zip, wants_interp=True),
    "len": BuiltinFn(_len, wants_interp=True),
    "min": _numeric(min, "min"),
    "max": _numeric(max, "max"),
    "abs": _numeric(abs, "abs"),
    "round": _numeric(round, "round"),
    "sum": BuiltinFn(_sum, wants_interp=True),
    "int": _convert(int),
    "float": _convert(float),
    "str": _convert(str),
    "bool": _convert(bool),
    "list": _convert(list),
    "tuple": _convert(tuple),
    "dict": _convert(dict),
    "set": _convert(list),
    "print": BuiltinFn(_print),
    "chr": BuiltinFn(lambda v: chr(v) if _ints(v) and 0 <= v < 0x110000 else Opaque("chr(...)")),
    "isinstance": BuiltinFn(_isinstance, wants_interp=True),
    "super": BuiltinFn(_super, wants_interp=True),
    "reversed": BuiltinFn(_reversed, wants_interp=True),
    "sorted": BuiltinFn(_sorted, wants_interp=True),
    "getattr": BuiltinFn(_getattr, wants_interp=True),
    "setattr": BuiltinFn(_setattr, wants_interp=True),
    "all": _all_any(all),
    "any": _all_any(any),
    "None": None,
    "True": True,
    "False": False,
}


class PyMethod:
    """A method of a list, dict, tuple or str of the code (``layers.append(...)``, ``name.startswith``)."""

    def __init__(self, obj: Any, name: str):
        self.obj, self.name = obj, name

    def call(self, interp: Interpreter, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        o, n = self.obj, self.name
        line = getattr(node, "lineno", None)
        if isinstance(o, list):
            if n == "append" and len(args) == 1:
                if len(o) >= MAX_ITEMS:
                    raise Refusal(line, "a list of more than 100,000 items", "smaller lists")
                o.append(args[0])
                return None
            if n == "extend" and len(args) == 1:
                items = interp.iterate(args[0], node)
                if items is None:
                    raise Refusal(line, src(node), "extending a list with what the code fixes")
                o.extend(items)
                return None
            if n == "insert" and len(args) == 2 and _ints(args[0]):
                o.insert(args[0], args[1])
                return None
            if n == "pop" and len(args) <= 1 and o and (not args or (_ints(args[0]) and -len(o) <= args[0] < len(o))):
                return o.pop(*args)
            if n == "copy" and not args:
                return list(o)
            if n == "reverse" and not args:
                o.reverse()
                return None
            if n == "index" and len(args) == 1:
                for i, x in enumerate(o):
                    if x is args[0] or (literal(x) and x == args[0]):
                        return i
            if n in ("count",) and literal(o) and literal(args):
                return o.count(*args)
            if isinstance(node, ast.Call) and any(isinstance(x, Obj) for x in o):
                raise Refusal(line, f"list.{n} on a list of layers", "append / extend / insert / pop on lists of layers")
            return Opaque(src(node))
        if isinstance(o, dict):
            if n == "items":
                return list(o.items())
            if n == "keys":
                return list(o)
            if n == "values":
                return list(o.values())
            if n == "get" and args and literal(args[0]):
                return o.get(args[0], args[1] if len(args) > 1 else None)
            if n == "update" and len(args) <= 1:
                more = dict(args[0]) if args and isinstance(args[0], dict) else {} if not args else None
                if more is None:
                    raise Refusal(line, src(node), "dict.update with what the code fixes")
                o.update(more, **kwargs)
                return None
            if n == "pop" and args and literal(args[0]):
                return o.pop(args[0], *args[1:2])
            if n == "copy":
                return dict(o)
            if n == "setdefault" and args and literal(args[0]):
                return o.setdefault(args[0], args[1] if len(args) > 1 else None)
            return Opaque(src(node))
        if isinstance(o, str):
            if n in ("startswith", "endswith") and args and isinstance(args[0], str | tuple) and literal(args[0]):
                return getattr(o, n)(args[0])
            if n in ("lower", "upper", "strip") and not args:
                return getattr(o, n)()
            if n == "format" and literal(args) and literal(list(kwargs.values())):
                try:
                    return o.format(*args, **kwargs)
                except (IndexError, KeyError, ValueError):
                    return Opaque(src(node))
            if n == "split" and literal(args):
                return o.split(*args)
            if n == "join" and args:
                items = interp.iterate(args[0], node)
                if items is not None and all(isinstance(x, str) for x in items):
                    return o.join(items)
            if n == "replace" and len(args) == 2 and all(isinstance(a, str) for a in args):
                return o.replace(*args)
            return Opaque(src(node))
        if isinstance(o, tuple):
            if n == "index" and len(args) == 1 and literal(args[0]) and args[0] in o:
                return o.index(args[0])
            if n == "count" and len(args) == 1 and literal(args[0]):
                return o.count(args[0])
        return Opaque(src(node))
