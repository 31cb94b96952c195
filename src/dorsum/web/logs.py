"""Logging without patient data, on every path.

- The access log records method, path (never the query string, which can carry a patient's
  name), status and duration; request bodies are never logged.
- An exception's *message* can hold data: a database driver's message quotes the offending
  value ("Key (email)=(ana@example.com) already exists"), a validation error quotes the input.
  So exceptions reach the log only as `scrubbed` tracebacks: each exception's type and where
  it was raised (file, line, function and the line of code), never its message or arguments.
  `NoPatientData` applies that to every record any library logs with an exception attached.
"""

from __future__ import annotations

import logging
import traceback
from typing import Any


def scrubbed(error: BaseException) -> str:
    """A traceback of `error` and its causes, with every message left out."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)")
        for frame in traceback.extract_tb(current.__traceback__):
            code = f": {frame.line.strip()}" if frame.line else ""
            lines.append(f"  at {frame.filename}:{frame.lineno} in {frame.name}{code}")
        current = current.__cause__ or current.__context__
    return "\n".join(lines)


class NoPatientData(logging.Filter):
    """Replace an attached exception by its scrubbed traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = scrubbed(record.exc_info[1])
            record.exc_info = None
        return True


class NoQueryAccessFilter(logging.Filter):
    """Rewrite uvicorn's access record so the query string never reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (*args[:2], path, *args[3:])
        return True


LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "no_query": {"()": NoQueryAccessFilter},
        "no_patient_data": {"()": NoPatientData},
    },
    "formatters": {
        "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "access": {"format": "%(asctime)s access: %(message)s"},
    },
    "handlers": {
        "default": {
            "class": "logging.StreamHandler",
            "formatter": "default",
            "filters": ["no_patient_data"],
            "stream": "ext://sys.stderr",
        },
        "access": {
            "class": "logging.StreamHandler",
            "formatter": "access",
            "filters": ["no_query", "no_patient_data"],
            "stream": "ext://sys.stdout",
        },
    },
    "loggers": {
        "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
        "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        "dorsum": {"handlers": ["default"], "level": "INFO", "propagate": False},
        "sqlalchemy": {"handlers": ["default"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["default"], "level": "WARNING"},
}
