"""Line numbers and counts for NDJSON that Spark reads in splits.

Spark's text reader cuts a plain file into splits (byte ranges of about
`spark.sql.files.maxPartitionBytes`) and reads a gzipped file whole. A row knows its file
(`_metadata.file_path`) and the first byte of its split (`_metadata.file_block_start`), and the
rows of one split arrive in file order inside one task. So each task tallies its splits: lines
read, malformed lines (the first few, by index within the split) and resources skipped. The
driver then numbers a line by adding the lines of the file's earlier splits: the same line
numbers the local engine reports, without a shuffle of the data and without a second read.

The tallies travel back in an accumulator whose merge is a union by split. A task that Spark
runs again (a retry, a recomputed stage) reports the same tally for the same split, so nothing
is counted twice, which a summing accumulator updated in a transformation could not promise.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from pyspark.accumulators import AccumulatorParam

from dorsum.screening.summary import MALFORMED_KEPT, MalformedLine, ScreenSummary

SplitKey = tuple[str, int]
"""A split: its file (as Spark names it, a URI) and its first byte."""

Tallies = dict[SplitKey, "SplitTally"]


@dataclass(slots=True)
class SplitTally:
    """What one split held: its lines, malformed lines and resources skipped by reason.

    `first_malformed` keeps (index of the line within the split, from 0; reason) for the first
    `MALFORMED_KEPT`: the earliest lines of a file are among the earliest of its splits.
    """

    lines: int = 0
    malformed: int = 0
    first_malformed: list[tuple[int, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)

    def bad_line(self, index: int, reason: str) -> None:
        """Count a malformed line at this index of the split."""
        self.malformed += 1
        if len(self.first_malformed) < MALFORMED_KEPT:
            self.first_malformed.append((index, reason))


class SplitTallies(AccumulatorParam[Tallies]):
    """Tallies merged by split: a union, so a split reported twice still counts once."""

    def zero(self, value: Tallies) -> Tallies:
        return {}

    def addInPlace(self, value1: Tallies, value2: Tallies) -> Tallies:  # noqa: N802  # Spark's name
        value1.update(value2)
        return value1


def add_tallies(summary: ScreenSummary, tallies: Mapping[SplitKey, SplitTally]) -> None:
    """Fold the splits' counts into the run's summary, numbering the malformed lines."""
    for tally in tallies.values():
        summary.skip_all(tally.skipped)
        summary.malformed += tally.malformed
    summary.first_malformed.extend(malformed_lines(tallies))


def malformed_lines(tallies: Mapping[SplitKey, SplitTally]) -> list[MalformedLine]:
    """The first `MALFORMED_KEPT` malformed lines by file and line number (numbered from 1)."""
    lines_before: dict[SplitKey, int] = {}
    running: Counter[str] = Counter()
    for key in sorted(tallies):
        lines_before[key] = running[key[0]]
        running[key[0]] += tallies[key].lines
    found = sorted(
        (key[0], lines_before[key] + index + 1, reason)
        for key, tally in tallies.items()
        for index, reason in tally.first_malformed
    )
    return [MalformedLine(file_name(uri), line, why) for uri, line, why in found[:MALFORMED_KEPT]]


def file_name(uri: str) -> str:
    """The name the local engine reports: "file:/x/Patient.ndjson" -> "Patient.ndjson"."""
    return unquote(urlsplit(uri).path.rsplit("/", 1)[-1])
