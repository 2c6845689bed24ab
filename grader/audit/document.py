"""A report read into its structure, so that every number is checked against the right thing.

The document model: headings, code (fenced, LaTeX ``lstlisting``/``verbatim``, or unfenced around
``Sequential(``), ``model.summary()`` tables, training logs (each one unit however PDF extraction
broke it), and prose paragraphs (lines joined, with a map back to line numbers, so a claim broken
over two lines is still one claim and is cited at the line of its number). Everything that is not
prose is *evidence* and never read as a claim.

Experiments are found by order: a claim about a model binds to the nearest model defined before it
(code or a prose list of layers); a log binds to the nearest ``fit`` before it; a stated accuracy
binds to the log just above it (no heading in between), else the binding is ambiguous and the
claim is only compared with every log (never refuted).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from nnexam.grader.audit import code, logs, summary
from nnexam.grader.audit.reader import Report

MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+\S")
TEX_HEADING = re.compile(r"^\s*\\(?:sub)*section\*?\{")
NUMBERED_HEADING = re.compile(r"^\s*\d+(?:\.\d+)*\.?\s+[A-Z][^.:]{0,60}$")
UNDERLINE = re.compile(r"^\s*(?:-{3,}|={3,})\s*$")
# a Keras log line that lost its "Epoch N/M" marker (PDF, notebook export): evidence, not prose
LOG_LINE = re.compile(r"(?<!\d)\d{1,7}/\d{1,7}\s?(?:\[[=.>]{0,40}\]?|━)|(?:^|\s-\s)(?:val_)?(?:loss|acc|accuracy)\s?:\s?\d"
                      r"|ETA:\s?\d|(?<!\d)\d{1,5}m?s\s\d{1,5}m?s/step")
MAX_PARAGRAPH_LINES = 60
# "the model in part 1", "experiment 2", "model 3": a claim about another part of the report
REFERENCE = re.compile(r"\b(?P<word>part|task|section|experiment|exercise|question|model|network|run|q)\s?(?P<n>\d{1,2})\b",
                       re.IGNORECASE)


@dataclass(frozen=True)
class Paragraph:
    """Consecutive prose lines joined by spaces; ``starts[i]`` is where line ``first + i`` begins."""

    first: int  # 1-based line of the first line
    text: str
    starts: tuple[int, ...]

    def line_at(self, offset: int) -> int:
        return self.first + bisect.bisect_right(self.starts, offset) - 1


@dataclass
class Document:
    report: Report
    snippets: list[code.Snippet]
    tables: list[summary.Table]
    logs: list[logs.Log]
    headings: list[int]  # 1-based lines
    evidence: set[int]  # lines that are code, tables, logs or fences
    paragraphs: list[Paragraph]

    @property
    def lines(self) -> tuple[str, ...]:
        return self.report.lines

    def section_of(self, line: int) -> int:
        """The line of the heading above ``line`` (0: before any heading)."""
        i = bisect.bisect_right(self.headings, line) - 1
        return self.headings[i] if i >= 0 else 0

    def referenced(self, sentence: str) -> tuple[int, int, str] | None:
        """(first, last) lines of the part a sentence names ("the model in part 1"), or
        (0, 0, name) when it names a part no heading has; None when it names none."""
        before, _, after = sentence.partition("\0")
        found = list(REFERENCE.finditer(before))
        m = found[-1] if found else REFERENCE.search(after)
        if m is None:
            return None
        word, n = m.group("word").lower(), m.group("n")
        name = f"{word} {n}"
        same = re.compile(rf"\b{re.escape(word)}\s?\d{{1,2}}\b", re.IGNORECASE)
        for k, h in enumerate(self.headings):
            text = self.lines[h - 1]
            if re.search(rf"\b{re.escape(word)}\s?{n}\b", text, re.IGNORECASE):
                later = [h2 for h2 in self.headings[k + 1:] if same.search(self.lines[h2 - 1])]
                return h, (later[0] - 1 if later else len(self.lines)), name
        return 0, 0, name

    def log_for(self, line: int, sentence: str = "") -> tuple[logs.Log | None, str]:
        """The log a statement at ``line`` is about: the first log of the part it names, else the
        nearest log above with no heading in between, or the only log; else (None, why)."""
        ref = self.referenced(sentence)
        if ref is not None:
            first, last, name = ref
            inside = [lg for lg in self.logs if first < lg.line <= last]
            if inside:
                return inside[0], ""
            if first:
                return None, f"the sentence names {name}, which has no training log"
        before = [lg for lg in self.logs if lg.line < line]
        if before and self.section_of(before[-1].line) == self.section_of(line):
            return before[-1], ""
        if len(self.logs) == 1:
            return self.logs[0], ""
        if not self.logs:
            return None, "the report has no training log"
        return None, f"the report has {len(self.logs)} training logs and the sentence is not next to one"


TEX_SUBS = ((re.compile(r"\\(?:times|cdot)\b"), "*"), (re.compile(r"\\[,;!]|\\(?:left|right)\b"), ""),
            (re.compile(r"\{,\}"), ","), (re.compile(r"\\sigma\b"), "σ"), (re.compile(r"\\ln\b"), "ln"),
            (re.compile(r"\\log\b"), "log"), (re.compile(r"\\approx\b"), "="), (re.compile(r"\\%"), "%"), (re.compile(r"[$]"), " "), (re.compile(r"−"), "-"))
BMATRIX = re.compile(r"\\begin\{[bp]matrix\}(?P<body>[^{}]{0,2000}?)\\end\{[bp]matrix\}")


def _bmatrix(m: re.Match[str]) -> str:
    rows = [r.strip() for r in m.group("body").split("\\\\")]
    return "[" + ", ".join("[" + ", ".join(c.strip() for c in r.split("&")) + "]" for r in rows if r) + "]"


def normalise_prose(line: str) -> str:
    """LaTeX and typography to plain arithmetic: ``$3 \\times 3$`` -> ``3 * 3``, bmatrix -> ``[[..], [..]]``."""
    if "≈" in line:
        line = line.replace("≈", "=")  # "-ln(0.7) ≈ 0.357": rounding is judged as for "="
    if "\\" in line or "$" in line or "−" in line:
        line = BMATRIX.sub(_bmatrix, line)
        line = re.sub(r"\\(?:num|SI|si|qty)\{([^{}]{1,40})\}(?:\{([^{}]{0,20})\})?", r"\1 \2", line)  # siunitx
        for pattern, repl in TEX_SUBS:
            line = pattern.sub(repl, line)
        line = re.sub(r"  +", " ", line)
        line = re.sub(r"\\frac\{([^{}]{1,200})\}\{([^{}]{1,200})\}", r"(\1)/(\2)", line)
    return line


def _heading(lines: Sequence[str], i: int) -> bool:
    line = lines[i]
    if MD_HEADING.match(line) or TEX_HEADING.match(line):
        return True
    if i + 1 < len(lines) and UNDERLINE.match(lines[i + 1]) and line.strip() and len(line.strip()) < 80:
        return True
    text = line.strip()
    alone = (i == 0 or not lines[i - 1].strip()) and (i + 1 >= len(lines) or not lines[i + 1].strip())
    if not alone or not text or len(text) > 70 or text.endswith((".", ":", ",", ";")) or not text[0].isalnum():
        return False
    if NUMBERED_HEADING.match(text) or (text.isupper() and len(text) > 3):
        return True
    return bool(re.match(r"(?i)(experiment|part|task|exercise|question|q\d|run|section|model|results?|conclusions?|discussion|"
                         r"appendix|hand computations?)\b", text)) and len(text.split()) <= 10 and '"' not in text


def read(report: Report) -> Document:
    lines = report.lines
    snippets = code.snippets(lines)
    tables = summary.find_tables(lines)
    found_logs = logs.find_logs(lines)
    evidence: set[int] = set()
    for s in snippets:
        evidence.update(range(s.line, s.line + s.span))
    for start, end in code.fenced_regions(lines):
        evidence.update(range(start, end + 1))
    for t in tables:
        evidence.update(range(t.line, max([r.line for r in t.rows] + list(t.footer_lines)) + 2))
    for lg in found_logs:
        evidence.update(range(lg.line - 1, lg.epochs[-1].end + 1))
    for i, line in enumerate(lines, start=1):
        if i not in evidence and LOG_LINE.search(line):
            evidence.add(i)
    headings = [i + 1 for i in range(len(lines)) if (i + 1) not in evidence and _heading(lines, i)]
    paragraphs: list[Paragraph] = []
    block: list[int] = []
    heads = set(headings)

    def flush() -> None:
        if block:
            starts, parts, pos = [], [], 0
            for n in block:
                starts.append(pos)
                parts.append(normalise_prose(lines[n - 1]).strip())
                pos += len(parts[-1]) + 1
            paragraphs.append(Paragraph(block[0], " ".join(parts), tuple(starts)))
            block.clear()

    for i, line in enumerate(lines, start=1):
        if i in evidence or i in heads or not line.strip() or len(block) >= MAX_PARAGRAPH_LINES:
            flush()
            if i in evidence or i in heads or not line.strip():
                continue
        block.append(i)
    flush()
    return Document(report, snippets, tables, found_logs, headings, evidence, paragraphs)
