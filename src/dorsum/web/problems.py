"""Problems with what someone typed, in plain words, in their language, next to the field.

Validation (pydantic, the services, the form reader) reports *where* and *what kind*; this
module turns that into a sentence from the message catalog, with its values formatted for the
reader's language (dates as dates, never `datetime.date(1899, 1, 1)`), and never echoes a
Python path or repr to a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

from babel.numbers import format_decimal
from pydantic import ValidationError

from dorsum.i18n import N_, Localizer
from dorsum.services.errors import InvalidInput

Location = tuple[int | str, ...]


@dataclass(frozen=True)
class Problem:
    """One field's problem: the form field, an untranslated message and its values."""

    field: str
    message: str
    values: Mapping[str, Any] = dataclass_field(default_factory=dict)

    def text(self, loc: Localizer) -> str:
        return loc.gettext(self.message, **{k: _shown(v, loc) for k, v in self.values.items()})

    @staticmethod
    def from_errors(
        errors: Iterable[Mapping[str, Any]], *, field: Callable[[Location], str]
    ) -> list[Problem]:
        """Pydantic errors as problems, each at the form field `field(location)` names."""
        return [Problem(field(location(error)), *wording(error)) for error in errors]


def location(error: Mapping[str, Any]) -> Location:
    """Where the error is, including the inner path a validator of a whole object names."""
    loc = tuple(error.get("loc", ()))
    inner = (error.get("ctx") or {}).get("path")
    return (*loc, *str(inner).split(".")) if inner else loc


def top_level(error_location: Location) -> str:
    """The form field of a flat form: the first part of the location."""
    return str(error_location[0]) if error_location else "form"


def of_model(errors: Iterable[Mapping[str, Any]]) -> dict[str, Problem]:
    """A flat form's validation errors, one per field."""
    return by_field(Problem.from_errors(errors, field=top_level))


def refusal(error: Exception) -> dict[str, Problem]:
    """A flat form's refusal, from validation or from a service (`InvalidInput`), by field."""
    if isinstance(error, ValidationError):
        return of_model(error.errors())
    if isinstance(error, InvalidInput):
        field = error.field or "form"
        return {field: Problem(field, error.message, error.values)}
    raise TypeError(f"not a refusal: {type(error).__name__}")


def by_field(problems: Iterable[Problem]) -> dict[str, Problem]:
    """The first problem of each field (one sentence per field is enough to fix it)."""
    first: dict[str, Problem] = {}
    for problem in problems:
        first.setdefault(problem.field, problem)
    return first


def _shown(value: Any, loc: Localizer) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return format_decimal(value, locale=loc.locale)
    if isinstance(value, dt.datetime):
        return f"{loc.date(value.date(), 'medium')} {value:%H:%M}"
    if isinstance(value, dt.date):
        return loc.date(value, "medium")
    return value


_BY_TYPE: dict[str, str] = {
    "missing": N_("This is required."),
    "int_parsing": N_("Enter a whole number."),
    "int_type": N_("Enter a whole number."),
    "int_from_float": N_("Enter a whole number."),
    "float_parsing": N_("Enter a number."),
    "float_type": N_("Enter a number."),
    "finite_number": N_("Enter a number."),
    "string_type": N_("Enter some text."),
    "string_too_long": N_("Use at most %(limit)s characters."),
    "string_pattern_mismatch": N_("This is not in the expected form."),
    "email_format": N_("Enter an e-mail address such as name@example.org."),
    "date_parsing": N_("Enter a date (day, month and year) between the years 1900 and 2199."),
    "date_type": N_("Enter a date (day, month and year) between the years 1900 and 2199."),
    "date_from_datetime_parsing": N_(
        "Enter a date (day, month and year) between the years 1900 and 2199."
    ),
    "date_from_datetime_inexact": N_(
        "Enter a date (day, month and year) between the years 1900 and 2199."
    ),
    "datetime_parsing": N_("Enter a date and a time between the years 1900 and 2199."),
    "datetime_type": N_("Enter a date and a time between the years 1900 and 2199."),
    "datetime_from_date_parsing": N_("Enter a date and a time between the years 1900 and 2199."),
    "literal_error": N_("Choose one of the options."),
    "enum": N_("Choose one of the options."),
    "bool_parsing": N_("Choose yes or no."),
    "bool_type": N_("Choose yes or no."),
    "extra_forbidden": N_("This field is not part of the form."),
    "too_long": N_("Too many entries: at most %(limit)s."),
    "json_invalid": N_("This could not be read."),
    "date_range": N_("Enter a date between the years 1900 and 2199."),
}


_BOUNDS = {
    "greater_than_equal": (
        "ge",
        N_("Must be %(limit)s or more."),
        N_("Enter a date from %(limit)s on."),
    ),
    "greater_than": ("gt", N_("Must be more than %(limit)s."), N_("Enter a date after %(limit)s.")),
    "less_than_equal": (
        "le",
        N_("Must be %(limit)s or less."),
        N_("Enter a date up to %(limit)s."),
    ),
    "less_than": ("lt", N_("Must be less than %(limit)s."), N_("Enter a date before %(limit)s.")),
}


def wording(error: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """The message and values for one pydantic error."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind in _BOUNDS:
        key, number, day = _BOUNDS[kind]
        limit = context.get(key)
        return (day if isinstance(limit, dt.date) else number), {"limit": limit}
    if kind == "string_too_short" and context.get("min_length", 1) > 1:
        return N_("Use at least %(limit)s characters."), {"limit": context["min_length"]}
    if kind == "string_too_short":
        return N_("This is required."), {}
    if kind in ("too_long", "string_too_long"):
        return _BY_TYPE[kind], {"limit": context.get("max_length")}
    if kind == "value_error":
        return _value_error(str(context.get("error", error.get("msg", ""))))
    return _BY_TYPE.get(kind, N_("This value is not valid.")), {}


def _value_error(text: str) -> tuple[str, dict[str, Any]]:
    """Our own validators' errors (NUL characters, supported years)."""
    if "NUL" in text:
        return N_("This cannot contain a NUL character."), {}
    if "between" in text:
        return N_("Enter a date between the years 1900 and 2199."), {}
    return N_("This value is not valid."), {}


PLAN_MESSAGES: dict[str, str] = {
    "start_before_assessment": N_("A plan cannot start before the consultation, on %(assessed)s."),
    "target_before_start": N_("The target date is before the start."),
    "unknown_treatment": N_("One of the chosen options is not known here. Choose from the list."),
    "not_indicated": N_("%(treatment)s does not suit this patient's findings."),
    "ruled_out": N_("%(treatment)s is ruled out for this patient, so it cannot be planned."),
    "acne_first": N_(
        "The chosen scar treatments must wait until the acne is treated, and no acne treatment "
        "can be planned here: a physician should see the acne first."
    ),
    "hemisphere": N_("Choose when summer is."),
    "country": N_("Choose a country."),
}


def plan_problem(
    code: str, field: str | None, values: Mapping[str, Any], treatment_name: Callable[[str], str]
) -> Problem:
    """A plan the planner refused, worded for the person planning it, at its field."""
    shown = {k: treatment_name(str(v)) if k == "treatment" else v for k, v in values.items()}
    message = PLAN_MESSAGES.get(code, N_("This plan cannot be built as asked."))
    return Problem(f"plan_{field}" if field else "plan_form", message, shown)
