"""Logging: one JSON object per line (or plain text), each record carrying its request's id.

The request middleware (``access_log.py``) puts a ``RequestContext`` in a context variable; a
filter copies its request id and, once the token is resolved, the account id onto every record
logged while the request runs, from any module. Nothing here ever sees a header or a body, so
tokens and passwords cannot reach the log through it.
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

LogFormat = Literal["json", "text"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "account_id",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


@dataclass(slots=True)
class RequestContext:
    """Mutable on purpose: dependencies resolved in child tasks see (and fill in) the same one."""

    request_id: str
    account_id: int | None = None


current_request: ContextVar[RequestContext | None] = ContextVar("current_request", default=None)


def bind_account(account_id: int) -> None:
    """Name the caller on the rest of this request's log records."""
    if (context := current_request.get()) is not None:
        context.account_id = account_id


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = current_request.get()
        record.request_id = context.request_id if context else "-"
        record.account_id = context.account_id if context else None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if (request_id := getattr(record, "request_id", "-")) != "-":
            entry["request_id"] = request_id
        if (account_id := getattr(record, "account_id", None)) is not None:
            entry["account_id"] = account_id
        entry |= {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def logging_config(log_format: LogFormat, level: str = "INFO") -> dict[str, Any]:
    """A ``dictConfig`` for the process (uvicorn applies it in each of its workers too)."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request": {"()": f"{__name__}.RequestContextFilter"}},
        "formatters": {"default": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["request"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {
            "alembic": {"level": "WARNING"},
            # uvicorn's own lines go through the root handler; requests are logged by ours.
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(log_format: LogFormat, level: str = "INFO") -> None:
    logging.config.dictConfig(logging_config(log_format, level))
