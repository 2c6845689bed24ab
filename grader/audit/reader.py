"""Reading a report: Markdown or plain text as is, a Jupyter notebook (``.ipynb``) as Markdown
(cells in order, outputs in fenced blocks), PDF through its text layer (``pdftotext -layout``,
run without a shell and with a timeout). The text keeps its lines (findings cite line numbers);
tabs and non-breaking spaces become spaces, as PDF extraction mixes them freely.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nnexam.questions.errors import InputError

MAX_BYTES = 20 * 2**20  # a report, not a data set
MAX_CHARS = 2_000_000


@dataclass(frozen=True)
class Report:
    path: str
    lines: tuple[str, ...]  # normalised lines; lines[i] is line i + 1

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def normalise(text: str) -> tuple[str, ...]:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace("\f", "")  # pdftotext starts each page with it: not a line of its own
    return tuple(line.replace("\t", "  ").rstrip() for line in text[:MAX_CHARS].split("\n"))


def from_text(text: str, path: str = "<report>") -> Report:
    return Report(path, normalise(text))


def read(path: str | Path) -> Report:
    """The report at ``path`` (``.pdf`` via pdftotext; ``.ipynb`` as Markdown; anything else as
    UTF-8 text, Latin-1 failing that), read through the one input layer: a regular file only (a
    FIFO or a device is refused before it is opened), at most ``MAX_BYTES``."""
    from nnexam.questions import files

    p = Path(path)
    raw = files.read_bytes(p, "report", MAX_BYTES)
    if p.suffix.lower() == ".pdf":
        return Report(str(p), normalise(files.pdf_text(raw, str(p))))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    if p.suffix.lower() == ".ipynb":
        text = notebook_text(text, str(p))
    return Report(str(p), normalise(text))


def notebook_text(text: str, where: str = "<notebook>") -> str:
    """A Jupyter notebook as Markdown, as ``jupyter nbconvert --to markdown`` lays it out: Markdown
    cells as they are, code cells and their text outputs in fenced blocks; findings cite lines of
    this text. Images and HTML outputs are left out."""
    import json

    try:
        nb = json.loads(text)
    except ValueError as err:
        raise InputError(where, f"not a Jupyter notebook (invalid JSON: {err})") from err
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise InputError(where, "not a Jupyter notebook: no 'cells' list")
    out: list[str] = []
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        source = _joined(cell.get("source"))
        if cell.get("cell_type") == "code":
            out += ["```python", source.rstrip("\n"), "```", ""]
            for output in cell.get("outputs") or []:
                if not isinstance(output, dict):
                    continue
                shown = _joined(output.get("text")) or _joined((output.get("data") or {}).get("text/plain"))
                if shown.strip():
                    out += ["```", shown.rstrip("\n"), "```", ""]
        else:
            out += [source.rstrip("\n"), ""]
    return "\n".join(out)


def _joined(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(v for v in value if isinstance(v, str))
    return ""
