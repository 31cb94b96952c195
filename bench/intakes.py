"""A reproducible mixed set of intakes for benchmarks: the shipped examples plus generated
patients drawn with a fixed seed, with realistic mixes of conditions and history."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def examples() -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(EXAMPLES.glob("*.json"))]


def _maybe(rng: random.Random, chance: float) -> bool:
    return rng.random() < chance


def generated(count: int, *, seed: int = 2026) -> list[dict[str, Any]]:
    """`count` valid, varied intakes; the same seed always gives the same set."""
    rng = random.Random(seed)
    return [_one(rng) for _ in range(count)]


def _one(rng: random.Random) -> dict[str, Any]:
    female = _maybe(rng, 0.6)
    age = rng.randint(13, 70)
    patient: dict[str, Any] = {
        "age": age,
        "sex": "female" if female else rng.choice(["male", "other"]),
        "fitzpatrick": rng.choice([None, 1, 2, 3, 3, 4, 5, 6]),
        "bmi": round(rng.uniform(18, 36), 1),
        "pregnant": female and 18 <= age <= 45 and _maybe(rng, 0.08),
        "breastfeeding": female and _maybe(rng, 0.04),
        "planning_pregnancy": female and _maybe(rng, 0.06),
    }
    history: dict[str, Any] = {
        "isotretinoin_months_since_stop": rng.choice([None] * 6 + [0, 2, 5, 8, 14]),
        "keloid_tendency": _maybe(rng, 0.05),
        "anticoagulants": _maybe(rng, 0.05),
        "herpes_history": _maybe(rng, 0.15),
        "recent_tan": _maybe(rng, 0.1),
        "cold_disorder": rng.choice([None] * 20 + ["raynaud", "cryoglobulinemia"]),
        "allergies": rng.sample(
            ["lidocaine", "benzoyl_peroxide", "clindamycin"], rng.randint(0, 1)
        ),
        "suspicious_pigmented_lesion": _maybe(rng, 0.02),
    }
    findings: dict[str, Any] = {}
    if _maybe(rng, 0.55):
        findings["acne"] = {
            "comedones": rng.randint(0, 40),
            "papules": rng.randint(0, 30),
            "pustules": rng.randint(0, 15),
            "nodules": rng.choice([0] * 8 + [1, 3]),
        }
    if _maybe(rng, 0.4):
        findings["acne_scars"] = {
            "icepick": rng.randint(0, 10),
            "boxcar": rng.randint(0, 12),
            "rolling": rng.randint(0, 15),
            "macular": rng.randint(0, 20),
            "visible_at_social_distance": _maybe(rng, 0.5),
            "flatten_on_stretch": _maybe(rng, 0.6),
        }
    if _maybe(rng, 0.15):
        findings["stretch_marks"] = {"stage": rng.choice(["rubra", "alba"]), "count": 6}
    if _maybe(rng, 0.15):
        findings["localized_fat"] = {"pinch_cm": round(rng.uniform(1, 6), 1)}
    if _maybe(rng, 0.15):
        findings["scars"] = [
            {
                "cause": rng.choice(["burn", "cut", "bite", "surgery"]),
                "kind": rng.choice(["flat", "atrophic", "hypertrophic", "keloid"]),
                "months_old": rng.randint(1, 60),
            }
        ]
    goals = {"prefer_non_invasive": _maybe(rng, 0.3), "target_date": "2027-06-21"}
    return {"patient": patient, "history": history, "findings": findings, "goals": goals}


if __name__ == "__main__":
    print(json.dumps(generated(3), indent=2))
