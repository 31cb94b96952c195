"""The step signature, and what a step sees of the earlier steps' findings.

A step is a pure function `(facts, index, seen) -> new findings`. The engine runs the steps in
order and, between two steps, adds what one found to `Seen`, whose views (the options
considered, excluded, cautioned or folded so far) the next steps read. Steps never change
`Seen`; only the engine extends it, with findings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from dorsum.core.decision import DecisionInput
from dorsum.core.findings import Found
from dorsum.core.knowledge.index import KnowledgeIndex

Option = tuple[str, str]  # (treatment, condition)


@dataclass(slots=True)
class Seen:
    """Every finding so far, in order, and views of them by option."""

    found: tuple[Found, ...] = ()
    considered: dict[Option, Found] = field(default_factory=dict)
    excluded: dict[Option, list[Found]] = field(default_factory=dict)
    cautions: dict[Option, int] = field(default_factory=dict)
    folded: set[Option] = field(default_factory=set)

    def extend(self, new: tuple[Found, ...]) -> None:
        """Add a step's findings (the engine's job, between steps)."""
        self.found += new
        for f in new:
            effect, option = f.effect, (f.treatment, f.condition)
            if effect == "consider":
                self.considered[option] = f
            elif effect == "exclude":
                self.excluded.setdefault(option, []).append(f)
            elif effect == "caution":
                self.cautions[option] = self.cautions.get(option, 0) + 1
            elif effect == "fold":
                self.folded.add(option)


Step = Callable[[DecisionInput, KnowledgeIndex, Seen], tuple[Found, ...]]

__all__ = ["Found", "Option", "Seen", "Step"]
