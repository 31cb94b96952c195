"""What a CDS Hooks call leaves behind (its spent jti, its issued cards or feedback), committed
before the call is answered, each call's writes as one use case.

A call's writes run in order, each in its own savepoint. When one fails (a replayed jti,
feedback for an unknown card, a database error), its savepoint is rolled back, the writes after
it are not run, the writes before it are committed (a jti stays spent even when what follows is
refused), and the failure is raised to that call alone.

On SQLite, where one writer commits at a time and a waiting writer backs off in sleeps of up
to 100 ms, the calls that arrive while a commit is under way are committed together by the
next one (group commit): one transaction, each call's writes in its own savepoints, as above.
If that shared transaction fails as a whole (it cannot commit), nothing of it was committed and
every call of the group is committed again on its own, so no call's failure loses or fails
another call's writes.

    call A ─┐                  ┌─ A: ok
    call B ─┼─> one transaction┼─ B: NotAuthorised (its jti was spent)   commit fails?
    call C ─┘   (savepoints)   └─ C: ok                                   then A, B, C alone

On PostgreSQL each call has its own transaction (group=False): concurrent commits are cheap
there, and a transaction holding several calls' jtis could deadlock with another process's.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from dorsum.cds.replay import forget_expired

__all__ = ["PURGE_EVERY", "CallWriter", "Write"]

PURGE_EVERY = timedelta(minutes=1)  # expired jtis are swept at most this often per process

Write = Callable[[Session], None]


@dataclass
class _Job:
    writes: tuple[Write, ...]
    done: Future[None] = field(default_factory=Future)


@dataclass
class CallWriter:
    sessions: sessionmaker[Session]
    clock: Callable[[], datetime]
    group: bool = False  # commit concurrent calls together (SQLite)
    _queue: list[_Job] = field(default_factory=list)
    _queue_lock: threading.Lock = field(default_factory=threading.Lock)
    _leader: threading.Lock = field(default_factory=threading.Lock)
    _swept: datetime | None = None
    _sweep_lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, *writes: Write) -> None:
        """Commit `writes`; the first failure is raised after the writes before it are
        committed."""
        if not self.group:
            self._alone(writes)
            return
        job = _Job(writes)
        with self._queue_lock:
            self._queue.append(job)
        with self._leader:
            if not job.done.done():
                with self._queue_lock:
                    batch, self._queue = self._queue, []
                self._together(batch)
        job.done.result()

    def _alone(self, writes: Sequence[Write]) -> None:
        with self.sessions() as db:
            self._sweep(db)
            failure = _run(db, writes)
            db.commit()
        if failure is not None:
            raise failure

    def _together(self, batch: list[_Job]) -> None:
        try:
            failures = self._commit_group(batch)
        except Exception:  # the shared transaction failed as a whole: nothing was committed
            failures = None
        try:
            for n, job in enumerate(batch):
                failure = None if failures is None else failures[n]
                if failures is None:
                    _settle(job, functools.partial(self._alone, job.writes))
                elif failure is not None:
                    job.done.set_exception(failure)
                else:
                    job.done.set_result(None)
        finally:  # never leave a call waiting (even on KeyboardInterrupt)
            for job in batch:
                if not job.done.done():
                    job.done.set_exception(RuntimeError("the CDS write was interrupted"))

    def _commit_group(self, batch: list[_Job]) -> list[Exception | None]:
        db = self.sessions()
        try:
            self._sweep(db)
            failures = [_run(db, job.writes) for job in batch]
            db.commit()
        except BaseException:
            db.rollback()
            raise
        finally:
            db.close()
        return failures

    def _sweep(self, db: Session) -> None:
        now = self.clock()
        with self._sweep_lock:
            if self._swept is not None and now - self._swept < PURGE_EVERY:
                return
            self._swept = now
        try:
            with db.begin_nested():  # a sweep that fails is tried again later, not the call
                forget_expired(db, now=now)
        except SQLAlchemyError:
            self._swept = None


def _run(db: Session, writes: Sequence[Write]) -> Exception | None:
    """Run one call's writes, each in a savepoint, up to the first failure (returned)."""
    for write in writes:
        try:
            with db.begin_nested():
                write(db)
        except Exception as error:  # the call's own failure: raised to it, to no other
            return error
    return None


def _settle(job: _Job, commit: Callable[[], None]) -> None:
    try:
        commit()
    except Exception as error:
        job.done.set_exception(error)
    else:
        job.done.set_result(None)
