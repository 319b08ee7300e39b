"""hhevents/datetext.py: one test per phrase shape, named after it, then its wiring into the normaliser.

"Now" is frozen at 2026-03-20 12:00 CET (the tests' usual instant, the week before summer time begins), so a
date written without a year resolves against it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from config.schema import HtmlSource
from hhevents.datetext import DateText, DateTextError, parse_datetext, prenormalise
from pipelines.normalise import NormaliseError, map_times, normalise_item

STOCKHOLM = ZoneInfo("Europe/Stockholm")
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=STOCKHOLM)


def sv(text: str, now: datetime = NOW) -> DateText:
    return parse_datetext(text, language="sv", zone=STOCKHOLM, now=now)


def da(text: str, now: datetime = NOW) -> DateText:
    return parse_datetext(text, language="da", zone="Europe/Copenhagen", now=now)


def en(text: str, now: datetime = NOW) -> DateText:
    return parse_datetext(text, language="en", zone=STOCKHOLM, now=now)


def iso(when: DateText) -> tuple[str, str | None, bool]:
    return when.start.isoformat(), when.end.isoformat() if when.end else None, when.all_day


# -- Swedish -------------------------------------------------------------------------------------------------


def test_swedish_weekday_day_month_kl_time():
    assert iso(sv("söndag 14 juni kl. 19.00")) == ("2026-06-14T19:00:00+02:00", None, False)


def test_swedish_abbreviated_weekday_and_month_kl_without_dot():
    assert iso(sv("sön 14 jun kl 19:00")) == ("2026-06-14T19:00:00+02:00", None, False)


def test_swedish_den_and_kl_hour_only():
    assert iso(sv("den 14 juni kl 19")) == ("2026-06-14T19:00:00+02:00", None, False)


def test_swedish_klockan_with_minutes_range():
    assert iso(sv("onsdag 15 april, klockan 15.15-16.30")) == (
        "2026-04-15T15:15:00+02:00",
        "2026-04-15T16:30:00+02:00",
        False,
    )


def test_swedish_weekday_day_month_kl_hour_range_with_en_dash():
    assert iso(sv("Lördag 12 december kl. 10–18")) == (
        "2026-12-12T10:00:00+01:00",
        "2026-12-12T18:00:00+01:00",
        False,
    )


def test_swedish_ordinal_day():
    assert iso(sv("söndag den 31:a maj")) == ("2026-05-31", None, True)


def test_swedish_numeric_date_is_day_first():
    # dateparser reads "5/6" month-first for Swedish; listings here mean 5 June.
    assert iso(sv("fre 5/6 kl. 18.00")) == ("2026-06-05T18:00:00+02:00", None, False)


def test_date_with_year_and_middle_dot_time_range():
    assert iso(sv("Lördag 13 juni 2026 · 11:00–18:00")) == (
        "2026-06-13T11:00:00+02:00",
        "2026-06-13T18:00:00+02:00",
        False,
    )


def test_date_with_year_comma_kl_time():
    assert iso(sv("fredag 12 juni 2026, kl. 20.00")) == ("2026-06-12T20:00:00+02:00", None, False)


def test_time_range_with_dots_after_a_date_is_a_time_range_not_a_year():
    assert iso(sv("14 juni 19.00–21.00")) == (
        "2026-06-14T19:00:00+02:00",
        "2026-06-14T21:00:00+02:00",
        False,
    )


# -- Danish --------------------------------------------------------------------------------------------------


def test_danish_weekday_d_dotted_day_month_kl_time():
    assert iso(da("Tirsdag d. 26. januar kl. 17.00")) == ("2027-01-26T17:00:00+01:00", None, False)


def test_danish_day_without_dot_after_the_number():
    assert iso(da("Torsdag d. 28 januar kl. 17.00 ")) == ("2027-01-28T17:00:00+01:00", None, False)


def test_danish_abbreviated_weekday_and_month_with_dots_year_and_trailing_place():
    assert iso(da("Fre. 14. aug. 2026 kl. 22, Avistorvet")) == ("2026-08-14T22:00:00+02:00", None, False)


def test_danish_weekday_in_brackets_after_the_date():
    assert iso(da("13. april (mandag) kl. 19.00:")) == ("2026-04-13T19:00:00+02:00", None, False)


def test_danish_kl_range_with_minutes_and_en_dash():
    assert iso(da("23. april (torsdag) kl. 11.00–12.30:")) == (
        "2026-04-23T11:00:00+02:00",
        "2026-04-23T12:30:00+02:00",
        False,
    )


def test_danish_kl_with_single_digit_hour():
    assert iso(da("15. maj (fredag) kl. 8.30")) == ("2026-05-15T08:30:00+02:00", None, False)


def test_numeric_day_slash_month_with_weekday_in_brackets():
    assert iso(da("15/12 (tir)")) == ("2026-12-15", None, True)


def test_numeric_day_slash_month_with_trailing_word():
    assert iso(da("15/1 (fre) Aflyst")) == ("2027-01-15", None, True)


def test_danish_weekday_numeric_date_kl_hour():
    assert iso(da("torsdag 28/1 kl 17")) == ("2027-01-28T17:00:00+01:00", None, False)


def test_danish_dotted_numeric_day_month():
    assert iso(da("14.6.")) == ("2026-06-14", None, True)


def test_dotted_numeric_date_with_year():
    assert iso(da("14.06.2026 kl. 20")) == ("2026-06-14T20:00:00+02:00", None, False)


def test_year_first_date_with_slashes():
    assert iso(sv("2026/06/14 kl 19")) == ("2026-06-14T19:00:00+02:00", None, False)


def test_slash_date_with_year_after_a_space():
    assert iso(sv("14/6 2027")) == ("2027-06-14", None, True)


# -- ranges --------------------------------------------------------------------------------------------------


def test_day_range_in_one_month_danish():
    # The end is exclusive: the day after the last day.
    assert iso(da("PC-kursus: 25.–26. april.")) == ("2026-04-25", "2026-04-27", True)


def test_day_range_fra_d_to_day_month():
    assert iso(da("Fra d. 12. - 30. april")) == ("2026-04-12", "2026-05-01", True)


def test_day_range_with_weekdays():
    assert iso(sv("fre 12 – sön 14 juni")) == ("2026-06-12", "2026-06-15", True)


def test_day_range_with_time_range_runs_from_the_first_start_to_the_last_end():
    assert iso(da("25.–26. april kl. 10-16")) == (
        "2026-04-25T10:00:00+02:00",
        "2026-04-26T16:00:00+02:00",
        False,
    )


def test_range_across_months_with_year_on_the_end_only():
    assert iso(da("14. aug - 20. sep. 2026")) == ("2026-08-14", "2026-09-21", True)


def test_range_across_months_with_full_month_names():
    assert iso(sv("13 juni–15 juli 2026")) == ("2026-06-13", "2026-07-16", True)


def test_range_across_the_new_year_without_a_year():
    assert iso(sv("28 december – 3 januari")) == ("2026-12-28", "2027-01-04", True)


def test_range_without_a_year_is_resolved_by_its_last_day():
    # An exhibition seen on 20 March that ends on 30 March started this January, not next.
    assert iso(da("12. januar – 30. marts")) == ("2026-01-12", "2026-03-31", True)


def test_swedish_fr_o_m_t_o_m():
    assert iso(sv("fr.o.m. 14 juni t.o.m. 30 augusti")) == ("2026-06-14", "2026-08-31", True)


def test_swedish_fran_och_med_till_och_med_in_words():
    assert iso(sv("från och med 1 maj till och med 3 maj")) == ("2026-05-01", "2026-05-04", True)


def test_danish_fra_til():
    assert iso(da("fra 3. april til 5. april")) == ("2026-04-03", "2026-04-06", True)


def test_fr_o_m_alone_is_the_start_day():
    assert iso(sv("fr.o.m. 14 juni")) == ("2026-06-14", None, True)


def test_t_o_m_alone_is_an_error():
    with pytest.raises(DateTextError, match="only an end date"):
        sv("t.o.m. 30 augusti")


def test_datetime_range_with_a_time_on_each_side():
    assert iso(sv("14 juni kl. 19 – 16 juni kl. 21")) == (
        "2026-06-14T19:00:00+02:00",
        "2026-06-16T21:00:00+02:00",
        False,
    )


def test_day_range_with_start_time_only_ends_at_midnight_after_the_last_day():
    assert iso(sv("12–14 juni kl. 19")) == ("2026-06-12T19:00:00+02:00", "2026-06-15T00:00:00+02:00", False)


# -- times ---------------------------------------------------------------------------------------------------


def test_iso_date_followed_by_kl_hour_range():
    # What the Kultunaut adapter builds from Startdato + ArrTidspunkt.
    assert iso(da("2026-12-12 kl. 19-21")) == (
        "2026-12-12T19:00:00+01:00",
        "2026-12-12T21:00:00+01:00",
        False,
    )


def test_iso_date_followed_by_kl_hour():
    assert iso(da("2026-12-12 kl. 16")) == ("2026-12-12T16:00:00+01:00", None, False)


def test_iso_date_followed_by_kl_hour_and_minutes_with_colon():
    assert iso(da("2026-12-12 kl. 19:45")) == ("2026-12-12T19:45:00+01:00", None, False)


def test_iso_datetime_with_offset_is_converted_to_the_zone():
    assert iso(sv("2026-06-14T17:00:00+00:00")) == ("2026-06-14T19:00:00+02:00", None, False)


def test_kl_range_ending_after_midnight_ends_the_next_day():
    assert iso(da("2026-12-12 kl. 22-02")) == (
        "2026-12-12T22:00:00+01:00",
        "2026-12-13T02:00:00+01:00",
        False,
    )


def test_kl_range_ending_at_24_ends_at_midnight():
    assert iso(sv("12 juni kl. 20-24")) == ("2026-06-12T20:00:00+02:00", "2026-06-13T00:00:00+02:00", False)


def test_kl_range_with_equal_ends_has_no_end():
    # "kl. 19-19" occurs in Kultunaut exports: it says nothing about the end.
    assert iso(da("2026-12-12 kl. 19-19")) == ("2026-12-12T19:00:00+01:00", None, False)


def test_time_in_the_spring_forward_gap_is_the_time_the_clocks_show():
    assert iso(sv("29 mars kl 02.30")) == ("2026-03-29T03:30:00+02:00", None, False)


def test_time_range_alone_is_an_error_not_the_year_2100():
    for text in ("19.00–21.00", "kl. 19-21", "Kl. 11.00–15.00"):
        with pytest.raises(DateTextError, match="names a time but no date"):
            sv(text)


# -- relative days -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("i dag kl. 18", "2026-03-20T18:00:00+01:00"),
        ("idag kl. 18", "2026-03-20T18:00:00+01:00"),
        ("i morgon kl 19", "2026-03-21T19:00:00+01:00"),
        ("imorgon 19:00", "2026-03-21T19:00:00+01:00"),
        ("i övermorgon kl. 10", "2026-03-22T10:00:00+01:00"),
    ],
)
def test_swedish_i_dag_i_morgon(text, expected):
    assert iso(sv(text)) == (expected, None, False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("i dag kl. 16", "2026-03-20T16:00:00+01:00"), ("i morgen kl. 20", "2026-03-21T20:00:00+01:00")],
)
def test_danish_i_dag_i_morgen(text, expected):
    assert iso(da(text)) == (expected, None, False)


def test_today_is_the_local_date_of_now_in_the_zone():
    late_utc = datetime.fromisoformat("2026-03-20T23:30:00+00:00")  # already 21 March in Stockholm
    assert iso(sv("i dag kl. 18", now=late_utc)) == ("2026-03-21T18:00:00+01:00", None, False)


# -- English -------------------------------------------------------------------------------------------------


def test_english_weekday_month_day_ordinal_year_at_pm():
    assert iso(en("Saturday, June 13th, 2026 at 7:30 pm")) == ("2026-06-13T19:30:00+02:00", None, False)


def test_english_day_of_month():
    assert iso(en("the 14th of June 2026, 7 p.m.")) == ("2026-06-14T19:00:00+02:00", None, False)


def test_english_month_day_range():
    assert iso(en("June 12-14")) == ("2026-06-12", "2026-06-15", True)


def test_english_tomorrow_with_pm_range():
    assert iso(en("tomorrow 7-9pm")) == ("2026-03-21T19:00:00+01:00", "2026-03-21T21:00:00+01:00", False)


def test_english_from_to():
    assert iso(en("from 3 April to 5 April")) == ("2026-04-03", "2026-04-06", True)


def test_other_spellings_go_to_dateparser():
    assert iso(en("14-Jun-2026 19:30")) == ("2026-06-14T19:30:00+02:00", None, False)


# -- the year of a date written without one ------------------------------------------------------------------


def test_yearless_date_ahead_is_this_year():
    assert iso(sv("14 juni")) == ("2026-06-14", None, True)


def test_yearless_date_a_few_days_ago_stays_this_year():
    # A listing that still shows last week's event must not turn it into next year's.
    assert iso(sv("15 mars")) == ("2026-03-15", None, True)


def test_yearless_date_long_ago_is_next_year():
    assert iso(sv("15 februari")) == ("2027-02-15", None, True)


def test_yearless_date_with_weekday_takes_the_year_where_the_weekday_fits():
    # 27 January is a Tuesday in 2026 and a Wednesday in 2027: the programme meant this (past) January.
    assert iso(da("Tirsdag d. 27. januar kl. 17.00")) == ("2026-01-27T17:00:00+01:00", None, False)


def test_yearless_29_february_is_the_next_leap_day():
    assert iso(sv("29 feb")) == ("2028-02-29", None, True)


# -- what is not one date ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tisdagar, klockan 15.15-16.30", "names a time but no date"),  # recurring, not one event
        ("Mandag: 10.00–22.00", "names a time but no date"),  # opening hours
        ("Lørdag/søn- og helligdage: Lukket", "names no date"),
        ("lördag", "names no date"),
        ("maj 2026", "names no date"),  # a month is not a day
        ("Pris: 150 kr. (børn gratis)", "names no date"),
        ("14 och 15 juni", "several dates"),
        ("14 juni, 16 juni", "several dates"),
        ("1 juni - 3 juni - 5 juni", "more than one range"),
        ("30 februari", "there is no 30/2"),
        ("Biljetter 1/2 pris", "names no date"),  # half price, not 1 February
        ("12 03", "names no date"),  # bare numbers are not given to dateparser
        ("3 x 15 minuter", "names no date"),
        ("   ", "empty"),
    ],
)
def test_not_one_date_is_an_error_naming_the_text(text, reason):
    with pytest.raises(DateTextError, match=reason) as caught:
        sv(text)
    assert caught.value.text == text and repr(text) in str(caught.value)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_datetext("14 juni", language="sv", zone=STOCKHOLM, now=datetime(2026, 3, 20))


def test_prenormalise_unifies_dashes_spaces_and_case():
    assert (
        prenormalise(" Lördag\u00a014 Juni  kl.\u202f19.00\u201321.00 ") == "lördag 14 juni kl. 19.00-21.00"
    )


# -- wired into the normaliser -------------------------------------------------------------------------------


def dunkers(**overrides) -> HtmlSource:
    fields = dict(
        id="dunkers",
        name="Dunkers kulturhus",
        type="html",
        city="helsingborg",
        url="https://dunkerskulturhus.se/evenemang/",
        category="culture",
        language="sv",
        item=".event",
        title="h3",
        date=".date",
    )
    return HtmlSource(**(fields | overrides))


def raw(**overrides):
    item = {
        "title": "Jazzkväll",
        "start": "lördag 13 juni kl. 19-21",
        "sources": [{"source_id": "dunkers", "source_event_id": "jazz", "url": None}],
    }
    return item | overrides


def test_normaliser_reads_date_text_and_fills_the_end_from_a_range(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", NOW.isoformat())
    event = normalise_item(raw(), dunkers())
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-06-13T19:00:00+02:00",
        "2026-06-13T21:00:00+02:00",
    )
    assert event.all_day is False


def test_normaliser_keeps_an_explicit_end_over_the_texts_range(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", NOW.isoformat())
    event = normalise_item(raw(end="2026-06-13T23:00"), dunkers())
    assert event.end.isoformat() == "2026-06-13T23:00:00+02:00"


def test_normaliser_reads_a_day_range_as_all_day_with_exclusive_end(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", NOW.isoformat())
    event = normalise_item(raw(start="25.–26. april"), dunkers(language="da"))
    assert event.all_day is True
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-04-25T00:00:00+02:00",
        "2026-04-27T00:00:00+02:00",
    )


def test_normaliser_resolves_a_yearless_date_against_the_clock(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", "2026-11-20T12:00:00+01:00")
    event = normalise_item(raw(start="15 januari kl. 19"), dunkers())
    assert event.start.isoformat() == "2027-01-15T19:00:00+01:00"


def test_normaliser_reads_text_in_the_items_own_language_and_zone(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", NOW.isoformat())
    event = normalise_item(
        raw(start="Saturday 13 June 7pm", language="en"), dunkers(timezone="Europe/London")
    )
    assert event.start.isoformat() == "2026-06-13T19:00:00+01:00"


def test_normaliser_reports_unreadable_date_text_naming_field_and_text(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", NOW.isoformat())
    with pytest.raises(NormaliseError, match=r"^start: cannot read a date in 'kl\. 19-21': it names a time"):
        normalise_item(raw(start="kl. 19-21"), dunkers())


def test_map_times_without_a_language_still_accepts_iso_only():
    with pytest.raises(NormaliseError, match="is not an ISO 8601"):
        map_times("14 juni kl. 19", None, STOCKHOLM)


def test_map_times_end_text_names_the_last_day_inclusive():
    start, end, all_day = map_times("12 juni", "14 juni", STOCKHOLM, language="sv", now=NOW)
    assert all_day and (start.date(), end.date()) == (date(2026, 6, 12), date(2026, 6, 15))


def test_map_times_end_text_with_a_time_is_the_end_time():
    start, end, _ = map_times("12 juni kl. 19", "14 juni kl. 16", STOCKHOLM, language="sv", now=NOW)
    assert end - start == timedelta(days=1, hours=21)
