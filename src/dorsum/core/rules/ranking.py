"""Step: rank what survived screening.

score = 10 x fit + 3 x evidence points - invasiveness - 2 x cautions. Options are listed by
condition (active acne first, as it must be treated before scars), best score first; ties keep
knowledge-base order. A patient who prefers non-invasive options gets every option that needs an
injection, incision or ablation (invasiveness 3-4) after all the others.
"""

from __future__ import annotations

from dorsum.core.decision import DecisionInput
from dorsum.core.grading import CONDITION_ORDER
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules.found import Found, Seen

CAUTION_PENALTY = 2.0
INVASIVE_FROM = 3
_CONDITION_POSITION: dict[str, int] = {condition: i for i, condition in enumerate(CONDITION_ORDER)}


def rank(facts: DecisionInput, index: KnowledgeIndex, seen: Seen) -> tuple[Found, ...]:
    """The surviving options, scored and ordered best first, as `rank` findings."""
    excluded, folded, cautions = seen.excluded, seen.folded, seen.cautions
    prefer_gentle = facts.prefer_non_invasive
    order = index.treatment_order
    scored = []
    for key, option in seen.considered.items():
        if key in excluded or key in folded:
            continue
        candidate = index.candidate_by_indication[option.rule]
        invasiveness = candidate.treatment.invasiveness
        score = candidate.base_score - invasiveness - CAUTION_PENALTY * cautions.get(key, 0)
        sort_key = (
            _CONDITION_POSITION[key[1]],
            prefer_gentle and invasiveness >= INVASIVE_FROM,
            -score,
            order[key[0]],
        )
        scored.append((sort_key, key, score))
    scored.sort(key=lambda item: item[0])
    rule = "rank.prefer-non-invasive" if prefer_gentle else "rank"
    return tuple(
        Found(rule, "rank", treatment, condition, params=(("rank", n), ("score", score)))
        for n, (_sort, (treatment, condition), score) in enumerate(scored, start=1)
    )
