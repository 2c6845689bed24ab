"""The files of ``nnexam generate``: per student (exam, key, answer sheet in each format), and for
the class (class key, Moodle XML). Student work runs in worker processes; it returns only what
the class files need (key.json entry, compact key rows, Moodle questions), never PDF bytes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from nnexam.questions.errors import InputError, NnexamError
from nnexam.questions.exact import exact_str
from nnexam.questions.exam import ExamSpec, Student
from nnexam.questions.exam_variant import answer_sheet, build, is_table, student_json
from nnexam.questions.files import umask, write_atomic
from nnexam.render import base, html, markdown, moodle, typst

# --format name -> (Format, template suffix, file suffix)
DOCUMENTS: dict[str, tuple[base.Format, str, str]] = {
    "pdf": (typst.FORMAT, "typ", ".pdf"),
    "md": (markdown.FORMAT, "md", ".md"),
    "html": (html.FORMAT, "html", ".html"),
}
FORMATS = (*DOCUMENTS, "moodle")


@dataclass(frozen=True)
class Job:
    """What every student's work shares (sent once to each worker)."""

    exam: ExamSpec
    formats: tuple[str, ...]
    out: Path
    templates: Path | None = None


@cache
def _env(fmt_name: str, templates: Path | None) -> jinja2.Environment:
    fmt = next(f for f, _, _ in DOCUMENTS.values() if f.name == fmt_name) if fmt_name != "moodle" else moodle.FORMAT
    return base.environment(fmt, templates)


def render(fmt: base.Format, templates: Path | None, template: str, context: Mapping[str, Any]) -> str:
    """A template rendered; a broken override template is bad input (one line), not a traceback."""
    try:
        return base.render(_env(fmt.name, templates), template, context)
    except jinja2.TemplateError as err:
        where = getattr(err, "filename", None) or template
        line = getattr(err, "lineno", None)
        raise InputError(str(where), f"template error: {err.message or err}", line=line) from None


def pdf(source: str, templates: Path | None, what: str) -> bytes:
    import typst as typst_lib

    try:
        return typst.compile_pdf(source, root=templates)
    except typst_lib.TypstError as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else "error"
        raise NnexamError(f"{what}: typst could not compile the document: {first}") from None


def _write_pdf(path: Path, source: str, templates: Path | None, what: str, student: str | None = None) -> None:
    """The PDF of ``source``; an exam (``student`` given) gets a fillable field over each answer box."""
    data = pdf(source, templates, what)
    if student is not None:
        from nnexam.render import pdf_form

        data = pdf_form.fillable(data, student)
    write_atomic(path, data)


class PdfWriter:
    """Writes PDFs. Typst compiles outside the GIL, so with ``threads`` > 1 (spare cores: one exam,
    or ``--jobs 1``) the exam, the key and the class key compile at the same time while Python goes
    on; :meth:`finish` waits for them and raises the first error."""

    def __init__(self, threads: int = 1) -> None:
        from concurrent.futures import Future, ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="typst") if threads > 1 else None
        self._pending: list[Future[None]] = []

    def write(self, path: Path, source: str, templates: Path | None, what: str, student: str | None = None) -> None:
        if self._pool is None:
            _write_pdf(path, source, templates, what, student)
        else:
            self._pending.append(self._pool.submit(_write_pdf, path, source, templates, what, student))

    def finish(self, check: bool = True) -> None:
        """Wait for the pending PDFs; ``check=False`` when an error is already on its way (the
        first error is the one to report, not a later one it caused)."""
        try:
            for f in self._pending:
                if check:
                    f.result()
        finally:
            self._pending.clear()
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)


def student(job: Job, s: Student, writer: PdfWriter | None = None) -> dict[str, Any]:
    """Write one student's files; return their key.json entry, class-key rows and Moodle questions.
    PDFs go through ``writer`` (the caller finishes it); without one they are written before this
    returns."""
    writer = writer or PdfWriter()
    v = build(job.exam, s)
    for name in job.formats:
        if name not in DOCUMENTS:
            continue
        fmt, tsuffix, fsuffix = DOCUMENTS[name]
        for key, folder in ((False, "exams"), (True, "keys")):
            text = document(fmt, tsuffix, job.templates, v, key)
            path = job.out / folder / f"{s.file}{fsuffix}"
            if name == "pdf":
                writer.write(path, text, job.templates, f"{folder}/{s.file}{fsuffix}", None if key else s.id)
            else:
                write_atomic(path, text)
    write_atomic(job.out / "sheets" / f"{s.file}.yaml", answer_sheet(v))
    return {
        "key": student_json(v),
        "class": {n: class_rows(DOCUMENTS[n][0], v) for n in job.formats if n in DOCUMENTS},
        "moodle": moodle.questions(v) if "moodle" in job.formats else [],
    }


def document(fmt: base.Format, tsuffix: str, templates: Path | None, v: Any, key: bool) -> str:
    """One student's exam (``key`` False) or answer key as ``fmt`` source text."""
    return render(fmt, templates, f"exam.{tsuffix}.j2", base.view(fmt, v, key))


def class_rows(fmt: base.Format, v: Any) -> dict[str, Any]:
    """One student's section of the class key: every part's exact answer, rendered for ``fmt``."""
    return {
        "student": {"id": v.student.id, "name": v.student.name},
        "rows": [
            {
                "question": q.number,
                "id": p.id,
                "part": p.part,
                "answer": _class_answer(fmt, p.exact, p.kind),
                "decimal": p.decimal,
                "points": base.points(p.points),
                "tolerance": base.tolerance_text(p),
            }
            for q in v.questions
            for p in q.parts
        ],
    }


