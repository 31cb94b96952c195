"""One line of a Bulk Data NDJSON file to a resource.

Real exports carry the odd truncated or hand-edited line; the engines skip and count those
instead of stopping, so parsing answers None rather than raising.
"""

from __future__ import annotations

import json
from typing import Any

_decode = json.JSONDecoder().decode


def parse_line(text: str | bytes) -> dict[str, Any] | None:
    """The resource on this line, or None when the line is not a JSON object with a resourceType."""
    try:
        value = _decode(text if isinstance(text, str) else text.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if type(value) is not dict or type(value.get("resourceType")) is not str:
        return None
    return value


def why_malformed(text: str | bytes) -> str:
    """A short reason for a line `parse_line` refused (never the line itself: it may hold PHI).

    The line end is not part of the line: readers that strip it (Spark's) and readers that keep
    it give the same reason.
    """
    try:
        line = text if isinstance(text, str) else text.decode("utf-8")
        value = json.loads(line.rstrip("\r\n"))
    except UnicodeDecodeError:
        return "not UTF-8"
    except json.JSONDecodeError as error:
        return f"not JSON: {error.msg.removesuffix(' at')} (column {error.colno})"
    if not isinstance(value, dict):
        return f"not a JSON object (a {type(value).__name__})"
    return "no resourceType"
