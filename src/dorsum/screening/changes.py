"""What changed for one patient between an earlier knowledge base and the current one.

Each change is a short token, so a health system can filter the report with a spreadsheet:

- `newly_excluded:T:C` / `no_longer_excluded:T:C` (treatment T for condition C);
- `new_wait:T:C=code@until`, `wait_changed:T:C=code@old->new`, `wait_dropped:T:C=code@old`;
- `new_reason:T:C=code` / `reason_dropped:T:C=code` for reasons without a date;
- `referral:old->new` (urgency), `referral_added:code` / `referral_dropped:code`;
- `severity:C:old->new`, `condition_added:C:severity`, `condition_dropped:C:severity`.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from dorsum.core.assessment import Assessment, Exclusion, Referral

Exclusions = dict[str, dict[str, date | None]]


class Outcome(NamedTuple):
    """What the report says of one patient under one knowledge base: each condition with its
    severity, the excluded options and the referral."""

    conditions: tuple[tuple[str, str], ...]  # (condition, severity)
    excluded: tuple[Exclusion, ...]
    referral: Referral

    @classmethod
    def of(cls, assessment: Assessment) -> Outcome:
        """The outcome of a whole assessment."""
        conditions = tuple((c.id, c.severity) for c in assessment.conditions)
        return cls(conditions, assessment.excluded, assessment.referral)


def exclusions_of(outcome: Outcome) -> Exclusions:
    """Each excluded "treatment:condition" with its reason codes and their until dates."""
    return {
        f"{e.treatment}:{e.condition}": {r.code: r.until for r in e.reasons}
        for e in outcome.excluded
    }


def changes_between(before: Outcome, after: Outcome) -> list[str]:
    """The change tokens, in a stable order (conditions, exclusions, referral)."""
    return [
        *_condition_changes(before, after),
        *_exclusion_changes(exclusions_of(before), exclusions_of(after)),
        *_referral_changes(before, after),
    ]


def _condition_changes(before: Outcome, after: Outcome) -> list[str]:
    old, new = dict(before.conditions), dict(after.conditions)
    found = [f"condition_dropped:{c}:{old[c]}" for c in old if c not in new]
    for condition, severity in new.items():
        if condition not in old:
            found.append(f"condition_added:{condition}:{severity}")
        elif old[condition] != severity:
            found.append(f"severity:{condition}:{old[condition]}->{severity}")
    return found


def _exclusion_changes(old: Exclusions, new: Exclusions) -> list[str]:
    found: list[str] = []
    for option in sorted(old.keys() | new.keys()):
        if option not in old:
            found.append(f"newly_excluded:{option}")
            found += [f"new_wait:{option}={c}@{u}" for c, u in new[option].items() if u]
        elif option not in new:
            found.append(f"no_longer_excluded:{option}")
        else:
            found += _reason_changes(option, old[option], new[option])
    return found


def _reason_changes(
    option: str, old: dict[str, date | None], new: dict[str, date | None]
) -> list[str]:
    found: list[str] = []
    for code in sorted(old.keys() | new.keys()):
        before, after = old.get(code), new.get(code)
        if code not in old:
            found.append(
                f"new_wait:{option}={code}@{after}" if after else f"new_reason:{option}={code}"
            )
        elif code not in new:
            found.append(
                f"wait_dropped:{option}={code}@{before}"
                if before
                else f"reason_dropped:{option}={code}"
            )
        elif before != after:
            found.append(f"wait_changed:{option}={code}@{before or '-'}->{after or '-'}")
    return found


def _referral_changes(before: Outcome, after: Outcome) -> list[str]:
    found = []
    if before.referral.urgency != after.referral.urgency:
        found.append(f"referral:{before.referral.urgency}->{after.referral.urgency}")
    old = {r.code for r in before.referral.reasons}
    new = {r.code for r in after.referral.reasons}
    found += [f"referral_added:{code}" for code in sorted(new - old)]
    found += [f"referral_dropped:{code}" for code in sorted(old - new)]
    return found
