"""``model.summary()`` tables in every Keras layout, as they appear in reports.

Recognised: Keras 3's box drawing (``┏━┃│``, long names wrapped onto a second line), the old Keras 2
layout (``____``/``====`` rules, a long ``name (Type`` wrapped with its ``)`` on the next line),
tab- or space-separated copies, Markdown tables, and PDF text where a shape breaks across lines.
A row is ``name (Type)  (None, 26, 26, 32)  320``; ``InputLayer`` rows give the input shape.
Footers: ``Total params: 34,826 (136.04 KB)``, ``Trainable params: ...``, ``Non-trainable params: ...``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BOX = re.compile(r"[│┃|]")
ROW = re.compile(
    r"^\s*(?P<name>[A-Za-z_][\w.\-/]*)\s*(?:\((?P<type>[A-Za-z_]\w*)\s*\)?)?\s+"
    r"\[?\((?P<shape>(?:None|\d+)(?:\s*,\s*(?:None|\d+))*\s*,?)\)\]?\s+(?P<params>\d[\d,]*)\b"
)
TYPE_TAIL = re.compile(r"^\s*(?P<tail>[A-Za-z0-9_]{0,40})\)\s*$")  # Keras 2 wraps "(Bat" / "chNormalization)"
TYPE_ONLY = re.compile(r"^\s*\((?P<type>[A-Za-z_]\w*)\)\s*$")
FOOTER = re.compile(
    r"^\s*(?P<which>Total|Trainable|Non-trainable)\s+params\s*:\s*(?P<n>\d[\d,]*)"
    r"(?:\s*\((?P<size>[\d.]+\s*[KMGT]?B)\))?", re.IGNORECASE)
MAX_GAP = 4  # lines between rows of one table (rules, wrapped names)


@dataclass(frozen=True)
class Row:
    name: str
    kind: str | None
    shape: tuple[int | None, ...]  # without the batch axis
    params: int
    line: int


@dataclass(frozen=True)
class Table:
    index: int  # 1-based, in the order the report shows them
    line: int
    rows: tuple[Row, ...]
    total: int | None = None
    trainable: int | None = None
    non_trainable: int | None = None
    sizes: tuple[tuple[str, str, int], ...] = ()  # (which, "136.04 KB", line)
    footer_lines: tuple[int, ...] = ()

    def where(self, row: Row | None = None) -> str:
        base = f"summary table {self.index} (line {self.line})"
        return base if row is None else f"{base}, layer {row.name} (line {row.line})"


KNOWN_KINDS = (
    "Dense", "Conv1D", "Conv2D", "Conv3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
    "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D",
    "GlobalMaxPooling2D", "Flatten", "Dropout", "SpatialDropout2D", "Activation", "ReLU", "LeakyReLU", "Softmax",
    "BatchNormalization", "LayerNormalization", "InputLayer", "Embedding", "LSTM", "GRU", "SimpleRNN", "Reshape",
)


def resolve_kind(kind: str | None, rank: int) -> str | None:
    """A layer type as printed, completed when Keras cut it ("MaxPooling2" -> "MaxPooling2D",
    "BatchNo" -> "BatchNormalization"; "MaxPooling" with a (H, W, C) output -> "MaxPooling2D")."""
    if kind is None or kind in KNOWN_KINDS or len(kind) < 4:
        return kind
    options = [k for k in KNOWN_KINDS if k.startswith(kind)]
    if len(options) > 1:
        by_rank = [k for k in options if k.endswith(f"{max(rank - 1, 1)}D")]
        options = by_rank if len(by_rank) == 1 else options
    return options[0] if len(options) == 1 else kind


def _shape(text: str) -> tuple[int | None, ...]:
    parts = [p.strip() for p in text.split(",") if p.strip()]
    dims = tuple(None if p == "None" else int(p) for p in parts)
    return dims[1:] if dims and dims[0] is None else dims


def _logical(lines: tuple[str, ...]) -> list[tuple[int, str]]:
    """Lines with box characters removed; an unclosed '(' continues on the next line (PDF breaks)."""
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        text, start = BOX.sub(" ", lines[i]), i + 1
        joined = 0
        while text.count("(") > text.count(")") and joined < 2 and i + 1 < len(lines) and ROW.match(text) is None:
            i += 1
            joined += 1
            text += " " + BOX.sub(" ", lines[i]).strip()
        out.append((start, text))
        i += 1
    return out


FURNITURE = re.compile(r"^[\s│┃|├┼┤─━┡┩╇┏┓┗┛┳┻└┘┴┬+=_-]*$|^\s*\d{1,4}\s*$")
MAX_PAGE_BREAK = 12


def _furniture(lines: tuple[str, ...], after: int, before: int) -> bool:
    """Only rules, blank lines, a page number and a short running header between two rows: a page
    break inside one table (PDF), not two tables."""
    between = lines[after: before - 1]
    if len(between) > MAX_PAGE_BREAK:
        return False
    headers = [ln for ln in between if not FURNITURE.match(ln)]
    return len(headers) <= 1 and all(len(h.strip()) <= 60 and not h.rstrip().endswith((".", ":")) and not ROW.match(h)
                                      for h in headers)


def find_tables(lines: tuple[str, ...]) -> list[Table]:
    """Every summary table in the report, with its footer when it has one."""
    tables: list[dict] = []
    current: dict | None = None
    last_row_line = -100
    logical = _logical(lines)
    for k, (line_no, text) in enumerate(logical):
        m = ROW.match(text)
        if m and ("(None" in text or "[(None" in text or m.group("type")):
            kind = m.group("type")
            if kind is None and k + 1 < len(logical):
                nxt = TYPE_ONLY.match(logical[k + 1][1])
                kind = nxt.group("type") if nxt else None
            if kind is not None and k + 1 < len(logical) and ")" not in text[m.start("type"): m.start("shape")]:
                tail = TYPE_TAIL.match(logical[k + 1][1])
                kind = kind + tail.group("tail") if tail else kind
            shape = _shape(m.group("shape"))
            row = Row(m.group("name"), resolve_kind(kind, len(shape)), shape, int(m.group("params").replace(",", "")), line_no)
            if current is None or current.get("closed") or (
                    line_no - last_row_line > MAX_GAP and not _furniture(lines, last_row_line, line_no)):
                current = {"line": line_no, "rows": [], "footer": {}, "sizes": [], "footer_lines": []}
                tables.append(current)
            current["rows"].append(row)
            last_row_line = line_no
            continue
        f = FOOTER.match(text)
        if f and current is not None and line_no - last_row_line <= MAX_GAP + 3:
            which = f.group("which").lower()
            current["footer"][which] = int(f.group("n").replace(",", ""))
            current["footer_lines"].append(line_no)
            if f.group("size"):
                current["sizes"].append((which, f.group("size"), line_no))
            last_row_line = line_no
            if which.startswith("non"):
                current["closed"] = True
    return [
        Table(i + 1, t["line"], tuple(t["rows"]), t["footer"].get("total"), t["footer"].get("trainable"),
              t["footer"].get("non-trainable"), tuple(t["sizes"]), tuple(t["footer_lines"]))
        for i, t in enumerate(tables)
    ]


def readable_size(n_bytes: float) -> str:
    """Keras 3's ``readable_memory_size``: 1024-based units with two decimals."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if n_bytes / 1024 < 1:
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} PB"
