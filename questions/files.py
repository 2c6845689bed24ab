"""Reading the files users hand to nnexam: bounded in size, with one clear error naming the file."""

from __future__ import annotations

from pathlib import Path

from nnexam.questions.errors import InputError


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of ``path``; InputError when it cannot be read or is larger than ``limit``."""
    p = Path(path)
    try:
        if p.stat().st_size > limit:
            raise InputError(str(p), f"{what} larger than {limit:,} bytes")
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(str(p), f"cannot read the {what}: no such file") from None
    except OSError as err:
        raise InputError(str(p), f"cannot read the {what}: {err.strerror or err}") from None


def read_text(path: str | Path, what: str, limit: int) -> str:
    """:func:`read_bytes` decoded as UTF-8 (a byte-order mark is dropped)."""
    try:
        return read_bytes(path, what, limit).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(str(path), f"the {what} is not UTF-8 text (byte {err.start})") from None
