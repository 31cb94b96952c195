"""Steps: safety screening. A rule about a patient factor applies to every considered option
whose treatment has one of the rule's properties (or is named by it), so a new treatment with
the property is covered without anyone remembering to add it. Every rule that applies is
reported: an excluded option keeps all its reasons and its cautions.
"""

from __future__ import annotations

from dorsum.core.dates import add_months
from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.knowledge.models import Rule
from dorsum.core.rules.found import Found, Seen


def _hits(
    index: KnowledgeIndex, rule: Rule, options: dict[tuple[str, str], Found]
) -> list[tuple[str, str]]:
    targets = index.rule_targets[rule.id]
    conditions = rule.conditions
    return [
        (treatment, condition)
        for treatment, condition in options
        if treatment in targets and (not conditions or condition in conditions)
    ]


def screen_factors(facts: DecisionInput, index: KnowledgeIndex, seen: Seen) -> tuple[Found, ...]:
    """Every flag-triggered rule whose flag the patient has, in knowledge-base order."""
    fired = index.fired_rules(facts.flags)
    if not fired:
        return ()
    options = seen.considered
    prebuilt = index.prebuilt.rule
    return tuple(
        prebuilt[(rule.id, treatment, condition)]
        for rule in fired
        for treatment, condition in _hits(index, rule, options)
    )


def screen_waits(facts: DecisionInput, index: KnowledgeIndex, seen: Seen) -> tuple[Found, ...]:
    """Timed deferrals (isotretinoin), dated from the explicit today. While the drug is still
    taken (0 months since stopping) the wait counts from the last dose, which is not known yet:
    the date given is the earliest possible one."""
    months_since, today = facts.isotretinoin_months_since_stop, facts.today
    if months_since is None:
        return ()
    options = seen.considered
    out: list[Found] = []
    for rule in index.wait_rules:
        assert rule.wait is not None
        if months_since >= rule.wait.months:
            continue
        until = add_months(today, rule.wait.months - months_since)
        params = (
            ("months", rule.wait.months),
            ("counted_from", "last_dose" if months_since == 0 else "stop"),
            ("months_since_stop", months_since),
        )
        out.extend(
            Found(rule.id, "exclude", treatment, condition, rule.code, params, rule.sources, until)
            for treatment, condition in _hits(index, rule, options)
        )
    return tuple(out)


def screen_evidence(facts: DecisionInput, index: KnowledgeIndex, seen: Seen) -> tuple[Found, ...]:
    """Options resting on insufficient evidence carry a low-evidence caution."""
    low = index.prebuilt.evidence
    return tuple(low[f.rule] for f in seen.considered.values() if f.rule in low)
