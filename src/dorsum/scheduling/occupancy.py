"""Who and what is busy when: the greedy baseline's (and the calendar's) fast view of a book.

Kept apart from `check`, the oracle: this answers "is this free?" quickly for many candidate
times; `check` says everything that is wrong with a finished set of bookings.
"""

from __future__ import annotations

from bisect import insort
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta

from dorsum.scheduling.check import within
from dorsum.scheduling.model import SLOT, Booking, Device, Problem, Series, covers, in_sun_window
from dorsum.scheduling.needs import Needs


class Occupancy:
    """The busy times of every room, device, staff member and patient."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.busy: dict[tuple[str, int, date], list[tuple[int, int]]] = defaultdict(list)
        # patient -> [(day, recovery days, series)]
        self.visits: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
        self.downtime = {s.key: s.downtime for s in problem.series}
        for booking in problem.existing:
            self.add(booking)

    def add(self, b: Booking) -> None:
        for key in self._keys(b):
            insort(self.busy[key], (b.start, b.end))
        self.visits[b.patient].append((b.day, self.downtime.get(b.series, 0), b.series))

    def remove(self, b: Booking) -> None:
        for key in self._keys(b):
            self.busy[key].remove((b.start, b.end))
        self.visits[b.patient].remove((b.day, self.downtime.get(b.series, 0), b.series))

    def _keys(self, b: Booking) -> Iterator[tuple[str, int, date]]:
        yield "room", b.room, b.day
        yield "staff", b.staff, b.day
        if b.device is not None:
            yield "device", b.device, b.day

    def free(self, kind: str, ident: int, day: date, start: int, end: int) -> bool:
        return all(end <= s or e <= start for s, e in self.busy.get((kind, ident, day), ()))

    def day_open_for(self, series: Series, day: date) -> bool:
        """Whether the patient may have this series' session on `day` (clinic open, patient
        available, sun, and no recovery from another session, nor one that this session's
        recovery would overlap)."""
        problem = self.problem
        if not problem.start <= day <= problem.last or problem.clinic.closed(day):
            return False
        patient = problem.patient(series.patient)
        if covers(patient.unavailable, day) or covers(patient.sun, day):
            return False
        if in_sun_window(day, series.sun_days, patient.sun):
            return False
        own = max(series.downtime, 1)
        for other, rest, _series in self.visits.get(series.patient, ()):
            if other <= day < other + timedelta(days=max(rest, 1)):
                return False
            if day <= other < day + timedelta(days=own):
                return False
        return True

    def first_fit(self, series: Series, needs: Needs, day: date, number: int) -> Booking | None:
        """The earliest time on `day` with a room, device and staff member free."""
        clinic = self.problem.clinic
        held = needs.held
        staff = [
            s
            for s in clinic.staff
            if series.treatment in s.skills
            and (s.physician or not needs.physician)
            and not clinic.resource_closed("staff", s.id, day)
        ]
        devices = [
            d
            for d in clinic.devices
            if d.kind == needs.device_kind and not clinic.resource_closed("device", d.id, day)
        ]
        rooms = [r.id for r in clinic.rooms if not clinic.resource_closed("room", r.id, day)]
        for opens, closes in clinic.hours[day.weekday()]:
            for start in range(-(-opens // SLOT) * SLOT, closes - held + 1, SLOT):
                end = start + held
                person = next(
                    (
                        s.id
                        for s in staff
                        if within(s.hours[day.weekday()], start, end)
                        and self.free("staff", s.id, day, start, end)
                    ),
                    None,
                )
                if person is None:
                    continue
                place = self._room_and_device(needs, devices, rooms, day=day, start=start, end=end)
                if place is not None:
                    room, device = place
                    return Booking(
                        series.key,
                        number,
                        series.patient,
                        series.treatment,
                        day,
                        start,
                        held,
                        room,
                        person,
                        device,
                    )
        return None

    def _room_and_device(
        self,
        needs: Needs,
        devices: list[Device],
        rooms: list[int],
        *,
        day: date,
        start: int,
        end: int,
    ) -> tuple[int, int | None] | None:
        if needs.device_kind is None:
            room = next((r for r in rooms if self.free("room", r, day, start, end)), None)
            return None if room is None else (room, None)
        for device in devices:
            if not self.free("device", device.id, day, start, end):
                continue
            for room in rooms:
                if room in device.rooms and self.free("room", room, day, start, end):
                    return room, device.id
        return None
