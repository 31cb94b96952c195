"""Plan and assessment facts in plain words, in the reader's language.

Every sentence is built from the value's structured fields (codes, rule ids, dates, counts) and
the knowledge base's own texts, so the English and Spanish reports say exactly the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dorsum.core.assessment import Caution, Reason, ReferralReason
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.plan import Note, Plan, PlanItem, Review, Session
from dorsum.i18n import Localizer


def severity_word(severity: str, loc: Localizer) -> str:
    words = {
        "mild": loc.gettext("mild"),
        "moderate": loc.gettext("moderate"),
        "severe": loc.gettext("severe"),
    }
    return words[severity]


def name(treatment_id: str, index: KnowledgeIndex, loc: Localizer, *, inline: bool = False) -> str:
    """A treatment's name; `inline` lower-cases it for use inside a sentence."""
    text = loc.kb(index.treatments[treatment_id].name)
    if inline and len(text) > 1 and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def condition_name(condition_id: str, index: KnowledgeIndex, loc: Localizer) -> str:
    return loc.kb(index.conditions[condition_id].name)


def schedule_line(item: PlanItem, loc: Localizer) -> str:
    """How often and for how long, in one sentence."""
    if item.kind == "daily":
        return loc.gettext("Every day, from %(start)s.", start=loc.date(item.start))
    if item.kind == "course":
        if item.end is None:
            return loc.gettext("From %(start)s.", start=loc.date(item.start))
        return loc.gettext(
            "Every day from %(start)s to %(end)s.",
            start=loc.date(item.start),
            end=loc.date(item.end),
        )
    parts = []
    if item.sessions == 1:
        parts.append(loc.gettext("one session, on %(start)s", start=loc.date(item.start)))
    elif item.sessions is not None and item.interval_days is not None:
        parts.append(loc.ngettext("%(num)s session", "%(num)s sessions", item.sessions))
        weeks, days = divmod(item.interval_days, 7)
        if days == 0:
            parts.append(loc.ngettext("every week", "every %(num)s weeks", weeks))
        else:
            parts.append(loc.ngettext("every day", "every %(num)s days", item.interval_days))
        parts.append(
            loc.gettext(
                "from %(start)s to %(end)s",
                start=loc.date(item.start),
                end=loc.date(item.end or item.start),
            )
        )
    else:
        parts.append(
            loc.gettext(
                "first session on %(start)s; the clinic sets the next ones",
                start=loc.date(item.start),
            )
        )
    if item.session_minutes:
        parts.append(loc.gettext("about %(minutes)s minutes each", minutes=item.session_minutes))
    sentence = ", ".join(parts)
    return sentence[:1].upper() + sentence[1:] + "."


def note_text(note: Note, index: KnowledgeIndex, loc: Localizer) -> str:
    """A planning note: how a figure was set, or why something waits."""
    wording = _NOTES.get(note.code)
    return wording(note, index, loc) if wording is not None else note.text


def _iso(value: str, loc: Localizer) -> str:
    return loc.date(date.fromisoformat(value))


def _session_rule(note: Note, index: KnowledgeIndex, loc: Localizer) -> str:
    rule = next(r for t in index.kb.treatments for r in t.session_rules if r.id == note.rule)
    return loc.kb(rule.text)


def _unknown(note: Note, index: KnowledgeIndex, loc: Localizer) -> str:
    return loc.kb(index.treatments[note.rule].schedule.unknown or note.text)


def _deferred(note: Note, index: KnowledgeIndex, loc: Localizer) -> str:
    text = index.rules[note.rule].text
    if "until" in note.values:
        return loc.kb(text, until=_iso(note.values["until"], loc))
    return loc.kb(text)


