"""Keyset pagination: opaque cursors and a capped page size shared by every list endpoint."""

from __future__ import annotations

from typing import Annotated

from litestar.params import Parameter

from tasks_service.errors import Invalid

MAX_PAGE = 200
Limit = Annotated[int, Parameter(ge=1, le=MAX_PAGE, description=f"page size, at most {MAX_PAGE}")]
Cursor = Annotated[str | None, Parameter(description="next_cursor from the previous page")]


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None or cursor == "":
        return None
    if not cursor.isdigit():
        raise Invalid(f"cursor {cursor!r} is not one this service gave out")
    return int(cursor)


def next_cursor(last_key: int | None, page_size: int, limit: int) -> str | None:
    return str(last_key) if last_key is not None and page_size == limit else None
