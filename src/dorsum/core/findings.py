"""What a rule step returns: findings, never changes to shared state.

A finding is one conclusion of one rule about one option (or about the patient, for referrals
and advice). The knowledge index builds every finding that does not depend on the patient's
values ahead of time (`Prebuilt`), with its trace line, its entry in the structured trace and
its result value, so assessing is mostly looking them up.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal, NamedTuple

from dorsum.core.assessment import Finding, Param

Effect = Literal["consider", "exclude", "caution", "fold", "rank", "refer", "advise"]
Params = tuple[tuple[str, Param], ...]
NO_PARAMS: dict[str, Any] = {}  # shared and never changed: results are read-only


class Found(NamedTuple):
    """One conclusion of one rule about one option (or about the patient)."""

    rule: str
    effect: Effect
    treatment: str = ""
    condition: str = ""
    code: str = ""
    params: Params = ()
    sources: tuple[str, ...] = ()
    until: date | None = None


class Prebuilt(NamedTuple):
    """A patient-independent finding's trace line, structured entry and result value."""

    line: str
    entry: Finding
    value: Any  # the Reason, Caution, Advice or ReferralReason it becomes, if any


def trace_line(f: Found) -> str:
    """The finding as one line of the text trace."""
    line = f"{f.rule}: {f.effect}"
    if f.treatment:
        line += f" {f.treatment} for {f.condition}"
    if f.code:
        line += f" [{f.code}]"
    if f.until:
        line += f" until {f.until.isoformat()}"
    if f.params:
        line += " (" + ", ".join(f"{k}={v}" for k, v in f.params) + ")"
    return line


def entry(f: Found) -> Finding:
    """The finding as an entry of the structured trace."""
    return {
        "rule": f.rule,
        "effect": f.effect,
        "treatment": f.treatment,
        "condition": f.condition,
        "code": f.code,
        "until": f.until,
        "params": dict(f.params) if f.params else NO_PARAMS,
        "sources": f.sources,
    }
