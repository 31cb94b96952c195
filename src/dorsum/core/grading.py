"""Grade each condition found on the back: severity, the features treatments are matched on,
the scale readings that justify it, and the red-flag patient flags it raises.

Severity for back acne rests on NICE counts plus the nodule rule, never on GAGS alone (GAGS
scores back-only nodular acne as "mild"). Conditions without a validated scale use documented
conventions, marked as such in `basis`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

from pydantic import BaseModel

from dorsum.core.assessment import ConditionId, Severity
from dorsum.core.intake import (
    AcneFindings,
    AcneScarFindings,
    Intake,
    LocalizedFatFindings,
    Scar,
    StretchMarkFindings,
)
from dorsum.core.scales.gags import BACK_ONLY_MAXIMUM, GagsRegion, gags_band, gags_score
from dorsum.core.scales.gags import grade_from_counts as gags_grade_from_counts
from dorsum.core.scales.goodman_baron import goodman_baron_grade
from dorsum.core.scales.nice import INFLAMMATORY_THRESHOLD as NICE_INFLAMMATORY_SEVERE
from dorsum.core.scales.nice import nice_severity

CONDITION_ORDER: tuple[ConditionId, ...] = (
    "acne",
    "acne_scars",
    "scars",
    "stretch_marks",
    "localized_fat",
)
FAT_MODERATE_PINCH_CM = 2.5
# Mild acne (IGA grade 2: "some non-inflammatory lesions, no more than a few inflammatory
# lesions", FDA 2018), counted as Lehmann 2002 does: fewer than 20 comedones, fewer than 15
# inflammatory lesions and fewer than 30 lesions in all, and no nodule or cyst.
MILD_COMEDONES_BELOW = 20
MILD_INFLAMMATORY_BELOW = 15
MILD_TOTAL_BELOW = 30


class Reading(NamedTuple):
    """One scale's reading, as a code and values; the wording module says it in words."""

    code: str  # which reading: nice, gags, goodman_baron, scar_kinds, striae_stage, pinch
    values: tuple[tuple[str, str | int | float], ...]
    band: str | None = None
    sources: tuple[str, ...] = ()


class ConditionFacts(NamedTuple):
    """What treatments are matched on: which condition, how severe, which features."""

    id: ConditionId
    severity: Severity
    features: frozenset[str]


class GradedCondition(NamedTuple):
    """One condition as found: its severity and why, and what treatments are matched on.

    Grading functions are memoised on the (immutable) findings they grade.
    """

    facts: ConditionFacts
    grading: tuple[Reading, ...]
    flags: frozenset[str]
    trace: str  # the line this grading adds to the assessment's trace
    areas: int | None = None  # localized fat: areas of the back involved

    @property
    def id(self) -> ConditionId:
        return self.facts.id

    @property
    def severity(self) -> Severity:
        return self.facts.severity

    @property
    def features(self) -> frozenset[str]:
        return self.facts.features


def _graded(
    condition: ConditionId,
    *,
    severity: Severity,
    features: Iterable[str],
    grading: tuple[Reading, ...],
    flags: Iterable[str],
    summary: str,
    areas: int | None = None,
) -> GradedCondition:
    return GradedCondition(
        ConditionFacts(condition, severity, frozenset(features)),
        grading,
        frozenset(flags),
        f"grade.{condition}: {summary}",
        areas,
    )


def grade_findings(intake: Intake, memo: GradingMemo | None = None) -> list[GradedCondition]:
    """Every condition present in the intake, in clinical order (active acne first).

    `memo` (owned by the caller, see `AssessmentCache`) remembers gradings of equal findings.
    """
    findings = intake.findings

    def _memo(
        kind: str, key: Hashable, grade: Callable[[], GradedCondition | None]
    ) -> GradedCondition | None:
        if memo is None:
            return grade()
        full_key = (kind, key)
        try:
            return memo[full_key]
        except KeyError:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            result = memo[full_key] = grade()
            return result

    graded: list[GradedCondition | None] = []
    acne, acne_scars, marks, fat = (
        findings.acne,
        findings.acne_scars,
        findings.stretch_marks,
        findings.localized_fat,
    )
    if acne is not None and _acne_present(acne):
        graded.append(_memo("acne", _values(acne), lambda: grade_acne(acne)))
    if acne_scars is not None:
        active = bool(graded)
        graded.append(
            _memo(
                "acne_scars",
                (active, _values(acne_scars)),
                lambda: grade_acne_scars(acne_scars, active_acne=active),
            )
        )
    if findings.scars:
        scars = findings.scars
        key = tuple(_values(scar) for scar in scars)
        graded.append(_memo("scars", key, lambda: grade_other_scars(scars)))
    if marks is not None:
        graded.append(_memo("stretch_marks", _values(marks), lambda: grade_stretch_marks(marks)))
    if fat is not None:
        graded.append(_memo("localized_fat", _values(fat), lambda: grade_localized_fat(fat)))
    return [condition for condition in graded if condition is not None]


