"""The book as one CP-SAT model (OR-Tools): every session of every series an optional interval
on a room, a device and a staff member; no overlap on any of them; series spacing, waits,
recovery and sun windows, opening hours, rosters, closures and the patients' unavailable days.

Objectives, in this order (solved one after the other, each phase keeping the one before):
1. the patients whose plan completes on time: every series booked, each finished by its due day
   (a patient without a target only needs to be booked);
2. total lateness, in days, of the series that end after their due day;
3. waiting: days from each series' earliest day to its first session.

The greedy first-fit is the hint, so the solver starts from what reception would do, and the
fallback when the solver finds nothing in its time. Bookings already in the book are fixed;
with `propose_moves`, booked plan sessions may move, each move costs, and every move is
returned as a proposal for reception, never applied.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import pairwise

from ortools.sat.python import cp_model

from dorsum.scheduling.days import allowed_days, target_reachable
from dorsum.scheduling.explain import explain
from dorsum.scheduling.greedy import first_fit
from dorsum.scheduling.model import DAY, SLOT, Booking, Problem, Series
from dorsum.scheduling.outcome import Move, Outcome, Unplaced

PER_DAY = DAY // SLOT
MOVE_COST = 14  # a proposed move must be worth two weeks less waiting
EXPLAIN_RESERVE = 1.5  # seconds kept for explaining what could not be booked
MIN_PHASE = 0.5  # seconds: a shorter second phase is not run


@dataclass
class _Session:
    series: Series
    number: int
    day: cp_model.IntVar
    slot: cp_model.IntVar
    rooms: dict[int, cp_model.IntVar] = field(default_factory=dict)
    staff: dict[int, cp_model.IntVar] = field(default_factory=dict)
    devices: dict[int, cp_model.IntVar] = field(default_factory=dict)
    held: int = 0
    first_slot: int = 0  # a valid value, to complete the hint of a series not booked


@dataclass
class _Model:
    problem: Problem
    model: cp_model.CpModel
    placed: dict[str, cp_model.IntVar]
    sessions: dict[str, list[_Session]]
    on_time: dict[int, cp_model.IntVar]  # patient -> on time
    targeted: set[int]  # the patients with a target date
    lateness: dict[str, cp_model.IntVar]  # series -> days late
    waiting: dict[str, cp_model.IntVar]  # series -> days waited
    moved: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)


def optimise(
    problem: Problem,
    *,
    seconds: float = 30.0,
    workers: int = 2,
    current: tuple[Booking, ...] = (),
    progress: Callable[[str], None] | None = None,
) -> Outcome:
    """Book every series as well as CP-SAT can within `seconds`.

    `current` holds where the series' sessions are booked now (re-optimisation): the search
    starts there, each session moved costs, and every move comes back as a proposal."""
    started = time.perf_counter()
    baseline = first_fit(problem)
    start_from = max(
        (baseline, first_fit(problem, order=_by_due)),
        key=lambda outcome: _on_time_count(problem, outcome.bookings),
    )
    if current:
        start_from = replace(baseline, bookings=_numbered(current))
    unplaceable = {u.series: u for u in baseline.unplaced if _static_reason(u)}
    candidates = tuple(s for s in problem.series if s.key not in unplaceable)
    never = {u.patient for u in unplaceable.values()}
    # a series the model leaves out keeps the sessions it is booked in now
    stays = tuple(b for b in start_from.bookings if current and b.series in unplaceable)
    modelled = replace(problem, series=candidates, existing=(*problem.existing, *stays))
    built = _build(modelled, never=never)
    _hint(built, start_from.bookings)
    _hint_on_time(built, start_from.bookings, never)
    if current:
        _may_move(built, start_from.bookings)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 0
    # Presolve of this model takes most of the time limit and gains little: the greedy
    # solution is complete and feasible, and without presolve the search starts from it.
    solver.parameters.cp_model_presolve = False
    # phase 1: patients on time; one target met outweighs every patient without a target
    weight_target = 1 + sum(1 for p in built.on_time if p not in built.targeted)
    built.model.maximize(
        sum(weight_target * v if p in built.targeted else v for p, v in built.on_time.items())
    )
    solver.parameters.max_time_in_seconds = max(
        MIN_PHASE, seconds * 0.6 - (time.perf_counter() - started)
    )
    if progress:
        progress("targets")
    status = solver.solve(built.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return replace(
            start_from if current else baseline,  # re-optimising: nothing moves
            status="fallback",
            seconds=time.perf_counter() - started,
            notes=("the solver found no solution in time; first-fit shown",),
        )
    value = round(solver.objective_value)
    met, bound = value // weight_target, int(solver.best_objective_bound + 1e-6) // weight_target
    proven = status == cp_model.OPTIMAL
    bookings = _bookings(built, solver)
    _keep(built, solver)
    # phase 2: lateness, then waiting, keeping everyone on time who was
    built.model.add(
        sum(weight_target * v if p in built.targeted else v for p, v in built.on_time.items())
        >= value
    )
    weight = 10 * (problem.days + 1)
    built.model.minimize(
        weight * sum(built.lateness.values())
        + sum(built.waiting.values())
        + MOVE_COST * sum(built.moved.values())
    )
    left = seconds - (time.perf_counter() - started) - EXPLAIN_RESERVE
    second = cp_model.UNKNOWN
    if left >= MIN_PHASE:
        solver.parameters.max_time_in_seconds = left
        if progress:
            progress("lateness and waiting")
        second = solver.solve(built.model)
        if second in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bookings = _bookings(built, solver)
    placed = {b.series for b in bookings}
    unplaced = [*unplaceable.values()]
    unplaced += [
        Unplaced(s.key, s.patient, explain(problem, s, booked=bookings))
        for s in candidates
        if s.key not in placed
    ]
    return Outcome(
        method="cp-sat",
        status="optimal" if proven and second == cp_model.OPTIMAL else "feasible",
        bookings=tuple(bookings),
        moves=_moves(start_from.bookings, bookings) if current else (),
        unplaced=tuple(unplaced),
        seconds=time.perf_counter() - started,
        objective=float(met),
        bound=float(bound),
    )


def _by_due(series: Series) -> tuple[date, int, str]:
    """Earliest due day first (no target last), then arrival: the solver's starting point."""
    return (series.due or date.max, series.order, series.key)


