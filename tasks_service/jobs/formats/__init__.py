"""The document formats a job can be uploaded in, by name and by file extension.

Adding a format is one new module with a module-level instance and one line in ``REGISTRY``.
"""

from __future__ import annotations

from tasks_service.jobs.formats.base import (
    Answer,
    AssembleOptions,
    Format,
    FormatError,
    Piece,
    Placeholder,
    Segmentation,
    Split,
    SplitOptions,
    Unit,
)
from tasks_service.jobs.formats.html import HTML
from tasks_service.jobs.formats.json_kv import JSON_KV
from tasks_service.jobs.formats.markdown import MARKDOWN
from tasks_service.jobs.formats.po import PO
from tasks_service.jobs.formats.python_source import PYTHON
from tasks_service.jobs.formats.tabular import CSV, JSONL
from tasks_service.jobs.formats.text import TEXT
from tasks_service.jobs.formats.xliff import XLIFF

__all__ = [
    "REGISTRY",
    "Answer",
    "AssembleOptions",
    "Format",
    "FormatError",
    "Piece",
    "Placeholder",
    "Segmentation",
    "Split",
    "SplitOptions",
    "Unit",
    "detect_format",
    "get_format",
]

REGISTRY: dict[str, Format] = {
    TEXT.name: TEXT,
    PO.name: PO,
    MARKDOWN.name: MARKDOWN,
    HTML.name: HTML,
    XLIFF.name: XLIFF,
    JSON_KV.name: JSON_KV,
    CSV.name: CSV,
    JSONL.name: JSONL,
    PYTHON.name: PYTHON,
}


def get_format(name: str) -> Format:
    """The format called ``name``; the error lists the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise FormatError(f"unknown format {name!r}; known: {', '.join(REGISTRY)}") from None


def detect_format(filename: str | None, declared: str | None) -> Format:
    """The declared format if any, else the one whose extension the file name ends with."""
    if declared:
        return get_format(declared.strip().lower())
    lowered = (filename or "").lower()
    matches = [
        (len(extension), fmt)
        for fmt in REGISTRY.values()
        for extension in fmt.extensions
        if lowered.endswith(extension)
    ]
    if matches:
        return max(matches, key=lambda match: match[0])[1]
    accepted = "; ".join(f"{name} ({', '.join(fmt.extensions)})" for name, fmt in REGISTRY.items())
    subject = f"{filename!r} from its name" if filename else "a file without a name"
    raise FormatError(
        f"cannot tell the format of {subject}; declare a format or use one of: {accepted}"
    )
