"""dorsum's pure core: models, scales, knowledge-base schema, rules engine.

It imports only the standard library and pydantic, touches no files, clocks or network, and is
deterministic; adapters (CLI, web, storage, reports) live outside it.
"""

from dorsum.core.assessment import Assessment
from dorsum.core.engine import assess_intake
from dorsum.core.errors import DorsumError, IntakeError, KnowledgeBaseError, PlanError
from dorsum.core.intake import Intake
from dorsum.core.validation import parse_intake

__all__ = [
    "Assessment",
    "DorsumError",
    "Intake",
    "IntakeError",
    "KnowledgeBaseError",
    "PlanError",
    "assess_intake",
    "parse_intake",
]
