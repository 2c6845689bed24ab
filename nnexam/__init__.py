"""nnexam: the thin command line and rendering glue (no domain logic lives here)."""

__version__ = "0.1.0"
