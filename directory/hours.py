"""Opening hours from HSDS schedules: open now, open at a time, the next opening, a week's hours, and closures.

Pure logic over schedule rows as stored (docs/vocabularies.md is the contract). Each schedule's times are wall-clock
times in its own ``tzid``; every comparison happens in UTC, because Python compares two datetimes that share a
tzinfo by their wall clocks, which is wrong across a daylight-saving change.

Conventions beyond the contract:

- An opening belongs to the local date it starts on: ``byday: TU``, 19:00 to 07:00 is Tuesday 19:00 to Wednesday
  07:00. ``closes_at`` equal to ``opens_at`` is a 24-hour opening; ``closes_at`` 23:59:59 runs to midnight.
- A closure is a schedule with neither ``opens_at`` nor ``closes_at`` nor ``byday``/``bymonthday``, and with a
  ``valid_from`` date (``valid_to`` inclusive, default the same day). It cancels every opening that starts on those
  dates, whatever the schedule; its ``description`` (else ``notes``) is the reason. A schedule with neither times nor
  dates is descriptive only.
- Rows with unreadable values are skipped rather than guessed at: a wrong "open now" is worse than "unknown".
  ``count`` is not supported and is ignored.
"""

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
LOOKAHEAD = timedelta(days=14)
DAY = 86_400  # seconds
WEEK = 7 * DAY

_TIME = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")
_BYDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")
_END_OF_DAY = time(23, 59, 59)

T = TypeVar("T")


@dataclass(frozen=True)
class DayHours:
    """One local day for display. ``hours`` are (opens, closes) as published; an overnight span closes next day."""

    day: date
    hours: list[tuple[time, time]]
    closed_note: str | None  # the closure reasons, when a closure applies to this day


@dataclass(frozen=True)
class _Rule:
    """One schedule with hours: when it recurs and the span it opens on each of those days."""

    zone: ZoneInfo
    named_zone: str | None  # the schedule's own tzid; None when the default zone applies
    opens: time
    closes: time
    weekdays: frozenset[tuple[int, int]]  # (ordinal within the month, 0 = any; weekday, 0 = Monday)
    monthdays: frozenset[int]  # negative counts from the month's end
    monthly: bool
    interval: int
    anchor: date | None  # dtstart: where the interval counts from
    wkst: int
    first: date
    last: date

    def occurs(self, day: date) -> bool:
        if not self.first <= day <= self.last:
            return False
        if self.interval > 1 and self.anchor is not None and self._periods_since_anchor(day) % self.interval:
            return False
        if self.weekdays and not any(_is_nth_weekday(day, n, wd) for n, wd in self.weekdays):
            return False
        month_length = _month_length(day)
        return not self.monthdays or any(md in (day.day, day.day - month_length - 1) for md in self.monthdays)

    def _periods_since_anchor(self, day: date) -> int:
        assert self.anchor is not None
        if self.monthly:
            return (day.year - self.anchor.year) * 12 + day.month - self.anchor.month
        # RFC 5545 counts weeks from the week (starting on wkst) that holds dtstart.
        week_start = self.anchor - timedelta(days=(self.anchor.weekday() - self.wkst) % 7)
        return (day - week_start).days // 7

    def seconds(self) -> tuple[int, int]:
        """Opening and closing as wall-clock seconds from the start day's midnight (closing may be the next day)."""
        opens, closes = _seconds(self.opens), _seconds(self.closes)
        if self.closes == _END_OF_DAY:
            closes = DAY
        elif closes <= opens:
            closes += DAY
        return opens, closes

    def week_spans(self) -> list[tuple[int, int]]:
        """The rule's openings as wall-clock seconds from Monday midnight, were it to recur every week; an opening
        that runs past Sunday midnight is split at it."""
        opens, closes = self.seconds()
        spans = []
        for weekday in sorted({wd for _, wd in self.weekdays} or set(range(7))):
            start, end = weekday * DAY + opens, weekday * DAY + closes
            spans.append((start, min(end, WEEK)))
            if end > WEEK:  # Sunday night into Monday morning
                spans.append((0, end - WEEK))
        return spans

    def span(self, day: date) -> tuple[datetime, datetime]:
        """The opening that starts on ``day``, in UTC. Wall-clock arithmetic, so DST days are 23 or 25 hours."""
        midnight = datetime.combine(day, time(), self.zone)
        opens, closes = self.seconds()
        return (
            (midnight + timedelta(seconds=opens)).astimezone(UTC),
            (midnight + timedelta(seconds=closes)).astimezone(UTC),
        )


