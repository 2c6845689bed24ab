"""The package's jinja2 templates (exam and key in Typst, Markdown, HTML; Moodle XML).

Shipped as package data, so they work from a wheel as well as from a checkout;
``nnexam generate --templates DIR`` overrides them file by file.
"""

from pathlib import Path

DIRECTORY = Path(__file__).resolve().parent
