"""Opening hours from HSDS schedules (directory/hours.py): open now, open at, next opening, a week, closures.

Calendar used below: 2026-06-01 is a Monday. Daylight saving in America/Los_Angeles starts 2026-03-08 and ends
2026-11-01 (both Sundays); Thanksgiving is Thursday 2026-11-26.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from directory.hours import DAY, WEEK, WEEKDAYS, DayHours, Hours, hours_from_schedules, week_second

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
WEEKDAYS_ONLY = "MO,TU,WE,TH,FR"
EVERY_DAY = "MO,TU,WE,TH,FR,SA,SU"


def schedule(
    byday: str | None = WEEKDAYS_ONLY, opens: str = "09:00:00", closes: str = "17:00:00", **fields: Any
) -> dict[str, Any]:
    return {"freq": "WEEKLY", "byday": byday, "opens_at": opens, "closes_at": closes, **fields}


def closure(valid_from: str, valid_to: str | None = None, description: str | None = None) -> dict[str, Any]:
    return {"valid_from": valid_from, "valid_to": valid_to, "description": description}


def hours(*schedules: dict[str, Any]) -> Hours:
    return hours_from_schedules(schedules, "America/Los_Angeles")


def la(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: float = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LA) + timedelta(seconds=second)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# Weekly hours


def test_open_during_weekday_hours_and_closed_outside_them() -> None:
    weekdays = hours(schedule())
    assert weekdays.is_open(la(2026, 6, 1, 9, 0)) is True
    assert weekdays.is_open(la(2026, 6, 1, 16, 59)) is True
    assert weekdays.is_open(la(2026, 6, 1, 8, 59)) is False
    assert weekdays.is_open(la(2026, 6, 1, 17, 0)) is False  # closes_at is the first closed moment


def test_closed_on_days_the_schedule_does_not_list() -> None:
    weekdays = hours(schedule())
    assert weekdays.is_open(la(2026, 6, 6, 12)) is False  # Saturday
    assert weekdays.is_open(la(2026, 6, 7, 12)) is False  # Sunday


def test_hours_of_several_schedules_add_up() -> None:
    split = hours(schedule("MO", "09:00", "12:00"), schedule("MO", "13:00", "17:00"), schedule("SA", "10:00", "14:00"))
    assert split.is_open(la(2026, 6, 1, 12, 30)) is False
    assert split.is_open(la(2026, 6, 1, 13, 30)) is True
    assert split.is_open(la(2026, 6, 6, 11)) is True


def test_week_lists_each_days_hours_in_local_time() -> None:
    week = hours(schedule(), schedule("SA", "10:00", "14:00")).week(date(2026, 6, 1))
    assert [day.day for day in week] == [date(2026, 6, 1) + timedelta(days=n) for n in range(7)]
    assert week[0] == DayHours(date(2026, 6, 1), [(time(9), time(17))], None)
    assert week[5].hours == [(time(10), time(14))]
    assert week[6] == DayHours(date(2026, 6, 7), [], None)


# Overnight hours belong to the day they start on


def test_overnight_hours_run_into_the_next_morning() -> None:
    tuesday_night = hours(schedule("TU", "19:00:00", "07:00:00"))
    assert tuesday_night.is_open(la(2026, 6, 2, 19, 0)) is True
    assert tuesday_night.is_open(la(2026, 6, 3, 3, 0)) is True  # Wednesday 03:00
    assert tuesday_night.is_open(la(2026, 6, 3, 7, 0)) is False
    assert tuesday_night.is_open(la(2026, 6, 2, 3, 0)) is False  # Tuesday morning follows Monday night: closed
    assert tuesday_night.is_open(la(2026, 6, 3, 20, 0)) is False


def test_sunday_night_runs_into_monday_morning() -> None:
    sunday_night = hours(schedule("SU", "22:00:00", "06:00:00"))
    assert sunday_night.is_open(la(2026, 6, 1, 2, 0)) is True  # Monday 02:00
    assert sunday_night.is_open(la(2026, 5, 31, 2, 0)) is False  # Sunday 02:00 follows Saturday night


def test_week_shows_an_overnight_span_on_the_day_it_starts() -> None:
    week = hours(schedule("TU", "19:00:00", "07:00:00")).week(date(2026, 6, 1))
    assert week[1].hours == [(time(19), time(7))]
    assert week[2].hours == []


# Around the clock


def test_open_24_7_is_open_at_every_hour_including_the_last_second_of_the_day() -> None:
    always = hours(schedule(EVERY_DAY, "00:00:00", "23:59:59"))
    assert always.open_24_7 is True
    assert always.is_open(la(2026, 6, 7, 23, 59, 59.5)) is True
    assert all(always.is_open(la(2026, 6, 1) + timedelta(minutes=17 * n)) for n in range(600))


def test_every_day_overnight_plus_daytime_hours_make_24_7() -> None:
    assert hours(schedule(EVERY_DAY, "19:00", "07:00"), schedule(EVERY_DAY, "07:00", "19:00")).open_24_7 is True


def test_open_24_hours_on_six_days_is_not_24_7() -> None:
    assert hours(schedule("MO,TU,WE,TH,FR,SA", "00:00:00", "23:59:59")).open_24_7 is False
    assert hours(schedule(EVERY_DAY, "00:00:00", "23:00:00")).open_24_7 is False


def test_24_7_that_ends_on_a_date_is_not_24_7() -> None:
    assert hours(schedule(EVERY_DAY, "00:00:00", "23:59:59", valid_to="2026-12-31")).open_24_7 is False


# Daylight saving time (America/Los_Angeles)


def test_daytime_hours_on_the_day_daylight_saving_starts_follow_local_time() -> None:
    sunday = hours(schedule("SU"))
    assert sunday.is_open(utc(2026, 3, 8, 15, 59)) is False  # 08:59 PDT
    assert sunday.is_open(utc(2026, 3, 8, 16, 0)) is True  # 09:00 PDT (would be 08:00 at the winter offset)
    assert sunday.is_open(utc(2026, 3, 9, 0, 0)) is False  # 17:00 PDT


def test_overnight_into_the_spring_forward_morning_closes_at_local_time() -> None:
    nightly = hours(schedule("SA", "19:00:00", "07:00:00"))
    assert nightly.is_open(utc(2026, 3, 8, 10, 30)) is True  # 03:30 PDT, just after the skipped hour
    assert nightly.is_open(utc(2026, 3, 8, 13, 59)) is True  # 06:59 PDT
    assert nightly.is_open(utc(2026, 3, 8, 14, 0)) is False  # 07:00 PDT: an 11-hour night


def test_daytime_hours_on_the_day_daylight_saving_ends_follow_local_time() -> None:
    sunday = hours(schedule("SU"))
    assert sunday.is_open(utc(2026, 11, 1, 16, 30)) is False  # 08:30 PST (would be 09:30 at the summer offset)
    assert sunday.is_open(utc(2026, 11, 1, 17, 0)) is True  # 09:00 PST
    assert sunday.is_open(utc(2026, 11, 2, 0, 59)) is True  # 16:59 PST


def test_overnight_into_the_fall_back_morning_closes_at_local_time() -> None:
    nightly = hours(schedule("SA", "19:00:00", "07:00:00"))
    assert nightly.is_open(utc(2026, 11, 1, 2, 0)) is True  # Saturday 19:00 PDT
    assert nightly.is_open(utc(2026, 11, 1, 14, 59)) is True  # 06:59 PST
    assert nightly.is_open(utc(2026, 11, 1, 15, 0)) is False  # 07:00 PST: a 13-hour night


def test_a_24_hour_day_when_clocks_fall_back_lasts_25_hours() -> None:
    sunday = hours(schedule("SU", "00:00:00", "23:59:59"))
    assert sunday.is_open(utc(2026, 11, 1, 7, 0)) is True  # Sunday 00:00 PDT
    assert sunday.is_open(utc(2026, 11, 2, 7, 59)) is True  # Sunday 23:59 PST, 25 hours later
    assert sunday.is_open(utc(2026, 11, 2, 8, 0)) is False  # Monday 00:00 PST


def test_next_opening_on_the_spring_forward_day_has_the_summer_offset() -> None:
    opening = hours(schedule("SU")).next_opening(la(2026, 3, 7, 20))
    assert opening == la(2026, 3, 8, 9)
    assert opening is not None and opening.utcoffset() == timedelta(hours=-7)


# Timezones


def test_schedule_in_new_york_is_evaluated_in_new_york_time_when_asked_in_utc() -> None:
    new_york = hours(schedule(tzid="America/New_York"))
    assert new_york.is_open(utc(2026, 7, 6, 13, 30)) is True  # 09:30 EDT (06:30 in Los Angeles)
    assert new_york.is_open(utc(2026, 7, 6, 12, 30)) is False  # 08:30 EDT
    assert new_york.is_open(utc(2026, 7, 6, 21, 30)) is False  # 17:30 EDT
    assert new_york.is_open(utc(2026, 1, 5, 14, 30)) is True  # 09:30 EST
    assert new_york.is_open(utc(2026, 1, 5, 13, 30)) is False  # 08:30 EST


def test_next_opening_is_given_in_the_schedules_timezone() -> None:
    opening = hours(schedule(tzid="America/New_York")).next_opening(utc(2026, 6, 6, 12))
    assert opening == datetime(2026, 6, 8, 9, tzinfo=NY)
    assert opening is not None and opening.tzinfo == NY


# Monthly rules


def test_monthly_first_monday() -> None:
    first_monday = hours(schedule("1MO", "10:00", "12:00", freq="MONTHLY"))
    assert first_monday.is_open(la(2026, 6, 1, 11)) is True
    assert first_monday.is_open(la(2026, 6, 8, 11)) is False
    assert first_monday.is_open(la(2026, 7, 6, 11)) is True


def test_monthly_last_friday() -> None:
    last_friday = hours(schedule("-1FR", "10:00", "12:00", freq="MONTHLY"))
    assert last_friday.is_open(la(2026, 6, 26, 11)) is True
    assert last_friday.is_open(la(2026, 6, 19, 11)) is False
    assert last_friday.is_open(la(2026, 5, 29, 11)) is True


def test_monthly_by_day_of_month_including_the_last_day() -> None:
    first_and_fifteenth = hours(schedule(None, freq="MONTHLY", bymonthday="1,15"))
    assert first_and_fifteenth.is_open(la(2026, 6, 15, 10)) is True
    assert first_and_fifteenth.is_open(la(2026, 6, 16, 10)) is False
    last_day = hours(schedule(None, freq="MONTHLY", bymonthday="-1"))
    assert last_day.is_open(la(2026, 2, 28, 10)) is True
    assert last_day.is_open(la(2026, 2, 27, 10)) is False


def test_every_other_week_counts_from_dtstart() -> None:
    fortnightly = hours(schedule("MO", interval=2.0, dtstart="2026-06-01"))
    assert [fortnightly.is_open(la(2026, 6, d, 10)) for d in (1, 8, 15, 22)] == [True, False, True, False]
    assert fortnightly.is_open(la(2026, 5, 18, 10)) is False  # before dtstart


def test_every_other_week_counts_calendar_weeks_from_the_week_of_dtstart() -> None:
    fortnightly = hours(schedule("MO,WE", interval=2, dtstart="2026-06-03"))  # a Wednesday
    assert [fortnightly.is_open(la(2026, 6, d, 10)) for d in (1, 3, 8, 10, 15, 17)] == [
        False,  # before dtstart
        True,
        False,
        False,
        True,  # the Monday two weeks after the week of dtstart
        True,
    ]


def test_monthly_interval_counts_months_from_dtstart() -> None:
    bimonthly = hours(schedule(None, freq="MONTHLY", bymonthday="15", interval=2, dtstart="2026-01-15"))
    assert [bimonthly.is_open(la(2026, month, 15, 10)) for month in (1, 2, 3, 4, 5)] == [True, False, True, False, True]
    every_fifth = hours(schedule(None, freq="MONTHLY", bymonthday="15", interval=5, dtstart="2026-01-15"))
    months = ((2026, 6), (2026, 11), (2027, 3), (2027, 4))  # counting carries across the new year
    assert [every_fifth.is_open(la(year, month, 15, 10)) for year, month in months] == [True, True, False, True]


# Dates a schedule applies


def test_valid_from_and_valid_to_bound_a_schedule_inclusively() -> None:
    summer_saturdays = hours(schedule("SA", valid_from="2026-06-06", valid_to="2026-08-29"))
    assert summer_saturdays.is_open(la(2026, 5, 30, 10)) is False
    assert summer_saturdays.is_open(la(2026, 6, 6, 10)) is True
    assert summer_saturdays.is_open(la(2026, 8, 29, 10)) is True
    assert summer_saturdays.is_open(la(2026, 9, 5, 10)) is False


def test_dtstart_and_until_bound_a_schedule() -> None:
    june = hours(schedule("MO", dtstart="2026-06-08", until="2026-06-29T23:59:59"))
    assert [june.is_open(la(2026, 6, d, 10)) for d in (1, 8, 29)] == [False, True, True]
    assert june.is_open(la(2026, 7, 6, 10)) is False


# Closures


def test_closure_overrides_hours_and_gives_its_reason() -> None:
    thanksgiving = hours(schedule(), closure("2026-11-26", "2026-11-27", "Closed for Thanksgiving"))
    assert thanksgiving.is_open(la(2026, 11, 25, 10)) is True
    assert thanksgiving.is_open(la(2026, 11, 26, 10)) is False
    assert thanksgiving.is_open(la(2026, 11, 27, 10)) is False
    assert thanksgiving.closures_on(date(2026, 11, 26)) == ["Closed for Thanksgiving"]
    assert thanksgiving.closures_on(date(2026, 11, 25)) == []


def test_week_shows_a_closure_as_a_note_without_hours() -> None:
    week = hours(schedule(), closure("2026-11-26", description="Closed for Thanksgiving")).week(date(2026, 11, 23))
    assert week[2] == DayHours(date(2026, 11, 25), [(time(9), time(17))], None)
    assert week[3] == DayHours(date(2026, 11, 26), [], "Closed for Thanksgiving")
    assert week[4].hours == [(time(9), time(17))]  # without valid_to a closure is one day


def test_closure_overrides_24_7_hours_for_the_day_but_not_the_24_7_flag() -> None:
    always = hours(schedule(EVERY_DAY, "00:00:00", "23:59:59"), closure("2026-12-25", description="Christmas"))
    assert always.is_open(la(2026, 12, 25, 12)) is False
    assert always.is_open(la(2026, 12, 26, 0, 1)) is True
    assert always.open_24_7 is True


def test_closure_cancels_the_night_that_starts_on_it_not_the_one_ending_on_it() -> None:
    nightly = hours(schedule(EVERY_DAY, "19:00", "07:00"), closure("2026-11-26", description="Thanksgiving"))
    assert nightly.is_open(la(2026, 11, 26, 3)) is True  # Wednesday night's stay runs until morning
    assert nightly.is_open(la(2026, 11, 26, 20)) is False
    assert nightly.is_open(la(2026, 11, 27, 3)) is False


def test_closure_reason_falls_back_to_notes_then_closed() -> None:
    noted = hours(schedule(), {"valid_from": "2026-07-03", "notes": "Staff training"}, closure("2026-07-04"))
    assert noted.closures_on(date(2026, 7, 3)) == ["Staff training"]
    assert noted.closures_on(date(2026, 7, 4)) == ["Closed"]


def test_a_row_without_times_but_with_days_is_not_a_closure() -> None:
    saturdays = {"byday": "SA", "valid_from": "2026-06-01", "description": "Closed Saturdays"}
    assert hours(schedule(), saturdays).is_open(la(2026, 6, 1, 10)) is True


def test_schedule_without_times_or_dates_is_only_descriptive() -> None:
    assert hours({"description": "Call for hours"}).is_open(la(2026, 6, 1, 10)) is None
    with_hours = hours(schedule(), {"description": "Closed on holidays"})
    assert with_hours.is_open(la(2026, 6, 1, 10)) is True
    assert with_hours.closures_on(date(2026, 6, 1)) == []


# Next opening


def test_next_opening_skips_the_weekend() -> None:
    assert hours(schedule()).next_opening(la(2026, 6, 5, 17, 30)) == la(2026, 6, 8, 9)


def test_next_opening_skips_a_closure() -> None:
    thanksgiving = hours(schedule(), closure("2026-11-26", "2026-11-27", "Closed for Thanksgiving"))
    assert thanksgiving.next_opening(la(2026, 11, 25, 18)) == la(2026, 11, 30, 9)


def test_next_opening_when_open_is_the_moment_asked() -> None:
    assert hours(schedule()).next_opening(la(2026, 6, 1, 10)) == la(2026, 6, 1, 10)


def test_next_opening_later_than_14_days_is_none() -> None:
    first_monday = hours(schedule("1MO", freq="MONTHLY"))
    assert first_monday.next_opening(la(2026, 6, 2)) is None
    assert first_monday.next_opening(la(2026, 6, 23)) == la(2026, 7, 6, 9)


def test_next_opening_after_a_schedule_ended_is_none() -> None:
    assert hours(schedule(valid_to="2026-05-31")).next_opening(la(2026, 6, 1)) is None


# Unknown and malformed


def test_no_schedules_means_unknown() -> None:
    unknown = hours()
    assert unknown.is_open(la(2026, 6, 1, 10)) is None
    assert unknown.next_opening(la(2026, 6, 1, 10)) is None
    assert unknown.open_24_7 is False
    assert unknown.week(date(2026, 6, 1)) == [DayHours(date(2026, 6, d), [], None) for d in range(1, 8)]


def test_malformed_schedules_are_ignored_without_raising() -> None:
    for row in (
        schedule(opens="25:00"),
        schedule(closes="soon"),
        schedule("XX"),
        schedule(freq="YEARLY"),
        schedule(None, freq="MONTHLY"),
        schedule(None, freq="MONTHLY", bymonthday="first"),
    ):
        assert hours(row).is_open(la(2026, 6, 1, 10)) is None, row


def test_malformed_optional_values_fall_back_to_defaults() -> None:
    sloppy = hours(schedule(tzid="Mars/Olympus", interval="often", dtstart="2026-06-01", valid_to="never"))
    assert sloppy.is_open(la(2026, 6, 8, 10)) is True


def test_a_row_with_unreadable_times_is_not_a_closure() -> None:
    assert hours(schedule(), {"opens_at": "9ish", "valid_from": "2026-06-01"}).is_open(la(2026, 6, 1, 10)) is True


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        hours(schedule()).is_open(datetime(2026, 6, 1, 10))


# Properties

ZONES = st.sampled_from([LA, NY, ZoneInfo("Europe/London"), ZoneInfo("UTC")])
INSTANTS = st.datetimes(datetime(2026, 1, 1), datetime(2027, 12, 31), timezones=st.just(UTC))


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


@st.composite
def weekly_schedules(draw: st.DrawFn) -> dict[str, Any]:
    days = draw(st.sets(st.sampled_from(WEEKDAYS), min_size=1))
    opens, closes = draw(st.integers(0, 1439)), draw(st.integers(0, 1439))
    zone = draw(st.sampled_from(["America/Los_Angeles", "America/New_York", "Europe/London"]))
    return schedule(",".join(d for d in WEEKDAYS if d in days), clock(opens), clock(closes), tzid=zone)


@given(st.data(), st.lists(weekly_schedules(), min_size=1, max_size=3), INSTANTS)
def test_the_next_opening_is_open_and_it_is_closed_until_then(
    data: st.DataObject, rows: list[dict[str, Any]], after: datetime
) -> None:
    closed = data.draw(st.lists(st.integers(-1, 10), max_size=2))
    closures = [closure((after.date() + timedelta(days=n)).isoformat(), description="holiday") for n in closed]
    service = hours(*rows, *closures)
    opening = service.next_opening(after)
    fraction = data.draw(st.floats(0, 1, exclude_max=True))
    if opening is None:
        assert service.is_open(after + timedelta(days=14) * fraction) is False
    else:
        assert opening >= after
        assert service.is_open(opening) is True
        before = after + (opening - after) * fraction
        assert before >= opening or service.is_open(before) is False


@given(
    st.dates(date(2026, 1, 1), date(2027, 12, 31)),
    st.integers(12 * 60, 1439),
    st.integers(0, 12 * 60 - 1),
    ZONES,
)
@example(date(2026, 3, 7), 19 * 60, 7 * 60, LA)
@example(date(2026, 10, 31), 19 * 60, 7 * 60, LA)
def test_an_overnight_schedule_is_open_every_minute_from_open_to_close(
    day: date, opens: int, closes: int, zone: ZoneInfo
) -> None:
    nightly = hours(schedule(WEEKDAYS[day.weekday()], clock(opens), clock(closes), tzid=str(zone)))
    start = datetime.combine(day, time(opens // 60, opens % 60), zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(closes // 60, closes % 60), zone).astimezone(UTC)
    minutes = int((end - start).total_seconds() // 60)
    assert all(nightly.is_open(start + timedelta(minutes=m)) for m in range(minutes))
    assert nightly.is_open(end) is False
    assert nightly.is_open(start - timedelta(minutes=1)) is False


@given(st.lists(weekly_schedules(), min_size=1, max_size=3), st.dates(date(2026, 1, 1), date(2027, 12, 31)))
def test_a_closure_empties_the_day_in_week_and_no_opening_starts_on_it(rows: list[dict[str, Any]], day: date) -> None:
    service = hours(*rows, closure(day.isoformat(), description="Closed for inventory"))
    assert service.week(day)[0] == DayHours(day, [], "Closed for inventory")
    for row in rows:
        zone = ZoneInfo(row["tzid"])
        opens = datetime.combine(day, time.fromisoformat(row["opens_at"]), zone)
        assert service.is_open(opens) is False or service.is_open(opens - timedelta(seconds=1)) is True


def test_weekly_spans_are_seconds_from_monday_midnight_split_at_the_end_of_the_week() -> None:
    nightly = hours(schedule("SU", "19:00:00", "07:00:00", tzid="America/New_York"), schedule("MO", closes="23:59:59"))
    assert nightly.weekly_spans() == [
        ("America/New_York", 6 * DAY + 19 * 3600, WEEK),
        ("America/New_York", 0, 7 * 3600),
        (None, 9 * 3600, DAY),  # no tzid: the default zone, whichever is configured when searching
    ]


def test_hours_with_closures_dates_or_monthly_rules_have_no_weekly_spans() -> None:
    assert hours(schedule(), closure("2026-11-26")).weekly_spans() is None
    assert hours(schedule(valid_from="2026-06-01")).weekly_spans() is None
    assert hours(schedule("1MO", freq="MONTHLY")).weekly_spans() is None
    assert hours(schedule(interval="2", dtstart="2026-06-01")).weekly_spans() is None
    assert hours().weekly_spans() == []


def test_week_second_reads_the_zones_wall_clock() -> None:
    monday_nine_in_new_york = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    assert week_second(monday_nine_in_new_york, NY) == 9 * 3600
    assert week_second(monday_nine_in_new_york, LA) == 6 * 3600


def _same_offset_all_day(at: datetime, zones: list[ZoneInfo]) -> bool:
    return all(
        (at - timedelta(days=1)).astimezone(z).utcoffset() == (at + timedelta(days=1)).astimezone(z).utcoffset()
        for z in zones
    )


@given(st.lists(weekly_schedules(), min_size=1, max_size=3), INSTANTS)
def test_weekly_spans_hold_exactly_when_the_hours_are_open(rows: list[dict[str, Any]], at: datetime) -> None:
    """What search tests in SQL is what ``is_open`` answers, away from the hour the clocks change (where a wall
    clock reads an hour twice or not at all)."""
    zones = [ZoneInfo(row["tzid"]) for row in rows]
    assume(_same_offset_all_day(at, zones))
    weekly = hours(*rows)
    spans = weekly.weekly_spans()
    assert spans is not None
    held = any(
        opens <= week_second(at, ZoneInfo(zone or "America/Los_Angeles")) < closes for zone, opens, closes in spans
    )
    assert held is weekly.is_open(at)
