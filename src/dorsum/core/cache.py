"""The memos an assessment may use, in one explicit object that the adapter owns.

The core keeps no state between calls: a caller that assesses many intakes (the web
application, `dorsum.assess`, the benchmark) passes one `AssessmentCache` in, and a caller that
wants the cold path passes none. Every entry is a pure function of its key, so a cache can be
dropped at any time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

LIMIT = 50_000


@dataclass
class AssessmentCache:
    """Memoised gradings, patient flags, decisions and worded results."""

    gradings: dict[Any, Any] = field(default_factory=dict)
    flags: dict[Any, Any] = field(default_factory=dict)
    decisions: dict[Any, Any] = field(default_factory=dict)
    conditions: dict[Any, Any] = field(default_factory=dict)
    worded: dict[Any, Any] = field(default_factory=dict)  # filled by the wording module
    results: dict[Any, Any] = field(default_factory=dict)  # whole worded results, by intake

    def remember(self, memo: dict[Any, Any], key: Any, value: Any) -> None:
        """Store, forgetting everything first when the memo is full (it never grows unbounded)."""
        if len(memo) >= LIMIT:
            memo.clear()
        memo[key] = value

    def clear(self) -> None:
        memos = (self.gradings, self.flags, self.decisions, self.conditions, self.worded)
        for memo in (*memos, self.results):
            memo.clear()
