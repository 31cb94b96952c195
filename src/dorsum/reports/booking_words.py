"""The words for why a booking cannot be made or moved, in the reader's language.

The scheduler emits codes and values (`dorsum.scheduling.check.Violation`); this module is the
one place they become sentences, for the calendar, the "Book this plan" page and the API.
`names` turns resource ids into the names reception knows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from dorsum.i18n import N_, Localizer
from dorsum.scheduling.check import Violation

REASONS: dict[str, str] = {
    "clinic_closed": N_("The clinic is closed on %(day)s."),
    "outside_hours": N_("The session does not fit the opening hours on %(day)s."),
    "unknown_room": N_("That room does not exist or is no longer in use."),
    "room_closed": N_("%(room)s is not available on %(day)s."),
    "unknown_staff": N_("That staff member does not exist or is no longer active."),
    "staff_away": N_("%(staff)s is away on %(day)s."),
    "off_roster": N_("%(staff)s does not work at that time on %(day)s."),
    "lacks_skill": N_("%(staff)s does not perform %(treatment)s."),
    "needs_physician": N_("%(treatment)s must be performed by a physician."),
    "needs_device": N_("%(treatment)s needs a device of its kind (%(kind)s)."),
    "unknown_device": N_("That device does not exist or is no longer in use."),
    "device_not_in_room": N_("%(device)s cannot be used in %(room)s."),
    "device_unavailable": N_("%(device)s is not available on %(day)s."),
    "room_double_booked": N_("%(room)s is already booked at that time."),
    "staff_double_booked": N_("%(staff)s is already booked at that time."),
    "device_double_booked": N_("%(device)s is already booked at that time."),
    "patient_double_booked": N_("The patient already has a session on %(day)s."),
    "before_earliest": N_("The first session may not be before %(earliest)s (a wait applies)."),
    "beyond_horizon": N_("The series does not fit in the weeks being booked."),
    "patient_unavailable": N_("The patient is not available on %(day)s."),
    "sun_window": N_("The patient will be in strong sun within %(days)s days of %(day)s."),
    "spacing_short": N_(
        "Only %(gap)s days after the previous session; at least %(min)s are needed."
    ),
    "spacing_long": N_("%(gap)s days after the previous session; at most %(max)s keep the effect."),
    "in_recovery": N_("%(day)s falls in the recovery after another treatment."),
    "unknown_treatment": N_("This treatment is not booked in sessions."),
    "no_skilled_staff": N_("No staff member performs %(treatment)s."),
    "no_physician": N_("No physician performs %(treatment)s."),
    "no_device": N_("The clinic has no device of the kind %(treatment)s needs (%(kind)s)."),
    "no_room_for_device": N_("No room can hold the device %(treatment)s needs (%(kind)s)."),
    "spacing_impossible": N_(
        "The spacing (%(min)s to %(max)s days) cannot be kept on the open days."
    ),
    "no_time_in_hours": N_("No staff member, room and device are free together for %(treatment)s."),
    "fully_booked": N_("The book is full for %(treatment)s in these weeks."),
    "patient_unavailable_throughout": N_(
        "The patient is not available on the days the series needs."
    ),
}


Names = Mapping[tuple[str, int | str], str]  # ("room", 3) -> "Room 1"; ("treatment", id) -> name


def reason_text(violation: Violation, loc: Localizer, names: Names | None = None) -> str:
    """One violation as a sentence; ids become the names reception knows."""
    known = names or {}
    values: dict[str, str] = {}
    for key, value in violation.params.items():
        if key in {"room", "staff", "device", "treatment"}:
            values[key] = known.get((key, value), str(value))
        elif key == "earliest":
            values[key] = _date(str(value), loc)
        else:
            values[key] = str(value)
    if violation.day is not None:
        values["day"] = loc.date(violation.day)
    template = REASONS.get(violation.code)
    if template is None:
        return violation.code.replace("_", " ")
    return loc.gettext(template) % _Missing(values)


def _date(text: str, loc: Localizer) -> str:
    try:
        return loc.date(date.fromisoformat(text))
    except ValueError:
        return text


class _Missing(dict[str, str]):
    """Formatting values; a value a message names but the violation lacks reads as '?'."""

    def __missing__(self, key: str) -> str:
        return "?"
