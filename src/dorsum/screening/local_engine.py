"""The embedded engine: spill the export into partitions, screen them, merge the rows.

With `workers` > 1 both passes run in a pool of processes (one per core): pieces of files in
pass one, partitions in pass two. Every process runs the same pure `screen_patient`.
"""

from __future__ import annotations

import signal
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from dorsum.screening.export import Piece, pieces_of
from dorsum.screening.partitions import (
    Numbering,
    PartitionRows,
    merge_chunks,
    partition_count,
    screen_partition,
)
from dorsum.screening.patient import ScreenSpec
from dorsum.screening.progress import Progress, Silent
from dorsum.screening.spill import SpillPlan, SpillResult, close_spills, spill_piece
from dorsum.screening.summary import MalformedLine, ScreenSummary

T = TypeVar("T")
R = TypeVar("R")


def run_local(
    paths: list[Path],
    out: Path,
    spec: ScreenSpec,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    partitions: int | None = None,
    work_dir: Path | None = None,
) -> ScreenSummary:
    """Screen every patient in the NDJSON `paths` and write the report to `out`."""
    shown = progress or Silent()
    context = spec.context()  # the knowledge bases are loaded once, before workers are forked
    context.forget(rows=True)  # each run starts cold: one run's memos never speed up the next
    try:
        with tempfile.TemporaryDirectory(prefix="dorsum-screen-", dir=work_dir) as scratch:
            plan = SpillPlan(Path(scratch), partitions or _partitions(paths, workers))
            with _executor(workers) as pool:
                pieces = pieces_of(paths)
                spilled = _spill_all(pool, pieces, plan, shown)
                summary = _spill_summary(spilled)
                numbering = _numbering(pieces, spilled)
                chunks = _screen_all(pool, (plan, spec, numbering), shown, summary)
            _write_report(chunks, out)
    finally:
        context.forget(rows=True)
    return summary


def _write_report(chunks: list[Path], out: Path) -> None:
    """Merge the chunks into `out`, which appears only once it is complete (never half-written
    after an error or Ctrl-C)."""
    partial = out.with_name(f".{out.name}.partial")
    try:
        merge_chunks(chunks, partial)
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)


def _spill_all(
    pool: Executor | None, pieces: list[Piece], plan: SpillPlan, shown: Progress
) -> list[SpillResult]:
    """Pass one: what each piece held (malformed lines, resources dorsum does not read)."""
    shown.reading(sum(piece.size for piece in pieces))
    spilled = []
    try:
        for result in _run(pool, _spill, [(p, n, plan) for n, p in enumerate(pieces)]):
            spilled.append(result)
            shown.read(result.piece.size)
    finally:
        close_spills(plan)
    return spilled


def _screen_all(
    pool: Executor | None,
    job: tuple[SpillPlan, ScreenSpec, Numbering],
    shown: Progress,
    summary: ScreenSummary,
) -> list[Path]:
    """Pass two, folding each partition's totals into `summary`; the sorted chunk files."""
    plan, spec, numbering = job
    shown.screening(plan.partitions)
    chunks = []
    jobs = [(plan, k, spec, numbering) for k in range(plan.partitions)]
    for part in _run(pool, _screen, jobs):
        summary.add(part.summary)  # folded at once: only the chunk names are kept
        chunks.append(part.chunk)
        shown.screened()
    return sorted(chunks)


def _spill(job: tuple[Piece, int, SpillPlan]) -> SpillResult:
    return spill_piece(*job)


def _screen(job: tuple[SpillPlan, int, ScreenSpec, Numbering]) -> PartitionRows:
    return screen_partition(*job)


def _numbering(pieces: list[Piece], spilled: list[SpillResult]) -> Numbering:
    """For each piece (by index), its file's name and the lines of the file before it."""
    lines = {(r.piece.path, r.piece.start): r.lines for r in spilled}
    numbering, before, previous = [], 0, None
    for piece in pieces:  # in file order, and in byte order within a file
        if piece.path != previous:
            before, previous = 0, piece.path
        numbering.append((piece.path.name, before))
        before += lines[piece.path, piece.start]
    return tuple(numbering)


def _partitions(paths: list[Path], workers: int) -> int:
    gzipped = sum(p.stat().st_size for p in paths if p.name.endswith(".gz"))
    plain = sum(p.stat().st_size for p in paths if not p.name.endswith(".gz"))
    return partition_count(plain, gzipped, workers=workers)


def _spill_summary(results: list[SpillResult]) -> ScreenSummary:
    """Totals of pass one, with malformed lines numbered from the start of their file."""
    summary = ScreenSummary()
    by_file: dict[Path, list[SpillResult]] = defaultdict(list)
    for result in results:
        by_file[result.piece.path].append(result)
        summary.skip_all(result.skipped)
    for path in sorted(by_file):
        before = 0
        for result in sorted(by_file[path], key=lambda r: r.piece.start):
            numbered = [
                MalformedLine(bad.file, before + bad.line, bad.reason)
                for bad in result.first_malformed
            ]
            summary.add(ScreenSummary(malformed=result.malformed, first_malformed=numbered))
            before += result.lines
    return summary


@contextmanager
def _executor(workers: int) -> Iterator[Executor | None]:
    if workers <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_leave_ctrl_c_to_the_parent)
    try:
        yield pool
    except BaseException:
        # an error or Ctrl-C: drop the jobs not started, and wait for the running ones, so no
        # worker writes into the scratch folder after it is removed
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def _leave_ctrl_c_to_the_parent() -> None:
    """Workers ignore Ctrl-C: the parent drops the jobs not started and waits for the running
    ones (a piece or a partition each), instead of every idle worker printing a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run(pool: Executor | None, work: Callable[[T], R], jobs: Iterable[T]) -> Iterator[R]:
    if pool is None:
        yield from map(work, jobs)
        return
    futures = [pool.submit(work, job) for job in jobs]
    for future in as_completed(futures):
        yield future.result()
