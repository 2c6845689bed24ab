"""Datasets for verifying claims, all local (never a network call).

- ``digits``: scikit-learn's bundled 8x8 digits (1797 images), the default for demos and tests.
  There is no official split: the first 1437 rows train, the last 360 test (80/20, fixed).
  Pixels 0..16 are divided by 16.
- ``fashion-mnist``: the real IDX files (``train-images-idx3-ubyte.gz`` ...) from ``--data-dir`` or
  Debian's ``dataset-fashion-mnist`` in ``/usr/share/datasets/fashion-mnist``. 60000 + 10000 28x28.
- ``mnist``: Keras' cache ``~/.keras/datasets/mnist.npz`` or the same IDX file names in ``--data-dir``.
- a ``.npz`` file with ``x_train``, ``y_train`` (and optionally ``x_test``, ``y_test``), or a ``.csv``
  file with a label column (``label`` by default, else the first column) and one column per feature;
  a CSV has no test split.

Scaling, as the usual Keras examples do (``x_train / 255.0``): uint8 images are divided by 255
(digits by 16); other arrays are used as given. Labels are integer class ids. ``subset=N`` keeps the
first N training rows (as ``x_train[:N]``); the test split is kept whole. Images stay
``(N, H, W)``; :func:`for_model` reshapes to the model's input (flat, or with a channel axis).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from nnexam.grader.backends.base import Data
from nnexam.questions.errors import InputError, ParamError

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
NAMES = ("digits", "fashion-mnist", "mnist")
MAX_CSV_BYTES = 200 * 2**20
# uncompressed bytes of one dataset's arrays (npz members, IDX files); NNEXAM_MAX_DATASET_MB raises it
MAX_DATASET_BYTES = int(float(os.environ.get("NNEXAM_MAX_DATASET_MB", "1024")) * 2**20)
MAX_NPZ_RATIO = 1000  # an npz member compressed more than this is a zip bomb, not data


@dataclass(frozen=True)
class DataRef:
    """Which data: a name (``digits``, ``fashion-mnist``, ``mnist``) or a ``.npz``/``.csv`` path."""

    name: str = "digits"
    data_dir: str | None = None
    subset: int | None = None
    label: str | None = None  # CSV label column

    def __post_init__(self) -> None:
        if self.subset is not None and self.subset < 1:
            raise ParamError("dataset.subset", "a positive number of training rows", self.subset)
        is_file = self.name.lower().endswith((".npz", ".csv"))
        if not is_file and self.name.lower() not in NAMES:
            raise ParamError("dataset", f"one of {', '.join(NAMES)}, or a .npz / .csv file", self.name)


@dataclass(frozen=True)
class Dataset:
    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None
    y_test: np.ndarray | None
    num_classes: int
    fingerprint: str  # identifies the exact data (cache keys)

    @property
    def train_size(self) -> int:
        return len(self.x_train)


def parse_ref(raw: Any, *, data_dir: str | None = None, where: str = "dataset") -> DataRef:
    """A dataset entry of a claims file: a name/path, or ``{name, subset, data_dir, label}``."""
    if raw is None:
        return DataRef(data_dir=data_dir)
    if isinstance(raw, str):
        return DataRef(raw.strip(), data_dir=data_dir)
    if isinstance(raw, dict):
        unknown = set(raw) - {"name", "subset", "data_dir", "label", "path"}
        if unknown:
            raise ParamError(f"{where}.{sorted(unknown)[0]}", "one of name, path, subset, data_dir, label", raw)
        subset = raw.get("subset")
        if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)):
            raise ParamError(f"{where}.subset", "an integer number of training rows", subset)
        return DataRef(str(raw.get("name") or raw.get("path") or "digits"), data_dir=raw.get("data_dir") or data_dir,
                       subset=subset, label=raw.get("label"))
    raise ParamError(where, "a dataset name, a .npz/.csv path, or a table {name, subset}", raw)


def load(ref: DataRef) -> Dataset:
    """The dataset ``ref`` names, cut to its subset. Raises InputError naming missing files."""
    ds = _load_full(ref.name, ref.data_dir, ref.label)
    if ref.subset is None or ref.subset >= ds.train_size:
        return ds
    return Dataset(ds.name, ds.x_train[: ref.subset], ds.y_train[: ref.subset], ds.x_test, ds.y_test,
                   ds.num_classes, f"{ds.fingerprint}[:{ref.subset}]")


def for_model(ds: Dataset, input_shape: tuple[int | None, ...]) -> Data:
    """The arrays reshaped to the model's input (``(N, 784)`` or ``(N, 28, 28, 1)``); a size mismatch is an error."""
    want = int(np.prod([d for d in input_shape if d is not None]))
    have = int(np.prod(ds.x_train.shape[1:]))
    if want != have or None in input_shape:
        raise ParamError("input_shape", f"{have} values per sample to match dataset {ds.name} "
                         f"{tuple(ds.x_train.shape[1:])}", tuple(input_shape))

    def shape(x: np.ndarray | None) -> np.ndarray | None:
        return None if x is None else x.reshape((len(x), *input_shape))

    return Data(shape(ds.x_train), ds.y_train, shape(ds.x_test), ds.y_test, ds.num_classes)


