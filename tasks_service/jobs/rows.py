"""Task rows in the shape PostgreSQL's binary COPY wants: tuples, JSON columns as text."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

TASK_COLUMNS = (
    "job_id",
    "seq",
    "key",
    "source",
    "source_plural",
    "placeholders",
    "note",
    "locator",
    "words",
    "state",
    "open_slots",
    "answers",
    "accepted_submission_id",
    "accepted_answer",
    "gold_answer",
    "copies",
    "updated_at",
)
JSON_COLUMNS = frozenset({"placeholders", "locator", "accepted_answer", "gold_answer"})
_encode = msgspec.json.Encoder().encode


def copy_rows(rows: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        yield tuple(
            (None if row[c] is None else _encode(row[c]).decode())
            if c in JSON_COLUMNS
            else (str(row[c]) if c == "state" else row[c])
            for c in TASK_COLUMNS
        )
