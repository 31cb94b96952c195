"""A CDS Hooks request as the EHR sends it (CDS Hooks 2.0, "HTTP Request"), read strictly
enough to answer 400 naming the field at fault, and loosely enough to accept what the
specification allows (extra fields, extensions)."""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dorsum.cds.errors import BadRequest

__all__ = ["FhirAuthorization", "HookRequest", "read_request"]


class FhirAuthorization(BaseModel):
    """The OAuth 2.0 token the EHR lends for reading its FHIR server (every field but
    `patient` is REQUIRED by the specification; `token_type` is fixed: Bearer)."""

    model_config = ConfigDict(extra="allow")

    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str


class HookRequest(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)

    hook: str = Field(min_length=1)
    hook_instance: str = Field(alias="hookInstance", min_length=1)
    fhir_server: str | None = Field(default=None, alias="fhirServer")
    fhir_authorization: FhirAuthorization | None = Field(default=None, alias="fhirAuthorization")
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None

    @field_validator("fhir_server")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
        except ValueError:
            raise ValueError("must be the http(s) base URL of the EHR's FHIR server") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be the http(s) base URL of the EHR's FHIR server")
        if parts.query or parts.fragment or parts.username or parts.password:
            raise ValueError("must be a base URL, without query, fragment or credentials")
        return value

    @model_validator(mode="after")
    def _server_for_token(self) -> HookRequest:
        if self.fhir_authorization is not None and self.fhir_server is None:
            raise ValueError("fhirServer is required when fhirAuthorization is given")
        return self

    def patient_id(self) -> str:
        """context.patientId, required by every hook dorsum serves."""
        value = self.context.get("patientId")
        if not isinstance(value, str) or not value:
            raise BadRequest("context.patientId is required: the id of the patient in the EHR")
        return value


def read_request(body: bytes) -> HookRequest:
    """The body as a hook request; 400 naming each bad field otherwise."""
    try:
        return HookRequest.model_validate_json(body)
    except ValidationError as error:
        raise BadRequest(_problems(error)) from None


def _problems(error: ValidationError) -> str:
    parts = []
    for problem in error.errors(include_input=False, include_url=False):
        path = ".".join(str(part) for part in problem["loc"])
        if problem["type"] == "json_invalid":
            return "the request body is not valid JSON"
        parts.append(f"{path}: {problem['msg']}" if path else problem["msg"])
    return "; ".join(parts)
