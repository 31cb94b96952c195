"""Shape checks for FHIR JSON that the R4B models do not make."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def empty_paths(value: Any, path: str = "") -> Iterator[str]:
    """Where a value is empty: FHIR JSON has no empty arrays, objects or strings."""
    if value in ([], {}, "", None):
        yield path or "(root)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from empty_paths(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from empty_paths(item, f"{path}[{n}]")
