"""The engine's steps, in the order they run. Each is a small pure function over the working
`Context`: it reads the patient facts and the knowledge base, records what it concluded on the
options, and appends what fired to the trace. None touches files, clocks or the network.
"""

from dorsum.core.rules.advice import advise
from dorsum.core.rules.candidates import consider_indicated
from dorsum.core.rules.companions import require_companions
from dorsum.core.rules.context import Context, Option
from dorsum.core.rules.ranking import rank
from dorsum.core.rules.reconcile import reconcile_conditions
from dorsum.core.rules.referral import refer
from dorsum.core.rules.screening import screen_contraindications, screen_evidence, screen_waits

STEPS = (
    consider_indicated,
    screen_contraindications,
    screen_waits,
    screen_evidence,
    require_companions,
    reconcile_conditions,
)

__all__ = [
    "STEPS",
    "Context",
    "Option",
    "advise",
    "rank",
    "refer",
]