# Grading is pure, and the live consultation form re-grades the same findings on every edit,
# so results may be memoised on the findings' field values (compared as plain tuples, cheaply).
MEMO_LIMIT = 20_000
GradingMemo = dict[tuple[str, Hashable], "GradedCondition | None"]


def _values(finding: BaseModel) -> tuple[Any, ...]:
    return tuple(finding.__dict__.values())


def _acne_present(acne: AcneFindings) -> bool:
    return bool(
        acne.comedones + acne.papules + acne.pustules + acne.nodules + acne.cysts
        or acne.itchy_monomorphic_without_comedones
        or acne.rapid_worsening_with_systemic_symptoms
    )


def grade_acne(acne: AcneFindings) -> GradedCondition:
    """NICE band plus the back rule: any nodule or cyst is severe whatever GAGS says."""
    inflammatory = acne.papules + acne.pustules
    nodular = acne.nodules + acne.cysts
    nice = nice_severity(inflammatory=inflammatory, nodules=nodular)
    gags_grade = gags_grade_from_counts(
        comedones=acne.comedones, papules=acne.papules, pustules=acne.pustules, nodules=nodular
    )
    gags = gags_score({GagsRegion.CHEST_AND_UPPER_BACK: gags_grade})
    fulminans = acne.rapid_worsening_with_systemic_symptoms
    if nodular or nice == "moderate_to_severe" or fulminans:
        severity: Severity = "severe"
    elif (
        acne.comedones < MILD_COMEDONES_BELOW
        and inflammatory < MILD_INFLAMMATORY_BELOW
        and acne.comedones + inflammatory < MILD_TOTAL_BELOW
    ):
        severity = "mild"
    else:
        severity = "moderate"
    flags = {"active_acne"}
    if nodular:
        flags.add("nodular_acne")
    if inflammatory >= NICE_INFLAMMATORY_SEVERE:
        flags.add("severe_acne")
    if fulminans:
        flags.add("acne_fulminans")
    if acne.itchy_monomorphic_without_comedones:
        flags.add("malassezia_suspected")
    features = {
        name
        for name, present in (
            ("comedonal", acne.comedones),
            ("inflammatory", inflammatory),
            ("nodular", nodular),
        )
        if present
    }
    grading: tuple[Reading, ...] = (
        Reading(
            "nice",
            (("inflammatory", inflammatory), ("nodules", nodular)),
            band=nice,
            sources=("nice-ng198-referral",),
        ),
        Reading(
            "gags",
            (("score", gags), ("back_only_maximum", BACK_ONLY_MAXIMUM)),
            band=gags_band(gags),
            sources=("adityan-2009",),
        ),
    )
    if severity == "mild":
        grading += (
            Reading(
                "mild_boundary",
                (("comedones", acne.comedones), ("inflammatory", inflammatory)),
                band="mild",
                sources=("fda-acne-2018", "lehmann-2002"),
            ),
        )
    summary = (
        f"acne {severity}: NICE {nice} ({inflammatory} inflammatory, {nodular} nodular), "
        f"GAGS {gags} not used alone"
    )
    return _graded(
        "acne", severity=severity, features=features, grading=grading, flags=flags, summary=summary
    )


