"""What every page handler shares: templates with the viewer, redirects, form fields, notices."""

from __future__ import annotations

from typing import Annotated, Any

from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from tasks_service.db import models as m

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

# Notices shown after a redirect, chosen by a fixed key so no text comes from the URL.
NOTICES = {
    "submitted": "Thank you, your answer is in. Here is the next task.",
    "submitted-last": "Thank you, your answer is in. Nothing else fits you right now.",
    "skipped": "Skipped. Here is another task.",
    "skipped-last": "Skipped. Nothing else fits you right now.",
    "no-task": "Nothing fits your languages and level right now. Try again later.",
    "expired": "That task's time ran out; it went back to the pool.",
    "closed": "That task no longer takes answers.",
    "reviewed": "Verdict recorded. Here is the next answer to review.",
    "reviewed-last": "Verdict recorded. Nothing else is waiting for review.",
    "given-back": "Given back unreviewed; another reviewer can take it now.",
    "no-review": "Nothing is waiting for your review right now.",
    "saved": "Saved.",
    "signed-out": "You are signed out.",
    "cancelled": "The job is cancelled. Accepted work is kept.",
    "welcome": "Welcome! Your account is ready.",
    "reviewer-added": "Reviewer added. They can now review this project's answers.",
    "reviewer-removed": "Reviewer removed.",
}


def page(
    template: str,
    viewer: m.Account | None,
    *,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Template:
    return Template(
        template_name=template,
        context={"viewer": viewer, **context},
        status_code=status_code,
        cookies=cookies or [],
    )


def notice(key: str | None) -> str | None:
    return NOTICES.get(key or "")


def go(path: str, cookies: list[Cookie] | None = None) -> Redirect:
    """See other: the browser follows with a GET, so reloading never posts twice."""
    return Redirect(path=path, status_code=HTTP_303_SEE_OTHER, cookies=cookies or [])


def field(form: dict[str, Any], name: str) -> str:
    """One text field; absent and blank are both ''."""
    value = form.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return value if isinstance(value, str) else ""


def split_list(text: str, separators: str = ",") -> list[str]:
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return [part.strip() for part in text.split(separators[0]) if part.strip()]