_NOTES: dict[str, Callable[[Note, KnowledgeIndex, Localizer], str]] = {
    "session_rule": _session_rule,
    "unknown": _unknown,
    "deferred": _deferred,
    "session_range": lambda note, _index, loc: loc.gettext(
        "%(low)s to %(high)s sessions are usual; %(planned)s are planned, and the clinician "
        "may stop sooner.",
        **note.values,
    ),
    "assumed_areas": lambda note, _index, loc: loc.gettext(
        "Planned for %(areas)s areas of the back; the clinician confirms how many areas "
        "need treating.",
        **note.values,
    ),
    "sun_in_summer": lambda note, index, loc: loc.gettext(
        "The skin treated with %(name)s must avoid the sun until %(end)s, into the summer "
        "that starts on %(summer)s. Plan covering clothes and SPF 30 sunscreen, or move the "
        "sessions to after the summer.",
        name=name(note.rule, index, loc, inline=True),
        end=_iso(note.values["end"], loc),
        summer=_iso(note.values["summer"], loc),
    ),
    "finishes_late": lambda note, index, loc: loc.gettext(
        "%(name)s: results and recovery expected by %(finish)s, after your date.",
        name=name(note.rule, index, loc),
        finish=_iso(note.values["finish"], loc),
    ),
    "result_time_unknown": lambda note, index, loc: loc.gettext(
        "%(name)s: no source gives the time to a visible result, so it cannot be promised "
        "by your date.",
        name=name(note.rule, index, loc),
    ),
}


def caution_text(caution: Caution, index: KnowledgeIndex, loc: Localizer) -> str:
    """A caution on a chosen treatment, from the rule that raised it."""
    if caution.rule.startswith("evidence."):
        indication = index.indications[caution.rule.removeprefix("evidence.")]
        return loc.kb(indication.evidence_note)
    rule = index.rules.get(caution.rule)
    text = loc.kb(rule.text) if rule is not None else caution.text
    if caution.about is not None:
        return loc.gettext(
            "Not yet for the %(condition)s: %(text)s",
            condition=condition_name(caution.about, index, loc).lower(),
            text=text,
        )
    return text


def reason_text(reason: Reason, index: KnowledgeIndex, loc: Localizer) -> str:
    """Why an option is ruled out, from the rule that said so (dates in the reader's language)."""
    rule = index.rules.get(reason.rule)
    if rule is not None:
        if reason.until is not None and "{until}" in rule.text:
            return loc.kb(rule.text, until=loc.date(reason.until))
        return loc.kb(rule.text)
    if reason.rule.startswith("requires."):
        required = index.treatments[
            index.treatments[reason.rule.removeprefix("requires.")].requires[0]
        ]
        return loc.gettext(
            "Only ever used together with %(name)s, which is not available here.",
            name=loc.kb(required.name).lower(),
        )
    return reason.text


def referral_text(reason: ReferralReason, index: KnowledgeIndex, loc: Localizer) -> str:
    referral = next(r for r in index.kb.referrals if r.id == reason.rule)
    return loc.kb(referral.text)


def review_text(review: Review, index: KnowledgeIndex, loc: Localizer) -> str:
    treatment = name(review.treatment, index, loc, inline=True)
    if review.code == "course_review":
        return loc.gettext("Review with the clinic whether %(name)s is working.", name=treatment)
    if review.code == "judge_result":
        return loc.gettext("Judge the result of %(name)s with the clinic.", name=treatment)
    return loc.gettext("Agree the next sessions of %(name)s with the clinic.", name=treatment)


def session_text(session: Session, index: KnowledgeIndex, loc: Localizer) -> str:
    treatment = name(session.treatment, index, loc)
    if session.of is not None:
        text = loc.gettext(
            "%(name)s: session %(number)s of %(of)s",
            name=treatment,
            number=session.number,
            of=session.of,
        )
    else:
        text = loc.gettext("%(name)s: session %(number)s", name=treatment, number=session.number)
    if session.minutes:
        text += " " + loc.gettext("(about %(minutes)s minutes)", minutes=session.minutes)
    return text


def target_lines(plan: Plan, index: KnowledgeIndex, loc: Localizer) -> list[str]:
    """What the patient needs to know about their date."""
    check = plan.target
    if check is None:
        return []
    lines = [note_text(reason, index, loc) for reason in check.reasons]
    if check.latest_start is not None:
        if check.latest_start >= plan.start:
            lines.append(
                loc.gettext(
                    "To be ready by your date, start no later than %(date)s.",
                    date=loc.date(check.latest_start),
                )
            )
        else:
            lines.append(
                loc.gettext(
                    "To be ready by your date, it would have needed to start by %(date)s.",
                    date=loc.date(check.latest_start),
                )
            )
    elif not check.met:
        lines.append(loc.gettext("No start date would make these treatments ready in time."))
    if check.alternatives:
        lines.append(
            loc.gettext(
                "These options would be ready in time: %(names)s.",
                names=", ".join(name(t, index, loc) for t in check.alternatives),
            )
        )
    return lines
