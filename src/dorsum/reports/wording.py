"""Plan and assessment facts in plain words, in the reader's language: the one wording module.

The core emits codes, rule ids and values only. Every sentence a reader sees (the JSON's text
fields, the terminal report, the web pages, the PDF) is built here from those fields and the
knowledge base's own texts, so no two renderers and no two languages can say different things.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from dorsum.core.assessment import (
    Advice,
    Caution,
    Param,
    Reason,
    Recommendation,
    ReferralReason,
    ScaleReading,
)
from dorsum.core.knowledge import KnowledgeIndex
from dorsum.core.knowledge.models import Rule
from dorsum.core.plan import Note, Plan, PlanItem, Review, Session
from dorsum.i18n import N_, Localizer

# What each reason and caution code means, in a few words (for lists, and for a companion's
# reason). `test_wording` renders every code the knowledge base can emit in both languages.
CODE_LABELS: dict[str, str] = {
    "pregnancy": N_("pregnancy"),
    "breastfeeding": N_("breastfeeding"),
    "planning_pregnancy": N_("a planned pregnancy"),
    "isotretinoin_recent": N_("recent isotretinoin"),
    "isotretinoin_current": N_("isotretinoin taken now"),
    "keloid_tendency": N_("a tendency to keloid or raised scars"),
    "hypertrophic_tendency": N_("a raised scar"),
    "bleeding_risk": N_("a bleeding risk"),
    "cold_disorder": N_("a cold disorder"),
    "active_herpes": N_("active herpes"),
    "herpes_history": N_("past cold sores"),
    "active_infection": N_("an infection at the site"),
    "hernia": N_("a hernia near the site"),
    "immunosuppressed": N_("immunosuppression"),
    "koebnerising_disease": N_("a koebnerising skin disease"),
    "photosensitising_medication": N_("a photosensitising medicine"),
    "recent_tan": N_("a recent tan"),
    "pih_risk": N_("a risk of dark marks"),
    "dark_phototype": N_("skin type V or VI"),
    "phototype_unknown": N_("an unrecorded skin type"),
    "allergy": N_("an allergy"),
    "local_anaesthetic": N_("an anaesthetic allergy"),
    "minor": N_("age under 18"),
    "under_9": N_("age under 9"),
    "age_below_clearance": N_("age under 22"),
    "bmi_above_clearance": N_("a BMI above 30"),
    "active_acne": N_("active acne"),
    "suspicious_lesion": N_("a suspicious mole"),
    "severe_acne": N_("moderate-to-severe acne"),
    "nodular_acne": N_("nodules or cysts"),
    "acne_fulminans": N_("suspected acne fulminans"),
    "malassezia_suspected": N_("suspected Malassezia folliculitis"),
    "severe_scarring": N_("severe scarring"),
    "acne_with_scarring": N_("acne that is scarring"),
    "low_evidence": N_("little evidence"),
    "off_label_site": N_("use outside authorised sites"),
    "requires_excluded": N_("its companion treatment is unavailable"),
    "oral_antibiotic_combination": N_("a possible oral antibiotic"),
    "drug_induced_acne": N_("possibly drug-induced acne"),
    "androgen_excess": N_("signs of excess androgen"),
    "hidradenitis_suspected": N_("suspected hidradenitis suppurativa"),
    "not_offered": N_("not offered for these findings"),
}


def code_label(code: str, loc: Localizer) -> str:
    """A reason or caution code in a few words."""
    label = CODE_LABELS.get(code)
    return loc.gettext(label) if label is not None else code.replace("_", " ")


def severity_word(severity: str, loc: Localizer) -> str:
    words = {
        "mild": loc.gettext("mild"),
        "moderate": loc.gettext("moderate"),
        "severe": loc.gettext("severe"),
    }
    return words[severity]


_BANDS = {
    "none": N_("none"),
    "mild_to_moderate": N_("mild to moderate"),
    "moderate_to_severe": N_("moderate to severe"),
    "very_severe": N_("very severe"),
    "macular": N_("macular (flat, discoloured)"),
}


def band_word(band: str, loc: Localizer) -> str | None:
    """A grading reading's band in words (None for a band that has none)."""
    if band in ("mild", "moderate", "severe"):
        return severity_word(band, loc)
    label = _BANDS.get(band)
    return loc.gettext(label) if label is not None else None


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
    """A caution on an option, from the rule that raised it."""
    if caution.rule.startswith("evidence."):
        indication = index.indications.get(caution.rule.removeprefix("evidence."))
        text = loc.kb(indication.evidence_note) if indication is not None else caution.text
    else:
        rule = _rule(index, caution.rule)
        until = caution.params.get("until")
        if rule is None:
            text = loc.kb(caution.text)
        elif "{until}" in rule.text:
            day = date.fromisoformat(str(until)) if until else None
            text = loc.kb(rule.text, until=loc.date(day) if day else "?")
        else:
            text = loc.kb(rule.text)
    if caution.about is not None:
        return loc.gettext(
            "Not yet for the %(condition)s: %(text)s",
            condition=condition_name(caution.about, index, loc).lower(),
            text=text,
        )
    return text


