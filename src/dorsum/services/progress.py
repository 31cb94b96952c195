"""Progress over time: severity and counts at each visit, from each consultation's latest
version, for the chart on the patient page."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel
from sqlalchemy.orm import Session

from dorsum.services.actors import Actor
from dorsum.services.consultations import ConsultationPublic, list_consultations

SEVERITY_LEVEL = {"mild": 1, "moderate": 2, "severe": 3}


class Visit(BaseModel):
    consultation_id: int
    visit_date: date
    severity: dict[str, int]  # condition -> 0 (absent) .. 3 (severe)
    counts: dict[str, int]  # inflammatory, comedones, nodular, atrophic_scars, raised_scars


def progress(db: Session, *, actor: Actor, patient_id: int) -> list[Visit]:
    return visits_of(list_consultations(db, actor=actor, patient_id=patient_id))


def visits_of(consultations: list[ConsultationPublic]) -> list[Visit]:
    """Oldest visit first, from consultations listed newest first."""
    visits = []
    for consultation in reversed(consultations):
        parsed = consultation.parsed()
        if parsed is None:  # a damaged record is shown as such on the page, not charted
            continue
        intake, assessment = parsed
        acne, scars = intake.findings.acne, intake.findings.acne_scars
        visits.append(
            Visit(
                consultation_id=consultation.id,
                visit_date=consultation.visit_date,
                severity={c.id: SEVERITY_LEVEL[c.severity] for c in assessment.conditions},
                counts={
                    "inflammatory": acne.papules + acne.pustules if acne else 0,
                    "comedones": acne.comedones if acne else 0,
                    "nodular": acne.nodules + acne.cysts if acne else 0,
                    "atrophic_scars": scars.icepick + scars.boxcar + scars.rolling if scars else 0,
                },
            )
        )
    return visits
