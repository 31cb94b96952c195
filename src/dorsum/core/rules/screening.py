"""Steps: safety screening. Contraindications exclude, precautions caution, waits exclude with
the date they end, and thin evidence is flagged. Rules run in knowledge-base order, so the
trace is the same on every run.
"""

from __future__ import annotations

from dorsum.core.assessment import Caution, Reason
from dorsum.core.dates import add_months, long_date
from dorsum.core.knowledge.models import Rule
from dorsum.core.rules.context import Context, Option


def _targets(ctx: Context, rule: Rule) -> list[Option]:
    options = ctx.options
    hits = []
    for treatment in rule.treatments:
        for condition in ctx.facts.conditions:
            option = options.get((treatment, condition.id))
            if option is not None and (not rule.conditions or condition.id in rule.conditions):
                hits.append(option)
    return hits


def screen_contraindications(ctx: Context) -> None:
    """Apply every flag-triggered rule whose flag the patient has."""
    index = ctx.index
    fired = sorted(
        (rule for flag in ctx.facts.flags for rule in index.rules_by_flag.get(flag, ())),
        key=lambda rule: index.rule_order[rule.id],
    )
    for rule in fired:
        targets = _targets(ctx, rule)
        if not targets:
            continue
        for option in targets:
            if rule.effect == "exclude":
                option.reasons.append(index.reasons[rule.id])
            else:
                option.cautions.append(index.cautions[rule.id])
        names = ", ".join(sorted({option.treatment_id for option in targets}))
        ctx.trace.append(f"{rule.id}: {rule.effect} {names}")


def screen_waits(ctx: Context) -> None:
    """Timed deferrals (isotretinoin): excluded until a date computed from the explicit today."""
    months_since, today = ctx.facts.isotretinoin_months_since_stop, ctx.facts.today
    if months_since is None or today is None:
        return
    for rule in ctx.index.wait_rules:
        assert rule.wait is not None
        if months_since >= rule.wait.months:
            continue
        targets = _targets(ctx, rule)
        if not targets:
            continue
        until = add_months(today, rule.wait.months - months_since)
        text = rule.text.format(until=long_date(until))
        reason = Reason(code=rule.code, text=text, until=until, rule=rule.id, sources=rule.sources)
        for option in targets:
            option.reasons.append(reason)
        names = ", ".join(sorted({option.treatment_id for option in targets}))
        ctx.trace.append(f"{rule.id}: exclude {names} until {until.isoformat()}")


def screen_evidence(ctx: Context) -> None:
    """Options resting on insufficient evidence carry a low-evidence caution."""
    for option in ctx.options.values():
        indication = option.candidate.indication
        if indication.evidence != "insufficient" or option.excluded:
            continue
        option.cautions.append(
            Caution(
                code="low_evidence",
                text=indication.evidence_note,
                rule=f"evidence.{indication.id}",
                sources=indication.sources,
            )
        )
        ctx.trace.append(f"evidence.{indication.id}: caution low_evidence")
