"""The local engine on a synthetic Bulk export: one row per patient, each the assessment
`dorsum.assess` gives for that patient's intake; malformed lines and unused resources counted
exactly; the same report whatever the compression, partitions or processes."""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import pytest

import dorsum
from dorsum.core.assessment import Assessment
from dorsum.screening.export import bulk_files, pieces_of
from dorsum.screening.local_engine import run_local
from dorsum.screening.ndjson import parse_line
from dorsum.screening.patient import ScreenSpec
from dorsum.screening.report import read_report
from dorsum.screening.row import ScreenRow
from dorsum.screening.spill import spill_piece
from dorsum.screening.summary import ScreenSummary
from dorsum.screening.synthetic import (
    SyntheticExport,
    SyntheticOptions,
    synthetic_intakes,
    write_synthetic,
)

TODAY = date(2026, 11, 30)
OPTIONS = SyntheticOptions(
    patients=240, seed=11, today=TODAY, malformed_rate=0.01, broken_rate=0.03
)


@dataclass(frozen=True)
class Screened:
    export: SyntheticExport
    folder: Path
    rows: dict[str, ScreenRow]
    order: list[str]
    summary: ScreenSummary
    report: Path


def screen(folder: Path, out: Path, **options: object) -> ScreenSummary:
    return run_local(bulk_files(folder), out, ScreenSpec(today=TODAY), **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def screened(tmp_path_factory: pytest.TempPathFactory) -> Screened:
    folder = tmp_path_factory.mktemp("export")
    export = write_synthetic(folder, OPTIONS)
    report = folder.parent / "report.csv"
    summary = screen(folder, report, partitions=5)
    rows = read_report(report)
    return Screened(
        export,
        folder,
        {r.patient_id: r for r in rows},
        [r.patient_id for r in rows],
        summary,
        report,
    )


def expected_cells(assessment: Assessment) -> dict[str, str]:
    """The cells the report must hold, read from the public assessment."""
    return {
        "age": str(assessment.patient_age),
        "conditions": "; ".join(f"{c.id}:{c.severity}" for c in assessment.conditions),
        "referral": assessment.referral.urgency,
        "referral_reasons": "; ".join(r.code for r in assessment.referral.reasons),
        "exclusions": "; ".join(
            f"{e.treatment}:{e.condition}="
            + "+".join(f"{r.code}@{r.until}" if r.until else r.code for r in e.reasons)
            for e in assessment.excluded
        ),
    }


def test_one_row_per_patient_sorted_by_id(screened: Screened) -> None:
    """Every patient of the export has exactly one row, in patient-id order."""
    assert screened.order == sorted(screened.order)
    assert len(screened.order) == OPTIONS.patients
    assert screened.summary.patients == OPTIONS.patients


def test_each_row_is_what_assess_says(screened: Screened) -> None:
    """A patient's row holds the conditions, referral and exclusions `dorsum.assess` gives."""
    checked = 0
    for pid, intake in synthetic_intakes(OPTIONS.patients, OPTIONS.seed):
        if pid in screened.export.broken:
            continue
        row = screened.rows[pid]
        assessment = dorsum.assess(intake, today=TODAY)
        actual = {name: getattr(row, name) for name in expected_cells(assessment)}
        assert actual == expected_cells(assessment), pid
        assert row.error == ""
        checked += 1
    assert checked > 200


def test_a_patient_without_a_valid_intake_gets_a_row_saying_why(screened: Screened) -> None:
    """No Patient, or a bad birthDate: the row says why, and nothing else."""
    assert screened.export.broken, "the synthetic export should break some patients"
    for pid, broken in screened.export.broken.items():
        row = screened.rows[pid]
        assert row.error.startswith("no valid intake"), (pid, broken)
        assert (row.conditions, row.exclusions, row.referral) == ("", "", "")


def test_malformed_lines_are_counted_and_located(screened: Screened) -> None:
    """Every malformed line is counted, and each one reported is malformed at that line."""
    assert screened.summary.malformed == screened.export.malformed > 0
    for bad in screened.summary.first_malformed:
        lines = (screened.folder / bad.file).read_bytes().splitlines()
        assert parse_line(lines[bad.line - 1]) is None, bad


def test_unused_resources_are_skipped_and_counted(screened: Screened) -> None:
    """Noise and the resources of patients without an intake are skipped, each counted once."""
    assert screened.summary.skipped_total == screened.export.unused
    encounters = sum(n for reason, n in screened.summary.skipped.items() if "Encounter" in reason)
    assert encounters == screened.export.noise["Encounter"]


def test_gzip_gives_the_same_report(screened: Screened, tmp_path: Path) -> None:
    """The same export gzipped gives a byte-identical report."""
    folder = tmp_path / "gz"
    write_synthetic(folder, replace(OPTIONS, gzipped=True))
    screen(folder, tmp_path / "gz.csv", partitions=5)
    assert (tmp_path / "gz.csv").read_bytes() == screened.report.read_bytes()


@pytest.mark.parametrize("options", [{"partitions": 1}, {"partitions": 13, "workers": 2}])
def test_partitions_and_processes_do_not_change_the_report(
    screened: Screened, tmp_path: Path, options: dict[str, int]
) -> None:
    """One partition or many, one process or two: the same report."""
    screen(screened.folder, tmp_path / "again.csv", **options)
    assert (tmp_path / "again.csv").read_bytes() == screened.report.read_bytes()


def test_the_report_does_not_depend_on_how_files_are_cut(
    screened: Screened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files read in small byte ranges give the same report and the same line numbers."""
    from dorsum.screening import export

    monkeypatch.setattr(export, "RANGE_BYTES", 4096)
    summary = screen(screened.folder, tmp_path / "cut.csv", partitions=3)
    assert (tmp_path / "cut.csv").read_bytes() == screened.report.read_bytes()
    assert summary.sorted_malformed() == screened.summary.sorted_malformed()


def test_a_medicine_named_by_reference_reads_as_one_named_inline(tmp_path: Path) -> None:
    """A MedicationStatement referring to a Medication in Medication.ndjson (no patient of its
    own) gives the same row as one that names the medicine inline."""
    from dorsum.fhir.writing import intake_resources

    intake = {
        "patient": {"age": 24, "fitzpatrick": 2},
        "history": {"isotretinoin_months_since_stop": 2},
        "findings": {"acne_scars": {"rolling": 5}},
    }
    inline = intake_resources(intake, today=TODAY, patient_id="p1")
    by_reference, medications = [], []
    for n, resource in enumerate(intake_resources(intake, today=TODAY, patient_id="p2")):
        if resource["resourceType"] == "MedicationStatement":
            concept = resource.pop("medicationCodeableConcept")
            medications.append({"resourceType": "Medication", "id": f"m{n}", "code": concept})
            resource["medicationReference"] = {"reference": f"Medication/m{n}"}
        by_reference.append(resource)
    folder = tmp_path / "export"
    folder.mkdir()
    for resource in [*inline, *by_reference, *medications]:
        with (folder / f"{resource['resourceType']}.ndjson").open("a") as handle:
            handle.write(json.dumps(resource) + "\n")
    summary = screen(folder, tmp_path / "r.csv", partitions=3)
    first, second = read_report(tmp_path / "r.csv")
    assert "isotretinoin_recent" in first.exclusions
    assert first.cells()[1:] == second.cells()[1:]
    assert summary.skipped_total == 0


def test_a_gzipped_file_cut_short_is_one_malformed_line(tmp_path: Path) -> None:
    """A .ndjson.gz whose download stopped: the lines before the break are screened, the break
    is one malformed line naming the file and line, and the run goes on."""
    folder = tmp_path / "cut"
    folder.mkdir()
    lines = [
        f'{{"resourceType":"Patient","id":"p{n}","birthDate":"2000-01-01"}}\n' for n in range(3000)
    ]
    whole = gzip.compress("".join(lines).encode())
    (folder / "Patient.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    summary = screen(folder, tmp_path / "cut.csv", partitions=2)
    rows = read_report(tmp_path / "cut.csv")
    (broken,) = summary.first_malformed
    assert (summary.malformed, broken.file) == (1, "Patient.ndjson.gz")
    assert broken.line == len(rows) + 1  # the line after the last whole one
    assert 0 < len(rows) < 3000


def test_a_patients_resources_are_read_in_export_order_whatever_the_spill_order(
    tmp_path: Path,
) -> None:
    """Pieces spilled in any order (processes finish when they finish) come back in file and
    line order, so the later of two readings always wins, as it does in Spark."""
    from dorsum.screening.export import pieces_of
    from dorsum.screening.spill import (
        SpillPlan,
        close_spills,
        in_read_order,
        read_partition,
        spill_piece,
    )

    path = tmp_path / "Observation.ndjson"
    lines = [
        f'{{"resourceType":"Observation","id":"o{n}","subject":{{"reference":"Patient/p1"}}}}\n'
        for n in range(200)
    ]
    path.write_text("".join(lines))
    pieces = pieces_of([path], range_bytes=512)
    plan = SpillPlan(tmp_path, partitions=1)
    for index in reversed(range(len(pieces))):
        spill_piece(pieces[index], index, plan)
    close_spills(plan)
    records = in_read_order(list(read_partition(plan, 0)))
    assert [line.decode() for _, _, line in records] == lines


class Interrupted:
    """Progress that presses Ctrl-C when the first piece has been read."""

    def reading(self, total_bytes: int) -> None: ...

    def read(self, size: int) -> None:
        raise KeyboardInterrupt

    def screening(self, partitions: int) -> None: ...

    def screened(self) -> None: ...


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_stops_the_run_and_leaves_no_scratch_files(
    screened: Screened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Interrupted while reading, the pieces not started are dropped and the scratch folder is
    gone (no worker goes on writing into it)."""
    from dorsum.screening import export, local_engine

    log = tmp_path / "spilled.log"

    def logged(*job: object) -> object:
        with log.open("a") as handle:
            handle.write("piece\n")
        return spill_piece(*job)  # type: ignore[arg-type]

    monkeypatch.setattr(export, "RANGE_BYTES", 4096)  # many pieces
    monkeypatch.setattr(local_engine, "spill_piece", logged)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(KeyboardInterrupt):
        screen(
            screened.folder, tmp_path / "r.csv", workers=workers, progress=Interrupted(),
            work_dir=scratch,
        )  # fmt: skip
    pieces = len(pieces_of(bulk_files(screened.folder)))
    # the pieces already handed to a worker may finish (how many depends on the machine's
    # timing: up to a dozen seen with two workers); the rest, most of them, never start
    assert pieces >= 40 * workers  # enough that dropping the rest can be seen
    assert len(log.read_text().splitlines()) <= pieces / 4, pieces
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "r.csv").exists()


def test_an_error_in_a_worker_leaves_no_scratch_files(
    screened: Screened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A partition that fails stops the run, and the scratch folder is removed."""
    from dorsum.screening import local_engine

    def failing(*_: object) -> object:
        raise OSError(28, "No space left on device", "rows00000.csv")

    monkeypatch.setattr(local_engine, "screen_partition", failing)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(OSError, match="No space left"):
        screen(screened.folder, tmp_path / "r.csv", workers=2, partitions=8, work_dir=scratch)
    assert list(scratch.iterdir()) == []


def test_a_report_is_never_left_half_written(
    screened: Screened, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure while writing the report leaves neither the report nor a partial file."""
    from dorsum.screening import partitions

    def failing(rows: object, out: Path) -> int:
        out.write_text("patient_id\n")
        raise OSError(28, "No space left on device", str(out))

    monkeypatch.setattr(partitions, "write_cells", failing)
    with pytest.raises(OSError, match="No space left"):
        screen(screened.folder, tmp_path / "r.csv", partitions=3)
    assert list(tmp_path.iterdir()) == []
