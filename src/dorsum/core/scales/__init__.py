"""Validated grading scales as pure functions, one scale per module.

Each module cites its source in the knowledge base (`dorsum kb show <source>`); parts that the
literature leaves unverified are not implemented (see docs/grading.md).
"""

from dorsum.core.scales.cadi import cadi_score
from dorsum.core.scales.fitzpatrick import fitzpatrick_from_score, has_high_pih_risk
from dorsum.core.scales.gags import GagsGrade, GagsRegion, gags_band, gags_score
from dorsum.core.scales.goodman_baron import goodman_baron_grade
from dorsum.core.scales.iga import iga_success
from dorsum.core.scales.nice import NiceSeverity, nice_severity

__all__ = [
    "GagsGrade",
    "GagsRegion",
    "NiceSeverity",
    "cadi_score",
    "fitzpatrick_from_score",
    "gags_band",
    "gags_score",
    "goodman_baron_grade",
    "has_high_pih_risk",
    "iga_success",
    "nice_severity",
]
