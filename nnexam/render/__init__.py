"""Renderers: one module per output format (typst -> PDF, markdown, html, moodle), each with one
escaping function, all laying out the same variants through jinja2 templates."""

from __future__ import annotations

FORMATS = ("pdf", "md", "html", "moodle")
