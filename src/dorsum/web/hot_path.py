"""Reading a request without FastAPI's generic parameter machinery, for the hot path
(`POST /api/assess`), where that machinery costs more than the assessment itself.

Errors stay identical to FastAPI's own: a 422 naming each field, body fields as `body.…` and
query parameters as `query.…`; the OpenAPI description is declared alongside.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


async def read_body(request: Request, model: type[Model]) -> Model:
    """The body as `model`, validated in one pass from bytes (pydantic-core parses the JSON)."""
    try:
        return model.model_validate_json(await request.body())
    except ValidationError as error:
        located = [{**problem, "loc": ("body", *problem["loc"])} for problem in error.errors()]
        raise RequestValidationError(located) from None


def query_date(request: Request, name: str) -> date | None:
    """An optional ISO date in the query string."""
    given = request.query_params.get(name)
    if not given:
        return None
    try:
        return date.fromisoformat(given)
    except ValueError:
        problem = {
            "type": "date_from_datetime_parsing",
            "loc": ("query", name),
            "input": given,
            "msg": "Input should be a valid date in the format YYYY-MM-DD",
        }
        raise RequestValidationError([problem]) from None


def openapi(
    body: str, dates: tuple[str, ...] = (), choices: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    """OpenAPI for a required JSON body whose schema is among the components, and date and
    choice parameters in the query string."""
    reference = {"$ref": f"#/components/schemas/{body}"}
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "query",
            "required": False,
            "schema": {"type": "string", "format": "date"},
        }
        for name in dates
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"enum": values}}
        for name, values in (choices or {}).items()
    ]
    return {
        "requestBody": {"required": True, "content": {"application/json": {"schema": reference}}},
        "parameters": parameters,
    }
