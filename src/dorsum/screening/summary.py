"""The totals of a run: what was screened, what was skipped and why, which lines were malformed.

Only counts, file names, line numbers and reasons: never the content of a line, which may hold
what a patient told the clinic.
"""

from __future__ import annotations

from bisect import insort
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

MALFORMED_KEPT = 50


@dataclass(frozen=True, slots=True)
class MalformedLine:
    """Where a line could not be read, and why."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(slots=True)
class ScreenSummary:
    """Totals of one run; engines merge the summaries of their parts with `add`."""

    patients: int = 0
    rows: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    malformed: int = 0
    first_malformed: list[MalformedLine] = field(default_factory=list)

    def skip_all(self, reasons: Mapping[str, int]) -> None:
        """Count what one patient's mapping left out."""
        self.skipped.update(reasons)

    def bad_line(self, where: MalformedLine) -> None:
        """Count a malformed line, keeping the first few (by file and line, whatever order they
        are found in) for the person running the screen."""
        self.malformed += 1
        self._keep(where)

    def add(self, other: ScreenSummary) -> None:
        """Fold another part's totals into these."""
        self.patients += other.patients
        self.rows += other.rows
        self.skipped.update(other.skipped)
        self.malformed += other.malformed
        for where in other.first_malformed:
            self._keep(where)

    def _keep(self, where: MalformedLine) -> None:
        kept = self.first_malformed
        if len(kept) >= MALFORMED_KEPT and _place(where) >= _place(kept[-1]):
            return
        insort(kept, where, key=_place)
        del kept[MALFORMED_KEPT:]

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def sorted_malformed(self) -> list[MalformedLine]:
        """The kept malformed lines by file and line number."""
        return sorted(self.first_malformed, key=_place)


def _place(where: MalformedLine) -> tuple[str, int]:
    return where.file, where.line
