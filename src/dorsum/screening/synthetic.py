"""Synthetic populations as a FHIR Bulk Data export, for tests and benchmarks.

Deterministic for a seed. Each patient's intake is drawn from rough population shares (ages,
sexes, acne in teenagers, scars, stretch marks, some isotretinoin courses ended in the last
months, pregnancies, anticoagulants, ...) and written with `dorsum.fhir.writing.intake_resources`,
the same mapping a real export is read with. Around it goes what real exports hold and dorsum
does not use: Encounters, Immunizations, heart-rate Observations (LOINC 8867-4, a code of the
FHIR R4 vital-signs profile), Practitioners that belong to no patient, and, on request, malformed
lines and patients whose resources make no valid intake. The shares are plausible, not
epidemiology: they exist to exercise every rule, not to estimate prevalence.
"""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from dorsum.core.intake import Intake
from dorsum.fhir.writing import intake_resources

ALLERGENS = ("hyaluronic_acid", "lidocaine", "amide_anaesthetics", "benzoyl_peroxide")
COLD = ("cryoglobulinemia", "cold_urticaria", "raynaud")
SCAR_CAUSES = ("burn", "cut", "surgery", "inflamed_spot", "other")
SCAR_KINDS = ("flat", "atrophic", "hypertrophic", "keloid")


@dataclass(frozen=True, slots=True)
class SyntheticOptions:
    """How a population is made: size, seed, noise and file format."""

    patients: int
    seed: int = 0
    today: date = date(2026, 11, 30)
    malformed_rate: float = 0.0  # extra broken lines per line written
    broken_rate: float = 0.0  # patients whose resources make no valid intake
    gzipped: bool = False


@dataclass(slots=True)
class SyntheticExport:
    """What was written, so tests know the truth."""

    files: list[Path] = field(default_factory=list)
    patients: int = 0
    resources: Counter[str] = field(default_factory=Counter)
    noise: Counter[str] = field(default_factory=Counter)  # resources dorsum does not use
    malformed: int = 0
    broken: dict[str, str] = field(default_factory=dict)  # patient id -> what was broken
    unused: int = 0  # resources a screen skips: the noise, and all of a broken patient's


def patient_id(number: int) -> str:
    """The id of the n-th synthetic patient (sortable)."""
    return f"p{number:07d}"


def synthetic_intakes(patients: int, seed: int = 0) -> Iterator[tuple[str, Intake]]:
    """The population's intakes by patient id, without writing anything."""
    rng = random.Random(seed)
    for number in range(patients):
        yield patient_id(number), Intake.model_validate(synthetic_intake(rng))


def synthetic_intake(rng: random.Random) -> dict[str, Any]:
    """One plausible member of a health system's population.

    Most people in a whole-population export have nothing on their back that anyone recorded;
    about a third (more among teenagers) have back-skin findings from a consultation, and only
    they have a recorded Fitzpatrick type.
    """
    age = rng.choice(
        (rng.randint(12, 19), rng.randint(20, 45), rng.randint(20, 45), rng.randint(46, 80))
    )
    sex = rng.choices(("female", "male", "other"), weights=(55, 43, 2))[0]
    seen = rng.random() < (0.6 if age < 20 else 0.3)
    patient: dict[str, Any] = {"age": age, "sex": sex}
    if seen and rng.random() < 0.8:
        patient["fitzpatrick"] = rng.randint(1, 6)
    if rng.random() < (0.4 if seen else 0.1):
        patient["bmi"] = round(rng.uniform(17, 40), 1)
    if sex == "female" and 16 <= age <= 45:
        patient.update(_pregnancy(rng))
    findings = _findings(rng, age) if seen else {}
    return {"patient": patient, "history": _history(rng, age), "findings": findings}


def _pregnancy(rng: random.Random) -> dict[str, bool]:
    draw = rng.random()
    if draw < 0.05:
        return {"pregnant": True}
    if draw < 0.08:
        return {"breastfeeding": True}
    if draw < 0.13:
        return {"planning_pregnancy": True}
    return {}


def _history(rng: random.Random, age: int) -> dict[str, Any]:
    history: dict[str, Any] = {}
    if rng.random() < 0.12:
        history["isotretinoin_months_since_stop"] = rng.randint(0, 18)
    flags = {
        "anticoagulants": 0.10 if age > 55 else 0.02,
        "photosensitising_medication": 0.05,
        "keloid_tendency": 0.04,
        "herpes_history": 0.08,
        "immunosuppressed": 0.02,
        "suspicious_pigmented_lesion": 0.01,
    }
    history.update({name: True for name, share in flags.items() if rng.random() < share})
    if rng.random() < 0.05:
        history["allergies"] = [rng.choice(ALLERGENS)]
    if rng.random() < 0.01:
        history["cold_disorder"] = rng.choice(COLD)
    return history


