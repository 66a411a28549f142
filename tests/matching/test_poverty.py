"""Percent of the HHS poverty guideline, checked against the published 2025 and 2026 tables."""

from datetime import date
from decimal import Decimal

import pytest

from matching import poverty
from matching.errors import Invalid
from matching.poverty import Region

CONTIGUOUS, ALASKA, HAWAII = Region.CONTIGUOUS, Region.ALASKA, Region.HAWAII


@pytest.mark.parametrize(
    ("year", "area", "size", "dollars"),
    [
        # 2025, 90 FR 5917: sizes 1, 4 and 8 as published; 9 is 8 plus the published increment.
        (2025, CONTIGUOUS, 1, 15_650),
        (2025, CONTIGUOUS, 4, 32_150),
        (2025, CONTIGUOUS, 8, 54_150),
        (2025, CONTIGUOUS, 9, 54_150 + 5_500),
        (2025, ALASKA, 1, 19_550),
        (2025, ALASKA, 4, 40_190),
        (2025, ALASKA, 8, 67_710),
        (2025, ALASKA, 9, 67_710 + 6_880),
        (2025, HAWAII, 1, 17_990),
        (2025, HAWAII, 4, 36_980),
        (2025, HAWAII, 8, 62_300),
        (2025, HAWAII, 9, 62_300 + 6_330),
        # 2026, 91 FR 1797.
        (2026, CONTIGUOUS, 1, 15_960),
        (2026, CONTIGUOUS, 4, 33_000),
        (2026, CONTIGUOUS, 8, 55_720),
        (2026, CONTIGUOUS, 9, 55_720 + 5_680),
        (2026, ALASKA, 1, 19_950),
        (2026, ALASKA, 4, 41_250),
        (2026, ALASKA, 8, 69_650),
        (2026, ALASKA, 9, 69_650 + 7_100),
        (2026, HAWAII, 1, 18_360),
        (2026, HAWAII, 4, 37_950),
        (2026, HAWAII, 8, 64_070),
        (2026, HAWAII, 9, 64_070 + 6_530),
    ],
)
def test_guidelines_are_the_published_figures(year: int, area: Region, size: int, dollars: int) -> None:
    assert poverty.guideline(year, size, area) == dollars


def test_each_person_beyond_eight_adds_the_increment() -> None:
    assert poverty.guideline(2026, 12, CONTIGUOUS) == 55_720 + 4 * 5_680


@pytest.mark.parametrize(
    ("on", "year"),
    [
        (date(2025, 1, 15), 2025),
        (date(2026, 1, 12), 2025),
        (date(2026, 1, 13), 2026),
        (date(2027, 6, 1), 2026),
    ],
)
def test_the_table_in_effect_is_chosen_by_its_effective_date(on: date, year: int) -> None:
    assert poverty.year_in_effect(on) == year


def test_there_is_no_table_before_the_first_effective_date() -> None:
    with pytest.raises(Invalid) as caught:
        poverty.year_in_effect(date(2025, 1, 14))
    assert caught.value.field == "on"


def test_income_at_the_guideline_is_100_percent_in_cents_or_dollars() -> None:
    in_cents = poverty.percent_of_poverty(133_000, 1, date(2026, 3, 1), "OR")
    in_dollars = poverty.percent_of_poverty(Decimal("1330.00"), 1, date(2026, 3, 1), "OR")
    assert in_cents.percent == in_dollars.percent == 100
    assert (in_cents.year, in_cents.region, in_cents.annual_guideline) == (2026, CONTIGUOUS, 15_960)
    assert in_cents.annual_income == Decimal("15960")


def test_twice_the_guideline_is_200_percent() -> None:
    assert poverty.percent_of_poverty(Decimal("5500"), 4, date(2026, 2, 1), "WA").percent == 200


@pytest.mark.parametrize(
    ("state", "monthly", "size", "area"),
    [("AK", Decimal("3437.50"), 4, ALASKA), ("hi", Decimal("1530"), 1, HAWAII), ("DC", Decimal("2750"), 4, CONTIGUOUS)],
)
def test_alaska_and_hawaii_have_their_own_tables(state: str, monthly: Decimal, size: int, area: Region) -> None:
    level = poverty.percent_of_poverty(monthly, size, date(2026, 6, 30), state)
    assert (level.percent, level.region) == (100, area)


def test_the_percent_is_not_rounded() -> None:
    # 2025, household of 4: $32,150 a year is $2,679.1666... a month.
    below = poverty.percent_of_poverty(Decimal("2679.16"), 4, date(2025, 6, 1), "OR").percent
    above = poverty.percent_of_poverty(Decimal("2679.17"), 4, date(2025, 6, 1), "OR").percent
    assert below < 100 < above


def test_138_percent_is_exact_for_a_medicaid_comparison() -> None:
    # 138% of $15,960 is $22,024.80 a year: $1,835.40 a month.
    assert poverty.percent_of_poverty(183_540, 1, date(2026, 2, 1), "OR").percent == 138
    assert poverty.percent_of_poverty(183_541, 1, date(2026, 2, 1), "OR").percent > 138


def test_the_same_income_is_a_lower_percent_after_the_new_table_takes_effect() -> None:
    before = poverty.percent_of_poverty(Decimal("2000"), 2, date(2026, 1, 12), "OR")
    after = poverty.percent_of_poverty(Decimal("2000"), 2, date(2026, 1, 13), "OR")
    assert (before.year, after.year) == (2025, 2026)
    assert after.percent < before.percent


@pytest.mark.parametrize(
    ("income", "size", "state", "field"),
    [
        (1330.0, 1, "OR", "monthly_income"),
        (True, 1, "OR", "monthly_income"),
        (-1, 1, "OR", "monthly_income"),
        (Decimal("NaN"), 1, "OR", "monthly_income"),
        (100_000, 0, "OR", "household_size"),
        (100_000, 2.0, "OR", "household_size"),
        (100_000, 1, "PR", "state"),
        (100_000, 1, "Oregon", "state"),
    ],
)
def test_bad_input_is_refused_naming_the_field(income: object, size: object, state: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        poverty.percent_of_poverty(income, size, date(2026, 2, 1), state)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_unknown_year_is_refused() -> None:
    with pytest.raises(Invalid, match="2024"):
        poverty.guideline(2024, 1, CONTIGUOUS)
