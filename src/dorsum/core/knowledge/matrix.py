"""The contraindication matrix: every patient factor against every treatment.

A cell is decided by the rules that reach the treatment for that factor (exclude, wait or
caution), by an explicit, sourced no-interaction entry, or, for a treatment that only goes with
another (a topical antibiotic with benzoyl peroxide), by its companion's exclusion. A cell that
none of these decides is a gap a new treatment or factor would otherwise open silently, and
`dorsum kb check` fails on it; so it does on a cell that both a rule and a no-interaction
entry claim, which would contradict itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from dorsum.core.knowledge.index import targets
from dorsum.core.knowledge.models import KnowledgeBase, Rule

Mark = Literal["exclude", "wait", "caution"]
SYMBOL: dict[str, str] = {"exclude": "X", "wait": "W", "caution": "C", "none": "·", "gap": "?"}


@dataclass(frozen=True, slots=True)
class Cell:
    factor: str
    treatment: str
    rules: tuple[tuple[str, Mark], ...] = ()  # (rule id, effect)
    no_interaction: str | None = None  # the entry that decides "no interaction"
    companion: str | None = None  # excluded because this required companion is

    @property
    def decided(self) -> bool:
        return bool(self.rules or self.no_interaction or self.companion)

    @property
    def contradictory(self) -> bool:
        return bool(self.rules and self.no_interaction)

    @property
    def symbol(self) -> str:
        """The strongest effect, as one character (X exclude, W wait, C caution, · none)."""
        marks = {mark for _rule, mark in self.rules}
        if self.companion:
            marks.add("exclude")
        for mark in ("exclude", "wait", "caution"):
            if mark in marks:
                return SYMBOL[mark]
        return SYMBOL["none"] if self.no_interaction else SYMBOL["gap"]


def _mark(rule: Rule) -> Mark:
    if rule.effect == "caution":
        return "caution"
    return "wait" if rule.wait is not None else "exclude"


def build_matrix(kb: KnowledgeBase) -> list[Cell]:
    """One cell per factor and treatment, in knowledge-base order."""
    reach = {rule.id: targets(kb, rule.treatments, rule.properties) for rule in kb.rules}
    quiet = {n.id: targets(kb, n.treatments, n.properties) for n in kb.no_interactions}
    cells: dict[tuple[str, str], Cell] = {}
    for factor in kb.factors:
        for treatment in kb.treatments:
            rules = tuple(
                (rule.id, _mark(rule))
                for rule in kb.rules
                if rule.when == factor.id and treatment.id in reach[rule.id]
            )
            quiet_by = next(
                (
                    n.id
                    for n in kb.no_interactions
                    if n.factor == factor.id and treatment.id in quiet[n.id]
                ),
                None,
            )
            cells[(factor.id, treatment.id)] = Cell(factor.id, treatment.id, rules, quiet_by)
    for (factor_id, treatment_id), cell in list(cells.items()):
        if cell.decided:
            continue
        requires = next(t.requires for t in kb.treatments if t.id == treatment_id)
        for companion in requires:
            other = cells.get((factor_id, companion))
            if other is not None and any(mark != "caution" for _r, mark in other.rules):
                cells[(factor_id, treatment_id)] = Cell(
                    factor_id, treatment_id, companion=companion
                )
    return list(cells.values())


def matrix_problems(kb: KnowledgeBase) -> Iterator[str]:
    """Undecided and contradictory cells, and no-interaction entries for unknown factors."""
    factors = {factor.id for factor in kb.factors}
    for entry in kb.no_interactions:
        if entry.factor not in factors:
            yield f"no-interaction {entry.id} is for {entry.factor!r}, which is not a matrix factor"
    for cell in build_matrix(kb):
        where = f"matrix: {cell.factor} x {cell.treatment}"
        if not cell.decided:
            yield f"{where} is undecided: add a rule or a sourced no-interaction entry"
        elif cell.contradictory:
            rules = ", ".join(rule for rule, _mark in cell.rules)
            quiet = cell.no_interaction
            yield f"{where} is both decided by {rules} and declared no interaction ({quiet})"
