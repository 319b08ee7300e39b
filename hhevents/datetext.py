"""Read the dates that Swedish, Danish and English listings write as text.

API (stable: the normaliser and the Kultunaut, RSS and HTML adapters use it)::

    from hhevents.datetext import DateText, DateTextError, parse_datetext

    when = parse_datetext("Lördag 13 juni kl. 19-21", language="sv", zone="Europe/Stockholm", now=clock.now())
    when.start    # datetime(2026, 6, 13, 19, 0, tzinfo=ZoneInfo("Europe/Stockholm"))  (now in spring 2026)
    when.end      # datetime(2026, 6, 13, 21, 0, tzinfo=...)  (exclusive)
    when.all_day  # False

``parse_datetext(text, *, language, zone, now) -> DateText``

- ``language``: ``"sv"``, ``"da"`` or ``"en"``. Month and weekday names of all three are always understood
  (sites mix them); the language steers only the dateparser fallback (below).
- ``zone``: a ``ZoneInfo`` or an IANA name; times in the text are wall-clock times there.
- ``now``: an aware datetime (pass ``hhevents.clock.now()``). "Today" is its date in ``zone``; it resolves
  ``i dag``/``i morgon`` and dates written without a year.

``DateText`` (frozen dataclass):

- ``start``: a ``date`` when the text names days only, else an aware ``datetime`` in ``zone`` (a wall time
  that the spring-forward gap skips is shown as the time the clocks show, as the normaliser does).
- ``end``: exclusive, or None when the text names no end. For days: the day after the last day
  (``25.–26. februar`` ends on 27 February). For times: the end time; an end time before the start time is
  on the next day (``kl. 22-02``); a range of days with a start time only ends at midnight after its last day.
- ``all_day``: True exactly when ``start`` is a ``date``.

``DateTextError(ValueError)``: the text names no date, or it is ambiguous (several dates, a recurring
"tisdagar", only an end date). ``.text`` is the text and ``.reason`` says why; ``str()`` names both.

How a text is read
------------------
1. A small pre-normaliser lower-cases the text, unifies dashes and spaces, and turns ``i dag``/``idag``/
   ``today``, ``i morgon``/``i morgen``/``tomorrow`` and ``i övermorgon``/``i overmorgen`` into dates.
2. Known shapes are read by regular expressions, each replaced by a token: ISO dates (optionally with
   ``T19:00``), ``kl.``/``klockan``/``klokken`` times and ranges (``kl. 19``, ``kl. 19-21``,
   ``kl. 15.15-16.30``), day-month dates in sv/da/en (``14 juni``, ``d. 27. januar``, ``1:a juni``,
   ``Fre. 14. aug. 2026``, ``14th June``, ``June 14, 2026``), day ranges within a month (``25.–26. februar``,
   ``Fra d. 12. - 30. januar``), numeric dates day-first (``15/12``, ``5/6`` = 5 June, ``14.6.``,
   ``14.06.2026``, ``2026/06/14``), times ``19:00``/``19.00``/``7pm`` and ranges ``19.00–21.00``.
   Weekday names, ``(man)``, ``d.``/``den``, ``fr.o.m.`` and other words around them are ignored.
3. Tokens are grouped around a range separator (``-``, ``–``, ``till``, ``til``, ``to``, ``t.o.m.``,
   ``till och med``, ``til og med``): ``14 juni – 16 augusti``, ``fr.o.m. 14 juni t.o.m. 30 augusti``.
4. A text without any known date shape goes, times removed, to dateparser (day-first, languages
   ``[language, "en"]``, day and month required), which reads other spellings (``14-Jun-2026``). Only
   text with a word goes there: bare numbers ("12 03", "3 x 15") are too easily something else.

dateparser alone misreads most of these (``kl.`` defeats it, ``19.00–21.00`` becomes the year 2100, ``5/6``
is month-first for Swedish, a date without a year may land in 2114): see the probe output in the shared
corpus, ``date-phrases/dateparser_sv_da_probe.out.txt``.

A date without a year is the next one on or after today — except that a date up to :data:`RECENT_DAYS` days
ago stays in this year, because a listing that still shows last week's event must not turn it into next
year's. A weekday written beside such a date picks the year when it fits only another one (of last year to
two years ahead, the nearest to today): "Tirsdag d. 27. januar" read in March 2026 is 27 January 2026, a
Tuesday. A range without a year is resolved by its last day (an exhibition ``12 januar – 30 marts`` seen on
20 March ran from this January), and ``28 december – 3 januari`` spans the new year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["RECENT_DAYS", "DateText", "DateTextError", "parse_datetext", "prenormalise"]

# A year-less date this many days in the past is still this year's (see the module docstring).
RECENT_DAYS = 31


class DateTextError(ValueError):
    """A date text that cannot be read as one date, time or range; names the text and why."""

    def __init__(self, text: str, reason: str):
        super().__init__(f"cannot read a date in {text!r}: {reason}")
        self.text = text
        self.reason = reason


@dataclass(frozen=True)
class DateText:
    start: date | datetime
    end: date | datetime | None
    all_day: bool


# -- words ---------------------------------------------------------------------------------------------------

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "januari januar january jan",
        "februari februar february febr feb",
        "mars marts march mar",
        "april apr",
        "maj may",
        "juni june jun",
        "juli july jul",
        "augusti august aug",
        "september sept sep",
        "oktober october okt oct",
        "november nov",
        "december dec",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number
# Longest first, so that "mars" is not read as "mar" + "s".
MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?!\w)\.?"

_WEEKDAY_NUMBERS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "måndag mån mandag man monday mon",
        "tisdag tis tirsdag tirs tir tuesday tues tue",
        "onsdag ons wednesday wed",
        "torsdag tors tor thursday thurs thur thu",
        "fredag fre friday fri",
        "lördag lör lørdag lør saturday sat",
        "söndag sön søndag søn sunday sun",
    )
):
    for _name in _names.split():
        _WEEKDAY_NUMBERS[_name] = _number
# Plurals ("tisdagar", "mandage") are matched too: they are ignored like the singular, and without a date
# a text made of them is rejected (a recurring slot is not one event).
WEEKDAY = "(?:" + "|".join(sorted(_WEEKDAY_NUMBERS, key=len, reverse=True)) + r")(?:ar|e|s)?(?!\w)\.?"

# An optional weekday before a date ("Tirsdag d. 27.", "lör 14", "Saturday, June 14") or in brackets after
# it ("15/12 (man)", "13. januar (mandag)"); each is one capture group.
_WEEKDAY_BEFORE = rf"(?:(?<!\w)({WEEKDAY})[\s,]*(?:(?:d\.|den)\s*)?)?"
_WEEKDAY_AFTER = rf"(?:\s*\(\s*({WEEKDAY})\s*\))?"
_DAY_SUFFIX = r"(?:\.|:[ae]|st|nd|rd|th)?"  # "14." (da), "1:a"/"2:e" (sv), "1st" (en)
_YEAR = r"(?:19|20)\d{2}(?!\d|[.:]\d)"

_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"))
_SPACES = re.compile(r"[\s\u00a0\u2007\u2009\u202f]+")

_TODAY_WORDS = (
    (r"i\s?övermorgon|övermorgon|i\s?overmorgen|overmorgen|day after tomorrow", 2),
    (r"i\s?morgon|i\s?morgen|tomorrow", 1),
    (r"i\s?dag|today|i\s?kväll|i\s?aften|tonight", 0),
)

_RANGE_WORDS = re.compile(
    r"t\.\s?o\.\s?m\.?|till och med|til og med|(?<!\w)(?:till?|to|until|through|thru)(?!\w)"
)
# Words that may stand between two dates of a range without making them a list.
_FILLER = re.compile(
    rf"(?<!\w)(?:{WEEKDAY}|kl\.?|klockan|klokken|den|d\.|fra|från|from|fr\.o\.m\.?|the|on|at)"
)
_LIST_BEFORE = re.compile(r"(?<![\d.:])\d{1,2}\.?\s*(?:,|&|\+|och|og|and)\s*$")
_END_ONLY = re.compile(r"(?:^|\s)(?:-|t\.\s?o\.\s?m\.?|till och med|til og med|until)\s*$")


def prenormalise(text: str) -> str:
    """Lower case, one kind of dash and space, collapsed whitespace: what the token patterns expect."""
    return _SPACES.sub(" ", text.translate(_DASHES)).strip().lower()


# -- tokens --------------------------------------------------------------------------------------------------


@dataclass
class _Day:
    year: int | None
    month: int
    day: int
    weekday: int | None = None  # as written beside the date (Monday = 0): picks the year when none is given


@dataclass
class _Time:
    hour: int
    minute: int
    is_end: bool = False  # the second half of a time range


_SEP = "-"
_PLACEHOLDER_BASE = 0xE000  # private-use characters stand for tokens: no pattern matches them


class _Scanner:
    """The text with every recognised date and time replaced by a placeholder character."""

    def __init__(self, text: str):
        self.text = text
        self.tokens: list[_Day | _Time] = []

    def sub(self, pattern: str, make) -> None:
        def replace(match: re.Match) -> str:
            parts = make(match)
            if parts is None:  # not what it looked like (month 13, minute 75): leave the text alone
                return match.group(0)
            out = []
            for part in parts:
                if part == _SEP:
                    out.append(_SEP)
                else:
                    self.tokens.append(part)
                    out.append(chr(_PLACEHOLDER_BASE + len(self.tokens) - 1))
            return " " + " ".join(out) + " "

        self.text = re.sub(pattern, replace, self.text)

    def sequence(self) -> list[str | _Day | _Time]:
        """Gaps (text between tokens, '' where none) alternating with tokens: [gap, token, gap, ...]."""
        items: list[str | _Day | _Time] = []
        gap: list[str] = []
        for char in self.text:
            index = ord(char) - _PLACEHOLDER_BASE
            if 0 <= index < len(self.tokens):
                items.append("".join(gap))
                items.append(self.tokens[index])
                gap = []
            else:
                gap.append(char)
        items.append("".join(gap))
        return items


def _day(day: str, month: int, year: str | None, *weekdays: str | None) -> _Day | None:
    d, y = int(day), (int(year) if year else None)
    if y is not None and y < 100:
        y += 2000
    if not 1 <= month <= 12 or not 1 <= d <= 31:
        return None
    names = [w.rstrip(".") for w in weekdays if w]
    weekday = _WEEKDAY_NUMBERS.get(names[0]) if names else None  # plurals are not in the table: no hint
    return _Day(y, month, d, weekday)


def _month(name: str) -> int:
    return _MONTHS[name.rstrip(".")]


def _clock(hour: str, minute: str | None, is_end: bool = False) -> _Time | None:
    h, m = int(hour), int(minute or 0)
    if m > 59 or h > 24 or (h == 24 and (m or not is_end)):
        return None
    return _Time(h, m, is_end)


def _twelve_hour(hour: str, minute: str | None, half: str, is_end: bool = False) -> _Time | None:
    h = int(hour)
    if not 1 <= h <= 12:
        return None
    h = h % 12 + (12 if half == "p" else 0)
    return _clock(str(h), minute, is_end)


def _scan(text: str, today: date, zone: ZoneInfo) -> _Scanner:
    scanner = _Scanner(text)
    sub = scanner.sub

    # ISO dates first: their dashes are no ranges. A time with an offset is converted to the zone.
    def iso(m: re.Match):
        if m.group(4) is None:
            day = _day(m.group(3), int(m.group(2)), m.group(1))
            return None if day is None else [day]
        try:
            moment = datetime.fromisoformat(m.group(0).upper().replace(" ", "T", 1))
        except ValueError:
            return None
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone)
        return [_Day(moment.year, moment.month, moment.day), _Time(moment.hour, moment.minute)]

    sub(
        r"(?<![\d.])(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)"
        r"(z|[+-]\d{2}:?\d{2})?)?(?![\d:])",
        iso,
    )
    # Year first with slashes or dots: "2026/06/14", "2026.06.14".
    sub(
        r"(?<![\d.])(\d{4})([/.])(\d{1,2})\2(\d{1,2})(?![\d]|[.:]\d)",
        lambda m: _some(_day(m.group(4), int(m.group(3)), m.group(1))),
    )
    for words, days in _TODAY_WORDS:
        day = today + timedelta(days=days)
        sub(rf"(?<!\w)(?:{words})(?!\w)", lambda _m, day=day: [_Day(day.year, day.month, day.day)])

    # "kl." times first, so that the numbers after it are never read as dates.
    clock_word = r"(?<!\w)(?:kl|klockan|klokken|klo|at)\.?\s*"
    sub(
        clock_word + r"(\d{1,2})(?:[.:](\d{2}))?(?!\d)"
        rf"(?:\s*-\s*(?:kl\.?\s*)?(\d{{1,2}})(?:[.:](\d{{2}}))?(?![\d.:]*\s*{MONTH}))?(?!\d|[.:]\d|\s*[ap]\.?m\b)",
        lambda m: _times(
            _clock(m.group(1), m.group(2)), m.group(3), lambda: _clock(m.group(3), m.group(4), True)
        ),
    )

    # Day ranges in one month: "25.–26. februar", "12. - 30. januar", "fre 14 – lör 15 juni", "June 12-14".
    def day_range(first: str, last: str, month: str, year: str | None):
        a, b = _day(first, _month(month), year), _day(last, _month(month), year)
        return None if a is None or b is None else [a, _SEP, b]

    sub(
        rf"(?<![\d:.])(\d{{1,2}}){_DAY_SUFFIX}\s*-\s*(?:{WEEKDAY}\s*)?(\d{{1,2}}){_DAY_SUFFIX}\s*(?:of\s+)?"
        rf"({MONTH})(?:\s*,?\s*({_YEAR}))?",
        lambda m: day_range(m.group(1), m.group(2), m.group(3), m.group(4)),
    )
    sub(
        rf"(?<!\w)({MONTH})\s*(\d{{1,2}})(?:st|nd|rd|th)?\s*-\s*(\d{{1,2}})(?:st|nd|rd|th)?(?!\d|[.:]\d)"
        rf"(?:\s*,?\s*({_YEAR}))?",
        lambda m: day_range(m.group(2), m.group(3), m.group(1), m.group(4)),
    )
    # Day-month dates: "14 juni", "d. 27. januar 2026", "1:a juni", "14th of June", "fre. 14. aug. 2026".
    sub(
        rf"{_WEEKDAY_BEFORE}(?<![\d:.])(\d{{1,2}}){_DAY_SUFFIX}\s*(?:of\s+)?({MONTH})(?:\s*,?\s*({_YEAR}))?"
        + _WEEKDAY_AFTER,
        lambda m: _some(_day(m.group(2), _month(m.group(3)), m.group(4), m.group(1), m.group(5))),
    )
    # Month-day (English): "June 14", "june 14th, 2026". Not "juni 2026" or "december 19:00".
    sub(
        rf"{_WEEKDAY_BEFORE}(?<!\w)({MONTH})\s*(\d{{1,2}})(?:st|nd|rd|th)?(?!\d|[.:]\d)(?:\s*,?\s*({_YEAR}))?",
        lambda m: _some(_day(m.group(3), _month(m.group(2)), m.group(4), m.group(1))),
    )
    # Numeric dates with a year, day first: "14.06.2026", "14/6/26".
    sub(
        r"(?<![\d./:])(\d{1,2})([./])(\d{1,2})\2((?:19|20)?\d{2})(?![\d]|[.:]\d)",
        lambda m: _some(_day(m.group(1), int(m.group(3)), m.group(4))),
    )
    # 12-hour times: "7pm", "7:30 p.m.", "7-9pm".
    sub(
        r"(?<![\d./:])(\d{1,2})(?:[:.](\d{2}))?\s*(?:([ap])\.?m\.?)?\s*-\s*(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\b\.?",
        lambda m: _times(
            _twelve_hour(m.group(1), m.group(2), m.group(3) or m.group(6)),
            m.group(4),
            lambda: _twelve_hour(m.group(4), m.group(5), m.group(6), True),
        ),
    )
    sub(
        r"(?<![\d./:])(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\b\.?",
        lambda m: _some(_twelve_hour(m.group(1), m.group(2), m.group(3))),
    )
    # 24-hour time ranges and times: "19.00–21.00", "11:00–18:00", "19:00", "t19:00" (after an ISO date).
    sub(
        r"(?<![\d./:])(\d{1,2})[.:](\d{2})\s*-\s*(\d{1,2})[.:](\d{2})(?!\d|[.:]\d)",
        lambda m: _times(
            _clock(m.group(1), m.group(2)), m.group(3), lambda: _clock(m.group(3), m.group(4), True)
        ),
    )
    sub(r"(?<![\d./:])(\d{1,2}):(\d{2})(?::\d{2})?(?!\d)", lambda m: _some(_clock(m.group(1), m.group(2))))
    # Day-month without a year: "15/12", "5/6" (5 June), "14/6 2025", "14.6.", "14.06. 2026".
    sub(
        # Not "1/2 pris" (half price).
        rf"{_WEEKDAY_BEFORE}(?<![\d./:])(\d{{1,2}})/(\d{{1,2}})(?![\d/]|[.:]\d|\s*(?:pris|price))"
        rf"(?:\s+({_YEAR}))?{_WEEKDAY_AFTER}",
        lambda m: _some(_day(m.group(2), int(m.group(3)), m.group(4), m.group(1), m.group(5))),
    )
    sub(
        rf"{_WEEKDAY_BEFORE}(?<![\d./:])(\d{{1,2}})\.(\d{{1,2}})\.(?!\d)(?:\s*({_YEAR}))?{_WEEKDAY_AFTER}",
        lambda m: _some(_day(m.group(2), int(m.group(3)), m.group(4), m.group(1), m.group(5))),
    )
    # Last, a time with a dot: "19.00" (a date would have been taken above).
    sub(r"(?<![\d./:])(\d{1,2})\.(\d{2})(?!\d|\.\d)", lambda m: _some(_clock(m.group(1), m.group(2))))
    return scanner


def _some(token):
    return None if token is None else [token]


def _times(first: _Time | None, has_last: str | None, last):
    """A time, or a time range when the pattern matched a second time (``last`` reads it)."""
    if first is None:
        return None
    if not has_last:
        return [first]
    end = last()
    return None if end is None else [first, end]


# -- from tokens to a DateText -------------------------------------------------------------------------------


def _is_range_gap(gap: str) -> bool:
    text = _RANGE_WORDS.sub(" - ", gap)
    text = _FILLER.sub(" ", text)
    text = re.sub(r"[\s,.;:·•|/()\[\]]+", "", text)
    return bool(text) and set(text) == {"-"}


@dataclass
class _Group:
    days: list[_Day]
    times: list[_Time]


def _groups(sequence: list[str | _Day | _Time]) -> list[_Group]:
    groups = [_Group([], [])]
    for index, item in enumerate(sequence):
        if isinstance(item, str):
            between_tokens = 0 < index < len(sequence) - 1
            if between_tokens and _is_range_gap(item) and (groups[-1].days or groups[-1].times):
                groups.append(_Group([], []))
        elif isinstance(item, _Day):
            groups[-1].days.append(item)
        else:
            groups[-1].times.append(item)
    return [g for g in groups if g.days or g.times]


def _valid(year: int, day: _Day) -> date | None:
    try:
        return date(year, day.month, day.day)
    except ValueError:
        return None


def _on_or_after(day: _Day, earliest: date) -> date | None:
    # Eight years covers 29 February after a century that skips it.
    for year in range(earliest.year, earliest.year + 9):
        found = _valid(year, day)
        if found is not None and found >= earliest:
            return found
    return None


def _on_or_before(day: _Day, latest: date) -> date | None:
    for year in range(latest.year, latest.year - 9, -1):
        found = _valid(year, day)
        if found is not None and found <= latest:
            return found
    return None


def _resolve(first: _Day, last: _Day | None, today: date, text: str) -> tuple[date, date | None]:
    earliest = today - timedelta(days=RECENT_DAYS)

    def exact(day: _Day) -> date:
        found = _valid(day.year, day) if day.year is not None else None
        if found is None:
            raise DateTextError(text, f"there is no {day.day}/{day.month} {day.year or ''}".rstrip())
        return found

    def fail(day: _Day) -> DateTextError:
        return DateTextError(text, f"there is no {day.day}/{day.month}")

    if last is None:
        if first.year is not None:
            return exact(first), None
        found = _on_or_after(first, earliest) or _raise(fail(first))
        return _by_weekday(first, found, today), None
    if last.year is not None:
        end = exact(last)
    elif first.year is not None:
        start = exact(first)
        return start, _on_or_after(last, start) or _raise(fail(last))
    else:
        end = _on_or_after(last, earliest) or _raise(fail(last))
    start = exact(first) if first.year is not None else _on_or_before(first, end) or _raise(fail(first))
    return start, end


def _by_weekday(day: _Day, found: date, today: date) -> date:
    """``found``, unless the weekday written beside it names another year: then the nearest such one.

    "Tirsdag d. 27. januar" read in March 2026 is 27 January 2026 (a Tuesday), not 2027 (a Wednesday):
    a programme that still lists a past event must not make it a future one.
    """
    if day.weekday is None or found.weekday() == day.weekday:
        return found
    years = range(today.year - 1, today.year + 3)
    candidates = [d for y in years if (d := _valid(y, day)) and d.weekday() == day.weekday]
    return min(candidates, key=lambda d: abs(d - today), default=found)


def _raise(error: Exception):
    raise error


def _aware(day: date, clock: _Time, zone: ZoneInfo) -> datetime:
    if clock.hour == 24:  # "-24.00": midnight at the end of the day
        moment = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    else:
        moment = datetime.combine(day, time(clock.hour, clock.minute), tzinfo=zone)
    # Round trip through UTC, as the normaliser does: 02:30 on the spring-forward night becomes 03:30.
    return moment.astimezone(UTC).astimezone(zone)


def _build(groups: list[_Group], text: str, today: date, zone: ZoneInfo) -> DateText:
    if len(groups) > 2:
        raise DateTextError(text, "more than one range")
    if len(groups) == 2 and not (groups[0].days and groups[1].days):
        # One side holds times only ("14 juni 19.00 - 21.00", "kl. 19 – lördag 14 juni"): one day.
        groups = [_Group(groups[0].days + groups[1].days, groups[0].times + groups[1].times)]
    for group in groups:
        if len(group.days) > 1:
            raise DateTextError(text, "it names several dates")
    if not groups[0].days:
        raise DateTextError(text, "it names no date")
    last_day = groups[1].days[0] if len(groups) == 2 else None
    start_day, end_day = _resolve(groups[0].days[0], last_day, today, text)
    if end_day is not None and end_day < start_day:
        raise DateTextError(text, f"the range ends ({end_day}) before it starts ({start_day})")

    times = [t for g in groups for t in g.times]
    if not times:
        if end_day is None:
            return DateText(start_day, None, True)
        return DateText(start_day, end_day + timedelta(days=1), True)

    first = next((t for t in times if not t.is_end), times[0])
    if first.is_end:
        raise DateTextError(text, "it has an end time but no start time")
    start = _aware(start_day, first, zone)
    # The end time: the second half of a time range, or a time in the other half of a date range.
    after = times[times.index(first) + 1 :]
    end_time = next((t for t in after if t.is_end), None)
    if end_time is None and len(groups) == 2 and groups[1].times and groups[1].times[0] is not first:
        end_time = groups[1].times[0]
    if end_time is None:
        end = None if end_day is None else _aware(end_day + timedelta(days=1), _Time(0, 0), zone)
        return DateText(start, end, False)
    end = _aware(end_day or start_day, end_time, zone)
    if end_day is None and end.timestamp() < start.timestamp():
        end = _aware(start_day + timedelta(days=1), end_time, zone)  # "kl. 22-02" ends after midnight
    if end.timestamp() < start.timestamp():
        raise DateTextError(text, f"it ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if end == start:
        end = None  # "kl. 19-19" (seen in Kultunaut exports) says nothing about the end
    return DateText(start, end, False)


# -- the fallback --------------------------------------------------------------------------------------------


def _fallback(scanner: _Scanner, language: str, today: date) -> _Day | None:
    """The date dateparser finds in what the patterns left (times removed), or None."""
    import dateparser  # slow to import; most texts never get here

    rest = "".join(c for c in scanner.text if not _PLACEHOLDER_BASE <= ord(c) < _PLACEHOLDER_BASE + 4096)
    rest = re.sub(rf"(?<!\w){WEEKDAY}|(?<!\w)(?:kl|klockan|klokken|den|d)\.?(?!\w)", " ", rest)
    rest = re.sub(r"[\s,;:·•|()\[\]-]+", " ", rest).strip(" .")
    if not re.search(r"[a-zåäöæø]{3}", rest):
        return None  # bare numbers ("12 03", "3 x 15") are too easily something else than a date
    languages = list(dict.fromkeys([language, "en"]))
    found = dateparser.parse(
        rest,
        languages=languages,
        settings={
            "DATE_ORDER": "DMY",
            "REQUIRE_PARTS": ["day", "month"],
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": datetime.combine(today, time(12)),
            "RETURN_AS_TIMEZONE_AWARE": False,
        },
    )
    if found is None:
        return None
    has_year = re.search(rf"(?<!\d){_YEAR}", rest) is not None
    day = _Day(found.year if has_year else None, found.month, found.day)
    if found.time() != time(0) and not any(isinstance(t, _Time) for t in scanner.tokens):
        scanner.tokens.append(_Time(found.hour, found.minute))
    return day


# -- the API -------------------------------------------------------------------------------------------------


def parse_datetext(text: str, *, language: str, zone: ZoneInfo | str, now: datetime) -> DateText:
    """The start, exclusive end and all-day flag that ``text`` names; see the module docstring."""
    if not isinstance(text, str) or not text.strip():
        raise DateTextError(str(text or ""), "it is empty")
    if now.tzinfo is None:
        raise ValueError(f"now must be timezone-aware, got {now!r}")
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    today = now.astimezone(zone).date()
    scanner = _scan(prenormalise(text), today, zone)
    sequence = scanner.sequence()
    lead = sequence[0]
    if not any(isinstance(t, _Day) for t in scanner.tokens):
        day = _fallback(scanner, language, today)
        if day is None:
            if scanner.tokens:
                raise DateTextError(text, "it names a time but no date")
            raise DateTextError(text, "it names no date")
        groups = [_Group([day], [t for t in scanner.tokens if isinstance(t, _Time)])]
        return _build(groups, text, today, zone)
    assert isinstance(lead, str)
    if _END_ONLY.search(lead) and isinstance(sequence[1], _Day):
        raise DateTextError(text, "it names only an end date")
    for gap, token in zip(sequence[::2], sequence[1::2], strict=False):
        if isinstance(token, _Day) and _LIST_BEFORE.search(gap):
            raise DateTextError(text, "it names several dates")  # "14 och 15 juni": a list, not a range
    return _build(_groups(sequence), text, today, zone)
