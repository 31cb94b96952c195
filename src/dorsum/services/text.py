"""Free-text fields: trimmed, bounded, and free of NUL characters (which PostgreSQL refuses)."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError


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
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise PydanticCustomError(
            "email_format", "must be an e-mail address such as name@example.org"
        )
    return value


# an e-mail address as people type it: something@somewhere.tld (deliverability is not checked)
Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, max_length=254),
    AfterValidator(_email),
]


def search_key(*parts: str | None) -> str:
    """Text folded for searching: lower case and without accents ("López" → "lopez")."""
    joined = " ".join(part for part in parts if part)
    decomposed = unicodedata.normalize("NFKD", joined.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c) and c != "\x00")
