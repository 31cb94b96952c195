"""The pure per-patient function every engine runs: resources in, one report row out.

The local engine and Spark both call `screen_patient`, so they cannot disagree. What is slow is
loaded once per process (`ScreenSpec.context()`). A row is a function of the patient's age and
the facts the decision is made on (`dorsum.core.engine.graded_facts`), which a population shares
far more often than whole intakes (100,000 synthetic patients: 50,000 distinct intakes, 14,000
distinct facts), so each process assesses each set of facts once (`ScreenContext.memo`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from dorsum.core.cache import AssessmentCache
from dorsum.core.decision import DecisionInput, decision_input
from dorsum.core.engine import graded_facts, screen_decision
from dorsum.core.errors import DorsumError, IntakeError
from dorsum.core.intake import Intake
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.fhir.read_dates import forget_dates
from dorsum.fhir.reading import intake_from_resources
from dorsum.screening.changes import Outcome, changes_between
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
    memo: dict[FactsKey, tuple[str, ...]] = field(default_factory=dict)

    def forget(self, *, rows: bool = False) -> None:
        """Drop the assessment memos (engines do between partitions) and, with `rows`, the rows'
        memo and the dates parsed (the local engine does at the start and end of a run). Within a
        run the rows' memo is kept: populations share facts across partitions, and it empties
        itself at `ROWS_LIMIT`."""
        self.cache.clear()
        if rows:
            self.memo.clear()
            forget_dates()


ROWS_LIMIT = 16_384
"""Entries in a process's memo of rows: about 1.1 kB each on the synthetic population
(measured; more with many exclusions or changes), so typically some 18 MB per process."""

FactsKey = tuple[DecisionInput, DecisionInput | None]
"""The decision's facts under the current knowledge base and under the earlier one."""


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
    intake = read.intake
    key = _facts_key(intake, context)
    cells = context.memo.get(key)
    if cells is None:
        cells = _cells(key, context)
        if len(context.memo) >= ROWS_LIMIT:
            context.memo.clear()
        context.memo[key] = cells
    return Screened(ScreenRow(patient_id, str(intake.patient.age), *cells), read.skipped)


def _facts_key(intake: Intake, context: ScreenContext) -> FactsKey:
    """The facts under both versions; grading and flags do not depend on the knowledge base,
    so the intake is graded once and only the facts a wait reads are taken again."""
    today, since = context.today, context.since
    conditions, now = graded_facts(intake, index=context.index, today=today, cache=context.cache)
    if since is None:
        return now, None
    return now, decision_input(intake, conditions, now.flags, index=since, today=today)


def _unreadable(patient_id: str, resources: Sequence[Mapping[str, Any]], why: str) -> Screened:
    """A row saying why there is no intake; all the patient's resources count as skipped."""
    skipped = Counter(f"{r['resourceType']} of a patient with no valid intake" for r in resources)
    return Screened(ScreenRow(patient_id, error=f"no valid intake: {why}"), skipped)


def _cells(key: FactsKey, context: ScreenContext) -> tuple[str, ...]:
    """Every cell after the age, from the key alone (so equal keys give equal cells)."""
    facts, before = key
    now = _outcome(facts, context.index)
    changes = ""
    if before is not None and context.since is not None:
        changes = "; ".join(changes_between(_outcome(before, context.since), now))
    return (
        "; ".join(f"{condition}:{severity}" for condition, severity in now.conditions),
        now.referral.urgency,
        "; ".join(reason.code for reason in now.referral.reasons),
        _exclusions_cell(now),
        changes,
        "",
    )


def _outcome(facts: DecisionInput, index: KnowledgeIndex) -> Outcome:
    """What the report says under `index`: the engine's decision on these facts, without the
    parts of an assessment no cell shows (ranked options, advice, trace)."""
    decision = screen_decision(facts, index)
    graded = tuple((c.id, c.severity) for c in facts.conditions)
    return Outcome(graded, decision.excluded, decision.referral)


def _exclusions_cell(outcome: Outcome) -> str:
    """Each excluded option as "treatment:condition=code@until+code", in the decision's order."""
    return "; ".join(
        f"{e.treatment}:{e.condition}="
        + "+".join(r.code + (f"@{r.until.isoformat()}" if r.until else "") for r in e.reasons)
        for e in outcome.excluded
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
