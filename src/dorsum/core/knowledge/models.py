"""The knowledge base's schema: what every entry must say, checked by pydantic on load.

Cross-entry checks (ids resolve, every rule sourced, nothing unverified used) live in
`dorsum.core.knowledge.check`; this module only describes the shape of one entry.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from dorsum.core.assessment import ConditionId, Severity
from dorsum.core.flags import Flag

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$", max_length=64)]
SourceIds = Annotated[tuple[Id, ...], Field(min_length=1)]
Status = Literal["verified", "partial", "derived", "unverified"]
SourceKind = Literal[
    "seed", "guideline", "label", "regulator", "review", "study", "reference", "lay"
]
# strong: a guideline's strong recommendation; moderate: a guideline's conditional one, or
# consistent trials and meta-analyses; consensus: expert or practical guidelines; limited: case
# series and small trials; insufficient: a guideline found too little evidence, or none exists.
EvidenceLevel = Literal["strong", "moderate", "consensus", "limited", "insufficient"]
TreatmentKind = Literal["home", "topical", "procedure", "injection", "device"]
ReasonCode = Literal[
    "pregnancy",
    "breastfeeding",
    "planning_pregnancy",
    "isotretinoin_recent",
    "keloid_tendency",
    "bleeding_risk",
    "cold_disorder",
    "active_herpes",
    "herpes_history",
    "active_infection",
    "hernia",
    "immunosuppressed",
    "photosensitising_medication",
    "recent_tan",
    "pih_risk",
    "allergy",
    "minor",
    "bmi_above_clearance",
    "active_acne",
    "suspicious_lesion",
    "severe_acne",
    "nodular_acne",
    "acne_fulminans",
    "malassezia_suspected",
    "severe_scarring",
    "low_evidence",
    "off_label_site",
    # dorsum extensions (contract: "at least" the codes above)
    "age_below_clearance",
    "acne_with_scarring",
    "requires_excluded",
    "phototype_unknown",
    "isotretinoin_current",
    "hypertrophic_tendency",
    "koebnerising_disease",
    "oral_antibiotic_combination",
    "drug_induced_acne",
    "androgen_excess",
    "hidradenitis_suspected",
    "dark_phototype",
    "local_anaesthetic",
    "under_9",
]
# What a treatment is, for the contraindication matrix: a rule about a patient factor names
# properties, so every treatment that has the property is covered, including new ones.
Property = Literal[
    "home",  # natural measures at home
    "topical",  # applied to the skin by the patient
    "keratolytic",  # a topical that peels or irritates (isotretinoin labels: avoid together)
    "antibiotic",  # a topical antibiotic
    "retinoid",  # a topical retinoid
    "occlusive",  # silicone worn over a scar
    "procedure",  # done in the clinic
    "resurfacing",  # removes or injures the surface layer
    "chemical",  # chemical resurfacing (peels)
    "mechanical",  # mechanical resurfacing (dermabrasion)
    "ablative",  # ablative laser
    "nonablative",  # non-ablative laser
    "energy",  # light or other energy-based device
    "needle",  # needles pierce the skin (microneedling, subcision, injections)
    "injection",  # something is injected
    "dermal_filler",  # a hyaluronic acid filler
    "corticosteroid",  # a corticosteroid is injected
    "surgery",  # skin surgery: incision or subcision
    "cold",  # controlled cooling
    "adult_only",  # authorised or studied in adults only
    "off_label_back",  # authorised uses do not include the back
    "contains_hyaluronic_acid",
    "contains_lidocaine",
    "contains_benzoyl_peroxide",
]
AdviceCode = Literal["cleansing", "moisturising", "sun_protection", "no_picking", "exfoliation"]
Unit = Literal["sessions", "minutes", "days", "weeks", "months"]
Feature = Literal[
    "comedonal",
    "inflammatory",
    "nodular",
    "icepick",
    "boxcar",
    "rolling",
    "atrophic",
    "hypertrophic",
    "macular",
    "rubra",
    "alba",
    "pinchable",
    "flat",
    "keloid",
    "raised",
]


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Entry):
    id: Id
    title: str
    kind: SourceKind
    url: str | None = None
    facts_ref: str | None = None  # the tag in FACTS.md, e.g. "R9a"

    @property
    def low_quality(self) -> bool:
        """Seeds and lay pages orient; they never decide a conflict."""
        return self.kind in {"seed", "lay"}

    @property
    def clinical(self) -> bool:
        """Whether it can carry a clinical claim on its own (not a seed, lay or commercial page)."""
        return not self.low_quality


class Statement(Entry):
    """A sourced sentence, with how sure we are of it."""

    text: str
    sources: SourceIds
    status: Status = "verified"


class Code(Entry):
    system: Literal["icd10cm", "icd10"]
    code: str
    display: str
    status: Status = "verified"


class Condition(Entry):
    id: ConditionId
    name: str
    summary: str
    severity_basis: str
    causes: tuple[Statement, ...] = Field(min_length=1)
    codes: tuple[Code, ...] = ()
    sources: SourceIds


class Indication(Entry):
    """When a treatment suits a condition: the features it needs and the severities it fits."""

    id: Id
    condition: ConditionId
    features_any: tuple[Feature, ...] = ()
    severities: tuple[Severity, ...] = ("mild", "moderate", "severe")
    fit: Annotated[int, Field(ge=1, le=3)]
    evidence: EvidenceLevel
    evidence_note: str
    rationale: str
    sources: SourceIds
    status: Status = "verified"


class Span(Entry):
    """A sourced range such as "10-14 days"; `low == high` for a single figure."""

    low: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]
    unit: Unit
    sources: SourceIds
    status: Status = "verified"
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.high < self.low:
            raise ValueError(f"high ({self.high}) is below low ({self.low})")
        return self


class Schedule(Entry):
    """Timing facts; a missing figure is `null` with the reason in `unknown`."""

    sessions: Span | None = None
    interval: Span | None = None
    session_length: Span | None = None
    downtime: Span | None = None
    visible_result: Span | None = None
    sun_avoidance: Span | None = None
    course: Span | None = None  # a continuous course (topicals, silicone) rather than sessions
    review_after: Span | None = None  # when to judge the course, e.g. 12 weeks for topicals
    unknown: str | None = None


class SessionRule(Entry):
    """Sets a treatment's session count, interval or cycles for some patients (seed 003: peel
    sessions depend on severity and age; cryolipolysis cycles on the size of the area)."""

    id: Id
    severities: tuple[Severity, ...] = ()  # empty: any severity
    min_age: Annotated[int, Field(ge=0, le=120)] | None = None
    sessions: Annotated[int, Field(ge=1, le=20)] | None = None
    interval_weeks: Annotated[int, Field(ge=1, le=52)] | None = None
    cycles_per_area: Annotated[int, Field(ge=1, le=4)] | None = None
    text: str  # how the figure was set, in plain words
    sources: SourceIds
    status: Status = "verified"


class Sequence(Entry):
    """An order between treatments of the back: `then` starts at least `gap` after the last
    session (or the end of the course) of any of `first` (seed 000: punch, then laser)."""

    id: Id
    first: tuple[Id, ...] = Field(min_length=1)
    then: tuple[Id, ...] = Field(min_length=1)
    then_conditions: tuple[ConditionId, ...] = ()  # empty: any condition
    gap: Span
    text: str
    sources: SourceIds
    status: Status = "verified"


class Treatment(Entry):
    id: Id
    name: str
    kind: TreatmentKind
    invasiveness: Annotated[int, Field(ge=0, le=4)]
    physician_required: bool
    properties: tuple[Property, ...] = Field(min_length=1)
    summary: str
    requires: tuple[Id, ...] = ()
    indications: tuple[Indication, ...] = Field(min_length=1)
    schedule: Schedule
    session_rules: tuple[SessionRule, ...] = ()
    aftercare: tuple[Statement, ...] = ()
    call_clinic: tuple[Statement, ...] = ()  # warning signs: when to call the clinic
    sources: SourceIds


class Wait(Entry):
    """A timed deferral counted from an event in the history."""

    after: Literal["isotretinoin_stop"]
    months: Annotated[int, Field(ge=1, le=60)]


class Rule(Entry):
    """A contraindication (exclude) or precaution (caution) for the treatments it names or that
    have one of its properties."""

    id: Id
    effect: Literal["exclude", "caution"]
    when: Flag | None = None
    wait: Wait | None = None
    code: ReasonCode
    treatments: tuple[Id, ...] = ()
    properties: tuple[Property, ...] = ()  # any of these
    conditions: tuple[ConditionId, ...] = ()  # empty: every condition
    text: str
    sources: SourceIds
    status: Status = "verified"
    facts_ref: str | None = None
    # Whether a plan may schedule the treatment later instead (a wait, or acne first).
    deferral: Literal["wait", "acne_controlled", "until_resolved"] | None = None

    @model_validator(mode="after")
    def _one_trigger(self) -> Rule:
        if self.when is None:
            raise ValueError("a rule fires on a patient flag (`when`)")
        if self.wait is not None and self.effect != "exclude":
            raise ValueError("a wait always excludes until it ends")
        if not self.treatments and not self.properties:
            raise ValueError("a rule names treatments or properties")
        return self


class NoInteraction(Entry):
    """An explicit, sourced "this factor does not change these treatments" for the matrix."""

    id: Id
    factor: Flag
    treatments: tuple[Id, ...] = ()
    properties: tuple[Property, ...] = ()  # any of these
    text: str  # why not, for reviewers (not shown to patients)
    sources: SourceIds
    status: Status = "verified"

    @model_validator(mode="after")
    def _names_something(self) -> NoInteraction:
        if not self.treatments and not self.properties:
            raise ValueError("a no-interaction entry names treatments or properties")
        return self


class Factor(Entry):
    """A patient factor of the contraindication matrix: every treatment must be decided for it."""

    id: Flag
    name: str


class ReferralVariant(Entry):
    """A referral text that fits a patient better: the first variant whose flag is set wins."""

    id: Id
    when: Flag
    text: str
    sources: SourceIds
    status: Status = "verified"


class ReferralRule(Entry):
    """A red flag: who must see the patient, how soon, and what the physician may consider
    (`options`, which a variant that fits the patient replaces)."""

    id: Id
    when: Flag
    urgency: Literal["routine", "urgent", "same_day"]
    code: ReasonCode
    text: str
    options: str | None = None
    sources: SourceIds
    status: Status = "verified"
    variants: tuple[ReferralVariant, ...] = ()


class AdviceItem(Entry):
    id: Id
    code: AdviceCode
    conditions: tuple[ConditionId, ...] = Field(min_length=1)
    text: str
    sources: SourceIds
    status: Status = "verified"


class ConflictStatement(Entry):
    says: str
    sources: SourceIds
    status: Status = "verified"


class Conflict(Entry):
    """Sources that disagree: both statements kept, the safer guideline-backed one decides."""

    id: Id
    topic: str
    statements: tuple[ConflictStatement, ...] = Field(min_length=2)
    decision: str
    decided_by: SourceIds
    applies_to: tuple[Id, ...] = Field(min_length=1)


class ReferralTherapy(Entry):
    """Physician-only therapies: named in referrals, never recommended."""

    id: Id
    name: str
    summary: str
    sources: SourceIds


class Meta(Entry):
    version: str
    title: str
    contract: Literal[1]


class KnowledgeBase(Entry):
    meta: Meta
    sources: tuple[Source, ...]
    conditions: tuple[Condition, ...]
    treatments: tuple[Treatment, ...]
    rules: tuple[Rule, ...]
    factors: tuple[Factor, ...] = ()
    no_interactions: tuple[NoInteraction, ...] = ()
    referrals: tuple[ReferralRule, ...]
    advice: tuple[AdviceItem, ...]
    conflicts: tuple[Conflict, ...]
    referral_therapies: tuple[ReferralTherapy, ...]
    sequences: tuple[Sequence, ...] = ()
    general_call_clinic: tuple[Statement, ...] = ()
    digest: str = ""  # hash of the YAML text, filled in by the loader

    @property
    def version(self) -> str:
        """What results cite: the release plus a content hash, so any edit changes it."""
        return f"{self.meta.version}+{self.digest[:10]}" if self.digest else self.meta.version
