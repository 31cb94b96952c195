"""The consent texts a clinic starts with, in English and Spanish, until its admin writes its
own. They are stored as version 1 the first time a patient signs one, so every signed consent
points at a stored text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DefaultText:
    title: str
    body: str


DEFAULTS: dict[tuple[str, str], DefaultText] = {
    ("treatment", "en"): DefaultText(
        "Consent to treatment",
        "I have been told what the treatments in my plan involve, the number of sessions, what "
        "to expect during recovery, the possible side effects and the alternatives, including "
        "no treatment. I have been able to ask questions and have had them answered.\n\n"
        "I agree to the treatments in this plan. I know I may withdraw this consent at any "
        "time, and that withdrawing it stops further sessions but not care I need.",
    ),
    ("treatment", "es"): DefaultText(
        "Consentimiento para el tratamiento",
        "Se me ha explicado en qué consisten los tratamientos de mi plan, el número de "
        "sesiones, qué esperar durante la recuperación, los posibles efectos secundarios y las "
        "alternativas, incluida la de no tratarme. He podido hacer preguntas y me las han "
        "respondido.\n\n"
        "Acepto los tratamientos de este plan. Sé que puedo retirar este consentimiento en "
        "cualquier momento, y que retirarlo detiene las sesiones siguientes pero no la atención "
        "que necesite.",
    ),
    ("photos_clinical", "en"): DefaultText(
        "Consent to photos for my clinical record",
        "I agree that the clinic takes photographs of the treated areas of my back before, "
        "during and after treatment. They are kept in my clinical record, seen only by the "
        "clinicians who treat me, and used to judge how the treatment works.\n\n"
        "I know I may withdraw this consent at any time; the photos are then no longer shown.",
    ),
    ("photos_clinical", "es"): DefaultText(
        "Consentimiento para fotografías en mi historia clínica",
        "Acepto que la clínica fotografíe las zonas tratadas de mi espalda antes, durante y "
        "después del tratamiento. Las fotografías se guardan en mi historia clínica, solo las "
        "ven los profesionales que me tratan y sirven para valorar cómo funciona el "
        "tratamiento.\n\n"
        "Sé que puedo retirar este consentimiento en cualquier momento; desde entonces las "
        "fotografías dejan de mostrarse.",
    ),
    ("photos_teaching", "en"): DefaultText(
        "Consent to photos for teaching or marketing",
        "I agree that photographs of my back, without my face or name, may be used for "
        "teaching clinicians and in the clinic's publications.\n\n"
        "I know I may withdraw this consent at any time; no further use is made of them.",
    ),
    ("photos_teaching", "es"): DefaultText(
        "Consentimiento para fotografías en docencia o publicidad",
        "Acepto que las fotografías de mi espalda, sin mi cara ni mi nombre, se usen para "
        "formar a profesionales y en las publicaciones de la clínica.\n\n"
        "Sé que puedo retirar este consentimiento en cualquier momento; desde entonces no se "
        "les da ningún uso más.",
    ),
}
