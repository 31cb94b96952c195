"""Hypothesis strategies for valid intakes, covering every field of contract 1."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

counts = st.integers(min_value=0, max_value=60)
flags = st.booleans()
ALLERGENS = [
    "hyaluronic_acid",
    "lidocaine",
    "amide_anaesthetics",
    "benzoyl_peroxide",
    "clindamycin",
    "erythromycin",
]
COLD = [
    "cryoglobulinemia",
    "cold_agglutinin_disease",
    "paroxysmal_cold_hemoglobinuria",
    "cold_urticaria",
    "raynaud",
]


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.none(), strategy)


patients = st.fixed_dictionaries(
    {"age": st.integers(min_value=0, max_value=120)},
    optional={
        "sex": st.sampled_from(["female", "male", "other"]),
        "pregnant": flags,
        "breastfeeding": flags,
        "planning_pregnancy": flags,
        "fitzpatrick": _optional(st.integers(min_value=1, max_value=6)),
        "bmi": _optional(st.floats(min_value=10, max_value=80, allow_nan=False)),
    },
)

histories = st.fixed_dictionaries(
    {},
    optional={
        "isotretinoin_months_since_stop": _optional(st.integers(min_value=0, max_value=40)),
        "keloid_tendency": flags,
        "anticoagulants": flags,
        "bleeding_disorder": flags,
        "cold_disorder": _optional(st.sampled_from(COLD)),
        "herpes_history": flags,
        "active_herpes": flags,
        "active_infection_at_site": flags,
        "hernia_near_site": flags,
        "immunosuppressed": flags,
        "photosensitising_medication": flags,
        "recent_tan": flags,
        "allergies": st.lists(st.sampled_from(ALLERGENS), unique=True, max_size=3),
        "suspicious_pigmented_lesion": flags,
        "koebnerising_disease": flags,
        "acne_inducing_drugs": st.lists(
            st.sampled_from(
                ["systemic_corticosteroids", "lithium", "anabolic_steroids", "antiepileptics"]
            ),
            unique=True,
            max_size=2,
        ),
        "androgen_excess_signs": flags,
        "hidradenitis_suspected": flags,
    },
)

acne = st.fixed_dictionaries(
    {},
    optional={
        "comedones": counts,
        "papules": counts,
        "pustules": counts,
        "nodules": st.integers(min_value=0, max_value=6),
        "cysts": st.integers(min_value=0, max_value=4),
        "itchy_monomorphic_without_comedones": flags,
        "rapid_worsening_with_systemic_symptoms": flags,
    },
)

acne_scars = st.fixed_dictionaries(
    {},
    optional={
        "icepick": counts,
        "boxcar": counts,
        "rolling": counts,
        "hypertrophic": counts,
        "macular": counts,
        "visible_at_social_distance": flags,
        "flatten_on_stretch": flags,
    },
)

scar = st.fixed_dictionaries(
    {
        "cause": st.sampled_from(["burn", "cut", "bite", "surgery", "inflamed_spot", "other"]),
        "kind": st.sampled_from(["flat", "atrophic", "hypertrophic", "keloid"]),
    },
    optional={"months_old": _optional(st.integers(min_value=0, max_value=240))},
)

findings = st.fixed_dictionaries(
    {},
    optional={
        "acne": acne,
        "acne_scars": acne_scars,
        "stretch_marks": st.fixed_dictionaries(
            {"stage": st.sampled_from(["rubra", "alba"])},
            optional={"count": _optional(st.integers(min_value=1, max_value=50))},
        ),
        "localized_fat": st.fixed_dictionaries(
            {"pinch_cm": st.floats(min_value=0.5, max_value=12, allow_nan=False)}
        ),
        "scars": st.lists(scar, max_size=4),
    },
)

goals = st.fixed_dictionaries(
    {},
    optional={
        "target_date": _optional(st.dates().map(lambda d: d.isoformat())),
        "prefer_non_invasive": flags,
    },
)

intakes = st.fixed_dictionaries(
    {"patient": patients},
    optional={"history": histories, "findings": findings, "goals": goals},
)
