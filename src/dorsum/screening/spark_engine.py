"""The Spark engine: the same `screen_counted` as the local engine, run by PySpark executors.

The data flows in one pass over the export:

1. Spark's own text reader reads the NDJSON (plain or gzipped; local, HDFS or S3 paths, globs
   allowed), so nothing is opened in Python on the driver;
2. each task parses its lines, tallies its splits (`spark_lines`: line numbers of malformed
   lines, resources without a patient) and keys each resource by `patient_id_of`;
3. a shuffle groups a patient's resources; each group is put in the local engine's order and
   screened by `screen_counted` with the spec's context (loaded once per Python worker);
4. the rows are sorted by patient id in Spark and streamed to the driver partition by partition,
   where `write_report` writes the same CSV as the local engine.

The report is a local file on the driver: at a few hundred bytes a row, 10 million patients make
a file of a few GB streamed through the driver, never held in its memory. See
docs/screening-spark.md for writing the rows to cluster storage instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from json import loads
from operator import itemgetter
from pathlib import Path

from pyspark import RDD, Accumulator, StorageLevel
from pyspark.errors import PySparkException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F  # noqa: N812  # Spark's own convention

from dorsum.screening.export import SUFFIXES, ExportError
from dorsum.screening.ndjson import parse_line, why_malformed
from dorsum.screening.owners import owner_of
from dorsum.screening.patient import ScreenSpec, screen_counted
from dorsum.screening.report import write_report
from dorsum.screening.row import ScreenRow
from dorsum.screening.spark_lines import SplitKey, SplitTallies, SplitTally, Tallies, add_tallies
from dorsum.screening.spark_session import first_line, spark_errors, spark_session
from dorsum.screening.summary import ScreenSummary

NDJSON_FILES = "*.{" + ",".join(suffix.lstrip(".") for suffix in SUFFIXES) + "}"
Located = tuple[str, int, int, str]
"""A resource's line and where it was read: file, split's first byte, line index in the split.
The line crosses the shuffle as text and is parsed again after it: pickling parsed resources
costs more than parsing them twice."""
Screened = tuple[ScreenRow, dict[str, int]]


def run_spark(
    paths: Sequence[str],
    out: Path,
    spec: ScreenSpec,
    *,
    master: str | None = None,
    progress: Callable[[str], None] | None = None,
    partitions: int | None = None,
) -> ScreenSummary:
    """Screen every patient of the NDJSON at `paths` (files, folders or globs) into `out`.

    `master`: the Spark master when no session is active (default: spark-submit's, else
    `local[*]`); `partitions`: of the patient shuffle (default: twice Spark's parallelism).
    """
    say = progress or _quiet
    spec.context()  # a knowledge base that does not load fails here, before Spark starts
    with spark_session(master) as spark, spark_errors():
        lines = _ndjson_lines(spark, paths)
        say(f"Spark {spark.version} on {spark.sparkContext.master}: reading {paths_text(paths)}")
        tallies: Accumulator[Tallies] = spark.sparkContext.accumulator({}, SplitTallies())
        shuffle = partitions or 2 * spark.sparkContext.defaultParallelism
        screened = screened_patients(lines, spec, tallies=tallies, partitions=shuffle)
        screened.persist(StorageLevel.MEMORY_AND_DISK)  # the sort samples it, then sorts it
        try:
            ordered: RDD[tuple[str, Screened]] = screened.sortByKey(numPartitions=shuffle)
            summary = ScreenSummary()
            summary.rows = write_report(_counted(ordered.toLocalIterator(), summary), out)
        finally:
            screened.unpersist()
        add_tallies(summary, tallies.value)
    say(f"screened {summary.patients} patients; report written to {out}")
    return summary


def screened_patients(
    lines: DataFrame, spec: ScreenSpec, *, tallies: Accumulator[Tallies], partitions: int
) -> RDD[tuple[str, Screened]]:
    """(patient id, (row, skipped)) for every patient: parse, group by patient, screen."""
    return (
        lines.rdd.mapPartitions(partial(located_resources, tallies=tallies))
        .groupByKey(partitions)
        .map(partial(screen_group, spec=spec))
    )


def located_resources(
    rows: Iterable[tuple[str, str, int]], *, tallies: Accumulator[Tallies]
) -> Iterator[tuple[str, Located]]:
    """A task's lines as (patient id, located line); what is not a patient's goes in the tallies."""
    mine: Tallies = {}
    key: SplitKey | None = None
    tally = SplitTally()
    for text, file, start in rows:
        if key != (file, start):
            key = (file, start)
            tally = mine.setdefault(key, SplitTally())
        index = tally.lines
        tally.lines += 1
        resource = parse_line(text)
        if resource is None:
            if text.strip():  # blank lines are neither resources nor malformed
                tally.bad_line(index, why_malformed(text))
            continue
        patient, skipped = owner_of(resource)
        if patient is None:
            tally.skipped[skipped] += 1
            continue
        yield patient, (file, start, index, text)
    tallies.add(mine)


def screen_group(group: tuple[str, Iterable[Located]], *, spec: ScreenSpec) -> tuple[str, Screened]:
    """One patient's row and skips, from resources in file and line order."""
    patient, located = group
    resources = [loads(entry[3]) for entry in sorted(located, key=itemgetter(0, 1, 2))]
    screened = screen_counted(patient, resources, spec.context())
    return patient, (screened.row, dict(screened.skipped))


def paths_text(paths: Sequence[str]) -> str:
    """The paths for a message, shortened when there are many."""
    shown = ", ".join(paths[:3])
    return shown if len(paths) <= 3 else f"{shown} and {len(paths) - 3} more"


def _ndjson_lines(spark: SparkSession, paths: Sequence[str]) -> DataFrame:
    """The lines of every NDJSON file at `paths`, each with its file and its split's first byte."""
    if not paths:
        raise ExportError("no paths to read: give the folder (or files) of a Bulk Data export")
    try:
        frame = spark.read.option("pathGlobFilter", NDJSON_FILES).text(list(paths))
        found = frame.inputFiles()
    except PySparkException as error:
        raise ExportError(f"Spark cannot read {paths_text(paths)}: {first_line(error)}") from None
    if not found:
        raise ExportError(f"{paths_text(paths)}: no *.ndjson or *.ndjson.gz files")
    return frame.select("value", F.col("_metadata.file_path"), F.col("_metadata.file_block_start"))


def _counted(rows: Iterable[tuple[str, Screened]], summary: ScreenSummary) -> Iterator[ScreenRow]:
    """The rows, counting each patient and what its resources held that dorsum does not use."""
    for _, (row, skipped) in rows:
        summary.patients += 1
        if skipped:
            summary.skip_all(skipped)
        yield row


def _quiet(_: str) -> None:
    """Progress nobody asked to see."""
