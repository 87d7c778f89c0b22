"""The request's transaction: one owner, commit on success, roll back on error."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from litestar.datastructures import State
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from tasks_service.background.outbox import OUTBOX_WRITTEN


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """Yield a session inside a transaction that commits before the response is sent.

    Litestar closes yield-dependencies before sending, so an acknowledged request is durable.
    After a commit that wrote outbox rows, the background dispatcher is woken at once.
    """
    async with state.sessionmaker() as session:
        transaction = await session.begin()
        try:
            yield session
        except BaseException:
            # The error may be a database gone away (the claim's own connection, say), and this
            # one with it: a failed rollback must not hide the error that says why.
            with contextlib.suppress(DBAPIError):
                await transaction.rollback()
            raise
        await transaction.commit()
        if session.info.pop(OUTBOX_WRITTEN, False):
            state.background.wake()
