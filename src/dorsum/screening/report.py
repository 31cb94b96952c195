"""The report file: a CSV with a header and one row per patient."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from dorsum.screening.row import COLUMNS, ScreenRow


def write_report(rows: Iterable[ScreenRow], out: Path) -> int:
    """Write the rows (the caller sorts them by patient id) and return how many were written."""
    return write_cells((row.cells() for row in rows), out)


def write_cells(rows: Iterable[Sequence[str]], out: Path) -> int:
    """`write_report` for rows already as cells (the local engine merges chunks this way)."""
    written = 0
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for cells in rows:
            writer.writerow(cells)
            written += 1
    return written


def read_report(path: Path) -> list[ScreenRow]:
    """The rows of a report file (tests and tools compare reports this way)."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if tuple(header or ()) != COLUMNS:
            raise ValueError(f"{path}: not a dorsum screening report (header {header!r})")
        return [ScreenRow(*cells) for cells in reader]
