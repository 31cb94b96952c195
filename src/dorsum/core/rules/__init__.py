"""The engine's steps, in the order they run. Each is a pure function from the patient facts,
the knowledge base and what earlier steps found to new findings; none touches files, clocks or
the network, and none changes what another step found.
"""

from dorsum.core.rules.advice import advise
from dorsum.core.rules.candidates import consider_indicated
from dorsum.core.rules.companions import require_companions
from dorsum.core.rules.found import Found, Step
from dorsum.core.rules.ranking import rank
from dorsum.core.rules.reconcile import reconcile_conditions
from dorsum.core.rules.referral import refer
from dorsum.core.rules.screening import screen_evidence, screen_factors, screen_waits

STEPS: tuple[Step, ...] = (
    consider_indicated,
    screen_factors,
    screen_waits,
    screen_evidence,
    require_companions,
    reconcile_conditions,
    rank,
    refer,
    advise,
)

__all__ = ["STEPS", "Found", "Step"]
