"""The question bank: one module per family (generator, exact solver, known mistakes).

Import families through :mod:`nnexam.questions.registry` (``get("dense-forward")``); the
registry loads modules lazily so the command line starts fast.
"""
