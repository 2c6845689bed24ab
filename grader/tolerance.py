"""How close a numeric answer must be. The one place where tolerance defaults live.

An answer is accepted when it is within ``rel`` (relative) *or* ``abs`` (absolute) of the exact
value; with ``sigfigs`` set, it must instead agree to that many significant figures (with the
0.51 unit-in-the-last-place slack of hand rounding). Integer parts (counts, shapes, steps) are
always compared exactly. Exam specs override these per exam, per question and per part.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from nnexam.questions.errors import ParamError


@dataclass(frozen=True)
class Tolerance:
    rel: float = 0.01  # 1 %: a value rounded to 3 significant figures passes, a wrong formula does not
    abs: float = 0.001  # values near zero (a saturated sigmoid's 2.3e-5) shown to 3 decimals
    sigfigs: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

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
