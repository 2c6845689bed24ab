"""Reading submissions: files, folders, zip archives -> answers per student, and problems.

Formats (by file extension):

- ``.yaml``/``.yml``/``.json``: ``{student: ID, answers: {"q1.z1": VALUE, ...}}`` (the answer sheet
  ``generate`` writes); ``answers: {q1: {z1: ...}}`` and a flat mapping work too; a JSON list
  holds several students. YAML that does not load (``[[12 -7] [3 40]]`` is not YAML) is read
  again line by line, with a warning.
- ``.csv``/``.tsv``: an LMS export, one row per student, a column per part id; the student column
  is named student, id, student id, username, email... .
- ``.md``/``.txt``/``.pdf`` (text layer via ``pdftotext -layout``): ``q3.output: VALUE`` lines, a
  ``student: ID`` line; a matrix may continue over the following lines until its brackets close.
- ``.zip``: the members are read in memory with limits (count, sizes, compression ratio) and
  without trusting names (no ``..``, no absolute paths, no links); folders are walked recursively.

Nothing here raises on a bad file: each one becomes a :class:`Problem` naming the file (and line),
and the rest of the batch is read.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from nnexam.grader.pdf_form import read_form
from nnexam.grader.values import ReadError, load_yaml
from nnexam.questions import files
from nnexam.questions.errors import InputError

MAX_TEXT_BYTES = 2 * 1024 * 1024
MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_TOTAL = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
MAX_ANSWERS = 2000  # part ids in one submission
MAX_VALUE_LINES = 60  # lines one matrix answer may span
STUDENT_COLUMNS = ("student", "student id", "student_id", "studentid", "id", "id number", "username", "user", "login",
                   "email", "email address", "matriculation", "matrikelnummer", "sid")
TEXT_SUFFIXES = (".md", ".markdown", ".txt", ".text")
KNOWN_SUFFIXES = (".yaml", ".yml", ".json", ".csv", ".tsv", ".pdf", ".zip", *TEXT_SUFFIXES)


@dataclass(frozen=True)
class Submission:
    student: str
    answers: Mapping[str, Any]
    source: str  # file, "archive.zip:member" or "export.csv:3"
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    source: str
    message: str
    line: int | None = None
    fatal: bool = True  # False: a warning, the submission was still read

    def __str__(self) -> str:
        loc = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{loc}: {self.message}"


@dataclass
class Batch:
    submissions: list[Submission] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def read_submissions(paths: Iterable[str | Path]) -> Batch:
    """Every submission under ``paths`` (files, folders, archives), with the problems met."""
    batch = Batch()
    for p in paths:
        path = Path(p)
        if path.is_symlink() and path.is_dir():
            batch.problems.append(Problem(str(path), "a link to a folder; give the folder itself"))
        elif path.is_dir():
            _walk(path, batch)
        elif os.path.lexists(path):
            _file(path, batch)  # the input layer refuses devices, FIFOs and sockets
        else:
            batch.problems.append(Problem(str(path), "no such file or folder"))
    return batch


def _walk(root: Path, batch: Batch) -> None:
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "__")))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            if path.is_symlink():
                batch.problems.append(Problem(str(path), "a link, not read (links may point anywhere)"))
                continue
            if path.suffix.lower() not in KNOWN_SUFFIXES:
                batch.problems.append(Problem(str(path), f"skipped: {path.suffix or 'no extension'} is not a submission format "
                                              f"({', '.join(KNOWN_SUFFIXES)})", fatal=False))
                continue
            _file(path, batch)


def _file(path: Path, batch: Batch) -> None:
    suffix = path.suffix.lower()
    limit = MAX_ZIP_TOTAL if suffix == ".zip" else MAX_PDF_BYTES if suffix == ".pdf" else MAX_TEXT_BYTES
    try:
        data = files.read_bytes(path, "submission", limit)
    except InputError as exc:
        batch.problems.append(Problem(str(path), str(exc).removeprefix(f"{path}: ")))
        return
    if suffix == ".zip":
        _zip(path, data, batch)
    else:
        read_bytes(str(path), suffix, data, batch)


def read_bytes(source: str, suffix: str, data: bytes, batch: Batch) -> None:
    """One file's content by its extension; problems go to ``batch``, never an exception: whatever
    a file holds, the rest of the batch is read."""
    if not data.strip():
        batch.problems.append(Problem(source, "empty file"))
        return
    before = len(batch.submissions)
    try:
        if suffix == ".pdf" and (form := read_form(data)) is not None:  # a filled nnexam exam: its form fields
            _record(source, form, batch)
            return
        if suffix == ".pdf":
            text = _pdf_text(data)
        else:
            text = _decode(data, latin1=suffix in (".csv", ".tsv"))
        if suffix in (".yaml", ".yml"):
            _yaml(source, text, batch)
        elif suffix == ".json":
            _json(source, text, batch)
        elif suffix in (".csv", ".tsv"):
            _csv(source, text, batch, "\t" if suffix == ".tsv" else None)
        elif suffix in (*TEXT_SUFFIXES, ".pdf"):
            _text(source, text, batch)
        else:
            batch.problems.append(Problem(source, f"{suffix or 'no extension'} is not a submission format", fatal=False))
    except ReadError as bad:
        del batch.submissions[before:]
        batch.problems.append(Problem(source, str(bad)))
    except InputError as bad:
        del batch.submissions[before:]
        batch.problems.append(Problem(source, str(bad).removeprefix(": ").removeprefix(f"{source}: ")))
    except (RecursionError, ValueError, OverflowError, MemoryError, TypeError) as exc:  # a reader's own bug
        del batch.submissions[before:]
        batch.problems.append(Problem(source, f"could not be read ({type(exc).__name__}: {str(exc)[:120]}); please report"))


def _decode(data: bytes, *, latin1: bool) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if latin1:
            return data.decode("cp1252", errors="replace")
        raise ReadError(f"not UTF-8 text (byte {exc.start})") from None


# ---------------------------------------------------------------------------------------------
# structured files

def _answers(raw: Any, source: str, where: str = "answers") -> dict[str, Any]:
    """``{"q1.z1": v}`` or ``{q1: {z1: v}}`` -> flat ``{"q1.z1": v}`` with string keys."""
    if not isinstance(raw, Mapping):
        raise ReadError(f"{where}: expected a mapping of part ids to answers, such as q1.output: 3")
    out: dict[str, Any] = {}
    for k, v in raw.items():
        if isinstance(v, Mapping):
            for k2, v2 in v.items():
                out[f"{k}.{k2}"] = v2
        else:
            out[str(k)] = v
        if len(out) > MAX_ANSWERS:
            raise ReadError(f"more than {MAX_ANSWERS} answers")
    return out


def _student(raw: Mapping[str, Any]) -> str | None:
    """The student id, always a string: the YAML loader keeps ``001234`` as written, and an
    integer (``1234``) is its decimal digits."""
    for k in ("student", "student_id", "id", "Student", "Student ID"):
        v = raw.get(k)
        if isinstance(v, str | int) and not isinstance(v, bool) and str(v).strip():
            return str(v).strip()
        if v is not None and not isinstance(v, str | int):
            raise ReadError(f"the student id {str(v)[:40]!r} is not text; write it as in the roster, in quotes")
    return None


def _record(source: str, raw: Any, batch: Batch, notes: tuple[str, ...] = ()) -> None:
    if not isinstance(raw, Mapping):
        raise ReadError("expected a mapping with student and answers")
    student = _student(raw)
    if student is None:
        raise ReadError("no student id (a line `student: ID`)")
    if "answers" in raw:
        answers = _answers(raw["answers"] if raw["answers"] is not None else {}, source)
    else:
        answers = _answers({k: v for k, v in raw.items() if k not in ("student", "student_id", "id", "name", "email")}, source)
    if not any(v is not None and str(v).strip() for v in answers.values()):
        batch.problems.append(Problem(source, f"no answers for student {student!r} (an empty answer sheet)", fatal=False))
    batch.submissions.append(Submission(student=student, answers=answers, source=source, notes=notes))


def _yaml(source: str, text: str, batch: Batch) -> None:
    try:
        raw = load_yaml(text, "the file")
    except ReadError as bad:
        hostile = any(w in str(bad) for w in ("not accepted", "duplicate key", "nested more than"))
        lines = _lines(text) if not hostile else (None, {})
        if lines[1]:  # not YAML (a syntax error, an over-long number), but `q1.x: value` lines: read them
            note = f"{bad}; read line by line instead"
            batch.problems.append(Problem(source, note, fatal=False))
            _record(source, {"student": lines[0], "answers": lines[1]} if lines[0] else {"answers": lines[1]}, batch, (note,))
            return
        raise
    if raw is None:
        raise ReadError("empty file")
    _record(source, raw, batch)


def _json(source: str, text: str, batch: Batch) -> None:
    try:
        raw = files.load_json(text, "", "file")
    except InputError as bad:
        message = str(bad).split(": ", 1)[-1]
        batch.problems.append(Problem(source, message, line=bad.line))
        return
    except RecursionError:
        raise ReadError("nested too deeply") from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise ReadError(f"not readable JSON: {str(exc)[:100]}") from None
    for i, item in enumerate(raw if isinstance(raw, list) else [raw]):
        try:
            _record(source if not isinstance(raw, list) else f"{source}[{i}]", item, batch)
        except ReadError as bad:
            batch.problems.append(Problem(source if not isinstance(raw, list) else f"{source}[{i}]", str(bad)))


_PART_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}\.[^\s:=,;]{1,60}$")


def _csv(source: str, text: str, batch: Batch, delimiter: str | None) -> None:
    if delimiter is None:
        head = text[:4096]
        delimiter = max((",", ";", "\t"), key=lambda d: head.split("\n", 1)[0].count(d))
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(rows)
    except (StopIteration, csv.Error):
        raise ReadError("no header row") from None
    names = [h.strip() for h in header]
    student_col = next((i for i, h in enumerate(names) if h.lower() in STUDENT_COLUMNS), None)
    if student_col is None:
        raise ReadError(f"no student column: name one of {', '.join(STUDENT_COLUMNS[:6])}; the header is {', '.join(names)[:120]}")
    parts = {i: h.split()[0] for i, h in enumerate(names) if h and _PART_ID.match(h.split()[0])}
    if not parts:
        raise ReadError("no answer columns: name them by part id, such as q1.output")
    first: dict[str, int] = {}
    for i, pid in parts.items():
        if pid in first:
            raise ReadError(f"column {pid!r} appears twice (columns {first[pid] + 1} and {i + 1}); "
                            "keep one: nnexam would not know which answer to grade")
        first[pid] = i
    try:
        for line_no, row in enumerate(rows, start=2):
            if not any(c.strip() for c in row):
                continue
            where = f"{source}:{line_no}"
            student = row[student_col].strip() if student_col < len(row) else ""
            if not student:
                batch.problems.append(Problem(source, "a row without a student id", line=line_no))
                continue
            if len(row) > len(names):
                batch.problems.append(Problem(source, f"{len(row)} cells for {len(names)} columns", line=line_no, fatal=False))
            answers = {pid: (row[i] if i < len(row) and row[i].strip() else None) for i, pid in parts.items()}
            if not any(v is not None for v in answers.values()):
                batch.problems.append(Problem(source, f"no answers for student {student!r}", line=line_no, fatal=False))
            batch.submissions.append(Submission(student=student, answers=answers, source=where))
    except csv.Error as exc:
        raise ReadError(f"not valid CSV: {exc}") from None


# ---------------------------------------------------------------------------------------------
# text: Markdown, plain text, PDF text layer

_LINE = re.compile(
    r"^\s*(?:[-*+]\s+|>\s*|#+\s*)?(?:\*\*|__|`)?[\"']?([A-Za-z0-9_-]{1,40}\.[^\s:=\"'`*]{1,60})[\"']?(?:\*\*|__|`)?\s*(?::|=|->)\s*(.*)$"
)
_STUDENT = re.compile(r"^(?:[-*+]\s+|#+\s*)?(?:\*\*)?(?:student(?:[ _]?id)?|id|matriculation)(?:\*\*)?\s*[:=]\s*(.+)$", re.I)


def _balance(text: str) -> int:
    """Open brackets minus closed ones (plus open LaTeX environments)."""
    opened = sum(text.count(c) for c in "[({") - sum(text.count(c) for c in "])}")
    return opened + text.count("\\begin{") - text.count("\\end{")


def _strip_value(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] == "`":
        v = v.strip("`").strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "\"'":
        v = v[1:-1]
    return v.strip()


def _lines(text: str) -> tuple[str | None, dict[str, Any]]:
    """(student id or None, answers) from ``id.part: value`` lines."""
    student: str | None = None
    answers: dict[str, Any] = {}
    lines = text.splitlines()
    i = 0
    fence = False
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.strip().startswith("```"):
            fence = not fence
            continue
        if fence:  # code blocks hold code, not answers
            continue
        m = _LINE.match(line.strip())
        if m:
            start = i  # 1-based line of this answer
            pid, value = m.group(1), m.group(2).strip()
            if (not value or value in ("|", ">")) and i < len(lines) and lines[i].strip()[:1] in ("[", "\\", "("):
                value = ""
            count = 0
            while (not value or _balance(value) > 0) and i < len(lines) and count < MAX_VALUE_LINES:
                nxt = lines[i]
                if _LINE.match(nxt.strip()) or (not value and not nxt.strip()) or nxt.strip().startswith("```"):
                    break
                value = f"{value} {nxt.strip()}".strip()
                i += 1
                count += 1
            if pid in answers:
                raise ReadError(f"part {pid[:60]!r} is answered twice (line {start}): keep one answer per part")
            answers[pid] = _strip_value(value) or None
            if len(answers) > MAX_ANSWERS:
                raise ReadError(f"more than {MAX_ANSWERS} answers")
            continue
        s = _STUDENT.match(line.strip()) if student is None else None
        if s:
            student = _strip_value(s.group(1).strip().strip("*"))
    return student, answers


def _text(source: str, text: str, batch: Batch) -> None:
    student, answers = _lines(text)
    if not answers:
        raise ReadError("no answer lines (write one per part: q1.output: VALUE)")
    if student is None:
        raise ReadError("no student id (a line `student: ID`)")
    _record(source, {"student": student, "answers": answers}, batch)


def _pdf_text(data: bytes) -> str:
    try:
        text = files.pdf_text(data, "")
    except InputError as bad:
        raise ReadError(str(bad).removeprefix(": ")) from None
    if not text.strip():
        raise ReadError("the PDF has no text layer (a scan?): submit text, YAML or a typed PDF")
    return text


# ---------------------------------------------------------------------------------------------
# zip archives

def _zip(path: Path, data: bytes, batch: Batch) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        batch.problems.append(Problem(str(path), f"not a readable zip archive: {exc}"))
        return
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            batch.problems.append(Problem(str(path), f"more than {MAX_ZIP_MEMBERS} members; not read"))
            return
        total = 0
        for info in sorted(infos, key=lambda i: i.filename):
            name = info.filename
            source = f"{path}:{name}"
            reason = _unsafe_member(info)
            if reason:
                batch.problems.append(Problem(source, reason))
                continue
            if info.is_dir() or PurePosixPath(name).name.startswith(".") or name.startswith("__MACOSX/"):
                continue
            suffix = PurePosixPath(name).suffix.lower()
            if suffix == ".zip":
                batch.problems.append(Problem(source, "an archive inside the archive; not read"))
                continue
            if suffix not in KNOWN_SUFFIXES:
                batch.problems.append(Problem(source, f"skipped: {suffix or 'no extension'} is not a submission format", fatal=False))
                continue
            limit = MAX_PDF_BYTES if suffix == ".pdf" else MAX_TEXT_BYTES
            if info.file_size > limit:
                batch.problems.append(Problem(source, f"larger than {limit // 2**20} MB; not read"))
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_ZIP_RATIO:
                batch.problems.append(Problem(source, f"compressed more than {MAX_ZIP_RATIO}:1 (a zip bomb?); not read"))
                continue
            total += info.file_size
            if total > MAX_ZIP_TOTAL:
                batch.problems.append(Problem(str(path), f"more than {MAX_ZIP_TOTAL // 2**20} MB uncompressed; the rest is not read"))
                return
            try:
                with zf.open(info) as fh:
                    content = fh.read(limit + 1)  # the header's size may lie
            except (zipfile.BadZipFile, RuntimeError, OSError, NotImplementedError, EOFError) as exc:
                batch.problems.append(Problem(source, f"cannot be extracted: {exc}"))
                continue
            if len(content) > limit:
                batch.problems.append(Problem(source, f"larger than {limit // 2**20} MB; not read"))
                continue
            read_bytes(source, suffix, content, batch)


def _unsafe_member(info: zipfile.ZipInfo) -> str | None:
    name = info.filename
    if "\x00" in name or name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name):
        return "an absolute path in the archive; not read"
    if ".." in re.split(r"[\\/]", name):
        return "a path leaving the archive (..); not read"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "a link inside the archive; not read"
    if info.flag_bits & 0x1:
        return "an encrypted member; not read"
    return None