# Rule ids that were renamed, so that results stored before read as the rule that replaced them.
# (`c5.keloid.exclude`, split in two by treatment, keeps its stored text, true of both.)
RENAMED = {"c11.filler.hyaluronic-acid": "c11.hyaluronic-acid"}


def _rule(index: KnowledgeIndex, rule_id: str) -> Rule | None:
    return index.rules.get(RENAMED.get(rule_id, rule_id))


def reason_text(reason: Reason, index: KnowledgeIndex, loc: Localizer) -> str:
    """Why an option is ruled out, from the rule that said so (dates in the reader's language)."""
    rule = _rule(index, reason.rule)
    if rule is not None:
        if reason.until is None or "{until}" not in rule.text:
            return loc.kb(rule.text)
        until = loc.date(reason.until)
        if reason.params.get("counted_from") == "last_dose":  # still taken: from the last dose
            until = loc.gettext(
                "%(months)s months after the last dose (not before %(date)s)",
                months=reason.params.get("months"),
                date=until,
            )
        return loc.kb(rule.text, until=until)
    if reason.rule.startswith("requires."):
        return _requires_text(reason, index, loc)
    return loc.kb(reason.text)


def _requires_text(reason: Reason, index: KnowledgeIndex, loc: Localizer) -> str:
    companion = str(reason.params.get("companion") or "")
    if companion not in index.treatments:  # a result stored before companions had parameters
        treatment = index.treatments.get(reason.rule.removeprefix("requires."))
        companion = treatment.requires[0] if treatment and treatment.requires else ""
    companion_name = name(companion, index, loc, inline=True) if companion else "?"
    because = str(reason.params.get("because") or "")
    if not because:  # a result stored before companions had parameters: say no more than it
        return loc.gettext(
            "Only ever used together with %(name)s, which is not available here.",
            name=companion_name,
        )
    if because == "not_offered":
        return loc.gettext(
            "Only ever used together with %(name)s, which is not offered for these findings.",
            name=companion_name,
        )
    return loc.gettext(
        "Only ever used together with %(name)s, which is ruled out for this patient (%(why)s).",
        name=companion_name,
        why=", ".join(code_label(code, loc) for code in because.split(",")),
    )


def referral_text(reason: ReferralReason, index: KnowledgeIndex, loc: Localizer) -> str:
    """A red flag, with the part about treatment options that fits this patient."""
    referral = next((r for r in index.kb.referrals if r.id == reason.rule), None)
    if referral is None:
        return reason.text
    chosen = set(reason.variant.split(",")) if reason.variant else set()
    variants = [loc.kb(v.text) for v in referral.variants if v.id in chosen]
    text = loc.kb(referral.text)
    if variants:
        return " ".join((text, *variants))
    return f"{text} {loc.kb(referral.options)}" if referral.options else text


def advice_text(advice: Advice, index: KnowledgeIndex, loc: Localizer) -> str:
    item = next((a for a in index.advice if a.id == advice.rule), None)
    return loc.kb(item.text) if item is not None else advice.text


def rationale_text(recommendation: Recommendation, index: KnowledgeIndex, loc: Localizer) -> str:
    indication = index.indications.get(recommendation.indication)
    return loc.kb(indication.rationale) if indication is not None else recommendation.rationale


def _p(reading: ScaleReading, key: str) -> Param:
    return reading.params.get(key)


Words = tuple[str, str, str | None]


def reading_words(reading: ScaleReading, loc: Localizer) -> Words:
    """(scale, value, note) of a grading reading, in the reader's language."""
    say = _READINGS.get(reading.code)
    return say(reading, loc) if say is not None else (reading.scale, reading.value, reading.note)


