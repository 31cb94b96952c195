"""Step: a treatment that must go with another (topical antibiotic with benzoyl peroxide) is
excluded whenever its companion is excluded or not offered for the same condition, with the
code `requires_excluded` and the companion's own reasons as parameters.
"""

from __future__ import annotations

from datetime import date

from dorsum.core.decision import DecisionInput
from dorsum.core.knowledge.index import KnowledgeIndex
from dorsum.core.rules.found import Found, Seen


def require_companions(
    facts: DecisionInput, index: KnowledgeIndex, seen: Seen
) -> tuple[Found, ...]:
    """Exclude an option whose required companion is unavailable."""
    options = seen.considered
    reasons = seen.excluded
    out = []
    for (treatment_id, condition_id), option in options.items():
        for required in index.treatments[treatment_id].requires:
            companion = (required, condition_id)
            if companion not in options:
                because, until, sources = "not_offered", None, option.sources
            elif companion in reasons:
                held = reasons[companion]
                because = ",".join(dict.fromkeys(r.code for r in held))
                until = _latest(held)
                sources = tuple(dict.fromkeys(s for r in held for s in r.sources))
            else:
                continue
            out.append(
                Found(
                    f"requires.{treatment_id}",
                    "exclude",
                    treatment_id,
                    condition_id,
                    "requires_excluded",
                    (("companion", required), ("because", because)),
                    sources,
                    until,
                )
            )
    return tuple(out)


def _latest(held: list[Found]) -> date | None:
    """When every reason is a dated wait, the companion is free on the latest date."""
    dates = [r.until for r in held]
    return max(d for d in dates if d is not None) if all(dates) else None
