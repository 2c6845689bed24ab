"""Which backends exist: the built-ins (``torch``, ``keras``) plus any registered by a third party
under the entry-point group ``nnexam.backends.v1`` (``name = "package.module:BackendClass"``).

A plugin that fails to load is skipped with a warning, never stopping the rest; an unknown name
raises :class:`UnknownNameError` listing the installed backends. The default is ``torch`` when
installed. Nothing here imports torch or keras.
"""

from __future__ import annotations

from functools import cache

from nnexam.grader import plugins
from nnexam.grader.backends.base import Backend
from nnexam.grader.backends.keras_backend import KerasBackend
from nnexam.grader.backends.torch_backend import TorchBackend
from nnexam.questions.errors import NnexamError, UnknownNameError

GROUP = "nnexam.backends.v1"


@cache
def _all() -> dict[str, Backend]:
    def accept(obj: object) -> Backend:
        backend = obj() if isinstance(obj, type) else obj
        if not isinstance(backend, Backend):
            raise TypeError("it lacks members of nnexam.grader.backends.base.Backend")
        return backend

    builtin: dict[str, Backend] = {"torch": TorchBackend(), "keras": KerasBackend()}
    return builtin | {k: v for k, v in plugins.load(GROUP, "backend", accept).items() if k not in builtin}


def installed() -> list[str]:
    """Names of the backends that can run here."""
    return [name for name, b in _all().items() if b.available()]


def get(name: str | None = None) -> Backend:
    """The backend called ``name`` (default: torch), if installed."""
    names = installed()
    if name is None:
        if not names:
            raise NnexamError("no training backend is installed: pip install 'nnexam[torch]'")
        return _all()["torch" if "torch" in names else names[0]]
    if name not in names:
        raise UnknownNameError("backend", name, names)
    return _all()[name]
