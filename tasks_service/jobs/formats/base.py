"""The contract every document format implements: split bytes into units, assemble them back.

A format never stores a separate skeleton: the uploaded bytes are the skeleton, and each unit
carries a *locator* (JSON-serialisable, format-specific) saying where its answer goes. Assembling
with no answers therefore gives back the uploaded bytes exactly, by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Answer = str | list[str]
Segmentation = Literal["paragraph", "sentence"]


class FormatError(ValueError):
    """The file cannot be read as this format; the message tells the owner what to fix."""


@dataclass(frozen=True, slots=True)
class Placeholder:
    """A protected piece: ``token`` appears in the source and must appear in the answer."""

    token: str
    text: str


@dataclass(frozen=True, slots=True)
class Unit:
    """One piece of work: the text a volunteer sees and where the answer goes back."""

    key: str
    source: str
    locator: dict[str, Any]
    placeholders: tuple[Placeholder, ...] = ()
    source_plural: str | None = None
    note: str | None = None
    gold: Answer | None = None  # a known answer (label rows with a gold column)


@dataclass(frozen=True, slots=True)
class SplitOptions:
    source_language: str
    target_language: str | None = None
    segmentation: Segmentation = "paragraph"
    template: str | None = None  # label jobs: how a row is shown, e.g. "Which animal? {text}"


@dataclass(slots=True)
class Split:
    """The result of splitting: document-wide facts (``meta``) and the units in document order."""

    meta: dict[str, Any]
    units: Iterator[Unit]


@dataclass(frozen=True, slots=True)
class Piece:
    """A unit's locator with its accepted answer, or ``None`` to keep the source.

    ``placeholders`` are the unit's, so a format can turn markup tokens back into markup
    (:func:`tasks_service.jobs.formats.markup.expand`).
    """

    locator: dict[str, Any]
    answer: Answer | None
    placeholders: tuple[Placeholder, ...] = ()


@dataclass(frozen=True, slots=True)
class AssembleOptions:
    target_language: str | None = None
    credits: tuple[str, ...] = field(default=())


class Format(Protocol):
    name: str
    extensions: tuple[str, ...]
    media_type: str
    kinds: tuple[str, ...]  # the job kinds a file of this format can make
    # Label formats return their rows with an added answer column even with no answers;
    # every other format returns the upload byte for byte when nothing is answered.
    adds_answer_column: bool

    def split(self, data: bytes, options: SplitOptions) -> Split: ...

    def assemble(
        self,
        data: bytes,
        meta: dict[str, Any],
        pieces: Iterable[Piece],
        options: AssembleOptions,
    ) -> bytes: ...