def _on_time_count(problem: Problem, bookings: tuple[Booking, ...]) -> tuple[int, int]:
    """(patients with a target who meet it, patients booked in full)."""
    days: dict[str, list[date]] = defaultdict(list)
    for b in bookings:
        days[b.series].append(b.day)
    ok: dict[int, bool] = {}
    targeted: set[int] = set()
    for series in problem.series:
        booked = days.get(series.key, [])
        good = len(booked) == series.sessions and (series.due is None or max(booked) <= series.due)
        ok[series.patient] = ok.get(series.patient, True) and good
        if series.due is not None:
            targeted.add(series.patient)
    return sum(ok[p] for p in targeted), sum(ok.values())


def _static_reason(unplaced: Unplaced) -> bool:
    return any(
        r.code
        in {
            "unknown_treatment",
            "no_skilled_staff",
            "no_physician",
            "no_device",
            "no_room_for_device",
            "beyond_horizon",
        }
        for r in unplaced.reasons
    )


def _slots(problem: Problem, days: list[int], held: int) -> list[list[int]]:
    """Slot ranges [first, last] (slots from the book's start) where a session fits the
    opening hours on one of `days`."""
    ranges = []
    for n in days:
        weekday = (problem.start + timedelta(days=n)).weekday()
        for opens, closes in problem.clinic.hours[weekday]:
            first = -(-opens // SLOT)
            last = (closes - held) // SLOT
            if first <= last:
                ranges.append([n * PER_DAY + first, n * PER_DAY + last])
    return ranges


def _build(problem: Problem, never: set[int] | None = None) -> _Model:  # noqa: PLR0912, PLR0915 - one model, read top-down
    model = cp_model.CpModel()
    clinic = problem.clinic
    on_rooms: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    on_staff: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    on_devices: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    on_patient: dict[int, list[cp_model.IntervalVar]] = defaultdict(list)
    _block_unavailable(problem, model, on_rooms, on_staff, on_devices)
    rest = {s.key: s.downtime for s in problem.series}
    for b in problem.existing:
        start = problem.day_index(b.day) * DAY + b.start
        size = b.held
        on_rooms[b.room].append(model.new_fixed_size_interval_var(start, size, f"x{b.id}r"))
        on_staff[b.staff].append(model.new_fixed_size_interval_var(start, size, f"x{b.id}s"))
        if b.device is not None:
            on_devices[b.device].append(model.new_fixed_size_interval_var(start, size, f"x{b.id}d"))
        on_patient[b.patient].append(
            model.new_fixed_size_interval_var(
                problem.day_index(b.day), max(rest.get(b.series, 0), 1), f"x{b.id}p"
            )
        )
    placed: dict[str, cp_model.IntVar] = {}
    sessions: dict[str, list[_Session]] = {}
    lateness: dict[str, cp_model.IntVar] = {}
    waiting: dict[str, cp_model.IntVar] = {}
    for series in problem.series:
        needs = clinic.needs_for(series)
        held = needs.held
        days = allowed_days(problem, series)
        ranges = _slots(problem, days, held)
        x = model.new_bool_var(f"placed[{series.key}]")
        placed[series.key] = x
        if not ranges:
            model.add(x == 0)
            sessions[series.key] = []
            continue
        staff = [
            s
            for s in clinic.staff
            if series.treatment in s.skills and (s.physician or not needs.physician)
        ]
        devices = [d for d in clinic.devices if d.kind == needs.device_kind]
        rooms = [
            r.id
            for r in clinic.rooms
            if needs.device_kind is None or any(r.id in d.rooms for d in devices)
        ]
        own: list[_Session] = []
        slot_domain = cp_model.Domain.from_intervals(ranges)
        day_domain = cp_model.Domain.from_values(days)
        for number in range(1, series.sessions + 1):
            tag = f"{series.key}#{number}"
            day = model.new_int_var_from_domain(day_domain, f"day[{tag}]")
            slot = model.new_int_var_from_domain(slot_domain, f"slot[{tag}]")
            model.add(slot >= PER_DAY * day)
            model.add(slot <= PER_DAY * day + PER_DAY - 1)
            session = _Session(series, number, day, slot, held=held, first_slot=ranges[0][0])
            begins = SLOT * slot
            for room in rooms:
                lit = model.new_bool_var(f"room[{tag},{room}]")
                session.rooms[room] = lit
                on_rooms[room].append(
                    model.new_optional_fixed_size_interval_var(
                        begins, held, lit, f"r[{tag},{room}]"
                    )
                )
            model.add(sum(session.rooms.values()) == x)
            for person in staff:
                lit = model.new_bool_var(f"staff[{tag},{person.id}]")
                session.staff[person.id] = lit
                on_staff[person.id].append(
                    model.new_optional_fixed_size_interval_var(
                        begins, held, lit, f"s[{tag},{person.id}]"
                    )
                )
            model.add(sum(session.staff.values()) == x)
            if needs.device_kind is not None:
                for device in devices:
                    lit = model.new_bool_var(f"device[{tag},{device.id}]")
                    session.devices[device.id] = lit
                    on_devices[device.id].append(
                        model.new_optional_fixed_size_interval_var(
                            begins, held, lit, f"d[{tag},{device.id}]"
                        )
                    )
                model.add(sum(session.devices.values()) == x)
                for room, lit in session.rooms.items():
                    usable = [session.devices[d.id] for d in devices if room in d.rooms]
                    model.add(lit <= sum(usable))
            on_patient[series.patient].append(
                model.new_optional_fixed_size_interval_var(
                    day, max(series.downtime, 1), x, f"p[{tag}]"
                )
            )
            own.append(session)
        for previous, later in pairwise(own):
            model.add(later.day - previous.day >= series.min_gap).only_enforce_if(x)
            model.add(later.day - previous.day <= series.max_gap).only_enforce_if(x)
        sessions[series.key] = own
        earliest = max(0, problem.day_index(series.earliest))
        wait = model.new_int_var(0, problem.days, f"wait[{series.key}]")
        model.add(wait >= own[0].day - earliest).only_enforce_if(x)
        model.add(wait == problem.days).only_enforce_if(~x)  # not booked: the longest wait
        waiting[series.key] = wait
        if series.due is not None:
            late = model.new_int_var(0, problem.days, f"late[{series.key}]")
            model.add(late >= own[-1].day - problem.day_index(series.due)).only_enforce_if(x)
            model.add(late == problem.days).only_enforce_if(~x)
            lateness[series.key] = late
    for group in (on_rooms, on_staff, on_devices, on_patient):
        for intervals in group.values():
            if len(intervals) > 1:
                model.add_no_overlap(intervals)
    on_time = _on_time(problem, model, placed, sessions, never or set())
    targeted = {s.patient for s in problem.series if s.due is not None}
    return _Model(problem, model, placed, sessions, on_time, targeted, lateness, waiting)


def _on_time(
    problem: Problem,
    model: cp_model.CpModel,
    placed: dict[str, cp_model.IntVar],
    sessions: dict[str, list[_Session]],
    never: set[int],
) -> dict[int, cp_model.IntVar]:
    by_patient: dict[int, list[Series]] = defaultdict(list)
    for series in problem.series:
        by_patient[series.patient].append(series)
    flags = {}
    for patient, series_list in by_patient.items():
        ok = model.new_bool_var(f"on_time[{patient}]")
        if patient in never or not all(target_reachable(problem, s) for s in series_list):
            model.add(ok == 0)  # no booking can meet this target: a tighter bound
        for series in series_list:
            model.add_implication(ok, placed[series.key])
            if series.due is not None and sessions[series.key]:
                due = problem.day_index(series.due)
                model.add(sessions[series.key][-1].day <= due).only_enforce_if(ok)
        flags[patient] = ok
    return flags


def _block_unavailable(
    problem: Problem,
    model: cp_model.CpModel,
    on_rooms: dict[int, list[cp_model.IntervalVar]],
    on_staff: dict[int, list[cp_model.IntervalVar]],
    on_devices: dict[int, list[cp_model.IntervalVar]],
) -> None:
    """Fixed intervals for the times a resource cannot be used: closures, and for staff, the
    opening hours outside their roster."""
    clinic = problem.clinic
    for n in range(problem.days):
        day = problem.start + timedelta(days=n)
        if clinic.closed(day):
            continue
        base = n * DAY
        for room in clinic.rooms:
            if clinic.resource_closed("room", room.id, day):
                on_rooms[room.id].append(
                    model.new_fixed_size_interval_var(base, DAY, f"cr{room.id}d{n}")
                )
        for device in clinic.devices:
            if clinic.resource_closed("device", device.id, day):
                on_devices[device.id].append(
                    model.new_fixed_size_interval_var(base, DAY, f"cd{device.id}d{n}")
                )
        for person in clinic.staff:
            if clinic.resource_closed("staff", person.id, day):
                on_staff[person.id].append(
                    model.new_fixed_size_interval_var(base, DAY, f"cs{person.id}d{n}")
                )
                continue
            for start, end in _off_roster(clinic.hours[day.weekday()], person.hours[day.weekday()]):
                on_staff[person.id].append(
                    model.new_fixed_size_interval_var(
                        base + start, end - start, f"o{person.id}d{n}m{start}"
                    )
                )


def _off_roster(
    opening: tuple[tuple[int, int], ...], roster: tuple[tuple[int, int], ...]
) -> list[tuple[int, int]]:
    """The parts of the opening hours when the staff member is not rostered."""
    off = []
    for opens, closes in opening:
        cursor = opens
        for start, end in sorted(roster):
            if end <= cursor or start >= closes:
                continue
            if start > cursor:
                off.append((cursor, start))
            cursor = max(cursor, end)
        if cursor < closes:
            off.append((cursor, closes))
    return off


def _hint(built: _Model, bookings: tuple[Booking, ...]) -> None:
    """Start from the greedy booking."""
    model = built.model
    by_series: dict[str, list[Booking]] = defaultdict(list)
    for b in bookings:
        by_series[b.series].append(b)
    for key, x in built.placed.items():
        chosen = sorted(by_series.get(key, []), key=lambda b: b.number)
        own = built.sessions.get(key, [])
        complete = bool(own) and len(chosen) == len(own)
        model.add_hint(x, complete)
        series = own[0].series if own else None
        if key in built.waiting:
            first = built.problem.day_index(chosen[0].day) if complete else 0
            earliest = max(0, built.problem.day_index(series.earliest)) if series else 0
            wait = max(0, first - earliest) if complete else built.problem.days
            model.add_hint(built.waiting[key], wait)
        if key in built.lateness and series is not None and series.due is not None:
            last = built.problem.day_index(chosen[-1].day) if complete else 0
            due = built.problem.day_index(series.due)
            model.add_hint(
                built.lateness[key], max(0, last - due) if complete else built.problem.days
            )
        if not complete:
            for session in own:
                model.add_hint(session.slot, session.first_slot)
                model.add_hint(session.day, session.first_slot // PER_DAY)
                for lit in (
                    *session.rooms.values(),
                    *session.staff.values(),
                    *session.devices.values(),
                ):
                    model.add_hint(lit, False)
            continue
        for session, b in zip(own, chosen, strict=True):
            slot = built.problem.day_index(b.day) * PER_DAY + b.start // SLOT
            model.add_hint(session.slot, slot)
            model.add_hint(session.day, slot // PER_DAY)
            for room, lit in session.rooms.items():
                model.add_hint(lit, room == b.room)
            for person, lit in session.staff.items():
                model.add_hint(lit, person == b.staff)
            for device, lit in session.devices.items():
                model.add_hint(lit, device == b.device)


def _hint_on_time(built: _Model, bookings: tuple[Booking, ...], never: set[int]) -> None:
    last: dict[str, date] = {}
    count: dict[str, int] = defaultdict(int)
    for b in bookings:
        last[b.series] = max(last.get(b.series, b.day), b.day)
        count[b.series] += 1
    ok: dict[int, bool] = defaultdict(lambda: True)
    for series in built.problem.series:
        done = count[series.key] == series.sessions and bool(built.sessions[series.key])
        due_met = series.due is None or (done and last[series.key] <= series.due)
        ok[series.patient] = ok[series.patient] and done and due_met
    for patient, var in built.on_time.items():
        built.model.add_hint(var, ok[patient] and patient not in never)


def _keep(built: _Model, solver: cp_model.CpSolver) -> None:
    """Hint the next phase with this phase's solution."""
    model = built.model
    model.clear_hints()  # type: ignore[no-untyped-call]
    for key, x in built.placed.items():
        model.add_hint(x, solver.boolean_value(x))
        for session in built.sessions[key]:
            model.add_hint(session.slot, solver.value(session.slot))
            model.add_hint(session.day, solver.value(session.day))
            for lit in (
                *session.rooms.values(),
                *session.staff.values(),
                *session.devices.values(),
            ):
                model.add_hint(lit, solver.boolean_value(lit))


def _bookings(built: _Model, solver: cp_model.CpSolver) -> list[Booking]:
    """The solution as bookings."""
    problem = built.problem
    found = []
    for key, x in built.placed.items():
        if not solver.boolean_value(x):
            continue
        for session in built.sessions[key]:
            slot = solver.value(session.slot)
            series = session.series
            found.append(
                Booking(
                    series=key,
                    number=session.number,
                    patient=series.patient,
                    treatment=series.treatment,
                    day=problem.start + timedelta(days=slot // PER_DAY),
                    start=(slot % PER_DAY) * SLOT,
                    held=session.held,
                    room=_chosen(session.rooms, solver),
                    staff=_chosen(session.staff, solver),
                    device=_chosen(session.devices, solver) if session.devices else None,
                )
            )
    return found


def _chosen(options: dict[int, cp_model.IntVar], solver: cp_model.CpSolver) -> int:
    return next(ident for ident, lit in options.items() if solver.boolean_value(lit))


def _numbered(bookings: tuple[Booking, ...]) -> tuple[Booking, ...]:
    """The current bookings numbered 1.. within their series, in date order."""
    by_series: dict[str, list[Booking]] = defaultdict(list)
    for b in sorted(bookings, key=lambda b: (b.day, b.start)):
        by_series[b.series].append(b)
    return tuple(
        replace(b, number=n, fixed=False)
        for same in by_series.values()
        for n, b in enumerate(same, start=1)
    )


def _may_move(built: _Model, current: tuple[Booking, ...]) -> None:
    """A session stays where it is booked unless its `moved` flag is set (and paid for)."""
    model = built.model
    at = {(b.series, b.number): b for b in current}
    for key, own in built.sessions.items():
        for session in own:
            b = at.get((key, session.number))
            if b is None:
                continue
            moved = model.new_bool_var(f"moved[{key}#{session.number}]")
            built.moved[key, session.number] = moved
            model.add_hint(moved, False)
            slot = built.problem.day_index(b.day) * PER_DAY + b.start // SLOT
            model.add(session.slot == slot).only_enforce_if(~moved)
            for options, chosen in (
                (session.rooms, b.room),
                (session.staff, b.staff),
                (session.devices, b.device),
            ):
                if chosen in options:
                    model.add(options[chosen] == 1).only_enforce_if(~moved)


def _moves(before: tuple[Booking, ...], after: list[Booking]) -> tuple[Move, ...]:
    """Each session whose day, time, room, staff member or device changed."""
    now = {(b.series, b.number): b for b in after}
    found = []
    for b in before:
        new = now.get((b.series, b.number))
        if new is None:
            continue
        if (b.day, b.start, b.room, b.staff, b.device) != (
            new.day,
            new.start,
            new.room,
            new.staff,
            new.device,
        ):
            found.append(Move(b.id, b.series, b.number, b, replace(new, id=b.id)))
    return tuple(found)
