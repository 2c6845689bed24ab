"""Fillable exam PDFs: an AcroForm text field over each answer box, where Typst placed it.

The exam template draws every answer box inside a link to ``nnexam-field:PART-ID``
(``templates/nnexam.typ``), so Typst's PDF holds a link annotation with the box's exact rectangle.
:func:`add_fields` replaces each such link by a text field named by the part id and adds the hidden
read-only student field the grader reads back (:mod:`nnexam.grader.pdf_form`). The fields are an
incremental update appended to Typst's PDF (its own bytes are left as they are); they fill in any
PDF reader (``/NeedAppearances`` asks the reader to draw them) and the result is byte-identical for
the same input.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from nnexam.grader.pdf_form import STUDENT_FIELD, STUDENT_METADATA

SCHEME = "nnexam-field:"
INSET = 2.0  # points inside the drawn box


def add_fields(pdf: bytes, student: str) -> bytes:
    """``pdf`` with a text field per answer box (named by its part id) and the student's hidden id field.

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
    for page_index, part_id, (x0, y0, x1, y1) in _boxes(reader, pages):
        qid, _, part = part_id.partition(".")
        rect = [x0 + INSET, y0 + INSET, x1 - INSET, y1 - INSET]
        h = y1 - y0
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


def _boxes(reader: Any, pages: dict[int, Any]) -> list[tuple[int, str, tuple[float, ...]]]:
    """The answer boxes (page index, part id, rectangle) from the ``nnexam-field:`` links, which are
    taken off their pages (``pages`` gets the pages' dictionaries with the remaining annotations)."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    out = []
    for index, page in enumerate(reader.pages):
        annots = page.get("/Annots")
        if annots is None:
            continue
        keep = ArrayObject()
        for ref in annots.get_object():
            a = ref.get_object()
            uri = str((a.get("/A") or {}).get("/URI", "")) if a.get("/Subtype") == "/Link" else ""
            if uri.startswith(SCHEME):
                out.append((index, uri[len(SCHEME):], tuple(float(v) for v in a["/Rect"])))
            else:
                keep.append(ref)
        if len(keep) != len(annots.get_object()):
            copy = DictionaryObject(page)
            copy[NameObject("/Annots")] = keep
            pages[index] = copy
    return out


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


def fillable(pdf: bytes, student: str) -> bytes:
    """An exam PDF with its form fields and the student's hidden id."""
    return add_fields(pdf, student)
