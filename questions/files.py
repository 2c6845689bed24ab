"""The one input layer: every file a user hands to nnexam (exam specs, rosters, banks, keys, claims,
reports, submissions, datasets) is read here, so every path has the same guards.

- Regular files only, after resolving links: a device (``/dev/zero``), a FIFO or a socket is refused
  with a message before it is opened (``stat`` says 0 bytes for them, so a size check alone lets
  them through), and the file is opened with ``O_NONBLOCK`` so that a FIFO swapped in after the
  check cannot hang the reader.
- Bounded reads: at most ``limit + 1`` bytes are ever read, whatever ``st_size`` says.
- Structured text (JSON here, TOML here, YAML in :mod:`nnexam.questions.yaml_load`): nesting at
  most :data:`MAX_DEPTH` deep, integers at most :data:`MAX_DIGITS` digits, duplicate keys refused;
  every failure is an :class:`InputError` naming the file (and the line where known), never a
  ``RecursionError`` or Python's 4,300-digit ``ValueError``.
- PDF text through one ``pdftotext`` wrapper (one timeout, one message).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexam.questions.errors import InputError

MAX_DEPTH = 64  # nesting of lists/mappings in any structured file
MAX_DIGITS = 1000  # digits of one integer literal (Python refuses more than 4,300 with a ValueError)
PDF_TIMEOUT_S = 60  # one pdftotext run


def regular_file(path: str | Path, what: str) -> os.stat_result:
    """``os.stat`` of ``path`` (links resolved); InputError unless it is a regular file."""
    p = str(path)
    try:
        st = os.stat(p)
    except FileNotFoundError:
        raise InputError(p, f"cannot read the {what}: no such file") from None
    except OSError as err:
        raise InputError(p, f"cannot read the {what}: {err.strerror or err}") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(p, f"the {what} is a folder; expected a file")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(p, f"the {what} is not a regular file (a device, FIFO or socket); give a file")
    return st


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of ``path``; InputError when it is not a regular file, cannot be read or holds more
    than ``limit`` bytes (at most ``limit + 1`` are read: ``st_size`` is not trusted)."""
    p = str(path)
    st = regular_file(p, what)
    if st.st_size > limit:
        raise InputError(p, f"the {what} is larger than {limit:,} bytes")
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as err:
        raise InputError(p, f"cannot read the {what}: {err.strerror or err}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced between the check and the open
            raise InputError(p, f"the {what} is not a regular file (a device, FIFO or socket); give a file")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except BlockingIOError:
        raise InputError(p, f"cannot read the {what}: it would block (not a regular file)") from None
    except OSError as err:
        raise InputError(p, f"cannot read the {what}: {err.strerror or err}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(p, f"the {what} is larger than {limit:,} bytes")
    return data


def decode(data: bytes, source: str, what: str) -> str:
    """UTF-8 text (a byte-order mark is dropped); InputError naming the first bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(source, f"the {what} is not UTF-8 text (byte {err.start})") from None


def read_text(path: str | Path, what: str, limit: int) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a byte-order mark is dropped)."""
    return decode(read_bytes(path, what, limit), str(path), what)


# ---------------------------------------------------------------------------------------------
# structured text


def big_int(text: str, source: str, line: int | None = None) -> int:
    """An integer literal, refused past :data:`MAX_DIGITS` digits (before Python's own limit bites)."""
    digits = len(text.lstrip("+-").replace("_", ""))
    if digits > MAX_DIGITS:
        raise InputError(source, f"an integer of {digits:,} digits; at most {MAX_DIGITS:,} are accepted", line=line)
    try:
        return int(text)
    except ValueError:
        raise InputError(source, f"not an integer: {text[:40]!r}", line=line) from None


def check_tree(value: Any, source: str, what: str) -> Any:
    """``value`` (lists/dicts of plain values) checked iteratively: nesting at most :data:`MAX_DEPTH`,
    integers at most :data:`MAX_DIGITS` digits. Returns ``value``."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        if isinstance(v, dict | list | tuple):
            if depth >= MAX_DEPTH:
                raise InputError(source, f"the {what} is nested more than {MAX_DEPTH} levels deep")
            items = v.values() if isinstance(v, dict) else v
            stack.extend((x, depth + 1) for x in items)
        elif isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > MAX_DIGITS * 3.33:
            raise InputError(source, f"an integer of more than {MAX_DIGITS:,} digits in the {what}")
    return value


def _no_duplicates(source: str, what: str):  # type: ignore[no-untyped-def]
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise InputError(source, f"duplicate key {k[:60]!r} in the {what} (the later value would win silently)")
            out[k] = v
        return out

    return hook


def load_json(text: str, source: str, what: str = "JSON file") -> Any:
    """JSON text -> plain values; duplicate keys, deep nesting and huge integers are InputErrors."""
    try:
        value = json.loads(text, object_pairs_hook=_no_duplicates(source, what),
                           parse_int=lambda s: big_int(s, source))
    except json.JSONDecodeError as err:
        raise InputError(source, f"not valid JSON: {err.msg} (column {err.colno})", line=err.lineno) from None
    except RecursionError:
        raise InputError(source, f"the {what} is nested more than {MAX_DEPTH} levels deep") from None
    return check_tree(value, source, what)


def load_toml(text: str, source: str, what: str = "TOML file") -> dict[str, Any]:
    """TOML text -> a table; deep nesting and huge integers are InputErrors (TOML itself refuses
    duplicate keys)."""
    import tomllib

    try:
        value = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise InputError(source, f"not valid TOML: {err}") from None
    except RecursionError:
        raise InputError(source, f"the {what} is nested more than {MAX_DEPTH} levels deep") from None
    except ValueError as err:  # an integer past Python's digit limit
        raise InputError(source, f"the {what} holds a number nnexam cannot read: {str(err)[:120]}") from None
    return check_tree(value, source, what)


# ---------------------------------------------------------------------------------------------
# PDF


def pdf_text(data: bytes, source: str) -> str:
    """The text layer of a PDF (``pdftotext -layout``, no shell, one timeout); InputError otherwise."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise InputError(source, "reading PDF needs pdftotext (poppler-utils: apt install poppler-utils / "
                                 "brew install poppler); or give the text instead")
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, list arguments, no shell
            [exe, "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, timeout=PDF_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InputError(source, f"pdftotext took longer than {PDF_TIMEOUT_S} s; not read") from None
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(source, f"not a readable PDF ({err[-1][:200] if err else 'pdftotext failed'})")
    return done.stdout.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------
# outputs


def umask() -> int:
    """The process umask (read from /proc where it can be, so the process-wide value is never
    changed; else by setting and restoring it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    old = os.umask(0o022)
    os.umask(old)
    return old


def _staged(target: Path, data: str | bytes) -> str:
    """A new temporary file next to ``target`` holding ``data``, on disk, with the umask's mode."""
    import tempfile

    blob = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:80]}.", suffix=".tmp", dir=str(target.parent))
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
            os.fchmod(fh.fileno(), 0o666 & ~umask())
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp


def write_atomic(path: str | Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` in one step: a new temporary file in the same folder (created
    exclusively, so a link planted there is never followed) is filled, flushed to disk, given the
    mode the umask allows (0666 & ~umask, as ``open`` would) and renamed over ``path`` (a link at
    ``path`` is replaced, not written through). A crash leaves the old file or the new one."""
    write_all_atomic([(path, data)])


def write_all_atomic(items: Sequence[tuple[str | Path, str | bytes]]) -> None:
    """:func:`write_atomic` for several files that belong together (a gradebook and its JSON): every
    new file is written and flushed first, then all are renamed into place back to back, so a crash
    during the (slow) writing leaves every old file."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in items:
            staged.append((_staged(Path(path), data), Path(path)))
        for tmp, target in staged:
            os.replace(tmp, target)
    except BaseException:
        for tmp, _ in staged:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
        raise


def _resolved(path: str | Path) -> Path:
    return Path(os.path.realpath(os.path.abspath(path)))


def _inside(a: Path, b: Path) -> bool:
    """``a`` is ``b`` or lies under it (both resolved)."""
    return a == b or b in a.parents


def check_output_file(path: str | Path, inputs: Sequence[str | Path], what: str) -> Path:
    """Refuse, before any work, an output file that would overwrite an input or cannot be written:
    its folder must exist (it is not created: a typo would scatter files), be a folder and be
    writable; the path itself must not be a folder nor resolve to any of ``inputs``."""
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.exists():
        raise InputError(str(p), f"cannot write the {what}: the folder {parent} does not exist; create it first")
    if not parent.is_dir():
        raise InputError(str(p), f"cannot write the {what}: {parent} is a file, not a folder")
    if p.is_dir():
        raise InputError(str(p), f"cannot write the {what}: this is a folder; give a file name")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(str(p), f"cannot write the {what}: the folder {parent} is not writable")
    target = _resolved(p)
    for inp in inputs:
        src = _resolved(inp)
        if target == src:
            raise InputError(str(p), f"the {what} would overwrite an input ({inp}); choose another path")
    return p


def check_output_dir(path: str | Path, inputs: Sequence[str | Path], what: str) -> Path:
    """Refuse, before any work, an output folder that is a file, lies under a file, or would hold or
    overwrite an input (the folder is an input folder, or lies inside one, or contains an input)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InputError(str(p), f"cannot write the {what} folder: this is a file")
    probe = p
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise InputError(str(p), f"cannot write the {what} folder: {probe} is a file, not a folder")
    if probe.exists() and not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(str(p), f"cannot write the {what} folder: {probe} is not writable")
    target = _resolved(p)
    for inp in inputs:
        src = _resolved(inp)
        if (_inside(target, src) and src.is_dir()) or _inside(src, target):
            raise InputError(str(p), f"the {what} folder would overwrite or mix with an input ({inp}); choose another folder")
    return p
