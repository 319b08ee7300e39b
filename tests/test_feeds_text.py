"""What the feeds say in Swedish, Danish and English: dates, labels, prefixes, titles, sanitised HTML."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from factories import COPENHAGEN, STOCKHOLM, make_event

from config.categories import load_categories
from feeds import clean
from feeds.text import (
    body_html,
    display_title,
    event_text,
    feed_description,
    feed_title,
    price_text,
    when_long,
    when_short,
)
from hhevents.model import Price, SourceRef, Venue

RULES = load_categories().rules

SATURDAY = datetime(2026, 6, 13, 19, 0, tzinfo=STOCKHOLM)


@pytest.mark.parametrize(
    ("language", "short", "long"),
    [
        ("sv", "lör 13 juni 19:00", "lördag 13 juni 2026 19:00–21:30"),
        ("da", "lør. 13. jun. 19.00", "lørdag den 13. juni 2026 19.00–21.30"),
        ("en", "Sat 13 Jun 19:00", "Saturday 13 June 2026 19:00–21:30"),
    ],
)
def test_dates_are_localised_with_babel(language, short, long):
    event = make_event(1, start=SATURDAY, end=SATURDAY.replace(hour=21, minute=30))
    assert when_short(event, language) == short
    assert when_long(event, language) == long


def test_dates_are_the_events_local_time_whatever_offset_it_was_given_in():
    in_utc = make_event(1, start=datetime(2026, 6, 13, 17, 0, tzinfo=UTC), end=None, city="helsingor")
    assert when_short(in_utc, "en") == "Sat 13 Jun 19:00"
    winter = make_event(2, start=datetime(2026, 1, 9, 18, 0, tzinfo=UTC), end=None)
    assert when_short(winter, "sv") == "fre 9 jan. 19:00"


def test_all_day_and_multi_day_dates():
    one = make_event(1, all_day=True, start=datetime(2026, 6, 19, tzinfo=STOCKHOLM),
                     end=datetime(2026, 6, 20, tzinfo=STOCKHOLM))
    festival = make_event(2, all_day=True, start=datetime(2026, 7, 3, tzinfo=COPENHAGEN),
                          end=datetime(2026, 7, 6, tzinfo=COPENHAGEN), city="helsingor")
    assert when_short(one, "sv") == "fre 19 juni"
    assert when_long(one, "en") == "Friday 19 June 2026"
    # the end is exclusive: the festival's last day is the 5th
    assert when_short(festival, "da") == "fre. 3. jul. – søn. 5. jul."
    assert when_long(festival, "sv") == "fredag 3 juli 2026 – söndag 5 juli 2026"
    overnight = make_event(
        3, start=SATURDAY.replace(hour=22), end=datetime(2026, 6, 14, 2, 0, tzinfo=STOCKHOLM)
    )
    assert when_long(overnight, "en") == "Saturday 13 June 2026 22:00 – Sunday 14 June 2026 02:00"


@pytest.mark.parametrize(
    ("language", "prefix"), [("sv", "Inställt: "), ("da", "Aflyst: "), ("en", "Cancelled: ")]
)
def test_cancelled_title_prefix(language, prefix):
    assert display_title(make_event(1, title="Jazz på Dunkers", status="cancelled"), language) == (
        prefix + "Jazz på Dunkers"
    )
    assert display_title(make_event(1, title="Jazz på Dunkers"), language) == "Jazz på Dunkers"
    assert display_title(make_event(1, title="Jazz", status="postponed"), language) == "Jazz"


def test_no_second_prefix_when_the_title_already_says_so():
    assert display_title(make_event(1, title="INSTÄLLT: Föreläsning", status="cancelled"), "en") == (
        "INSTÄLLT: Föreläsning"
    )
    already = make_event(1, title="Aflyst - Koncert", status="cancelled")
    assert display_title(already, "sv") == "Aflyst - Koncert"


def test_feed_titles_and_descriptions_in_three_languages():
    assert feed_title(None, None, "en", RULES) == "HH Cityclub — all events"
    assert feed_title(None, None, "sv", RULES) == "HH Cityclub — alla evenemang"
    assert feed_title(None, None, "da", RULES) == "HH Cityclub — alle arrangementer"
    assert feed_title("helsingor", "culture", "sv", RULES) == "HH Cityclub — Kultur i Helsingör"
    assert feed_title("helsingor", "culture", "da", RULES) == "HH Cityclub — Kultur i Helsingør"
    assert feed_title("helsingborg", None, "en", RULES) == "HH Cityclub — all events in Helsingborg"
    assert feed_title(None, "sport", "da", RULES) == "HH Cityclub — Sport i Helsingborg og Helsingør"
    assert feed_description(None, None, "sv", RULES) == (
        "Kultur, sport och shopping i Helsingborg och Helsingör. HH Cityclub."
    )
    assert feed_description("helsingborg", "shopping", "en", RULES) == (
        "Shopping: events in Helsingborg. HH Cityclub."
    )


def test_category_names_come_from_the_categories_file():
    event = make_event(1, category="sport", tags=("football", "fotboll", "HIF"))
    def names(language):
        return [name for _, name in event_text(event, language, RULES).categories]

    assert names("da") == ["Sport", "Fodbold", "fotboll", "HIF"]
    # "Fotboll" (the sub-tag's Swedish name) and the source's "fotboll" are one category
    assert names("sv") == ["Sport", "Fotboll", "HIF"]
    terms = [term for term, _ in event_text(event, "en", RULES).categories]
    assert terms == ["sport", "football", "fotboll", "HIF"]


def test_prices_localised():
    assert price_text(make_event(1, price=Price(min=99.5, max=250, currency="SEK")), "sv") == "99,5–250 SEK"
    assert price_text(make_event(1, price=Price(min=99.5, max=250, currency="SEK")), "en") == "99.5–250 SEK"
    assert price_text(make_event(1, price=Price(free=True)), "da") == "Gratis adgang"
    assert price_text(make_event(1, price=Price(text="Entré: 100:-")), "en") == "Entré: 100:-"
    assert price_text(make_event(1, price=Price()), "en") is None


def test_event_text_facts_body_and_links():
    event = make_event(
        1,
        start=SATURDAY,
        end=SATURDAY.replace(hour=21),
        status="cancelled",
        organizer="Dunkers",
        price=Price(min=100, currency="SEK"),
        description="Första stycket.\nNy rad.\n\nAndra stycket.",
        sources=(
            SourceRef(source_id="a", url="https://a.example/e/1", source_event_id="1"),
            SourceRef(source_id="b", url="https://b.example/x", source_event_id="x"),
        ),
    )
    text = event_text(event, "sv", RULES)
    assert text.title == "Inställt: Event 1"
    assert text.item_title == "lör 13 juni 19:00 · Dunkers kulturhus — Inställt: Event 1"
    assert text.plain == (
        "Status: Inställt\nNär: lördag 13 juni 2026 19:00–21:00\n"
        "Var: Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg\nPris: 100 SEK\nArrangör: Dunkers\n\n"
        "Första stycket.\nNy rad.\n\nAndra stycket.\n\n"
        "Källa: https://a.example/e/1\nKälla: https://b.example/x"
    )
    assert text.html == (
        "<p><strong>Status:</strong> Inställt<br><strong>När:</strong> lördag 13 juni 2026 19:00–21:00<br>"
        "<strong>Var:</strong> Dunkers kulturhus, Kungsgatan 11, 252 21 Helsingborg<br>"
        "<strong>Pris:</strong> 100 SEK<br><strong>Arrangör:</strong> Dunkers</p>\n"
        "<p>Första stycket.<br>Ny rad.</p>\n<p>Andra stycket.</p>\n"
        '<p><strong>Källa:</strong> <a href="https://a.example/e/1" rel="noopener noreferrer">a.example</a>, '
        '<a href="https://b.example/x" rel="noopener noreferrer">b.example</a></p>'
    )


def test_place_falls_back_to_locality_then_the_city_in_the_feeds_language():
    bare = make_event(1, venue=Venue(), city="helsingor", start=datetime(2026, 6, 13, 19, tzinfo=COPENHAGEN))
    assert event_text(bare, "sv", RULES).item_title == "lör 13 juni 19:00 · Helsingör — Event 1"
    assert event_text(bare, "da", RULES).item_title == "lør. 13. jun. 19.00 · Helsingør — Event 1"
    assert event_text(bare, "en", RULES).location is None


def test_html_is_sanitised():
    assert body_html('<script>alert(1)</script> & <b>fet</b>\n\n<a href="javascript:x">y</a>') == (
        "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;fet&lt;/b&gt;</p>\n"
        "<p>&lt;a href=\"javascript:x\"&gt;y&lt;/a&gt;</p>"
    )
    hostile = make_event(
        1, sources=(SourceRef(source_id="s", url="javascript:alert(1)", source_event_id="1"),), url="data:x"
    )
    text = event_text(hostile, "en", RULES)
    # only web links are linked, in every format
    assert "javascript:" not in text.html + text.plain and text.link is None and text.links == ()


def test_unwritable_characters_are_dropped_and_titles_are_one_line():
    assert clean("a\x00b\x0bc\r\nd\re\ufffe") == "abc\nd\ne"
    event = make_event(1, title="Jazz\x0c\r\npå  Dunkers", organizer="X\x01Y", description="Rad 1\r\nRad 2")
    text = event_text(event, "sv", RULES)
    assert text.title == "Jazz på Dunkers"
    assert text.organizer == "XY"
    assert "Rad 1\nRad 2" in text.plain and "\r" not in text.plain
