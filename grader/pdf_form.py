"""A filled exam PDF as a submission: the form fields ``nnexam generate`` puts over the answer boxes.

Each part's box is a text field whose fully qualified name is the part id (``q1`` is a parent field,
``z1`` its kid: ``q1.z1``, since a PDF field name's ``.`` separates its levels); the student id is
a hidden read-only field :data:`STUDENT_FIELD` (and the document's ``/NnexamStudent`` metadata),
written from the roster, so the student does not type it. Read with pypdf: values only, no
JavaScript or actions are run, and sizes are bounded like any other submission.
"""

from __future__ import annotations

import io
from typing import Any

STUDENT_FIELD = "nnexam_student"
STUDENT_METADATA = "/NnexamStudent"
MAX_FIELDS = 2000
MAX_VALUE = 20_000  # characters of one field (the value parser's limit)


def read_form(data: bytes) -> dict[str, Any] | None:
    """``{student, answers}`` from a PDF whose nnexam form fields are present; None for a PDF
    without them (a scanned or printed exam: read as text by the caller)."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        fields = reader.get_fields() or {}
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None
    if STUDENT_FIELD not in fields:
        return None
    student = _text(fields[STUDENT_FIELD].get("/V"))
    if not student:
        meta = reader.metadata or {}
        student = _text(meta.get(STUDENT_METADATA))
    answers: dict[str, Any] = {}
    for name, f in list(fields.items())[:MAX_FIELDS]:
        if name == STUDENT_FIELD or f.get("/FT") != "/Tx" or "." not in name:
            continue
        answers[name] = _text(f.get("/V"))[:MAX_VALUE] or None
    return {"student": student, "answers": answers}


def _text(v: Any) -> str:
    return str(v).strip() if v is not None else ""