@lru_cache(maxsize=4)
def _load_full(name: str, data_dir: str | None, label: str | None) -> Dataset:
    key = name.lower()
    if key == "digits":
        return _digits()
    if key in ("fashion-mnist", "mnist"):
        return _mnist_like(key, data_dir)
    from nnexam.questions.files import regular_file

    path = Path(name).expanduser()
    regular_file(path, "dataset file")  # not a device or FIFO
    return _npz(path) if key.endswith(".npz") else _csv(path, label)


def _digits() -> Dataset:
    from sklearn import __version__ as skv
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    return Dataset("digits", x[:1437], y[:1437], x[1437:], y[1437:], 10, f"digits-sklearn-{skv}")


def _read_idx(path: Path) -> np.ndarray:
    from nnexam.questions.files import regular_file

    regular_file(path, "dataset file")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as f:
            raw = f.read(MAX_DATASET_BYTES + 1)  # a gzip bomb stops here
    except (OSError, EOFError) as err:
        raise InputError(str(path), f"cannot read the IDX file: {err}") from None
    if len(raw) > MAX_DATASET_BYTES:
        raise InputError(str(path), f"more than {MAX_DATASET_BYTES // 2**20} MiB uncompressed; "
                                    "set NNEXAM_MAX_DATASET_MB to allow more")
    if len(raw) < 8 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise InputError(str(path), "not an IDX file of unsigned bytes (magic 0x0000 08 NN expected)")
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise InputError(str(path), f"IDX header says {dims}, the file holds {body.size} values")
    return body.reshape(dims)


def _find_idx(folder: Path, stem: str) -> Path | None:
    for cand in (folder / f"{stem}.gz", folder / stem):
        if cand.is_file():
            return cand
    return None


def _mnist_like(name: str, data_dir: str | None) -> Dataset:
    folders = [Path(data_dir).expanduser()] if data_dir else []
    if name == "fashion-mnist":
        folders.append(FASHION_DIR)
    for folder in folders:
        found = [_find_idx(folder, stem) for stem in IDX_FILES]
        if all(found):
            arrays = [_read_idx(p) for p in found]  # type: ignore[arg-type]
            digest = hashlib.sha256(b"".join(p.name.encode() + str(p.stat().st_size).encode() for p in found)).hexdigest()[:16]
            return _scaled(name, *arrays, f"{name}-idx-{digest}")
    if name == "mnist" and not data_dir:
        npz = Path(os.path.expanduser("~/.keras/datasets/mnist.npz"))
        if npz.is_file():
            ds = _npz(npz)
            return Dataset("mnist", ds.x_train, ds.y_train, ds.x_test, ds.y_test, 10, ds.fingerprint)
    looked = ", ".join(str(f) for f in folders) or "~/.keras/datasets/mnist.npz"
    first = "install Debian's dataset-fashion-mnist" if name == "fashion-mnist" else "put Keras' mnist.npz in ~/.keras/datasets/"
    raise InputError(name, f"dataset not found (looked in {looked}): {first}, or put "
                     f"{', '.join(f + '.gz' for f in IDX_FILES)} in a folder and pass --data-dir FOLDER "
                     "(no download is attempted)")


