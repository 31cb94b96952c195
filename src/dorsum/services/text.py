"""Free-text fields: trimmed, bounded, and free of NUL characters (which PostgreSQL refuses)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    AfterValidator(_no_nul),
]
ShortText = Annotated[str, StringConstraints(max_length=254), AfterValidator(_no_nul)]
LongText = Annotated[str, StringConstraints(max_length=5000), AfterValidator(_no_nul)]
