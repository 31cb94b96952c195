"""Step: red flags. Whether a physician must see the patient, and how soon."""

from __future__ import annotations

from dorsum.core.assessment import URGENCY_ORDER, Referral
from dorsum.core.rules.context import Context


def refer(ctx: Context) -> Referral:
    """Every red flag the patient has, and the most urgent of their urgencies."""
    reasons = []
    for referral in ctx.index.kb.referrals:
        if referral.when in ctx.facts.flags:
            reasons.append(ctx.index.referral_reasons[referral.id])
            ctx.trace.append(f"{referral.id}: refer {referral.urgency}")
    if not reasons:
        return Referral()
    urgency = max((reason.urgency for reason in reasons), key=URGENCY_ORDER.__getitem__)
    return Referral(urgency=urgency, reasons=tuple(reasons))