@dataclass(frozen=True)
class Closure:
    """Days a schedule says the service is closed (a holiday), with the reason given."""

    first: date
    last: date
    reason: str


@dataclass(frozen=True)
class Hours:
    """A service's hours, built once by ``hours_from_schedules`` and asked many times."""

    rules: tuple[_Rule, ...] = ()
    closures: tuple[Closure, ...] = ()

    def is_open(self, at: datetime) -> bool | None:
        """Whether the service is open at ``at`` (timezone-aware); None when no schedule gives hours."""
        if not self.rules:
            return None
        return any(start <= at < end for _, start, end in self._openings(_aware(at), at))

    def next_opening(self, after: datetime) -> datetime | None:
        """The first moment from ``after`` (itself, when open then) within 14 days that the service is open.

        Given in the timezone of the schedule that opens, for display."""
        after = _aware(after)
        starts = [max(start, after).astimezone(zone) for zone, start, _ in self._openings(after, after + LOOKAHEAD)]
        return min(starts, default=None)

    def week(self, start: date) -> list[DayHours]:
        """Seven local days from ``start``: each day's openings (by the day they start on) and closure notes."""
        days = [start + timedelta(days=offset) for offset in range(7)]
        return [self._day(day) for day in days]

    def closures_on(self, day: date) -> list[str]:
        """Why the service is closed on ``day`` (a local date), from closure schedules; empty if it is not."""
        return [closure.reason for closure in self.closures if closure.first <= day <= closure.last]

    def weekly_spans(self) -> list[tuple[str | None, int, int]] | None:
        """The hours as spans of the week, (zone, opens, closes) in wall-clock seconds from Monday midnight in the
        schedule's zone (None: the default zone), when they are one weekly pattern that holds every week: no
        closures, no dates, no monthly or every-other-week rules. Search tests these spans in SQL; other hours are
        evaluated here. A span that runs past Sunday midnight is split in two. None when the hours are not weekly."""
        if self.closures:
            return None
        spans: list[tuple[str | None, int, int]] = []
        for rule in self.rules:
            if rule.monthly or rule.monthdays or rule.interval > 1 or (rule.first, rule.last) != (date.min, date.max):
                return None
            spans += ((rule.named_zone, start, end) for start, end in rule.week_spans())
        return spans

    @property
    def open_24_7(self) -> bool:
        """Whether the open-ended weekly schedules cover every second of the week (dated closures aside)."""
        spans: list[tuple[int, int]] = []
        for rule in self.rules:
            if not (rule.monthly or rule.monthdays or rule.interval > 1 or rule.last != date.max):
                spans += rule.week_spans()
        covered = 0
        for start, end in sorted(spans):
            if start > covered:
                return False
            covered = max(covered, end)
        return covered >= WEEK

    def _day(self, day: date) -> DayHours:
        reasons = self.closures_on(day)
        hours = [] if reasons else sorted({(rule.opens, rule.closes) for rule in self.rules if rule.occurs(day)})
        return DayHours(day, hours, "; ".join(reasons) or None)

    def _openings(self, lo: datetime, hi: datetime) -> Iterator[tuple[ZoneInfo, datetime, datetime]]:
        """Openings (zone, UTC start, UTC end) that overlap [lo, hi], closures removed."""
        for rule in self.rules:
            # An opening ends at most a day after it starts: one covering lo started on lo's date or the day before.
            day = lo.astimezone(rule.zone).date() - timedelta(days=1)
            last = hi.astimezone(rule.zone).date()
            while day <= last:
                if rule.occurs(day) and not self.closures_on(day):
                    start, end = rule.span(day)
                    if start <= hi and end > lo:
                        yield rule.zone, start, end
                day += timedelta(days=1)


def hours_from_schedules(schedules: Iterable[Mapping[str, Any]], default_timezone: str) -> Hours:
    """Read schedule rows (HSDS fields as stored); ``default_timezone`` applies to rows without a ``tzid``."""
    default = ZoneInfo(default_timezone)
    rules: list[_Rule] = []
    closures: list[Closure] = []
    for row in schedules:
        if not row.get("opens_at") and not row.get("closes_at"):
            closure = _closure(row)
            if closure is not None:
                closures.append(closure)
        else:
            rule = _rule(row, default)
            if rule is not None:
                rules.append(rule)
    return Hours(tuple(rules), tuple(closures))


