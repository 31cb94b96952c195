"""The errors dorsum raises on purpose, as one small tree.

    DorsumError                  anything dorsum reports to a user on purpose
    ├── IntakeError              the intake is not valid; lists every bad field by path
    ├── KnowledgeBaseError       the knowledge base failed validation; lists every problem
    ├── PlanError                a plan cannot be built as asked (unknown/excluded option, dates)
    └── DateRangeError           a date given to dorsum is outside the years it supports

Adapters (CLI, web) catch `DorsumError` and show its message; anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


class DorsumError(Exception):
    """Base class: a problem dorsum explains to the user rather than crashes on."""


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One bad field: where it is (dotted path) and what would be valid."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class IntakeError(DorsumError):
    """The intake is invalid. `problems` names each bad field by its dotted path."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The intake is not valid ({len(problems)} problem(s)):\n{lines}")

    @property
    def paths(self) -> list[str]:
        return [problem.path for problem in self.problems]


class KnowledgeBaseError(DorsumError):
    """The knowledge base is inconsistent. `problems` lists every failed check."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"The knowledge base is not valid ({len(problems)} problem(s)):\n{lines}")


class PlanError(DorsumError):
    """A plan cannot be built as requested; the message says what to change. `code`, `field`
    and `values` say the same for renderers that word it themselves (the web, in Spanish)."""

    def __init__(
        self, message: str, *, code: str = "plan", field: str | None = None, **values: object
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.values = values


class DateRangeError(DorsumError):
    """A date passed in (today, a start or target date) is outside the supported years."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")
