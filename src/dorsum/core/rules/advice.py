"""Step: home-care advice for the conditions found. Never advice to seek sun."""

from __future__ import annotations

from dorsum.core.assessment import Advice
from dorsum.core.rules.context import Context


def advise(ctx: Context) -> list[Advice]:
    """Each advice item whose conditions include one that is present, in knowledge-base order."""
    present = {condition.id for condition in ctx.facts.conditions}
    advice = []
    for item in ctx.index.advice:
        if present.isdisjoint(item.conditions):
            continue
        advice.append(ctx.index.advice_results[item.id])
        ctx.trace.append(f"{item.id}: advise {item.code}")
    return advice
