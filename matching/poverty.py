"""Income as a percent of the HHS poverty guideline, for eligibility rules written as "% of poverty at most X".

The guidelines are the annual HHS figures (not the Census poverty thresholds): one table for the 48 contiguous states
and DC, one for Alaska and one for Hawaii, each a base for one person plus a fixed amount for every further person.
A year's table applies from the day HHS made it effective until the next one does. Programmes that keep using an
older year (the ACA Marketplace uses the previous year's table for a coverage year) ask for that year with
``guideline``; nothing here rounds the percent, because programmes round differently and compare with "at most".

Money is integer cents or Decimal dollars, never float.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

import msgspec

from matching.errors import Invalid


class Region(StrEnum):
    CONTIGUOUS = "48-states-and-dc"
    ALASKA = "alaska"
    HAWAII = "hawaii"


@dataclass(frozen=True)
class Table:
    """One year's guidelines in whole dollars: ``base`` for one person, ``increment`` for each further person."""

    effective: date
    base: dict[Region, int]
    increment: dict[Region, int]


# 2025: 90 FR 5917 (FR Doc 2025-01377), effective 15 January 2025.
# 2026: 91 FR 1797 (FR Doc 2026-00755), effective 13 January 2026; figures as on the ASPE poverty guidelines page.
TABLES = {
    2025: Table(
        effective=date(2025, 1, 15),
        base={Region.CONTIGUOUS: 15_650, Region.ALASKA: 19_550, Region.HAWAII: 17_990},
        increment={Region.CONTIGUOUS: 5_500, Region.ALASKA: 6_880, Region.HAWAII: 6_330},
    ),
    2026: Table(
        effective=date(2026, 1, 13),
        base={Region.CONTIGUOUS: 15_960, Region.ALASKA: 19_950, Region.HAWAII: 18_360},
        increment={Region.CONTIGUOUS: 5_680, Region.ALASKA: 7_100, Region.HAWAII: 6_530},
    ),
}

# USPS codes of the 48 contiguous states and DC. HHS defines no guideline for Puerto Rico or the other territories:
# the programme serving them decides which table applies, so they are refused rather than guessed.
# fmt: off
CONTIGUOUS_STATES = frozenset({
    "AL", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "ID", "IL", "IN", "IA", "KS", "KY", "LA",
    "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
})
# fmt: on


class PovertyLevel(msgspec.Struct, frozen=True, kw_only=True):
    percent: Decimal
    year: int
    region: Region
    household_size: int
    annual_income: Decimal
    annual_guideline: Decimal


def region(state: str) -> Region:
    """The guideline table for a US state or DC, by its two-letter code."""
    code = state.strip().upper()
    if code == "AK":
        return Region.ALASKA
    if code == "HI":
        return Region.HAWAII
    if code in CONTIGUOUS_STATES:
        return Region.CONTIGUOUS
    raise Invalid("state", f"{state!r} is not a US state or DC; HHS poverty guidelines are defined only for those")


def year_in_effect(on: date) -> int:
    """The year of the guideline table in effect on a day: the latest one made effective on or before it."""
    years = [year for year, table in TABLES.items() if table.effective <= on]
    if not years:
        first = min(table.effective for table in TABLES.values())
        raise Invalid("on", f"Waypost has no poverty guidelines for {on}; the first table it has starts on {first}")
    return max(years)


def guideline(year: int, household_size: int, area: Region) -> Decimal:
    """The annual poverty guideline in dollars for a household of ``household_size`` people."""
    table = TABLES.get(year)
    if table is None:
        raise Invalid("year", f"Waypost has poverty guidelines for {', '.join(map(str, TABLES))}, not {year}")
    if isinstance(household_size, bool) or not isinstance(household_size, int) or household_size < 1:
        raise Invalid("household_size", "must be a whole number of people, 1 or more")
    return Decimal(table.base[area] + table.increment[area] * (household_size - 1))


def percent_of_poverty(monthly_income: int | Decimal, household_size: int, on: date, state: str) -> PovertyLevel:
    """Household income as a percent of the guideline in effect ``on`` a day in ``state``, unrounded.

    ``monthly_income`` is integer cents (``250_000`` is $2,500.00) or a Decimal amount of dollars
    (``Decimal("2500.00")``); the year's income is twelve months of it.
    """
    if isinstance(monthly_income, bool) or not isinstance(monthly_income, int | Decimal):
        raise Invalid("monthly_income", "must be integer cents or a Decimal amount of dollars, never a float")
    dollars = Decimal(monthly_income) / 100 if isinstance(monthly_income, int) else monthly_income
    if not dollars.is_finite() or dollars < 0:
        raise Invalid("monthly_income", "must be 0 or more")
    area = region(state)
    year = year_in_effect(on)
    annual_guideline = guideline(year, household_size, area)
    annual_income = dollars * 12
    return PovertyLevel(
        percent=annual_income * 100 / annual_guideline,
        year=year,
        region=area,
        household_size=household_size,
        annual_income=annual_income,
        annual_guideline=annual_guideline,
    )