def _closure(row: Mapping[str, Any]) -> Closure | None:
    first = _date(row.get("valid_from"))
    # Without dates it is a description only; with days ("SA") it likely means "closed Saturdays", which the hours
    # already say, and reading it as "closed on valid_from" would be wrong.
    if first is None or row.get("byday") or row.get("bymonthday"):
        return None
    last = _date(row.get("valid_to")) or first
    reason = _text(row.get("description")) or _text(row.get("notes")) or "Closed"
    return Closure(first, last, reason) if first <= last else None


def _rule(row: Mapping[str, Any], default: ZoneInfo) -> _Rule | None:
    opens, closes = _time(row.get("opens_at")), _time(row.get("closes_at"))
    freq = str(row.get("freq") or "WEEKLY").upper()
    weekdays = _tokens(row.get("byday"), _weekday)
    monthdays = _tokens(row.get("bymonthday"), _monthday)
    if opens is None or closes is None or freq not in ("WEEKLY", "MONTHLY") or weekdays is None or monthdays is None:
        return None
    monthly = freq == "MONTHLY"
    anchor = _date(row.get("dtstart"))
    if not weekdays and not monthdays and anchor is not None:  # RFC 5545: the rule repeats on dtstart's day
        if monthly:
            monthdays = frozenset({anchor.day})
        else:
            weekdays = frozenset({(0, anchor.weekday())})
    if monthly and not weekdays and not monthdays:
        return None
    if not monthly:  # "1MO" means something only within a month
        weekdays = frozenset((0, weekday) for _, weekday in weekdays)
    starts = [d for d in (_date(row.get("valid_from")), anchor) if d is not None]
    ends = [d for d in (_date(row.get("valid_to")), _date(row.get("until"))) if d is not None]
    wkst = row.get("wkst")
    zone = _zone(row.get("tzid"), default)
    return _Rule(
        zone=zone,
        named_zone=zone.key if zone is not default else None,
        opens=opens,
        closes=closes,
        weekdays=weekdays,
        monthdays=monthdays,
        monthly=monthly,
        interval=_interval(row.get("interval")) if anchor is not None else 1,
        anchor=anchor,
        wkst=WEEKDAYS.index(wkst) if wkst in WEEKDAYS else 0,
        first=max(starts, default=date.min),
        last=min(ends, default=date.max),
    )


def _tokens(text: Any, parse: Callable[[str], T | None]) -> frozenset[T] | None:
    """A comma-separated list. Unreadable items are dropped, but a list with none readable makes the row unusable
    (None): reading "XX" as "no restriction" would turn it into every day."""
    if text is None or (isinstance(text, str) and not text.strip()):
        return frozenset()
    items = text.upper().split(",") if isinstance(text, str) else []
    values = frozenset(value for value in (parse(item.strip()) for item in items) if value is not None)
    return values or None


def _weekday(token: str) -> tuple[int, int] | None:
    match = _BYDAY.match(token)
    return (int(match.group(1) or 0), WEEKDAYS.index(match.group(2))) if match else None


def _monthday(token: str) -> int | None:
    try:
        value = int(token)
    except ValueError:
        return None
    return value if 1 <= abs(value) <= 31 else None


def week_second(at: datetime, zone: ZoneInfo) -> int:
    """Where ``at`` falls in its week on the wall clocks of ``zone``: seconds from Monday midnight there."""
    local = _aware(at).astimezone(zone)
    return local.weekday() * DAY + local.hour * 3600 + local.minute * 60 + local.second


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
    return at


def _is_nth_weekday(day: date, n: int, weekday: int) -> bool:
    if day.weekday() != weekday:
        return False
    if n > 0:
        return (day.day - 1) // 7 + 1 == n
    return n == 0 or (_month_length(day) - day.day) // 7 + 1 == -n


def _month_length(day: date) -> int:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if isinstance(value, str) else None  # until may be a date-time
    except ValueError:
        return None


def _time(value: Any) -> time | None:
    match = _TIME.match(value) if isinstance(value, str) else None
    if match is None:
        return None
    hour, minute, second = match.groups()
    try:
        return time(int(hour), int(minute), int(second or 0))
    except ValueError:  # 25:00
        return None


def _zone(name: Any, default: ZoneInfo) -> ZoneInfo:
    try:
        return ZoneInfo(name) if isinstance(name, str) and name else default
    except (KeyError, ValueError, OSError):  # unknown zone, bad key, or a directory such as "America"
        return default


def _interval(value: Any) -> int:
    try:
        return max(int(float(value)), 1)  # numeric HSDS fields may arrive as floats or strings
    except (TypeError, ValueError, OverflowError):
        return 1
