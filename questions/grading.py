"""The grading policy an exam carries into key.json: tolerances, partial credit, the key's format.

The bottom layer owns these so that the exam spec (which writes them) and the grader (which reads
them back from key.json) validate them with the same code, and their defaults live in one place.

How close a numeric answer must be:

An answer is accepted when it is within ``rel`` (relative) *or* ``abs`` (absolute) of the exact
value; with ``sigfigs`` set, it must instead agree to that many significant figures (with the
0.51 unit-in-the-last-place slack of hand rounding). Integer parts (counts, shapes, steps) are
always compared exactly. Exam specs override these per exam, per question and per part.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any

from nnexam.questions.errors import ParamError


@dataclass(frozen=True)
class Tolerance:
    rel: float = 0.01  # 1 %: a value rounded to 3 significant figures passes, a wrong formula does not
    abs: float = 0.001  # values near zero (a saturated sigmoid's 2.3e-5) shown to 3 decimals
    sigfigs: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def half_width(self, exact: float) -> float:
        """How far from ``exact`` an answer may lie and still be accepted: the one rule that the
        grader's comparators, the variant checks of :meth:`Family.draw` and Moodle's absolute
        tolerance all use. With significant figures, 0 must be answered exactly (width 0)."""
        if self.sigfigs:
            if exact == 0:
                return 0.0
            return 0.51 * 10.0 ** (math.floor(math.log10(abs(exact))) - self.sigfigs + 1)
        return max(self.abs, self.rel * abs(exact))

    def accepts(self, given: float, exact: float) -> bool:
        """``given`` is graded equal to ``exact``; exact equality always passes, inf/NaN never."""
        if given == exact:
            return True
        if not (math.isfinite(given) and math.isfinite(exact)):
            return False
        return abs(given - exact) <= self.half_width(exact)

    def updated(self, raw: Mapping[str, Any] | None, where: str = "tolerance") -> Tolerance:
        """This tolerance with the keys of ``raw`` (from an exam spec or key.json) replaced."""
        if not raw:
            return self
        unknown = set(raw) - {"rel", "abs", "sigfigs"}
        if unknown:
            raise ParamError(f"{where}.{sorted(unknown)[0]}", "one of rel, abs, sigfigs", raw)
        out = {}
        for k in ("rel", "abs"):
            if k in raw:
                v = raw[k]
                if isinstance(v, bool) or not isinstance(v, int | float) or v < 0:
                    raise ParamError(f"{where}.{k}", "a non-negative number", v)
                out[k] = float(v)
        if "sigfigs" in raw:
            v = raw["sigfigs"]
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= 15):
                raise ParamError(f"{where}.sigfigs", "an integer from 1 to 15, or absent", v)
            out["sigfigs"] = v
        return replace(self, **out)


DEFAULT = Tolerance()


class AnswerKind(StrEnum):
    """What an answer part holds, and so how it is read, compared, described and exported.

    A closed set: the grader's parse and compare tables are checked against it at import, a
    family's part or a key's part with another kind is refused when it is declared or loaded
    (never a silent "incorrect"). Members are strings, so ``kind == "integer"`` keeps working.
    """

    INTEGER = "integer"  # counts, sizes, steps: exact
    NUMBER = "number"  # a real number, under the part's tolerance
    VECTOR = "vector"  # numbers element by element, under the tolerance
    MATRIX = "matrix"
    SHAPE = "shape"  # (7, 7, 32), (None, 13, 13, 16): exact integers
    EXPRESSION = "expression"  # symbolic: equivalent forms accepted
    CHOICE = "choice"  # a choice label: exact
    TABLE = "table"  # a model's layer table: its numeric columns exact
    TEXT = "text"  # free text, compared without case and extra spaces

    @classmethod
    def parse(cls, raw: Any, where: str = "kind") -> AnswerKind:
        """``raw`` as a kind; ParamError listing the kinds otherwise."""
        try:
            return cls(raw)
        except ValueError:
            raise ParamError(where, "an answer kind: " + ", ".join(k.value for k in cls), raw) from None

    @property
    def toleranced(self) -> bool:
        """Numbers compared under a tolerance (the other kinds are exact or symbolic)."""
        return self in (AnswerKind.NUMBER, AnswerKind.VECTOR, AnswerKind.MATRIX)

    def tolerance_text(self, tol: Tolerance) -> str:
        """How an answer of this kind is accepted, as keys print it."""
        if self.toleranced:
            return f"{tol.sigfigs} significant figures" if tol.sigfigs else f"±{tol.rel * 100:g}% or ±{tol.abs:g}"
        if self in (AnswerKind.EXPRESSION, AnswerKind.TEXT, AnswerKind.TABLE):
            return "exact (equivalent forms)"
        return "exact"

    def width(self, tol: Tolerance, exact: float) -> float:
        """The one absolute tolerance around ``exact`` (Moodle's numerical questions); 0 when exact."""
        return tol.half_width(exact) if self.toleranced else 0.0

KEY_FORMAT = "nnexam-key"  # key.json's "format"
KEY_VERSION = 1  # key.json's "version"

DEFAULT_MISTAKE_CREDIT = 0.5
DEFAULT_CARRIED_FORWARD_CREDIT = 1.0


def _fraction(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
        raise ParamError(where, "a fraction from 0 to 1", v)
    return float(v)


def policy_overrides(raw: Mapping[str, Any], where: str = "grading") -> dict[str, Any]:
    """``mistake_credit`` (a fraction, or a table of them by mistake id with ``default``) and
    ``carried_forward_credit`` of an exam spec or key.json, checked and normalised (a bare
    ``mistake_credit`` becomes ``{"default": x}``); other keys of ``raw`` are left to the caller."""
    out: dict[str, Any] = {}
    if raw.get("mistake_credit") is not None:
        mc = raw["mistake_credit"]
        if isinstance(mc, Mapping):
            out["mistake_credit"] = {str(k): _fraction(v, f"{where}.mistake_credit.{k}") for k, v in mc.items()}
        else:
            out["mistake_credit"] = {"default": _fraction(mc, f"{where}.mistake_credit")}
    if raw.get("carried_forward_credit") is not None:
        out["carried_forward_credit"] = _fraction(raw["carried_forward_credit"], f"{where}.carried_forward_credit")
    return out


@dataclass(frozen=True)
class Policy:
    """Partial credit: a recognised mistake's share of the points (by mistake id, else ``default``),
    and a part computed right from the student's own wrong earlier part (error carried forward)."""

    mistake_credit: Mapping[str, float] = field(default_factory=lambda: {"default": DEFAULT_MISTAKE_CREDIT})
    carried_forward_credit: float = DEFAULT_CARRIED_FORWARD_CREDIT

    def credit(self, mistake_id: str) -> float:
        return float(self.mistake_credit.get(mistake_id, self.mistake_credit.get("default", DEFAULT_MISTAKE_CREDIT)))

    def updated(self, raw: Mapping[str, Any] | None, where: str = "grading") -> Policy:
        """This policy with the overrides of ``raw`` (see :func:`policy_overrides`) applied."""
        if not raw:
            return self
        over = policy_overrides(raw, where)
        credit = {**self.mistake_credit, **over.get("mistake_credit", {})}
        return Policy(credit, over.get("carried_forward_credit", self.carried_forward_credit))


DEFAULT_POLICY = Policy()
