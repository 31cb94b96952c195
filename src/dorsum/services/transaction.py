"""Every use case is one transaction: it keeps all of its writes or none of them.

The caller owns the outer transaction (the web request, a CLI command) and commits it. A use
case runs inside a savepoint of it, so when the use case fails half-way (a rejected date after
the first insert, a conflict, a database error) its own writes are rolled back even if the
caller catches the error and carries on, for example to show the form again.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy.orm import Session

P = ParamSpec("P")
R = TypeVar("R")


def use_case(
    function: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """Run `function(db, ...)` in a savepoint: all of its writes, or none of them."""

    @functools.wraps(function)
    def run(db: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with db.begin_nested():
            return function(db, *args, **kwargs)

    return run
