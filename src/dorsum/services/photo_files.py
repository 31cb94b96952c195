"""Photo files follow the database transaction they belong to. A file is written before its row
is committed: if the transaction does not commit, the file is removed again. A file whose row
is deleted (a deleted photo, an erased patient) is removed only once the deletion is committed,
so a failed erasure leaves the record whole."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from dorsum.media.store import PhotoStore

log = logging.getLogger(__name__)


def remove_unless_committed(db: Session, store: PhotoStore, keys: Iterable[str]) -> None:
    """Remove the files at `keys` if the session's transaction rolls back instead of committing."""
    _on_outcome(db, on_commit=lambda: None, on_rollback=_remover(store, list(keys)))


def remove_once_committed(db: Session, store: PhotoStore, keys: Iterable[str]) -> None:
    """Remove the files at `keys` when (and only if) the session's transaction commits."""
    _on_outcome(db, on_commit=_remover(store, list(keys)), on_rollback=lambda: None)


def _on_outcome(
    db: Session, *, on_commit: Callable[[], None], on_rollback: Callable[[], None]
) -> None:
    """Call `on_commit` once the whole transaction commits with the current savepoint (the use
    case's) and every savepoint around it committed into it; otherwise, as soon as one of
    them or the transaction ends without committing, call `on_rollback`.

    Transactions are compared as objects, never by `id()`: Python reuses the ids of freed
    objects, and a later savepoint must not pass for ours."""
    chain: list[SessionTransaction] = []  # our savepoint and those around it, innermost first
    current = db.get_nested_transaction()
    while current is not None and current.nested:
        chain.append(current)
        current = current.parent
    root = current or db.get_transaction() or db.begin()
    committed_savepoints: list[SessionTransaction] = []
    settled = False  # listeners cannot be removed while SQLAlchemy runs them: they go quiet

    def settle(outcome: Callable[[], None]) -> None:
        nonlocal settled
        if not settled:
            settled = True
            outcome()

    def committed(session: Session) -> None:
        savepoint = session.get_nested_transaction()
        if savepoint is None:
            settle(on_commit)  # the transaction itself: ours ended committed, or we'd be settled
        elif _among(savepoint, chain):
            committed_savepoints.append(savepoint)

    def ended(_session: Session, transaction: SessionTransaction) -> None:
        if transaction is root or (
            _among(transaction, chain) and not _among(transaction, committed_savepoints)
        ):
            settle(on_rollback)

    event.listen(db, "after_commit", committed)
    event.listen(db, "after_transaction_end", ended)


def _among(transaction: SessionTransaction, transactions: list[SessionTransaction]) -> bool:
    return any(transaction is other for other in transactions)


def _remover(store: PhotoStore, keys: list[str]) -> Callable[[], None]:
    def remove() -> None:
        for key in keys:
            try:
                store.delete(key)
            except Exception:  # the record is already right; say so without naming the file
                log.warning("a photo file could not be removed", exc_info=True)

    return remove
