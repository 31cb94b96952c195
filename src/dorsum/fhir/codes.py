"""Every code dorsum reads from or writes to FHIR, in one place, as data.

Reading and writing both use these tables, and `docs/fhir.md` carries the table that
`mapping_table()` renders from them (a test keeps the two equal), so the three cannot drift.

Only codes a source verifies are used: LOINC 39156-5 (BMI) and 82810-3 (pregnancy status, with its
answers LA15173-0 / LA26683-5 / LA4489-6) from the FHIR specification and the IPS guide; ICD-10 and
ICD-10-CM codes and the isotretinoin RxNorm product codes that dorsum's facts dossier checked.
Everything else uses dorsum's own CodeSystems under `https://dorsum.dev/fhir/CodeSystem/`, which are
dorsum's and nobody else's, together with `text` a person can read.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

LOCAL = "https://dorsum.dev/fhir/CodeSystem/"
OBSERVATION_SYSTEM = LOCAL + "observation"
CONDITION_SYSTEM = LOCAL + "condition"
MEDICATION_SYSTEM = LOCAL + "medication"
ALLERGEN_SYSTEM = LOCAL + "allergen"
SCAR_CAUSE_SYSTEM = LOCAL + "scar-cause"
STRIAE_STAGE_SYSTEM = LOCAL + "striae-stage"
GOAL_SYSTEM = LOCAL + "goal"

LOINC = "http://loinc.org"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ICD10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ALLERGY_CLINICAL = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
ALLERGY_VERIFICATION = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
CONDITION_DUE_TO = "http://hl7.org/fhir/StructureDefinition/condition-dueTo"

BMI = "39156-5"
PREGNANCY_STATUS = "82810-3"
PREGNANT = "LA15173-0"
NOT_PREGNANT = "LA26683-5"
PREGNANCY_UNKNOWN = "LA4489-6"

Value = Literal["integer", "boolean", "quantity"]


@dataclass(frozen=True, slots=True)
class Measure:
    """An Observation that carries one intake field (`path`, dotted) as its value."""

    path: str
    system: str
    code: str
    display: str
    value: Value
    unit: str | None = None
    category: str = "exam"


def _local(path: str, code: str, display: str, value: Value, category: str = "exam") -> Measure:
    return Measure(path, OBSERVATION_SYSTEM, code, display, value, category=category)


def _counts(group: str, names: tuple[str, ...], what: str) -> tuple[Measure, ...]:
    return tuple(
        _local(
            f"findings.{group}.{name}",
            f"{group.replace('_', '-')}-{name}",
            f"{f'{name} {what}'.strip().capitalize()} on the back (count)",
            "integer",
        )
        for name in names
    )


MEASURES: tuple[Measure, ...] = (
    Measure(
        "patient.bmi",
        LOINC,
        BMI,
        "Body mass index (BMI) [Ratio]",
        "quantity",
        "kg/m2",
        "vital-signs",
    ),
    _local(
        "patient.fitzpatrick",
        "fitzpatrick-skin-type",
        "Fitzpatrick skin phototype (1-6)",
        "integer",
    ),
    _local(
        "patient.breastfeeding",
        "breastfeeding",
        "Currently breastfeeding",
        "boolean",
        "social-history",
    ),
    _local(
        "patient.planning_pregnancy",
        "planning-pregnancy",
        "Planning a pregnancy",
        "boolean",
        "social-history",
    ),
    _local("history.recent_tan", "recent-tan", "Tanned in the last weeks", "boolean"),
    _local(
        "history.androgen_excess_signs",
        "androgen-excess-signs",
        "Signs of androgen excess (hirsutism, irregular periods, virilisation)",
        "boolean",
    ),
    *_counts("acne", ("comedones", "papules", "pustules", "nodules", "cysts"), ""),
    _local(
        "findings.acne.itchy_monomorphic_without_comedones",
        "acne-itchy-monomorphic",
        "Itchy monomorphic papules and pustules without comedones",
        "boolean",
    ),
    _local(
        "findings.acne.rapid_worsening_with_systemic_symptoms",
        "acne-rapid-worsening",
        "Rapid worsening of acne with systemic symptoms",
        "boolean",
    ),
    *_counts(
        "acne_scars", ("icepick", "boxcar", "rolling", "hypertrophic", "macular"), "acne scars"
    ),
    _local(
        "findings.acne_scars.visible_at_social_distance",
        "acne-scars-visible-at-50cm",
        "Acne scars obvious at a social distance (50 cm)",
        "boolean",
    ),
    _local(
        "findings.acne_scars.flatten_on_stretch",
        "acne-scars-flatten-on-stretch",
        "Atrophic acne scars flatten when the skin is stretched",
        "boolean",
    ),
    _local(
        "findings.stretch_marks.count",
        "stretch-marks-count",
        "Number of stretch marks on the back",
        "integer",
    ),
    Measure(
        "findings.localized_fat.pinch_cm",
        OBSERVATION_SYSTEM,
        "pinch-thickness",
        "Pinch thickness of localized back fat",
        "quantity",
        "cm",
    ),
    _local(
        "findings.localized_fat.areas",
        "localized-fat-areas",
        "Areas of the back carrying localized fat (applicator placements)",
        "integer",
    ),
)

ConditionKind = Literal["flag", "finding", "cold", "scar"]


@dataclass(frozen=True, slots=True)
class ConditionCode:
    """A Condition dorsum reads: what it sets when active, and when inactive or resolved.

    `name` is the history flag, finding group, cold disorder or scar kind it sets while the
    condition is active; `when_inactive` the flag an inactive/remission/resolved one still sets
    (a tendency or a past episode), or None when a resolved condition no longer counts.
    `icd10` codes are written as extra codings; they are read too only when `read_icd10`.
    """

    code: str
    display: str
    kind: ConditionKind
    name: str
    when_inactive: str | None = None
    icd10: tuple[str, ...] = ()
    read_icd10: bool = False


def _flag(code: str, display: str, name: str, when_inactive: str | None = None) -> ConditionCode:
    return ConditionCode(code, display, "flag", name, when_inactive)


CONDITIONS: tuple[ConditionCode, ...] = (
    ConditionCode("acne", "Acne on the back", "finding", "acne", icd10=("L70.0",), read_icd10=True),
    ConditionCode(
        "acne-scars", "Acne scars on the back", "finding", "acne_scars", icd10=("L90.5",)
    ),
    ConditionCode(
        "stretch-marks",
        "Stretch marks (striae distensae) on the back",
        "finding",
        "stretch_marks",
        icd10=("L90.6",),
        read_icd10=True,
    ),
    ConditionCode(
        "localized-fat",
        "Localized fat on the back",
        "finding",
        "localized_fat",
        icd10=("E65",),
        read_icd10=True,
    ),
    ConditionCode("scar-flat", "Flat scar on the back", "scar", "flat", icd10=("L90.5",)),
    ConditionCode(
        "scar-atrophic", "Atrophic scar on the back", "scar", "atrophic", icd10=("L90.5",)
    ),
    ConditionCode(
        "scar-hypertrophic",
        "Hypertrophic scar on the back",
        "scar",
        "hypertrophic",
        icd10=("L91.0",),
    ),
    ConditionCode("scar-keloid", "Keloid scar on the back", "scar", "keloid", icd10=("L91.0",)),
    _flag(
        "keloid-tendency",
        "Tendency to form keloid or hypertrophic scars",
        "keloid_tendency",
        "keloid_tendency",
    ),
    _flag("bleeding-disorder", "Bleeding disorder", "bleeding_disorder"),
    _flag("herpes-simplex", "Herpes simplex (cold sores)", "active_herpes", "herpes_history"),
    _flag(
        "infection-at-site", "Active infection at the treatment site", "active_infection_at_site"
    ),
    _flag("hernia-near-site", "Hernia in or near the treatment area", "hernia_near_site"),
    _flag("immunosuppressed", "Immunosuppression", "immunosuppressed"),
    _flag(
        "suspicious-pigmented-lesion",
        "Pigmented lesion with ABCDE features on the back",
        "suspicious_pigmented_lesion",
    ),
    _flag(
        "koebnerising-disease",
        "Koebnerising disease (psoriasis, vitiligo, lichen planus)",
        "koebnerising_disease",
        "koebnerising_disease",
    ),
    _flag("hidradenitis-suspected", "Suspected hidradenitis suppurativa", "hidradenitis_suspected"),
    ConditionCode("cryoglobulinemia", "Cryoglobulinemia", "cold", "cryoglobulinemia"),
    ConditionCode(
        "cold-agglutinin-disease", "Cold agglutinin disease", "cold", "cold_agglutinin_disease"
    ),
    ConditionCode(
        "paroxysmal-cold-hemoglobinuria",
        "Paroxysmal cold hemoglobinuria",
        "cold",
        "paroxysmal_cold_hemoglobinuria",
    ),
    ConditionCode("cold-urticaria", "Cold urticaria", "cold", "cold_urticaria"),
    ConditionCode("raynaud", "Raynaud's phenomenon", "cold", "raynaud"),
)

SCAR_CAUSES: tuple[str, ...] = ("burn", "cut", "bite", "surgery", "inflamed_spot", "other")
STRIAE_STAGES: tuple[str, ...] = ("rubra", "alba")

MedicationKind = Literal["isotretinoin", "flag", "acne_drug"]


@dataclass(frozen=True, slots=True)
class MedicationClass:
    """A medicine or class dorsum reads, by local code, verified RxNorm codes or ingredient name."""

    code: str
    display: str
    kind: MedicationKind
    name: str
    names: tuple[str, ...]
    rxnorm: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()


MEDICATIONS: tuple[MedicationClass, ...] = (
    MedicationClass(
        "isotretinoin",
        "Isotretinoin (oral)",
        "isotretinoin",
        "isotretinoin_months_since_stop",
        ("isotretinoin", "isotretinoina"),
        rxnorm=("197843", "197844", "197845", "403930", "1547561"),
        # oral brands (US, EU, Spain, Canada): a starting list for a clinician to review
        brands=(
            "Roaccutane",
            "Roacutan",
            "Accutane",
            "Absorica",
            "Amnesteem",
            "Claravis",
            "Myorisan",
            "Zenatane",
            "Epuris",
            "Isdiben",
            "Dercutane",
            "Acnotren",
            "Curacne",
            "Contracne",
            "Oratane",
        ),
    ),
    MedicationClass(
        "anticoagulant",
        "Anticoagulant or antiplatelet",
        "flag",
        "anticoagulants",
        (
            "anticoagulant",
            "anticoagulante",
            "antiplatelet",
            "antiagregante",
            "warfarin",
            "warfarina",
            "acenocoumarol",
            "acenocumarol",
            "phenprocoumon",
            "fenprocumon",
            "apixaban",
            "rivaroxaban",
            "edoxaban",
            "dabigatran",
            "heparin",
            "heparina",
            "enoxaparin",
            "enoxaparina",
            "dalteparin",
            "dalteparina",
            "tinzaparin",
            "tinzaparina",
            "bemiparin",
            "bemiparina",
            "fondaparinux",
            "clopidogrel",
            "prasugrel",
            "ticagrelor",
            "ticlopidine",
            "ticlopidina",
            "dipyridamole",
            "dipiridamol",
            "cilostazol",
            "aspirin",
            "aspirina",
            "acetylsalicylic acid",
            "acido acetilsalicilico",
        ),
    ),
    MedicationClass(
        "photosensitising",
        "Photosensitising medicine",
        "flag",
        "photosensitising_medication",
        (
            "doxycycline",
            "doxiciclina",
            "tetracycline",
            "tetraciclina",
            "minocycline",
            "minociclina",
            "demeclocycline",
            "demeclociclina",
            "amiodarone",
            "amiodarona",
            "hydrochlorothiazide",
            "hidroclorotiazida",
            "sulfamethoxazole",
            "sulfametoxazol",
            "ciprofloxacin",
            "ciprofloxacino",
            "levofloxacin",
            "levofloxacino",
            "voriconazole",
            "voriconazol",
            "chlorpromazine",
            "clorpromazina",
            "piroxicam",
            "methoxsalen",
            "metoxaleno",
            "st john s wort",
            "hypericum",
            "hiperico",
        ),
    ),
    MedicationClass(
        "systemic-corticosteroid",
        "Systemic corticosteroid",
        "acne_drug",
        "systemic_corticosteroids",
        (
            "prednisone",
            "prednisona",
            "prednisolone",
            "prednisolona",
            "methylprednisolone",
            "metilprednisolona",
            "dexamethasone",
            "dexametasona",
            "deflazacort",
        ),
    ),
    MedicationClass("lithium", "Lithium", "acne_drug", "lithium", ("lithium", "litio")),
    MedicationClass(
        "anabolic-steroid",
        "Anabolic steroid",
        "acne_drug",
        "anabolic_steroids",
        (
            "anabolic steroid",
            "esteroide anabolizante",
            "testosterone",
            "testosterona",
            "nandrolone",
            "nandrolona",
            "oxandrolone",
            "oxandrolona",
            "stanozolol",
        ),
    ),
    MedicationClass(
        "antiepileptic",
        "Antiepileptic",
        "acne_drug",
        "antiepileptics",
        (
            "antiepileptic",
            "antiepileptico",
            "phenytoin",
            "fenitoina",
            "carbamazepine",
            "carbamazepina",
            "oxcarbazepine",
            "oxcarbazepina",
            "phenobarbital",
            "fenobarbital",
            "valproate",
            "valproato",
            "valproic acid",
            "acido valproico",
            "lamotrigine",
            "lamotrigina",
            "levetiracetam",
            "topiramate",
            "topiramato",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class AllergenCode:
    """An allergen of the intake, read by local code or substance name."""

    name: str
    display: str
    names: tuple[str, ...]

    @property
    def code(self) -> str:
        return self.name.replace("_", "-")


ALLERGENS: tuple[AllergenCode, ...] = (
    AllergenCode(
        "hyaluronic_acid", "Hyaluronic acid", ("hyaluronic acid", "hyaluronan", "acido hialuronico")
    ),
    AllergenCode("lidocaine", "Lidocaine", ("lidocaine", "lignocaine", "lidocaina")),
    AllergenCode(
        "amide_anaesthetics",
        "Amide local anaesthetics",
        (
            "amide anaesthetic",
            "amide anaesthetics",
            "amide anesthetic",
            "amide anesthetics",
            "amide local anaesthetics",
            "amide local anesthetics",
            "anestesicos locales tipo amida",
            "anestesicos tipo amida",
            "bupivacaine",
            "bupivacaina",
            "levobupivacaine",
            "levobupivacaina",
            "mepivacaine",
            "mepivacaina",
            "prilocaine",
            "prilocaina",
            "articaine",
            "articaina",
            "ropivacaine",
            "ropivacaina",
        ),
    ),
    AllergenCode(
        "benzoyl_peroxide", "Benzoyl peroxide", ("benzoyl peroxide", "peroxido de benzoilo")
    ),
    AllergenCode("clindamycin", "Clindamycin", ("clindamycin", "clindamicina")),
    AllergenCode("erythromycin", "Erythromycin", ("erythromycin", "eritromicina")),
)


@dataclass(frozen=True, slots=True)
class GoalCode:
    """A Goal dorsum reads: the target date of the result, or the wish to avoid invasive care."""

    code: str
    display: str
    path: str


GOALS: tuple[GoalCode, ...] = (
    GoalCode(
        "result-by-date", "Visible result on the back by the target date", "goals.target_date"
    ),
    GoalCode(
        "non-invasive-treatment",
        "Treatment without invasive procedures preferred",
        "goals.prefer_non_invasive",
    ),
)


def plain(text: str) -> str:
    """Text as names are matched: no accents, lower case, words separated by single spaces."""
    folded = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(char for char in folded if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]+", " ", ascii_only.lower()).strip()


def names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    """One regular expression matching any of `names` as whole words of `plain` text."""
    alternatives = sorted({plain(name) for name in names}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in alternatives) + r")\b")


def icd10_key(code: str) -> str:
    """ICD-10 codes compare without the dot and case: 'L70.0', 'l700' and 'L700' are one code."""
    return code.replace(".", "").upper()


def mapping_rows() -> list[tuple[str, str, str, str, str]]:
    """(resource, system, code, meaning, intake field) for every code dorsum reads or writes."""
    rows: list[tuple[str, str, str, str, str]] = [
        ("Patient", "-", "birthDate", "age in full years on the given day", "patient.age"),
        ("Patient", "-", "gender", "female / male / other (unknown: not given)", "patient.sex"),
        (
            "Observation",
            LOINC,
            PREGNANCY_STATUS,
            f"Pregnancy status; {PREGNANT} Pregnant = true, {NOT_PREGNANT} = false, "
            f"{PREGNANCY_UNKNOWN} Unknown: skipped (never clears a known status)",
            "patient.pregnant",
        ),
    ]
    rows += [("Observation", m.system, m.code, m.display, m.path) for m in MEASURES]
    for c in CONDITIONS:
        field = _condition_field(c)
        rows.append(("Condition", CONDITION_SYSTEM, c.code, c.display, field))
        for code in c.icd10:
            meaning = "read and written" if c.read_icd10 else "written only (does not say which)"
            for system in (ICD10, ICD10_CM):
                rows.append(("Condition", system, code, f"{c.display} ({meaning})", field))
    rows.append(
        (
            "Condition",
            SCAR_CAUSE_SYSTEM,
            " / ".join(SCAR_CAUSES),
            "scar cause, in the condition-dueTo extension (absent: other)",
            "findings.scars[].cause",
        )
    )
    rows.append(
        (
            "Condition",
            "-",
            "onsetDateTime",
            "full months before the given day",
            "findings.scars[].months_old",
        )
    )
    rows.append(
        (
            "Condition",
            STRIAE_STAGE_SYSTEM,
            " / ".join(STRIAE_STAGES),
            "stage.summary of the stretch-marks Condition",
            "findings.stretch_marks.stage",
        )
    )
    for m in MEDICATIONS:
        field = f"history.{m.name}" if m.kind != "acne_drug" else "history.acne_inducing_drugs"
        rows.append(("Medication*", MEDICATION_SYSTEM, m.code, m.display, field))
        rows += [
            ("Medication*", RXNORM, code, f"{m.display} (product)", field) for code in m.rxnorm
        ]
        rows.append(("Medication*", "text", ", ".join(m.names), "ingredient names", field))
        if m.brands:
            brands = ", ".join(m.brands)
            rows.append(("Medication*", "text", brands, "brand names (to review)", field))
    for a in ALLERGENS:
        rows.append(("AllergyIntolerance", ALLERGEN_SYSTEM, a.code, a.display, "history.allergies"))
        rows.append(
            (
                "AllergyIntolerance",
                "text",
                ", ".join(a.names),
                "substance names",
                "history.allergies",
            )
        )
    rows += [("Goal", GOAL_SYSTEM, g.code, g.display, g.path) for g in GOALS]
    return rows


def _condition_field(c: ConditionCode) -> str:
    if c.kind == "finding":
        return f"findings.{c.name}"
    if c.kind == "scar":
        return f"findings.scars[].kind = {c.name}"
    if c.kind == "cold":
        return f"history.cold_disorder = {c.name}"
    if c.when_inactive is not None and c.when_inactive != c.name:
        return f"history.{c.name} (active), history.{c.when_inactive} (inactive)"
    return f"history.{c.name}"


def mapping_table() -> str:
    """The mapping table of docs/fhir.md, as Markdown."""
    lines = [
        "| resource | system | code | meaning | intake field |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [f"| {' | '.join(row)} |" for row in mapping_rows()]
    return "\n".join(lines) + "\n"
