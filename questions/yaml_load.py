"""The one YAML loader of nnexam (answer sheets, claims files, question banks).

A ``yaml.SafeLoader`` narrowed to what our files need, because each YAML 1.1 feature below has
caused a silent wrong result or a blow-up:

- no anchors or aliases: a 658-byte "billion laughs" expands to gigabytes;
- no tags (``!!python/...``, ``!!float``, ``!x``): a file says what it means in plain values;
- no YAML 1.1 magic: ``001234`` (octal 668), ``12:30`` (750), ``0x1F``, ``1_000``, ``yes``/``no``/``on``,
  dates: all stay strings. Integers are decimal without leading zeros (``0``, ``-12``, ``1234``),
  floats need a ``.`` or an exponent (``0.5``, ``1e-3``, ``.inf``), booleans are
  ``true``/``false`` (any case), null is ``null``/``~``/empty — the YAML 1.2 core schema;
- nesting at most :data:`nnexam.questions.files.MAX_DEPTH` deep (a RecursionError otherwise),
  integers at most :data:`nnexam.questions.files.MAX_DIGITS` digits, duplicate keys refused.

Every failure is an :class:`InputError` naming the source and the line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from nnexam.questions.errors import InputError
from nnexam.questions.files import MAX_DEPTH, MAX_DIGITS, big_int


class StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, tags or YAML 1.1 implicit types; bounded depth."""

    yaml_implicit_resolvers: dict[Any, Any] = {}

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "YAML aliases (*name) are not accepted", event.start_mark)
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(None, None, "YAML anchors and aliases (&name, *name) are not accepted", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None and not (isinstance(event, yaml.ScalarEvent) and tag == "!"):
            raise yaml.composer.ComposerError(None, None, f"YAML tags ({tag[:40]}) are not accepted; write plain values",
                                              event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # unhashable: SafeLoader reports it below
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {str(key)[:60]!r} (first on line {first.start_mark.line + 1}); "
                    "the later value would win silently", key_node.start_mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node: Any) -> int:
        value = self.construct_scalar(node)
        digits = len(value.lstrip("+-"))
        if digits > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"an integer of {digits:,} digits; at most {MAX_DIGITS:,} are accepted", node.start_mark)
        return big_int(value, "")

    def construct_yaml_float(self, node: Any) -> float:
        value = self.construct_scalar(node).lower()
        if value.endswith((".inf", ".nan")):
            return float(value.replace(".", ""))
        return float(value)


StrictLoader.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))
StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
StrictLoader.add_implicit_resolver(  # a subset of YAML 1.1's floats, so what PyYAML writes unquoted reads back the same
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))
StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:float", StrictLoader.construct_yaml_float)


def _fail(err: yaml.YAMLError, source: str, what: str) -> InputError:
    mark = getattr(err, "problem_mark", None)
    problem = getattr(err, "problem", None) or str(err)
    return InputError(source, f"not valid YAML: {problem}", line=mark.line + 1 if mark is not None else None)


def load_yaml(text: str, source: str, what: str = "YAML file") -> Any:
    """YAML text -> plain values (see the module docstring); InputError naming ``source`` and the line."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise _fail(err, source, what) from None
    except RecursionError:
        raise InputError(source, f"the {what} is nested more than {MAX_DEPTH} levels deep") from None


def compose_yaml(text: str) -> Any:
    """The node tree (for line numbers), with the same refusals; None when the text does not load."""
    try:
        return yaml.compose(text, Loader=StrictLoader)
    except (yaml.YAMLError, RecursionError):
        return None
