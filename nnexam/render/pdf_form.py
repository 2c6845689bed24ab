"""Fillable exam PDFs: an AcroForm text field over each answer box, where Typst placed it.

The exam template marks every answer box with ``metadata((id, page, x, y, w, h)) <nn-field>``
(``templates/nnexam.typ``); :func:`field_boxes` asks Typst for them (``typst.query``) and
:func:`add_fields` puts one text field per part there with pypdf, plus the hidden read-only
student field the grader reads back (:mod:`nnexam.grader.pdf_form`). The result fills in any PDF
reader (fields have no appearance streams of their own: ``/NeedAppearances`` asks the reader to
draw them) and stays byte-identical for the same input.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nnexam.grader.pdf_form import STUDENT_FIELD, STUDENT_METADATA

SELECTOR = "<nn-field>"
INSET = 2.0  # points inside the drawn box


def field_boxes(source: str, root: Path | None = None) -> list[dict[str, Any]]:
    """The answer boxes Typst laid out: id, page (1-based), x, y (from the top), w, h in points."""
    import typst

    from nnexam.render.base import package_templates

    out = typst.query(source.encode("utf-8"), SELECTOR, field="value", root=str(root or package_templates()),
                      ignore_system_fonts=True)
    return [dict(b) for b in json.loads(out)]


def add_fields(pdf: bytes, boxes: Sequence[Mapping[str, Any]], student: str) -> bytes:
    """``pdf`` with a text field per box (named by its part id) and the student's hidden id field."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    appearance = TextStringObject("/Helv 10 Tf 0 g")
    fields = ArrayObject()
    parents: dict[str, Any] = {}

    def widget(name: str, page_index: int, rect: list[float], extra: Mapping[str, Any]) -> Any:
        page = writer.pages[page_index]
        d = DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(name),
            NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in rect),
            NameObject("/DA"): appearance, NameObject("/V"): TextStringObject(""),
            NameObject("/P"): page.indirect_reference, **extra,
        })
        ref = writer._add_object(d)
        if "/Annots" not in page:
            page[NameObject("/Annots")] = ArrayObject()
        page["/Annots"].append(ref)
        return ref

    for box in boxes:
        qid, _, part = str(box["id"]).partition(".")
        page_index = int(box["page"]) - 1
        height = float(writer.pages[page_index].mediabox.height)
        x, y, w, h = (float(box[k]) for k in ("x", "y", "w", "h"))
        rect = [x + INSET, height - y - h + INSET, x + w - INSET, height - y - INSET]
        parent = parents.get(qid)
        if parent is None:
            parent = writer._add_object(DictionaryObject({NameObject("/T"): TextStringObject(qid),
                                                          NameObject("/Kids"): ArrayObject()}))
            parents[qid] = parent
            fields.append(parent)
        flags = NumberObject(4096) if h > 50 else NumberObject(0)  # multiline in tall boxes (matrices)
        ref = widget(part, page_index, rect, {NameObject("/Parent"): parent, NameObject("/F"): NumberObject(4),
                                              NameObject("/Ff"): flags})
        parent.get_object()["/Kids"].append(ref)
    student_ref = widget(STUDENT_FIELD, 0, [0, 0, 0, 0], {NameObject("/F"): NumberObject(2 | 4),
                                                          NameObject("/Ff"): NumberObject(1)})
    student_ref.get_object()[NameObject("/V")] = TextStringObject(student)
    fields.append(student_ref)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject({
        NameObject("/Fields"): fields, NameObject("/NeedAppearances"): BooleanObject(True),
        NameObject("/DA"): appearance,
        NameObject("/DR"): DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/Helv"): font})}),
    })
    writer.add_metadata({STUDENT_METADATA: student})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def fillable(pdf: bytes, source: str, student: str, root: Path | None = None) -> bytes:
    """An exam PDF with its form fields (a document without answer boxes is returned as it is)."""
    boxes = field_boxes(source, root)
    return add_fields(pdf, boxes, student) if boxes else pdf
