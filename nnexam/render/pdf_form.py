"""Fillable exam PDFs: an AcroForm text field over each answer box, where Typst placed it.

The exam template marks every answer box with ``metadata((id, page, x, y, w, h)) <nn-field>``
(``templates/nnexam.typ``); :func:`field_boxes` asks Typst for them (``typst.query``) and
:func:`add_fields` puts one text field per part there with pypdf, plus the hidden read-only
student field the grader reads back (:mod:`nnexam.grader.pdf_form`). The result fills in any PDF
reader (fields have no appearance streams of their own: ``/NeedAppearances`` asks the reader to
draw them) and stays byte-identical for the same input. The fields are an incremental update
appended to Typst's PDF, whose own bytes are left as they are.
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
    """``pdf`` with a text field per box (named by its part id) and the student's hidden id field.

    Written as an incremental update (the exam's bytes, then the new and changed objects, a new
    cross-reference section and trailer): pypdf's writer would clone every object first, which
    costs more than the Typst compile of the exam itself."""
    from pypdf import PdfReader
    from pypdf.generic import (
        ArrayObject,
        BooleanObject,
        DictionaryObject,
        FloatObject,
        IndirectObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    reader = PdfReader(io.BytesIO(pdf))
    trailer = reader.trailer
    objects: dict[int, tuple[int, Any]] = {}  # number -> (generation, object) to write
    size = int(trailer["/Size"])

    def new(obj: Any) -> IndirectObject:
        nonlocal size
        ref = IndirectObject(size, 0, reader)
        objects[size] = (0, obj)
        size += 1
        return ref

    font = new(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
    }))
    appearance = TextStringObject("/Helv 10 Tf 0 g")
    pages: dict[int, DictionaryObject] = {}  # page index -> its dictionary with the new /Annots

    def widget(name: str, page_index: int, rect: list[float], extra: Mapping[str, Any]) -> IndirectObject:
        page = reader.pages[page_index]
        if page_index not in pages:
            copy = DictionaryObject(page)
            old = page.get("/Annots")
            copy[NameObject("/Annots")] = ArrayObject(old.get_object() if old is not None else [])
            pages[page_index] = copy
        ref = new(DictionaryObject({
            NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"), NameObject("/T"): TextStringObject(name),
            NameObject("/Rect"): ArrayObject(FloatObject(round(v, 2)) for v in rect),
            NameObject("/DA"): appearance, NameObject("/V"): TextStringObject(""),
            NameObject("/P"): page.indirect_reference, **extra,
        }))
        pages[page_index]["/Annots"].append(ref)
        return ref

    fields = ArrayObject()
    parents: dict[str, IndirectObject] = {}
    for box in boxes:
        qid, _, part = str(box["id"]).partition(".")
        page_index = int(box["page"]) - 1
        height = float(reader.pages[page_index].mediabox.height)
        x, y, w, h = (float(box[k]) for k in ("x", "y", "w", "h"))
        rect = [x + INSET, height - y - h + INSET, x + w - INSET, height - y - INSET]
        if qid not in parents:
            parents[qid] = new(DictionaryObject({NameObject("/T"): TextStringObject(qid), NameObject("/Kids"): ArrayObject()}))
            fields.append(parents[qid])
        flags = NumberObject(4096) if h > 50 else NumberObject(0)  # multiline in tall boxes (matrices)
        ref = widget(part, page_index, rect, {NameObject("/Parent"): parents[qid], NameObject("/F"): NumberObject(4),
                                              NameObject("/Ff"): flags})
        objects[parents[qid].idnum][1]["/Kids"].append(ref)
    fields.append(widget(STUDENT_FIELD, 0, [0, 0, 0, 0], {
        NameObject("/F"): NumberObject(2 | 4), NameObject("/Ff"): NumberObject(1), NameObject("/V"): TextStringObject(student)}))
    for index, page_dict in pages.items():
        ref = reader.pages[index].indirect_reference
        objects[ref.idnum] = (ref.generation, page_dict)
    root_ref = trailer.raw_get("/Root")
    catalog = DictionaryObject(root_ref.get_object())
    catalog[NameObject("/AcroForm")] = new(DictionaryObject({
        NameObject("/Fields"): fields, NameObject("/NeedAppearances"): BooleanObject(True), NameObject("/DA"): appearance,
        NameObject("/DR"): DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/Helv"): font})}),
    }))
    objects[root_ref.idnum] = (root_ref.generation, catalog)
    info_ref = trailer.raw_get("/Info") if "/Info" in trailer else None
    info = DictionaryObject(info_ref.get_object()) if info_ref is not None else DictionaryObject()
    info[NameObject(STUDENT_METADATA)] = TextStringObject(student)
    if isinstance(info_ref, IndirectObject):
        objects[info_ref.idnum] = (info_ref.generation, info)
    else:
        info_ref = new(info)
    return _append_update(pdf, objects, size, root_ref, info_ref, trailer.get("/ID"))


def _append_update(pdf: bytes, objects: Mapping[int, tuple[int, Any]], size: int, root: Any, info: Any, ids: Any) -> bytes:
    """``pdf`` + the objects, an xref section for them and a trailer pointing back (/Prev)."""
    from pypdf.generic import DictionaryObject, NameObject, NumberObject

    prev = int(pdf[pdf.rindex(b"startxref") + 9:].split()[0])
    out = io.BytesIO()
    out.write(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets = {}
    for num in sorted(objects):
        gen, obj = objects[num]
        offsets[num] = (out.tell(), gen)
        out.write(f"{num} {gen} obj\n".encode())
        obj.write_to_stream(out)
        out.write(b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n")
    for num in sorted(offsets):
        offset, gen = offsets[num]
        out.write(f"{num} 1\n{offset:010d} {gen:05d} n\r\n".encode())
    trailer = DictionaryObject({NameObject("/Size"): NumberObject(size), NameObject("/Root"): root,
                                NameObject("/Info"): info, NameObject("/Prev"): NumberObject(prev)})
    if ids is not None:
        trailer[NameObject("/ID")] = ids
    out.write(b"trailer\n")
    trailer.write_to_stream(out)
    out.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def fillable(pdf: bytes, source: str, student: str, root: Path | None = None) -> bytes:
    """An exam PDF with its form fields (a document without answer boxes is returned as it is)."""
    boxes = field_boxes(source, root)
    return add_fields(pdf, boxes, student) if boxes else pdf
