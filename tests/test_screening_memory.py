"""Constant memory: with partitions of a fixed size, screening four times the population does
not need more memory (traced by tracemalloc, which sees every Python allocation)."""

from __future__ import annotations

import tracemalloc
from datetime import date
from pathlib import Path

import pytest

from dorsum.screening import partitions, patient, spill
from dorsum.screening.export import bulk_files
from dorsum.screening.local_engine import run_local
from dorsum.screening.patient import ScreenSpec
from dorsum.screening.synthetic import SyntheticOptions, write_synthetic

TODAY = date(2026, 11, 30)


def peak_bytes(folder: Path, out: Path) -> int:
    """The most memory Python held at once while screening the export in one process."""
    spec = ScreenSpec(today=TODAY)
    spec.context()  # the knowledge base is loaded once per process, whatever the population
    tracemalloc.start()
    try:
        run_local(bulk_files(folder), out, spec, workers=1)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_population(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partitions hold ~256 kB of NDJSON each: 4x the patients means 4x the partitions, not 4x
    the memory. (The memo of rows is bounded too; made small here so both sizes fill it.)"""
    monkeypatch.setattr(partitions, "PARTITION_BYTES", 256 * 1024)
    monkeypatch.setattr(spill, "BUFFER_BUDGET", 256 * 1024)  # small, so partitions dominate
    monkeypatch.setattr(partitions, "MERGE_BUDGET", 64 * 1024)
    monkeypatch.setattr(patient, "ROWS_LIMIT", 64)  # bounded: full at both sizes
    folders = {}
    for patients in (300, 1200):
        folders[patients] = tmp_path / str(patients)
        write_synthetic(folders[patients], SyntheticOptions(patients=patients, seed=5, today=TODAY))
    peak_bytes(folders[300], tmp_path / "warm-up.csv")  # imports and first-use caches
    peaks = {n: peak_bytes(folder, tmp_path / f"{n}.csv") for n, folder in folders.items()}
    print(f"peak traced memory by population: {peaks}")
    assert peaks[1200] < 1.25 * peaks[300], peaks
