"""Cardiff Acne Disability Index (Motley & Finlay 1992, source `cadi`).

Five questions about the last month, each answered a-d and scored 3-0, total 0-15; higher is a
worse quality of life. No official severity bands exist, so dorsum reports the score only.
Question 3 (avoiding changing rooms and swimwear) matters most for back acne.
"""

from __future__ import annotations

from collections.abc import Sequence

_POINTS = {"a": 3, "b": 2, "c": 1, "d": 0}
QUESTIONS = 5


def cadi_score(answers: Sequence[str]) -> int:
    """Total of five answers a-d (a = 3 points ... d = 0)."""
    if len(answers) != QUESTIONS:
        raise ValueError(f"CADI has {QUESTIONS} answers, not {len(answers)}")
    try:
        return sum(_POINTS[answer.strip().lower()] for answer in answers)
    except KeyError as error:
        raise ValueError(f"CADI answers are a, b, c or d, not {error.args[0]!r}") from None
