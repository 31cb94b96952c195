"""Turn raw intake data into an `Intake`, or an `IntakeError` naming every bad field by path.

Pydantic finds the problems; this module words them for a clinic: the dotted path
(`patient.fitzpatrick`), what was given, and what would be valid, with a spelling suggestion
for unknown fields.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Mapping
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from dorsum.core.errors import FieldProblem, IntakeError
from dorsum.core.intake import Intake


def parse_intake(data: object) -> Intake:
    """Validate raw data (a dict, or an `Intake` already) against contract 1."""
    if isinstance(data, Intake):
        return data
    try:
        return Intake.model_validate(data)
    except ValidationError as error:
        raise IntakeError([_problem(detail) for detail in error.errors()]) from None


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "intake"


def _problem(detail: ErrorDetails) -> FieldProblem:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    if kind == "missing":
        return FieldProblem(_path(loc), "is required")
    if kind == "extra_forbidden":
        return FieldProblem(_path(loc), _unknown_field_message(loc))
    if kind in {"model_type", "dict_type"}:
        return FieldProblem(_path(loc), f"must be an object, not {_shown(detail['input'])}")
    return FieldProblem(_path(loc), f"{detail['msg']} (got {_shown(detail['input'])})")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _unknown_field_message(loc: tuple[int | str, ...]) -> str:
    allowed = sorted(_fields_at(loc[:-1]))
    name = str(loc[-1])
    close = difflib.get_close_matches(name, allowed, n=1)
    if close:
        hint = f" Did you mean {close[0]!r}?"
    else:
        elsewhere = _all_paths()
        match = difflib.get_close_matches(name, list(elsewhere), n=1)
        hint = f" Did you mean {elsewhere[match[0]]!r}?" if match else ""
    return f"is not a field here.{hint} Valid fields: {', '.join(allowed)}"


def _all_paths() -> dict[str, str]:
    """Every field name in the intake, mapped to its dotted path (first occurrence wins)."""
    paths: dict[str, str] = {}

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            paths.setdefault(name, prefix + name)
            inner = _model_in(field.annotation)
            if inner is not None:
                walk(inner, f"{prefix}{name}.")

    walk(Intake, "")
    return paths


def _fields_at(loc: tuple[int | str, ...]) -> set[str]:
    model: type[BaseModel] | None = Intake
    for part in loc:
        if model is None:
            return set()
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        model = _model_in(field.annotation) if field is not None else None
    return set(model.model_fields) if model is not None else set()


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside Optional[...] or tuple[..., ...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType, tuple, list) or isinstance(origin, type):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def intake_schema() -> Mapping[str, Any]:
    """The intake's JSON Schema, for documentation and form builders."""
    return Intake.model_json_schema()
