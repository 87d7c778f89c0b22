"""Web pages over HTTP without a browser: one cookie jar per person, CSRF tokens from pages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest

from tests.harness import PASSWORD, Api

_TOKEN = re.compile(r'<meta name="csrf-token" content="([0-9a-f]+)">')


class Browserless:
    """A person using the pages: follows what a form posts, keeps cookies, sends the token."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.token = ""

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.get(path, **kwargs)
        if found := _TOKEN.search(response.text):
            self.token = found.group(1)
        return response

    async def post(self, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        """Post a form the way the page does, with the CSRF token of the last page seen."""
        if not self.token:
            await self.get("/")
        response = await self.client.post(path, data={"_csrf_token": self.token, **(data or {})})
        if found := _TOKEN.search(response.text):
            self.token = found.group(1)
        return response

    async def sign_up(self, username: str, languages: str = "en, fr") -> None:
        await self.get("/signup")
        response = await self.post(
            "/signup", {"username": username, "password": PASSWORD, "languages": languages}
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"] == "/?msg=welcome"

    @property
    def session_token(self) -> str:
        return str(self.client.cookies.get("ts_session"))


@pytest.fixture
async def people(api: Api) -> AsyncIterator[Callable[[], Browserless]]:
    """Make as many people as a test needs, each with a cookie jar of their own."""
    async with AsyncExitStack() as stack:

        def person() -> Browserless:
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=api.app), base_url="http://test"
            )
            stack.push_async_callback(client.aclose)
            return Browserless(client)

        yield person
