"""Pass one: read the export and spill each line into its patient's hash partition.

A patient's resources are spread over one file per resource type, so grouping them needs either
the whole export in memory or a second pass. Spilling each line (framed with its patient id and
where it was read) into N partition files by a hash of the patient id keeps memory constant:
pass two loads one partition at a time. A line is spilled as its raw bytes and parsed once, in
pass two: `routing.owner_hint` finds the patient in the bytes for the common shapes, and only
the other lines are parsed here. Resource types the FHIR reader never reads (Encounter,
Immunization, ...) are counted here and not spilled.

Each record carries the index of the piece it was read from and its line number in the piece,
so pass two puts a patient's resources back in file and line order (whichever process spilled
them) and names the file and line of a malformed one.

Each process appends to its own set of partition files (named by process id), so processes never
share a file and the number of files is processes x partitions, whatever the export's size.
"""

from __future__ import annotations

import os
import struct
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from gzip import BadGzipFile
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from dorsum.screening.collector import collector_paused
from dorsum.screening.export import Piece, piece_lines
from dorsum.screening.ndjson import parse_line, why_malformed
from dorsum.screening.owners import owner_of
from dorsum.screening.routing import owner_hint
from dorsum.screening.summary import MALFORMED_KEPT, MalformedLine

BUFFER_BUDGET = 8 * 1024 * 1024  # write buffers of all of a process's partition files together
MIN_BUFFER = 8 * 1024
BROKEN_GZIP = "gzip data cut short or corrupt: the rest of the file cannot be read"
HEADER = struct.Struct("<QII")  # where (piece << 32 | line), key bytes, line bytes
Record = tuple[int, bytes, bytes]
"""Where a line was read (piece index << 32 | line number in the piece), its key, the line."""


@dataclass(frozen=True, slots=True)
class SpillPlan:
    """Where partitions go and how many there are."""

    directory: Path
    partitions: int

    def partition_of(self, patient_id: str) -> int:
        """A stable partition for a patient (the same in every process and every run; the
        spill computes it inline)."""
        return zlib.crc32(key_of(patient_id)) % self.partitions

    def files_of(self, partition: int) -> list[Path]:
        """Every process's file for one partition (partition N: the Medication resources)."""
        return sorted(self.directory.glob(f"p{partition:05d}.*.bin"))


@dataclass(slots=True)
class SpillResult:
    """What one piece held: lines, skipped resources, malformed lines (line numbers relative
    to the piece's first line, made absolute by the caller)."""

    piece: Piece
    lines: int = 0
    spilled: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    malformed: int = 0
    first_malformed: list[MalformedLine] = field(default_factory=list)


_writers: dict[SpillPlan, list[BinaryIO | None]] = {}


def key_of(patient_id: str) -> bytes:
    """A patient id as the spill keys it (any JSON string, lone surrogates included)."""
    return patient_id.encode("utf-8", "surrogatepass")


def spill_piece(piece: Piece, index: int, plan: SpillPlan) -> SpillResult:
    """Spill the lines of piece number `index` into the partitions; count what is not spilled."""
    with collector_paused():
        return _spill(piece, index, plan)


def _spill(piece: Piece, index: int, plan: SpillPlan) -> SpillResult:
    result = SpillResult(piece)
    writers = _writers.setdefault(plan, [None] * (plan.partitions + 1))  # + the Medications
    partitions, pack, crc32, first = plan.partitions, HEADER.pack, zlib.crc32, index << 32
    number = 0
    for number, line in _numbered(piece, result):
        key = owner_hint(line)
        if key is not None:
            partition = crc32(key) % partitions
        else:
            routed = _parsed_route(line, number, result, partitions)
            if routed is None:
                continue
            key, partition = routed
        writer = writers[partition] or _open_writer(plan, partition, writers)
        writer.write(pack(first | number, len(key), len(line)) + key + line)  # 1 call: cheaper
        result.spilled += 1
    result.lines = max(result.lines, number)
    for open_writer in writers:
        if open_writer is not None:
            open_writer.flush()
    return result


def _numbered(piece: Piece, result: SpillResult) -> Iterator[tuple[int, bytes]]:
    """The piece's lines with their numbers. A gzipped file cut short or corrupt (a download
    that stopped) counts as one malformed line where it breaks; the lines before it are read."""
    number = 0
    try:
        for number, line in enumerate(piece_lines(piece), start=1):
            yield number, line
    except (EOFError, zlib.error, BadGzipFile):
        result.malformed += 1
        where = MalformedLine(piece.path.name, number + 1, BROKEN_GZIP)
        if len(result.first_malformed) < MALFORMED_KEPT:
            result.first_malformed.append(where)
        result.lines = number + 1


def _parsed_route(
    line: bytes, number: int, result: SpillResult, partitions: int
) -> tuple[bytes, int] | None:
    """Key and partition of a line the scan could not route, or None (counted) when it is
    blank, malformed, of a type dorsum does not read, or belongs to no patient."""
    resource = parse_line(line)
    if resource is None:
        if line.strip():
            _malformed(result, number, line)
        return None
    patient, why = owner_of(resource)
    if patient is not None:
        key = key_of(patient)
        return key, zlib.crc32(key) % partitions
    if resource["resourceType"] == "Medication" and type(resource.get("id")) is str:
        return key_of(resource["id"]), partitions  # joined to its users in pass two
    result.skipped[why] += 1
    return None


def close_spills(plan: SpillPlan) -> None:
    """Close this process's partition files for a plan (workers' files close as they exit)."""
    for writer in _writers.pop(plan, []):
        if writer is not None:
            writer.close()


def read_partition(plan: SpillPlan, partition: int) -> Iterator[Record]:
    """The records of one partition, from every process's file (in no particular order)."""
    for path in plan.files_of(partition):
        with path.open("rb") as handle:
            data = handle.read()
        yield from _records(data)


def in_read_order(records: list[Record]) -> list[Record]:
    """Records in the order their lines stand in the export (file, then line)."""
    return sorted(records, key=itemgetter(0)) if len(records) > 1 else records


def _records(data: bytes) -> Iterator[Record]:
    unpack, size = HEADER.unpack_from, HEADER.size
    position, total = 0, len(data)
    while position < total:
        where, key_size, line_size = unpack(data, position)
        position += size
        key_end = position + key_size
        end = key_end + line_size
        yield where, data[position:key_end], data[key_end:end]
        position = end


def _open_writer(plan: SpillPlan, index: int, writers: list[BinaryIO | None]) -> BinaryIO:
    path = plan.directory / f"p{index:05d}.{os.getpid()}.bin"
    buffer = max(MIN_BUFFER, BUFFER_BUDGET // plan.partitions)  # constant, however many
    writer: BinaryIO = path.open("ab", buffering=buffer)
    writers[index] = writer
    return writer


def _malformed(result: SpillResult, number: int, line: bytes) -> None:
    result.malformed += 1
    if len(result.first_malformed) < MALFORMED_KEPT:
        where = MalformedLine(result.piece.path.name, number, why_malformed(line))
        result.first_malformed.append(where)
