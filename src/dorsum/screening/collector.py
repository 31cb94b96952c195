"""Pausing Python's cyclic garbage collector while the engines churn through resources.

Both passes allocate millions of small dicts: pass one parses and drops them, pass two keeps a
partition's alive until it is screened. The collector would traverse them again and again (it
more than doubled the time of pass two, measured), yet nothing screening builds holds a reference
cycle, so reference counting frees it all.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Disable the cyclic collector for the block, restoring it as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
