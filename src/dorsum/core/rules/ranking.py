"""Step: rank what survived screening.

score = 10 x fit + 3 x evidence points - invasiveness - 2 x cautions. Options are listed by
condition (active acne first, as it must be treated before scars), best score first; ties keep
knowledge-base order. A patient who prefers non-invasive options gets every option that needs an
injection, incision or ablation (invasiveness 3-4) after all the others.
"""

from __future__ import annotations

from dorsum.core.grading import CONDITION_ORDER
from dorsum.core.rules.context import Context, Option

CAUTION_PENALTY = 2.0
INVASIVE_FROM = 3
_CONDITION_POSITION = {condition: i for i, condition in enumerate(CONDITION_ORDER)}


def rank(ctx: Context) -> list[Option]:
    """The surviving options, scored and ordered best first."""
    prefer_gentle = ctx.facts.prefer_non_invasive
    order = ctx.index.treatment_order
    survivors = [option for option in ctx.options.values() if not option.excluded]
    for option in survivors:
        option.score = (
            option.candidate.base_score
            - option.candidate.treatment.invasiveness
            - CAUTION_PENALTY * len(option.cautions)
        )
    survivors.sort(
        key=lambda o: (
            _CONDITION_POSITION[o.condition.id],
            prefer_gentle and o.candidate.treatment.invasiveness >= INVASIVE_FROM,
            -o.score,
            order[o.treatment_id],
        )
    )
    if prefer_gentle:
        ctx.trace.append("rank.prefer-non-invasive: injections, incisions and ablation listed last")
    ctx.trace.extend(
        f"rank {i}: {o.treatment_id} for {o.condition.id} (score {o.score:g})"
        for i, o in enumerate(survivors, start=1)
    )
    return survivors