def _scaled(name: str, xtr: np.ndarray, ytr: np.ndarray, xte: np.ndarray | None, yte: np.ndarray | None, fp: str) -> Dataset:
    def scale(x: np.ndarray | None) -> np.ndarray | None:
        if x is None:
            return None
        return (x.astype(np.float32) / 255.0) if x.dtype == np.uint8 else x.astype(np.float32)

    ytr = np.asarray(ytr).astype(np.int64).reshape(-1)
    yte = None if yte is None else np.asarray(yte).astype(np.int64).reshape(-1)
    classes = int(max(ytr.max(), -1 if yte is None else yte.max())) + 1
    return Dataset(name, scale(xtr), ytr, scale(xte), yte, classes, fp)


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def _check_npz(path: Path) -> None:
    """Before ``np.load``: every member an ``.npy`` whose header's shape and dtype match its size,
    within :data:`MAX_DATASET_BYTES` in all and not compressed like a bomb (a 1 kB file must not
    claim, or expand to, gigabytes)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            total = 0
            for info in zf.infolist():
                total += info.file_size
                if total > MAX_DATASET_BYTES:
                    raise InputError(str(path), f"the arrays hold more than {MAX_DATASET_BYTES // 2**20} MiB; "
                                                "set NNEXAM_MAX_DATASET_MB to allow more")
                if info.compress_size and info.file_size / info.compress_size > MAX_NPZ_RATIO:
                    raise InputError(str(path), f"{info.filename} is compressed more than {MAX_NPZ_RATIO}:1 (a zip bomb?)")
                with zf.open(info) as fh:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                    else:
                        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                    header = fh.tell()
                if dtype.hasobject:
                    raise InputError(str(path), f"{info.filename} holds Python objects; only numeric arrays are read")
                need = int(np.prod(shape, dtype=object)) * dtype.itemsize
                if need != info.file_size - header:
                    raise InputError(str(path), f"{info.filename}: the header says {shape} {dtype} ({need:,} bytes) "
                                                f"but the member holds {info.file_size - header:,}")
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as err:
        raise InputError(str(path), f"not a readable .npz file: {err}") from None


def _npz(path: Path) -> Dataset:
    _check_npz(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in ("x_train", "y_train") if k not in z.files]
            if missing:
                raise InputError(str(path), f"a .npz dataset needs arrays x_train, y_train (and x_test, y_test); missing {missing}")
            arrays = [z[k] if k in z.files else None for k in ("x_train", "y_train", "x_test", "y_test")]
    except (OSError, ValueError) as err:
        raise InputError(str(path), f"not a readable .npz file: {err}") from err
    if len(arrays[0]) != len(arrays[1]):
        raise InputError(str(path), f"x_train has {len(arrays[0])} rows but y_train {len(arrays[1])}")
    return _scaled(path.name, *arrays, f"npz-{_file_digest(path)}")


def _csv(path: Path, label: str | None) -> Dataset:
    import array

    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputError(str(path), f"CSV larger than {MAX_CSV_BYTES // 2**20} MiB")
    # streamed into packed float32 arrays: Python lists of floats would take ~30x the file's size
    xs, ys = array.array("f"), array.array("q")
    with open(path, newline="", encoding="utf-8", errors="replace") as f:
        rows = csv.reader(f)
        try:
            header = [h.strip() for h in next(rows)]
        except StopIteration:
            header = []
        except csv.Error as err:
            raise InputError(str(path), f"not valid CSV: {err}", line=1) from None
        if label and label not in header:
            raise InputError(str(path), f"no label column {label!r}; columns: {', '.join(header[:10])}", line=1)
        col = header.index(label) if label in header else (header.index("label") if "label" in header else 0)
        n = 0
        try:
            for i, row in enumerate(rows, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    raise InputError(str(path), f"expected {len(header)} columns, found {len(row)}", line=i)
                try:
                    y = float(row[col])
                    if not y.is_integer() or abs(y) > 1e6:
                        raise ValueError(f"label {row[col][:20]!r} is not a class id")
                    ys.append(int(y))
                    xs.extend(float(v) for j, v in enumerate(row) if j != col)
                except (ValueError, OverflowError) as err:
                    raise InputError(str(path), f"expected numbers: {err}", line=i) from None
                n += 1
        except csv.Error as err:
            raise InputError(str(path), f"not valid CSV: {err}") from None
    if n < 1 or len(header) < 2:
        raise InputError(str(path), "a CSV dataset needs a header row, a label and a feature column, and at least one data row",
                         line=1)
    x = np.frombuffer(xs, dtype=np.float32).reshape(n, len(header) - 1)
    y = np.frombuffer(ys, dtype=np.int64)
    if y.min() < 0:
        raise InputError(str(path), "labels are class ids 0, 1, 2, ...; found a negative one")
    return _scaled(path.name, x, y, None, None, f"csv-{_file_digest(path)}")
