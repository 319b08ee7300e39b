"""Rule-based VTIMEZONE components derived from the IANA database (zoneinfo).

icalendar's own generated zones (``Timezone.from_tzid`` / ``add_missing_timezones``) list every transition
in one comma-separated RDATE; ical.js and vobject read only the first value, so summer times come out an
hour off.
Google, Apple and Thunderbird instead write one STANDARD and one DAYLIGHT block, each with a yearly RRULE
(``FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU``) starting in 1970. This module writes that shape, derives the rule from
zoneinfo and checks that the rule reproduces zoneinfo's transitions before trusting it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar

from hhevents import clock

__all__ = ["UnsupportedTimezoneError", "vtimezone"]

# Verification span: every transition in these years must follow the derived rule. 2037 is the last year the
# compiled tzdata lists explicitly; zoneinfo extrapolates later years from the same POSIX rule anyway.
VERIFY_YEARS = range(2000, 2038)
_RULE_EPOCH = 1970  # clients expect DTSTART in 1970, as Google/Apple/Thunderbird write it
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


class UnsupportedTimezoneError(ValueError):
    """The zone's transitions cannot be written as one yearly BYMONTH/BYDAY rule per direction."""


@dataclass(frozen=True)
class _Transition:
    at: datetime  # UTC instant
    offset_from: timedelta
    offset_to: timedelta
    name: str  # abbreviation after the transition, e.g. "CEST"

    @property
    def local(self) -> datetime:
        """Wall-clock time of the transition in the old offset: what a VTIMEZONE DTSTART states."""
        return (self.at + self.offset_from).replace(tzinfo=None)


@dataclass(frozen=True)
class _Rule:
    month: int
    nth: int  # 1..4 or -1 (last)
    weekday: int  # 0 = Monday
    at: time  # local wall-clock time in offset_from
    offset_from: timedelta
    offset_to: timedelta
    name: str

    def local_in(self, year: int) -> datetime:
        return datetime.combine(_nth_weekday(year, self.month, self.weekday, self.nth), self.at)

    def utc_in(self, year: int) -> datetime:
        return (self.local_in(year) - self.offset_from).replace(tzinfo=UTC)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    days = calendar.monthrange(year, month)[1]
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
    last = date(year, month, days)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _transitions(zone: ZoneInfo, year: int) -> list[_Transition]:
    """Every offset change in ``year`` (UTC), found by a daily scan and a bisection to the second."""
    found: list[_Transition] = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = day.astimezone(zone).utcoffset()
    while day < end:
        nxt = day + timedelta(days=1)
        after = nxt.astimezone(zone).utcoffset()
        if after != before:
            lo, hi = day, nxt  # offset(lo) == before, offset(hi) == after
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if mid.astimezone(zone).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            assert before is not None and after is not None
            found.append(_Transition(hi, before, after, hi.astimezone(zone).tzname() or ""))
        before, day = after, nxt
    return found


def _candidate_rules(tr: _Transition) -> list[_Rule]:
    local = tr.local
    days = calendar.monthrange(local.year, local.month)[1]
    nths = []
    if local.day + 7 > days:
        nths.append(-1)  # "last" first: a last-Sunday rule also looks like "4th Sunday" in some years
    if local.day <= 28:
        nths.append((local.day - 1) // 7 + 1)
    return [
        _Rule(local.month, n, local.weekday(), local.time(), tr.offset_from, tr.offset_to, tr.name)
        for n in nths
    ]


def _matches(rule: _Rule, tr: _Transition) -> bool:
    return (
        rule.utc_in(tr.at.year) == tr.at
        and rule.offset_from == tr.offset_from
        and rule.offset_to == tr.offset_to
        and rule.name == tr.name
    )


@lru_cache(maxsize=64)
def _derive(tzid: str, year: int, verify: tuple[int, ...]) -> tuple[timedelta, str, tuple[_Rule, ...]]:
    """(standard offset, standard name, rules); no rules for a zone without DST in ``year``."""
    zone = ZoneInfo(tzid)
    current = _transitions(zone, year)
    if not current:
        probe = datetime(year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset, name = probe.utcoffset(), probe.tzname() or ""
        for y in verify:
            if _transitions(zone, y):
                raise UnsupportedTimezoneError(
                    f"{tzid}: no DST in {year} but the offset changes in {y}; "
                    "a fixed VTIMEZONE would be wrong there"
                )
        assert offset is not None
        return offset, name, ()
    if len(current) != 2:
        raise UnsupportedTimezoneError(f"{tzid}: {len(current)} offset changes in {year}; expected 0 or 2")

    per_year = {y: _transitions(zone, y) for y in verify}
    rules: list[_Rule] = []
    for tr in current:
        for rule in _candidate_rules(tr):
            if all(sum(_matches(rule, t) for t in per_year[y]) == 1 for y in verify):
                rules.append(rule)
                break
        else:
            raise UnsupportedTimezoneError(
                f"{tzid}: the change at {tr.local:%Y-%m-%d %H:%M} local is not the same BYMONTH/BYDAY rule "
                f"in every year {verify[0]}..{verify[-1]} (pass a narrower verify= span if only recent years "
                "matter)"
            )
    for y in verify:
        if len(per_year[y]) != len(rules):
            raise UnsupportedTimezoneError(
                f"{tzid}: {len(per_year[y])} offset changes in {y}, the rule has {len(rules)}"
            )
    standard = min(rules, key=lambda r: r.offset_to)
    return standard.offset_to, standard.name, tuple(sorted(rules, key=lambda r: r.month))


def _offset_ical(offset: timedelta) -> icalendar.prop.vUTCOffset:
    return icalendar.prop.vUTCOffset(offset)


def vtimezone(tzid: str, *, year: int | None = None, verify: range = VERIFY_YEARS) -> icalendar.Timezone:
    """A VTIMEZONE for IANA zone ``tzid`` with one yearly RRULE per transition direction.

    The rule is read from ``year``'s transitions (default: the current year) and must reproduce zoneinfo's
    transitions in every year of ``verify``; otherwise :class:`UnsupportedTimezoneError` is raised (zones
    whose rule changed inside the span, such as the US zones in 2007, need a narrower ``verify``). A zone
    without DST gets a single STANDARD block.
    """
    std_offset, std_name, rules = _derive(tzid, year or clock.now().year, tuple(verify))
    tz = icalendar.Timezone()
    tz.add("tzid", tzid)
    tz.add("x-lic-location", tzid)
    if not rules:
        sub = icalendar.TimezoneStandard()
        sub.add("dtstart", datetime(_RULE_EPOCH, 1, 1))
        sub.add("tzoffsetfrom", _offset_ical(std_offset))
        sub.add("tzoffsetto", _offset_ical(std_offset))
        sub.add("tzname", std_name)
        tz.add_component(sub)
        return tz
    for rule in rules:
        sub = icalendar.TimezoneStandard() if rule.offset_to == std_offset else icalendar.TimezoneDaylight()
        # DTSTART is the rule's first occurrence in 1970, so clients that expand from DTSTART agree with it.
        sub.add("dtstart", rule.local_in(_RULE_EPOCH))
        sub.add(
            "rrule",
            {"freq": "YEARLY", "bymonth": rule.month, "byday": f"{rule.nth}{_WEEKDAYS[rule.weekday]}"},
        )
        sub.add("tzoffsetfrom", _offset_ical(rule.offset_from))
        sub.add("tzoffsetto", _offset_ical(rule.offset_to))
        sub.add("tzname", rule.name)
        tz.add_component(sub)
    return tz
