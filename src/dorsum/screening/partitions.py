"""Pass two: screen one partition at a time, writing its rows sorted by patient id.

Only one partition's resources are in memory at once, and its rows go straight to a chunk file;
the report is then a streaming merge of the sorted chunks. So memory depends on the partition
size (chosen from the export's size), never on the population.
"""

from __future__ import annotations

import csv
import heapq
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from dorsum.screening.collector import collector_paused
from dorsum.screening.medications import with_medications
from dorsum.screening.ndjson import parse_line, why_malformed
from dorsum.screening.patient import ScreenContext, ScreenSpec, screen_counted
from dorsum.screening.report import write_cells
from dorsum.screening.routing import has_owner
from dorsum.screening.spill import (
    Record,
    SpillPlan,
    in_read_order,
    read_partition,
)
from dorsum.screening.summary import MalformedLine, ScreenSummary

PARTITION_BYTES = 16 * 1024 * 1024  # of NDJSON text per partition: tens of MB once parsed
GZIP_RATIO = 8  # NDJSON of FHIR resources compresses about this well
MERGE_BUDGET = 4 * 1024 * 1024  # read buffers of all the chunks merged into the report
MIN_BUFFER = 1024
MAX_PARTITIONS = 512  # each process keeps one open file per partition while spilling
Numbering = tuple[tuple[str, int], ...]
"""By piece index: the piece's file name and how many lines of that file come before it."""


@dataclass(frozen=True, slots=True)
class PartitionRows:
    """A partition's sorted rows (a chunk file) and its totals."""

    chunk: Path
    summary: ScreenSummary


def partition_count(plain_bytes: int, gzip_bytes: int, *, workers: int) -> int:
    """Enough partitions that each holds about `PARTITION_BYTES`, and several per worker (so
    that one slow partition does not leave the other workers idle)."""
    estimated = plain_bytes + GZIP_RATIO * gzip_bytes
    return min(MAX_PARTITIONS, max(4 * workers, -(-estimated // PARTITION_BYTES)))


def screen_partition(
    plan: SpillPlan, partition: int, spec: ScreenSpec, numbering: Numbering
) -> PartitionRows:
    """Group a partition's resources by patient and screen each patient, in patient-id order.

    `numbering`: for each piece of pass one, its file's name and the lines of that file before
    it, to name a malformed line found here."""
    context = spec.context()
    with collector_paused():
        try:
            return _screen(plan, partition, context, numbering)
        finally:
            # the assessment's memos last one partition, so memory never grows with the
            # population; dropped before the collector resumes, which then has fewer survivors
            # to traverse (the memo of rows lasts the run, bounded by ROWS_LIMIT)
            context.forget()


def _screen(
    plan: SpillPlan, partition: int, context: ScreenContext, numbering: Numbering
) -> PartitionRows:
    medications = read_medications(plan)
    groups: dict[bytes, list[Record]] = {}
    for record in read_partition(plan, partition):
        found = groups.get(record[1])
        if found is None:
            groups[record[1]] = [record]
        else:
            found.append(record)
    summary = ScreenSummary()
    chunk = plan.directory / f"rows{partition:05d}.csv"
    with chunk.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for key in sorted(groups):  # UTF-8 bytes sort as their text does
            resources = _resources(groups[key], numbering, summary)
            if not resources:
                continue  # every line turned out malformed or not the patient's
            patient = key.decode("utf-8", "surrogatepass")
            screened = screen_counted(patient, with_medications(resources, medications), context)
            if screened.skipped:
                summary.skip_all(screened.skipped)
            writer.writerow(screened.row.cells())
            summary.patients += 1
    summary.rows = summary.patients
    for path in plan.files_of(partition):
        path.unlink()
    return PartitionRows(chunk, summary)


def _resources(
    records: list[Record], numbering: Numbering, summary: ScreenSummary
) -> list[dict[str, Any]]:
    """One patient's lines parsed, in export order; malformed lines, and resources that pass
    one routed here from a nested reference but that belong to no patient, are counted."""
    resources = []
    for where, _, line in in_read_order(records):
        resource = parse_line(line)
        if resource is None:
            name, before = numbering[where >> 32]
            line_number = before + (where & 0xFFFFFFFF)
            summary.bad_line(MalformedLine(name, line_number, why_malformed(line)))
        elif has_owner(resource):
            resources.append(resource)
        else:
            summary.skipped[f"{resource['resourceType']} without a patient"] += 1
    return resources


def read_medications(plan: SpillPlan) -> dict[str, dict[str, Any]]:
    """The export's Medication resources by id (they belong to no patient; statements and
    requests refer to them); the last of an id in export order wins."""
    records = in_read_order(list(read_partition(plan, plan.partitions)))
    found = {}
    for _, key, line in records:
        resource = parse_line(line)
        if resource is not None:  # pass one parsed it
            found[key.decode("utf-8", "surrogatepass")] = resource
    return found


def merge_chunks(chunks: list[Path], out: Path) -> int:
    """Write the report: every chunk's rows in one patient-id order, each chunk read as a
    stream. Returns the number of rows."""
    size = max(MIN_BUFFER, MERGE_BUDGET // max(len(chunks), 1))  # constant, however many
    handles = [chunk.open(newline="", encoding="utf-8", buffering=size) for chunk in chunks]
    for handle in handles:
        handle._CHUNK_SIZE = size  # type: ignore[attr-defined]  # the text layer's read size
    try:
        readers = [csv.reader(handle) for handle in handles]
        return write_cells(heapq.merge(*readers, key=itemgetter(0)), out)
    finally:
        for handle in handles:
            handle.close()
