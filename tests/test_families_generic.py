"""Checks every registered family passes, whatever its module: the key's exact strings read back."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
import sympy as sp
from nnexam.questions import registry
from nnexam.questions.exact import exact_n, exact_str
from nnexam.questions.safe_expr import parse_expression


def _numbers(value: object) -> list[object]:
    if isinstance(value, list | tuple):
        return [x for v in value for x in _numbers(v)]
    if isinstance(value, sp.MatrixBase):
        return list(value)
    if isinstance(value, int | Fraction) and not isinstance(value, bool):
        return [value]
    if isinstance(value, sp.Basic) and value.is_number and value.is_finite is not False:
        return [value]
    return []


@pytest.mark.parametrize("type_id", [t for t in registry.names() if t not in ("true-false", "multiple-choice")])
def test_key_strings_read_back_through_the_safe_parser(type_id: str) -> None:
    """The key stores exact answers as text that the grader reads with the safe parser: every number
    of every part and every known mistake of drawn variants reads back to its own value."""
    family = registry.get(type_id)
    for s in range(5):
        p = family.draw(random.Random(1000 + s))
        answer = family.solve(p)
        values = [part.exact for part in answer.parts] + [v for _, w in family.mistake_answers(p, answer) for v in w.values()]
        for value in values:
            for x in _numbers(value):
                back = parse_expression(exact_str(x))
                diff = float(exact_n(back - sp.sympify(x), 30))
                assert diff == pytest.approx(0, abs=1e-12 * max(1.0, abs(float(exact_n(sp.sympify(x)))))), (type_id, x, p)