def _nice(reading: ScaleReading, loc: Localizer) -> Words:
    value = loc.gettext(
        "%(inflammatory)s inflammatory, %(nodules)s nodules or cysts",
        inflammatory=_p(reading, "inflammatory"),
        nodules=_p(reading, "nodules"),
    )
    return ("NICE NG198", value, None)


def _gags(reading: ScaleReading, loc: Localizer) -> Words:
    note = loc.gettext(
        "GAGS merges chest and upper back; back-only acne scores at most %(maximum)s "
        "('mild') even when nodular, so it does not set severity.",
        maximum=_p(reading, "back_only_maximum"),
    )
    return (loc.gettext("GAGS (chest and upper back region)"), str(_p(reading, "score")), note)


def _mild_boundary(reading: ScaleReading, loc: Localizer) -> Words:
    value = loc.gettext(
        "%(comedones)s comedones, %(inflammatory)s inflammatory",
        comedones=_p(reading, "comedones"),
        inflammatory=_p(reading, "inflammatory"),
    )
    note = loc.gettext(
        "IGA mild: some comedones and no more than a few papules or pustules; counted as "
        "Lehmann 2002: fewer than 20 comedones, 15 inflammatory lesions and 30 in all."
    )
    return (loc.gettext("Mild acne"), value, note)


def _goodman_baron(reading: ScaleReading, loc: Localizer) -> Words:
    return (loc.gettext("Goodman & Baron qualitative"), str(_p(reading, "grade")), None)


def _scar_kinds(reading: ScaleReading, loc: Localizer) -> Words:
    kinds = [k for k in str(_p(reading, "kinds") or "").split(", ") if k]
    return (
        loc.gettext("dorsum scar convention"),
        ", ".join(loc.gettext(_SCAR_KINDS.get(k, k)) for k in kinds),
        loc.gettext("No validated scale for these scars; the worst kind decides."),
    )


def _striae_stage(reading: ScaleReading, loc: Localizer) -> Words:
    count, stage = _p(reading, "count"), str(_p(reading, "stage"))
    counted = (
        loc.ngettext("%(num)s mark", "%(num)s marks", count)
        if isinstance(count, int)
        else loc.gettext("count not recorded")
    )
    note = loc.gettext(
        "%(count)s; no validated back stretch-mark scale exists, so none is invented.",
        count=counted,
    )
    return (loc.gettext("stage"), loc.gettext(_STAGES.get(stage, stage)), note)


def _pinch(reading: ScaleReading, loc: Localizer) -> Words:
    areas = _p(reading, "areas")
    value = loc.gettext("%(cm)s cm", cm=f"{float(_p(reading, 'pinch_cm') or 0):g}")
    if isinstance(areas, int):
        value += ", " + loc.ngettext("%(num)s area", "%(num)s areas", areas)
    note = loc.gettext("No validated scale; dorsum's convention.")
    return (loc.gettext("pinch thickness"), value, note)


_READINGS: dict[str, Callable[[ScaleReading, Localizer], Words]] = {
    "nice": _nice,
    "gags": _gags,
    "mild_boundary": _mild_boundary,
    "goodman_baron": _goodman_baron,
    "scar_kinds": _scar_kinds,
    "striae_stage": _striae_stage,
    "pinch": _pinch,
}
_SCAR_KINDS = {
    "flat": N_("flat"),
    "atrophic": N_("atrophic"),
    "hypertrophic": N_("hypertrophic"),
    "keloid": N_("keloid"),
}
_STAGES = {"rubra": N_("rubra (early, red)"), "alba": N_("alba (late, white)")}


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


def booking_label(
    treatment: str, number: int | None, purpose: str, index: KnowledgeIndex, loc: Localizer
) -> str:
    """What a booking is for, in the reader's language: a plan session by its treatment and
    number, anything else by the purpose typed when it was booked."""
    if treatment not in index.treatments:
        return purpose
    label = name(treatment, index, loc)
    return loc.gettext("%(name)s, session %(n)s", name=label, n=number) if number else label


ZONE_NAMES = {
    "upper_left": N_("upper left"),
    "upper_right": N_("upper right"),
    "middle_left": N_("middle left"),
    "middle_right": N_("middle right"),
    "lower_left": N_("lower left"),
    "lower_right": N_("lower right"),
}


def zone_names(loc: Localizer) -> dict[str, str]:
    """The body-map zones' names in the reader's language."""
    return {zone: loc.gettext(name) for zone, name in ZONE_NAMES.items()}