def _findings(rng: random.Random, age: int) -> dict[str, Any]:
    findings: dict[str, Any] = {}
    if rng.random() < (0.8 if age < 20 else 0.4):
        findings["acne"] = {
            "comedones": rng.randint(0, 40),
            "papules": rng.randint(0, 30),
            "pustules": rng.randint(0, 15),
            "nodules": rng.choice((0, 0, 0, 1, 3)),
        }
    if rng.random() < 0.3:
        findings["acne_scars"] = {"icepick": rng.randint(0, 10), "rolling": rng.randint(1, 10)}
    if rng.random() < 0.3:
        findings["stretch_marks"] = {"stage": rng.choice(("rubra", "alba"))}
    if rng.random() < 0.25:
        findings["localized_fat"] = {"pinch_cm": rng.choice((2.0, 3.5, 5.0)), "areas": 2}
    if rng.random() < 0.2:
        findings["scars"] = [
            {
                "cause": rng.choice(SCAR_CAUSES),
                "kind": rng.choice(SCAR_KINDS),
                "months_old": rng.randint(1, 60),
            }
        ]
    return findings


def write_synthetic(directory: Path, options: SyntheticOptions) -> SyntheticExport:
    """Write the population as one NDJSON file per resource type (streamed: constant memory)."""
    directory.mkdir(parents=True, exist_ok=True)
    noise_rng = random.Random(options.seed + 1)
    written = SyntheticExport(patients=options.patients)
    with _Files(directory, options.gzipped) as files:
        for pid, intake in synthetic_intakes(options.patients, options.seed):
            resources = intake_resources(intake, today=options.today, patient_id=pid)
            resources = _broken(resources, pid, noise_rng, options, written)
            noise = _noise(pid, noise_rng)
            written.noise.update(resource["resourceType"] for resource in noise)
            written.unused += len(noise) + (len(resources) if pid in written.broken else 0)
            resources += noise
            for resource in resources:
                kind = resource["resourceType"]
                written.resources[kind] += 1
                line = json.dumps(resource, separators=(",", ":"))
                files.write(kind, line)
                if noise_rng.random() < options.malformed_rate:
                    files.write(kind, line[: noise_rng.randint(1, len(line) - 1)])
                    written.malformed += 1
        written.files = files.paths()
    return written


def _broken(
    resources: list[dict[str, Any]],
    pid: str,
    rng: random.Random,
    options: SyntheticOptions,
    written: SyntheticExport,
) -> list[dict[str, Any]]:
    if rng.random() >= options.broken_rate:
        return resources
    if rng.random() < 0.5 and len(resources) > 1:  # else the patient would not be there at all
        written.broken[pid] = "no Patient"
        return [r for r in resources if r["resourceType"] != "Patient"]
    written.broken[pid] = "bad birthDate"
    return [
        {**r, "birthDate": "1990-13-45"} if r["resourceType"] == "Patient" else r for r in resources
    ]


def _noise(pid: str, rng: random.Random) -> list[dict[str, Any]]:
    subject = {"reference": f"Patient/{pid}"}
    noise: list[dict[str, Any]] = [
        {
            "resourceType": "Encounter",
            "id": f"{pid}-enc-{n}",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
            "subject": subject,
        }
        for n in range(rng.randint(0, 3))
    ]
    if rng.random() < 0.3:
        noise.append(
            {
                "resourceType": "Immunization",
                "id": f"{pid}-imm",
                "status": "completed",
                "vaccineCode": {"text": "influenza vaccine"},
                "patient": subject,
                "occurrenceDateTime": "2026-10-01",
            }
        )
    if rng.random() < 0.5:
        noise.append(
            {
                "resourceType": "Observation",
                "id": f"{pid}-hr",
                "status": "final",
                "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
                "subject": subject,
                "valueQuantity": {"value": rng.randint(55, 95), "unit": "/min"},
            }
        )
    if rng.random() < 0.02:
        noise.append({"resourceType": "Practitioner", "id": f"{pid}-gp", "active": True})
    return noise


class _Files:
    """One open NDJSON file per resource type, opened when its first line comes."""

    def __init__(self, directory: Path, gzipped: bool) -> None:
        self.directory = directory
        self.gzipped = gzipped
        self.handles: dict[str, IO[str]] = {}

    def __enter__(self) -> _Files:
        return self

    def __exit__(self, *_: object) -> None:
        for handle in self.handles.values():
            handle.close()

    def write(self, kind: str, line: str) -> None:
        handle = self.handles.get(kind)
        if handle is None:
            handle = self.handles[kind] = self._open(kind)
        handle.write(line + "\n")

    def paths(self) -> list[Path]:
        suffix = ".ndjson.gz" if self.gzipped else ".ndjson"
        return sorted(self.directory / f"{kind}{suffix}" for kind in self.handles)

    def _open(self, kind: str) -> IO[str]:
        if self.gzipped:
            return gzip.open(self.directory / f"{kind}.ndjson.gz", "wt", encoding="utf-8")
        return (self.directory / f"{kind}.ndjson").open("w", encoding="utf-8")