def grade_acne_scars(scars: AcneScarFindings, *, active_acne: bool) -> GradedCondition | None:
    """Goodman & Baron qualitative grade: 1-2 mild, 3 moderate, 4 severe."""
    atrophic = scars.icepick + scars.boxcar + scars.rolling
    grade = goodman_baron_grade(
        atrophic=atrophic,
        hypertrophic=scars.hypertrophic,
        macular=scars.macular,
        visible_at_social_distance=scars.visible_at_social_distance,
        flatten_on_stretch=scars.flatten_on_stretch,
    )
    if grade is None:
        return None
    severity: Severity = "severe" if grade == 4 else "moderate" if grade == 3 else "mild"
    features = {
        name
        for name, count in (
            ("icepick", scars.icepick),
            ("boxcar", scars.boxcar),
            ("rolling", scars.rolling),
            ("atrophic", atrophic),
            ("hypertrophic", scars.hypertrophic),
            ("macular", scars.macular),
        )
        if count
    }
    flags: set[str] = set()
    if grade == 4:
        flags.add("severe_scarring")
    if active_acne:
        flags.add("acne_with_scarring")
    reading = Reading(
        "goodman_baron",
        (("grade", grade),),
        band=("macular", "mild", "moderate", "severe")[grade - 1],
        sources=("goodman-baron-qualitative", "goodman-baron-table"),
    )
    summary = f"acne_scars {severity}: Goodman & Baron grade {grade}"
    return _graded(
        "acne_scars",
        severity=severity,
        features=features,
        grading=(reading,),
        flags=flags,
        summary=summary,
    )


_SCAR_SEVERITY: dict[str, Severity] = {
    "keloid": "severe",
    "hypertrophic": "moderate",
    "atrophic": "moderate",
    "flat": "mild",
}
_SEVERITY_RANK: dict[str, int] = {"mild": 0, "moderate": 1, "severe": 2}


def grade_other_scars(scars: tuple[Scar, ...]) -> GradedCondition:
    """The worst scar decides (convention: keloid severe, raised or sunken moderate, flat mild)."""
    kinds = {scar.kind for scar in scars}
    severity = max((_SCAR_SEVERITY[kind] for kind in kinds), key=_SEVERITY_RANK.__getitem__)
    features: set[str] = set(kinds)
    if kinds & {"hypertrophic", "keloid"}:
        features.add("raised")
    flags = {"keloid_scar"} if "keloid" in kinds else set()
    causes = ", ".join(sorted({scar.cause for scar in scars}))
    reading = Reading("scar_kinds", (("kinds", ", ".join(sorted(kinds))),), band=severity)
    summary = f"scars {severity}: {len(scars)} scar(s), kinds {sorted(kinds)}, causes {causes}"
    return _graded(
        "scars",
        severity=severity,
        features=features,
        grading=(reading,),
        flags=flags,
        summary=summary,
    )


def grade_stretch_marks(marks: StretchMarkFindings) -> GradedCondition:
    """Convention: early (rubra) is mild, late (alba) is moderate; no validated back scale."""
    severity: Severity = "mild" if marks.stage == "rubra" else "moderate"
    count = "count not recorded" if marks.count is None else f"{marks.count} marks"
    reading = Reading(
        "striae_stage",
        (("stage", marks.stage), ("count", marks.count if marks.count is not None else "")),
        band=severity,
        sources=("keen-2016",),
    )
    summary = f"stretch_marks {severity}: stage {marks.stage}, {count}"
    return _graded(
        "stretch_marks",
        severity=severity,
        features={marks.stage},
        grading=(reading,),
        flags=(),
        summary=summary,
    )


def grade_localized_fat(fat: LocalizedFatFindings) -> GradedCondition:
    """Convention on pinch thickness: under 2.5 cm mild, otherwise moderate."""
    severity: Severity = "mild" if fat.pinch_cm < FAT_MODERATE_PINCH_CM else "moderate"
    areas = f", {fat.areas} area(s)" if fat.areas else ""
    reading = Reading(
        "pinch",
        (("pinch_cm", fat.pinch_cm), ("areas", fat.areas or "")),
        band=severity,
    )
    summary = f"localized_fat {severity}: pinch {fat.pinch_cm:g} cm{areas}"
    return _graded(
        "localized_fat",
        severity=severity,
        features={"pinchable"},
        grading=(reading,),
        flags=(),
        summary=summary,
        areas=fat.areas,
    )
