"""Step: which treatments suit the conditions found (before any safety screening)."""

from __future__ import annotations

from dorsum.core.rules.context import Context, Option


def consider_indicated(ctx: Context) -> None:
    """For each condition, the best-fitting matching indication of each treatment."""
    for condition in ctx.facts.conditions:
        for candidate in ctx.index.candidates.get(condition.id, ()):
            if not candidate.matches(condition.severity, condition.features):
                continue
            key = (candidate.treatment.id, condition.id)
            best = ctx.options.get(key)
            if best is None or candidate.base_score > best.candidate.base_score:
                ctx.options[key] = Option(candidate, condition)
    ctx.trace.extend(option.candidate.trace for option in ctx.options.values())
