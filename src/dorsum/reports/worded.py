"""The assessment with every text field written by the wording module, in one language.

This is what the JSON of `dorsum assess`, the Python API and the web API carry: the core's codes
and values, plus the same sentences the terminal, the web page and the PDF show.

`Wording` words every patient-independent value of a knowledge base once, for one language (a
table built eagerly, like a compiled message catalog); only values with a patient's dates or
parameters are worded per call. Worded decisions can also be memoised in the caller's
`AssessmentCache`, since a memoised decision is shared by many assessments.
"""

from __future__ import annotations

from typing import Any, TypeVar

from dorsum.core.assessment import (
    Advice,
    Assessment,
    Caution,
    ConditionResult,
    Exclusion,
    Reason,
    Recommendation,
    Referral,
    ReferralReason,
    ScaleReading,
    _Value,
    trusted,
)
from dorsum.core.cache import AssessmentCache
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.i18n import Localizer
from dorsum.reports import wording

T = TypeVar("T", bound=_Value)


def _with(item: T, **changes: Any) -> T:
    return trusted(type(item), {**item.__dict__, **changes})


class Wording:
    """Words an assessment in one language, from one knowledge base."""

    def __init__(self, index: KnowledgeIndex, loc: Localizer) -> None:
        self.index, self.loc = index, loc
        # id(prebuilt value) -> its worded copy; the index (held here) keeps the values alive
        self.fixed: dict[int, Any] = {
            id(pre.value): self._word(pre.value)
            for pre in index.prebuilt.by_id.values()
            if pre.value is not None
        }
        self.rationale = {
            i.id: loc.kb(i.rationale) for t in index.kb.treatments for i in t.indications
        }

    def _word(self, value: Any) -> Any:
        index, loc = self.index, self.loc
        if isinstance(value, Reason):
            return _with(value, text=wording.reason_text(value, index, loc))
        if isinstance(value, Caution):
            return _with(value, text=wording.caution_text(value, index, loc))
        if isinstance(value, ReferralReason):
            return _with(value, text=wording.referral_text(value, index, loc))
        if isinstance(value, Advice):
            return _with(value, text=wording.advice_text(value, index, loc))
        raise TypeError(type(value))

    def value(self, item: T) -> T:
        found: T | None = self.fixed.get(id(item))
        return found if found is not None else self._word(item)

    def recommendations(self, items: tuple[Recommendation, ...]) -> tuple[Recommendation, ...]:
        return tuple(
            _with(
                r,
                rationale=self.rationale.get(r.indication) or r.rationale,
                cautions=tuple(self.value(c) for c in r.cautions),
            )
            for r in items
        )

    def excluded(self, items: tuple[Exclusion, ...]) -> tuple[Exclusion, ...]:
        return tuple(
            _with(
                e,
                reasons=tuple(self.value(r) for r in e.reasons),
                cautions=tuple(self.value(c) for c in e.cautions),
            )
            for e in items
        )

    def referral(self, referral: Referral) -> Referral:
        if not referral.reasons:
            return referral
        return _with(referral, reasons=tuple(self.value(r) for r in referral.reasons))

    def condition(self, condition: ConditionResult) -> ConditionResult:
        return _with(condition, grading=tuple(self.reading(r) for r in condition.grading))

    def reading(self, reading: ScaleReading) -> ScaleReading:
        if not reading.code:
            return reading
        scale, value, note = wording.reading_words(reading, self.loc)
        return _with(reading, scale=scale, value=value, note=note)

    def decision(self, assessment: Assessment) -> dict[str, Any]:
        return {
            "recommendations": self.recommendations(assessment.recommendations),
            "excluded": self.excluded(assessment.excluded),
            "referral": self.referral(assessment.referral),
            "advice": tuple(self.value(a) for a in assessment.advice),
        }


def worded(
    assessment: Assessment,
    words: Wording,
    cache: AssessmentCache | None = None,
) -> Assessment:
    """A copy of `assessment` whose texts are filled in `words`' language."""
    key = (words.index, words.loc.language)
    if cache is None:
        decision = words.decision(assessment)
        conditions = tuple(words.condition(c) for c in assessment.conditions)
    else:
        # A memoised decision's findings tuple identifies it; conditions are memoised too.
        decision = _memo(
            cache,
            (*key, id(assessment.findings)),
            assessment.findings,
            lambda: words.decision(assessment),
        )
        conditions = tuple(
            _memo(cache, (*key, id(c)), c, lambda c=c: words.condition(c))
            for c in assessment.conditions
        )
    return trusted(Assessment, {**assessment.__dict__, "conditions": conditions, **decision})


def _memo(cache: AssessmentCache, key: Any, part: Any, build: Any) -> Any:
    entry = cache.worded.get(key)
    if entry is not None and entry[0] is part:
        return entry[1]
    result = build()
    cache.remember(cache.worded, key, (part, result))
    return result


_WORDINGS: dict[tuple[int, str], tuple[KnowledgeIndex, Wording]] = {}


def wording_for(index: KnowledgeIndex, language: str) -> Wording:
    """The (eagerly built) wording of a knowledge base in one language."""
    key = (id(index), language)
    found = _WORDINGS.get(key)
    if found is None or found[0] is not index:
        found = _WORDINGS[key] = (index, Wording(index, Localizer(language)))  # type: ignore[arg-type]
    return found[1]
