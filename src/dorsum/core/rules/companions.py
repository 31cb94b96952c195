"""Step: a treatment that must go with another (topical antibiotic with benzoyl peroxide) is
excluded whenever its companion is excluded or not offered for the same condition.
"""

from __future__ import annotations

from dorsum.core.assessment import Reason
from dorsum.core.rules.context import Context


def require_companions(ctx: Context) -> None:
    """Exclude an option whose required companion is unavailable, giving the companion's reason."""
    for (treatment_id, condition_id), option in ctx.options.items():
        for required in option.candidate.treatment.requires:
            if option.excluded:
                break
            companion = ctx.options.get((required, condition_id))
            name = ctx.index.treatments[required].name.lower()
            rule = f"requires.{treatment_id}"
            if companion is None:
                reason = Reason(
                    code="requires_excluded",
                    text=f"Only ever used together with {name}, which is not offered here.",
                    rule=rule,
                    sources=option.candidate.indication.sources,
                )
            elif companion.excluded:
                first = companion.reasons[0]
                reason = Reason(
                    code=first.code,
                    text=f"Only ever used together with {name}, which is ruled out: {first.text}",
                    until=first.until,
                    rule=rule,
                    sources=first.sources + option.candidate.indication.sources,
                )
            else:
                continue
            option.reasons.append(reason)
            ctx.trace.append(f"{rule}: exclude {treatment_id} ({required} unavailable)")
