"""One patient's line in the re-screening report.

Every cell is text so that a row is the same in the local engine, in Spark and in the CSV file;
lists inside a cell are joined with "; " in a stable order so that two runs diff cleanly.
"""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS: tuple[str, ...] = (
    "patient_id",
    "age",
    "conditions",
    "referral",
    "referral_reasons",
    "exclusions",
    "changes",
    "error",
)


@dataclass(frozen=True, slots=True)
class ScreenRow:
    """What the knowledge base says for one patient, and what changed since an earlier version.

    `conditions`: "condition:severity"; `referral`: the urgency; `referral_reasons`: reason codes;
    `exclusions`: "treatment:condition=code@until+code"; `changes`: see `dorsum.screening.changes`;
    `error`: why no intake could be made (the other cells are then empty).
    """

    patient_id: str
    age: str = ""
    conditions: str = ""
    referral: str = ""
    referral_reasons: str = ""
    exclusions: str = ""
    changes: str = ""
    error: str = ""

    def cells(self) -> tuple[str, ...]:
        """The row's cells, in `COLUMNS` order."""
        return (
            self.patient_id,
            self.age,
            self.conditions,
            self.referral,
            self.referral_reasons,
            self.exclusions,
            self.changes,
            self.error,
        )
