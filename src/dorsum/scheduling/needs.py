"""What one session of a treatment holds: its minutes, the room's set-up and clean-down around
it, the kind of device it needs, and whether a physician must perform it.

Only the cryolipolysis cycle length is sourced (the knowledge base's `session_length`); every
other figure here is a clinic setting with a sensible default, which an admin changes on the
resources page (`treatment_setups`). Whether a physician is needed always comes from the
knowledge base (`physician_required`), never from a setting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dorsum.core.knowledge.index import KnowledgeIndex

# the device kinds a clinic can register, and the treatment each serves by default
DEVICE_KINDS: tuple[str, ...] = (
    "cryolipolysis_applicator",
    "ablative_laser",
    "nonablative_laser",
    "dermabrader",
)


@dataclass(frozen=True, slots=True)
class Needs:
    """One session's needs, in minutes."""

    treatment: str
    minutes: int
    setup: int
    cleanup: int
    device_kind: str | None
    physician: bool

    @property
    def held(self) -> int:
        """How long the room (and device) is held: set-up, the session and clean-down."""
        return self.setup + self.minutes + self.cleanup


@dataclass(frozen=True, slots=True)
class Setting:
    """A clinic's own figures for one treatment; None keeps the default."""

    device_kind: str | None = None
    minutes: int | None = None
    setup: int | None = None
    cleanup: int | None = None


# treatment: (minutes, setup, cleanup, device kind); clinic-setting defaults, not sourced
DEFAULTS: dict[str, tuple[int, int, int, str | None]] = {
    "chemical_peel": (30, 10, 10, None),
    "laser_resurfacing": (60, 15, 15, "ablative_laser"),
    "nonablative_laser": (45, 10, 10, "nonablative_laser"),
    "dermabrasion": (60, 15, 20, "dermabrader"),
    "microneedling": (45, 10, 10, None),
    "punch_excision": (45, 15, 15, None),
    "subcision": (45, 10, 15, None),
    "hyaluronic_acid_filler": (30, 10, 10, None),
    "mesotherapy": (30, 10, 10, None),
    "cryolipolysis": (70, 10, 10, "cryolipolysis_applicator"),
    "intralesional_corticosteroid": (20, 5, 5, None),
}
FALLBACK = (30, 10, 10, None)


def session_needs(
    treatment: str, index: KnowledgeIndex, settings: Mapping[str, Setting] | None = None
) -> Needs:
    """The needs of one session of `treatment`: the clinic's setting over the defaults, and
    the sourced cryolipolysis cycle length over both when the clinic has not set one."""
    minutes, setup, cleanup, kind = DEFAULTS.get(treatment, FALLBACK)
    entry = index.treatments.get(treatment)
    length = entry.schedule.session_length if entry is not None else None
    if length is not None and length.unit == "minutes":
        minutes = int(length.high)
    own = (settings or {}).get(treatment, Setting())
    return Needs(
        treatment=treatment,
        minutes=own.minutes if own.minutes is not None else minutes,
        setup=own.setup if own.setup is not None else setup,
        cleanup=own.cleanup if own.cleanup is not None else cleanup,
        device_kind=own.device_kind if own.device_kind is not None else kind,
        physician=bool(entry is not None and entry.physician_required),
    )


def booked_treatments(index: KnowledgeIndex) -> list[str]:
    """The treatments given in sessions at the clinic (not courses at home)."""
    return [t.id for t in index.kb.treatments if t.schedule.sessions is not None]
