"""Step: one answer per treatment. When a treatment is recommended for one condition but held
back for another only by a condition-specific rule (no scar procedure while acne is active),
the hold-back becomes a caution on the recommendation instead of a contradictory exclusion.
"""

from __future__ import annotations

from dorsum.core.assessment import Caution
from dorsum.core.rules.context import Context, Option


def reconcile_conditions(ctx: Context) -> None:
    """Fold condition-specific exclusions into the same treatment's surviving recommendation."""
    if len(ctx.facts.conditions) < 2:
        return  # one condition: nothing to reconcile
    by_treatment: dict[str, list[Option]] = {}
    for option in ctx.options.values():
        by_treatment.setdefault(option.treatment_id, []).append(option)
    for treatment_id, options in by_treatment.items():
        kept = [option for option in options if not option.excluded]
        held = [option for option in options if option.excluded]
        if not kept or not held:
            continue
        for option in held:
            if not all(_condition_specific(ctx, reason.rule) for reason in option.reasons):
                continue
            name = ctx.index.conditions[option.condition.id].name.lower()
            for reason in option.reasons:
                caution = Caution(
                    code=reason.code,
                    text=f"Not yet for the {name}: {reason.text}",
                    rule=reason.rule,
                    sources=reason.sources,
                    about=option.condition.id,
                )
                for survivor in kept:
                    survivor.cautions.append(caution)
            del ctx.options[(treatment_id, option.condition.id)]
            ctx.trace.append(
                f"reconcile: {treatment_id} for {option.condition.id} becomes a caution"
            )


def _condition_specific(ctx: Context, rule_id: str) -> bool:
    rule = ctx.index.rules.get(rule_id)
    return rule is not None and bool(rule.conditions)
