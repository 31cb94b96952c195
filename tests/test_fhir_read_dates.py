"""FHIR dates as the reader reads them: partial dates widen to a range, times compare in UTC, and
a value that is not a date is refused naming the resource and field, however often it is read
(the parsers remember recent answers, never a resource)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dorsum.fhir.errors import FhirError
from dorsum.fhir.read_dates import day_range, instant

OBSERVATION = {"resourceType": "Observation", "id": "o1"}
CONDITION = {"resourceType": "Condition", "id": "c1"}


@pytest.mark.parametrize(
    ("text", "first", "last"),
    [
        ("2024", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2024-05-17", date(2024, 5, 17), date(2024, 5, 17)),
        ("2024-05-17T23:30:00+02:00", date(2024, 5, 17), date(2024, 5, 17)),
    ],
)
def test_a_partial_date_is_the_range_it_allows(text: str, first: date, last: date) -> None:
    assert day_range(text, OBSERVATION, "effectiveDateTime") == (first, last)


@given(
    moment=st.datetimes(
        min_value=datetime(1900, 1, 2), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    hours=st.integers(min_value=-12, max_value=14),
)
def test_a_time_with_an_offset_is_the_same_instant_in_utc(moment: datetime, hours: int) -> None:
    """Read once or many times, a dateTime written in any offset is the same UTC instant."""
    zone = timedelta(hours=hours)
    local = moment.astimezone(timezone(zone)).replace(microsecond=0)
    text = local.isoformat()
    for _ in range(2):
        assert instant(text, OBSERVATION, "effectiveDateTime") == local.astimezone(UTC)


@pytest.mark.parametrize("text", ["2024-13-01", "2024-02-30", "17/05/2024", "2024-5-1", ""])
def test_a_value_that_is_not_a_date_is_refused_where_it_stands_each_time(text: str) -> None:
    """The same bad value in two resources is refused twice, each naming its own resource."""
    for resource, field in ((OBSERVATION, "effectiveDateTime"), (CONDITION, "onsetDateTime")):
        with pytest.raises(FhirError) as refused:
            instant(text, resource, field)
        assert f"{resource['resourceType']}/{resource['id']}.{field}" in str(refused.value)
        with pytest.raises(FhirError):
            day_range(text, resource, field)


def test_a_value_that_is_not_text_is_refused() -> None:
    with pytest.raises(FhirError):
        day_range(20240517, OBSERVATION, "effectiveDateTime")
