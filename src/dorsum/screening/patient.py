"""The pure per-patient function every engine runs: resources in, one report row out.

The local engine and Spark both call `screen_patient`, so they cannot disagree. What is slow is
loaded once per process (`ScreenSpec.context()`), and identical intakes (common in a population:
same age, same findings) are assessed once per process (`ScreenContext.memo`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from dorsum.core.assessment import Assessment
from dorsum.core.cache import LIMIT, AssessmentCache
from dorsum.core.engine import assess_intake
from dorsum.core.errors import DorsumError, IntakeError
from dorsum.core.intake import Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.reading import intake_from_resources
from dorsum.screening.changes import changes_between
from dorsum.screening.row import ScreenRow


@dataclass(frozen=True, slots=True)
class ScreenSpec:
    """What a run screens against; small and picklable so it travels to workers and executors.

    `kb` is a version name or a directory (None: the shipped knowledge base); `since` is the
    earlier version (or directory) to compare against.
    """

    today: date
    kb: str | None = None
    since: str | None = None

    def context(self) -> ScreenContext:
        """The loaded knowledge bases and memos for this spec (loaded once per process)."""
        return _context(self)


@dataclass(slots=True)
class ScreenContext:
    """Everything `screen_patient` needs, loaded; the memos belong to this process alone."""

    today: date
    index: KnowledgeIndex
    since: KnowledgeIndex | None = None
    cache: AssessmentCache = field(default_factory=AssessmentCache)
    memo: dict[Intake, tuple[str, ...]] = field(default_factory=dict)

    def forget(self) -> None:
        """Drop the memos (engines do between partitions, so memory stays bounded)."""
        self.memo.clear()
        self.cache.clear()


@dataclass(frozen=True, slots=True)
class Screened:
    """A row and what the patient's resources held that dorsum does not use (reason -> count)."""

    row: ScreenRow
    skipped: Mapping[str, int]


def screen_patient(
    patient_id: str, resources: Sequence[Mapping[str, Any]], context: ScreenContext
) -> ScreenRow:
    """One patient's row: assessment under the current knowledge base and changes since."""
    return screen_counted(patient_id, resources, context).row


def screen_counted(
    patient_id: str, resources: Sequence[Mapping[str, Any]], context: ScreenContext
) -> Screened:
    """`screen_patient`, also returning what was skipped, for the run's summary."""
    try:
        read = intake_from_resources(resources, today=context.today)
    except IntakeError as error:
        problems = "; ".join(str(problem) for problem in error.problems)
        return _unreadable(patient_id, resources, problems)
    except DorsumError as error:
        return _unreadable(patient_id, resources, str(error))
    except (TypeError, ValueError, KeyError, AttributeError) as error:
        # a shape no rule of the FHIR reader foresaw: one patient's row says so, and the other
        # 99,999 are still screened (the type, never the value: it may be what a patient said)
        why = f"resources dorsum cannot read ({type(error).__name__}); please report it"
        return _unreadable(patient_id, resources, why)
    cells = context.memo.get(read.intake)
    if cells is None:
        cells = _cells(read.intake, context)
        if len(context.memo) >= LIMIT:
            context.memo.clear()
        context.memo[read.intake] = cells
    return Screened(ScreenRow(patient_id, *cells), read.skipped)


def _unreadable(patient_id: str, resources: Sequence[Mapping[str, Any]], why: str) -> Screened:
    """A row saying why there is no intake; all the patient's resources count as skipped."""
    skipped = Counter(f"{r['resourceType']} of a patient with no valid intake" for r in resources)
    return Screened(ScreenRow(patient_id, error=f"no valid intake: {why}"), skipped)


def _cells(intake: Intake, context: ScreenContext) -> tuple[str, ...]:
    now = assess_intake(intake, index=context.index, today=context.today, cache=context.cache)
    changes = ""
    if context.since is not None:
        before = assess_intake(
            intake, index=context.since, today=context.today, cache=context.cache
        )
        changes = "; ".join(changes_between(before, now))
    return (
        str(intake.patient.age),
        "; ".join(f"{c.id}:{c.severity}" for c in now.conditions),
        now.referral.urgency,
        "; ".join(reason.code for reason in now.referral.reasons),
        exclusions_cell(now),
        changes,
        "",
    )


def exclusions_cell(assessment: Assessment) -> str:
    """Each excluded option as "treatment:condition=code@until+code", in the assessment's order."""
    return "; ".join(
        f"{e.treatment}:{e.condition}="
        + "+".join(r.code + (f"@{r.until.isoformat()}" if r.until else "") for r in e.reasons)
        for e in assessment.excluded
    )


@lru_cache(maxsize=4)
def _context(spec: ScreenSpec) -> ScreenContext:
    from dorsum.knowledge.versions import load_version

    index = _index(spec.kb)
    since = None if spec.since is None else load_version(spec.since)
    return ScreenContext(today=spec.today, index=index, since=since)


def _index(kb: str | None) -> KnowledgeIndex:
    from dorsum.knowledge import default_index
    from dorsum.knowledge.versions import load_version

    return default_index() if kb is None else load_version(kb)
