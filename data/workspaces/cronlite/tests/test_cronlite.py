from datetime import datetime

import pytest

from cronlite import Schedule, parse_field


def test_star_allows_every_value() -> None:
    assert parse_field("*", 0, 6) == frozenset(range(7))


def test_step_field() -> None:
    assert parse_field("*/15", 0, 59) == frozenset({0, 15, 30, 45})


def test_list_field() -> None:
    assert parse_field("1,3,5", 0, 6) == frozenset({1, 3, 5})


def test_out_of_range_is_rejected() -> None:
    with pytest.raises(ValueError):
        parse_field("61", 0, 59)


def test_schedule_matches_weekday_morning() -> None:
    schedule = Schedule.parse("30 9 * * 0,1,2,3,4")
    assert schedule.matches(datetime(2024, 5, 6, 9, 30))


def test_schedule_rejects_wrong_minute() -> None:
    schedule = Schedule.parse("30 9 * * *")
    assert not schedule.matches(datetime(2024, 5, 6, 9, 31))


def test_wrong_field_count_is_rejected() -> None:
    with pytest.raises(ValueError):
        Schedule.parse("* * *")
