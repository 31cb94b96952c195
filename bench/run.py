"""Run every benchmark (`make bench`). Benchmarks print figures; they never fail on time."""

from __future__ import annotations

from bench import (
    assess_bench,
    booking_bench,
    cds_bench,
    plan_bench,
    screen_bench,
    typing_bench,
    web_bench,
)


def main() -> None:
    assess_bench.main()
    plan_bench.main()
    web_bench.main()
    typing_bench.main()
    booking_bench.main()
    screen_bench.main()
    cds_bench.main()


if __name__ == "__main__":
    main()
