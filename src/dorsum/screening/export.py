"""The files of a FHIR Bulk Data export, and the pieces the engines read them in.

A Bulk export is a directory with one NDJSON file per resource type (`Patient.ndjson`,
`Observation.ndjson`, ...), plain or gzipped. Plain files are cut into byte ranges so that
several processes share a large file; a gzipped file is read whole by one process.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from dorsum.core.errors import DorsumError

RANGE_BYTES = 8 * 1024 * 1024  # small enough that the processes share the work evenly
SUFFIXES = (".ndjson", ".ndjson.gz")


class ExportError(DorsumError):
    """The export cannot be read at all (no such directory, no NDJSON files)."""


@dataclass(frozen=True, slots=True)
class Piece:
    """Lines of one file that start in [start, end) (end None: to the end; gzip: whole file)."""

    path: Path
    start: int = 0
    end: int | None = None

    @property
    def size(self) -> int:
        """Bytes this piece accounts for on disk, for the progress bar."""
        if self.end is None:
            return self.path.stat().st_size - self.start
        return self.end - self.start


def bulk_files(directory: Path) -> list[Path]:
    """The export's NDJSON files (plain and gzipped), by name."""
    if not directory.is_dir():
        raise ExportError(f"{directory}: not a directory (give the folder of a Bulk Data export)")
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.name.endswith(SUFFIXES))
    if not files:
        raise ExportError(f"{directory}: no *.ndjson or *.ndjson.gz files")
    return files


def pieces_of(files: list[Path], *, range_bytes: int | None = None) -> list[Piece]:
    """The files cut into pieces of about `range_bytes` (gzipped files stay whole)."""
    range_bytes = range_bytes or RANGE_BYTES
    pieces: list[Piece] = []
    for path in files:
        size = path.stat().st_size
        if path.name.endswith(".gz") or size <= range_bytes:
            pieces.append(Piece(path))
            continue
        starts = range(0, size, range_bytes)
        pieces += [Piece(path, s, min(s + range_bytes, size)) for s in starts]
    return pieces


def piece_lines(piece: Piece) -> Iterator[bytes]:
    """The lines that start inside the piece, with their line ends."""
    with _open(piece.path) as handle:
        if piece.start:
            handle.seek(piece.start - 1)
            handle.readline()  # the rest of a line that started in the piece before
        if piece.end is None:
            yield from handle
            return
        position = handle.tell()
        for line in handle:
            if position >= piece.end:
                return
            position += len(line)
            yield line


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")