def _class_answer(fmt: base.Format, exact: Any, kind: str) -> base.Raw:
    """A part's answer in the class key; a table (layers of a model) on one line, one row per
    semicolon, so that every student stays a few lines long."""
    if not is_table(exact):
        return fmt.value(exact, kind)
    return base.Raw(fmt.escape("; ".join(" ".join(_cell_text(c) for c in r.values()) for r in exact)))


def _cell_text(v: Any) -> str:
    """A table cell as text; shapes as Keras prints them, ``(26, 26, 16)`` and ``(10,)``."""
    if isinstance(v, tuple) and v and all(isinstance(x, int) for x in v):
        return "(" + ", ".join(map(str, v)) + ("," if len(v) == 1 else "") + ")"
    return exact_str(v)


def prepare(out: Path, formats: Sequence[str]) -> None:
    for folder in ("exams", "keys", "sheets"):
        if folder != "sheets" and not any(f in DOCUMENTS for f in formats):
            continue
        (out / folder).mkdir(parents=True, exist_ok=True)


def class_files(job: Job, results: Sequence[Mapping[str, Any]], writer: PdfWriter) -> None:
    """The class key in each document format and the Moodle XML, from the students' results."""
    exam = base.exam_view(job.exam)
    for name in job.formats:
        if name in DOCUMENTS:
            fmt, tsuffix, fsuffix = DOCUMENTS[name]
            students = [r["class"][name] for r in results]
            context = {"exam": exam, "students": students, "parts": part_summary(students)}
            text = render(fmt, job.templates, f"class_key.{tsuffix}.j2", context)
            path = job.out / f"class-key{fsuffix}"
            if name == "pdf":
                writer.write(path, text, job.templates, path.name)
            else:
                write_atomic(path, text)
    if "moodle" in job.formats:
        text = render(moodle.FORMAT, job.templates, "moodle.xml.j2", {"exam": exam, "categories": categories(job.exam, results)})
        write_atomic(job.out / "moodle.xml", text)


def part_summary(students: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every part id once, in exam order, with its points and tolerance: the same for every variant
    unless a question's parts vary (e.g. a drawn number of layers), which the summary says."""
    seen: dict[str, dict[str, Any]] = {}
    for s in students:
        for r in s["rows"]:
            entry = seen.setdefault(r["id"], {"question": r["question"], "id": r["id"], "points": {r["points"]}, "tolerance": {r["tolerance"]}})
            entry["points"].add(r["points"])
            entry["tolerance"].add(r["tolerance"])
    return [
        {**e, "points": e["points"].pop() if len(e["points"]) == 1 else "varies",
         "tolerance": e["tolerance"].pop() if len(e["tolerance"]) == 1 else "varies"}
        for e in sorted(seen.values(), key=lambda e: e["question"])
    ]


def categories(exam: ExamSpec, results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Moodle categories, one per exam question in exam order, with every variant's questions."""
    out = []
    for n, q in enumerate(exam.questions, 1):
        items = [m for r in results for m in r["moodle"] if m["qid"] == q.id]
        skipped = sorted({m["note"] for m in items if m["type"] == "skip"})
        info = f"Question {n} ({q.type}), {base.plural(q.points)}; one question per student variant."
        if skipped:
            info += " Not exported: " + "; ".join(skipped) + "."
        out.append({"title": f"{n:02d} {q.id} {q.title}", "info": info, "questions": [m for m in items if m["type"] != "skip"]})
    return out


# ---------------------------------------------------------------------------------------------
# the output folder: built aside, swapped in whole

# what `generate` writes at the top of its folder; a folder holding anything else is not replaced
GENERATED = frozenset({"exams", "keys", "sheets", "key.json", "moodle.xml", "class-key.pdf", "class-key.md",
                       "class-key.html"})
STAGING = ".nnexam-staging-"


def check_replaceable(out: Path) -> None:
    """``out`` may be replaced whole: it does not exist, is empty, or holds only what a previous
    ``generate`` wrote (never a folder with other files in it: they would be lost)."""
    if not out.exists():
        return
    if out.is_symlink() or not out.is_dir():
        raise InputError(str(out), "the output folder is a file or a link; give a folder (new, empty, or a previous output)")
    try:
        names = sorted(os.listdir(out))
    except OSError as err:
        raise InputError(str(out), f"cannot list the output folder: {err.strerror or err}") from None
    foreign = [n for n in names if n not in GENERATED]
    if foreign:
        raise InputError(str(out), f"the output folder holds files generate did not write ({', '.join(foreign[:3])}); "
                                   "generate replaces its folder whole: give a new or empty folder")


def staging_dir(out: Path) -> Path:
    """A fresh folder next to ``out`` (same file system, so the swap is a rename); leftovers of an
    interrupted run for the same ``out`` are removed first."""
    import tempfile

    parent = out.parent
    prefix = f".{out.name}{STAGING}"
    for name in os.listdir(parent):
        old = parent / name
        if name.startswith(prefix) and old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
    staging = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(staging, 0o777 & ~umask())  # mkdtemp's 0700 would become the output folder's mode
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(staging: Path, out: Path) -> None:
    """Put the finished ``staging`` folder at ``out`` in one step: a reader (or a crash) sees the
    previous folder or the new one, whole, never a mix. The previous folder is then deleted."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous output
        return
    old = out.with_name(f".{out.name}{STAGING}old-{os.getpid()}")
    os.rename(out, old)  # no atomic exchange here: a crash between the renames leaves out missing, old aside
    os.rename(staging, out)
    shutil.rmtree(old, ignore_errors=True)
