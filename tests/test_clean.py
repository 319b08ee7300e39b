"""The clean stage (pipelines/clean.py): text from HTML, entities decoded, whitespace collapsed, and the
title's cancellation marker turned into a status. One test per case; the marker rules themselves are in
tests/test_cancellation.py."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from pipelines.clean import (
    CleanPipeline,
    clean_description,
    clean_item,
    clean_line,
    clean_price,
    clean_tags,
    clean_title,
    clean_venue,
    html_to_text,
)


def raw(**overrides) -> dict:
    item = {
        "title": "Jazz på Dunkers",
        "start": "2026-03-21T19:00",
        "sources": [{"source_id": "dunkers", "url": "https://dunkers.example/", "source_event_id": "j-1"}],
    }
    return {**item, **overrides}


# -- html_to_text --------------------------------------------------------------------------------------------


def test_html_paragraphs_are_kept_as_blank_line_separated_text():
    assert html_to_text("<p>Ett</p><p>Två</p>") == "Ett\n\nTvå"
    # Nested blocks must not produce empty paragraphs.
    assert html_to_text("<div><p>Ett</p>\n\n<p>Två</p></div>") == "Ett\n\nTvå"


def test_html_inline_tags_keep_words_in_one_paragraph():
    assert html_to_text('<p>Hej <b>du</b>, <a href="/x">läs mer</a>!</p>') == "Hej du, läs mer!"


@pytest.mark.parametrize("br", ["<br>", "<br/>", "<br />", "<BR>"])
def test_html_br_breaks_text_into_paragraphs(br):
    assert html_to_text(f"Rad ett{br}Rad två") == "Rad ett\n\nRad två"


def test_html_list_items_each_become_a_paragraph():
    value = "<p>Program:</p><ul><li>Jazz</li><li>Blues</li></ul><ol><li>Paus</li></ol>"
    assert html_to_text(value) == "Program:\n\nJazz\n\nBlues\n\nPaus"


def test_html_scripts_styles_noscript_and_templates_are_dropped_but_text_after_them_kept():
    value = (
        "<p>Svingende jazz<script>window.dataLayer = [];</script></p>"
        "<style>p { color: red }</style><noscript>Slå JavaScript til</noscript>"
        "<template><p>skabelon</p></template><SCRIPT>x()</SCRIPT>Dørene åbner kl. 19."
    )
    assert html_to_text(value) == "Svingende jazz\n\nDørene åbner kl. 19."


def test_html_named_and_numeric_entities_are_decoded():
    value = "<p>K&aelig;rlighed &amp; jazz&nbsp;i&nbsp;V&aelig;rftet &#8211; &#xf8;l</p>"
    assert html_to_text(value) == "Kærlighed & jazz i Værftet – øl"


def test_html_whitespace_is_collapsed_within_each_paragraph():
    value = "<p>  Hej\n\t  du  </p>\n\n   <p>\u00a0andra\u00a0\u00a0stycket </p>"
    assert html_to_text(value) == "Hej du\n\nandra stycket"


def test_plain_text_has_entities_decoded_and_blank_lines_kept_as_paragraphs():
    value = "Fisk &amp; skaldjur\n\n\n  Kl.&nbsp;19  i\nhamnen &aelig;"
    assert html_to_text(value) == "Fisk & skaldjur\n\nKl. 19 i hamnen æ"


def test_plain_text_with_angle_brackets_is_not_mistaken_for_html():
    assert html_to_text("Barn < 12 år & vuxna > 65 år: gratis") == "Barn < 12 år & vuxna > 65 år: gratis"


@pytest.mark.parametrize("value", [None, "", "   \n\n ", "<p> </p>", "<script>x()</script>", "<!-- tom -->"])
def test_html_to_text_of_nothing_is_the_empty_string(value):
    assert html_to_text(value) == ""


# -- one-line fields, descriptions, tags ---------------------------------------------------------------------


def test_title_html_and_entities_become_one_plain_line():
    assert clean_title("<h2>Jazz &amp;\n  <em>blues</em></h2>") == ("Jazz & blues", None)
    # A title never keeps paragraph breaks.
    assert clean_title("<p>Påskcupen</p><p>2026</p>") == ("Påskcupen 2026", None)


@pytest.mark.parametrize("value", [42, ["Titel"], None])
def test_title_that_is_not_text_is_left_for_the_normaliser_to_reject(value):
    assert clean_title(value) == (value, None)


def test_blank_html_title_becomes_the_empty_string():
    assert clean_title("<p>&nbsp;</p>") == ("", None)


def test_one_line_fields_are_plain_and_blank_ones_none():
    assert clean_line("  Helsingborgs <b>IF</b>\n Ungdom ") == "Helsingborgs IF Ungdom"
    assert clean_line("<p> </p>") is None
    assert clean_line(3000) == 3000  # not text: typed by the normaliser


def test_description_keeps_paragraphs_and_other_values_are_untouched():
    assert clean_description("<p>Välkommen!</p><p>Insläpp 18.30</p>") == "Välkommen!\n\nInsläpp 18.30"
    assert clean_description(None) is None


def test_tags_are_lowercased_stripped_of_html_and_deduplicated_in_order():
    assert clean_tags(["Handboll", " handboll ", "MATCH", "<b>Jazz</b>", "", "match"]) == (
        "handboll",
        "match",
        "jazz",
    )


def test_a_single_tag_string_is_one_tag_and_none_is_no_tags():
    assert clean_tags("Handboll") == ("handboll",)
    assert clean_tags(None) == ()


def test_venue_text_fields_are_plain_text_and_blank_ones_none():
    venue = clean_venue({"name": "<b>Kulturv&aelig;rftet</b>", "street_address": " ", "latitude": "56,0"})
    assert venue == {"name": "Kulturværftet", "street_address": None, "latitude": "56,0"}


def test_venue_given_as_bare_text_is_its_name():
    assert clean_venue("<b>Dunkers</b> kulturhus") == {"name": "Dunkers kulturhus"}


def test_price_text_is_one_plain_line_and_the_numbers_are_untouched():
    price = clean_price({"text": "<p>Entré:&nbsp;100:-</p>\n<p>Barn gratis</p>", "min": "100"})
    assert price == {"text": "Entré: 100:- Barn gratis", "min": "100"}


# -- cancellation words --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "clean", "status"),
    [
        ("INSTÄLLT: Jazz på Dunkers", "Jazz på Dunkers", "cancelled"),
        ("Inställd – Vårkonsert", "Vårkonsert", "cancelled"),
        ("[AFLYST] Koncert med Nordlys Trio", "Koncert med Nordlys Trio", "cancelled"),
        ("Koncert med Nordlys Trio - Aflyst", "Koncert med Nordlys Trio", "cancelled"),
        ("Harbour Jazz | Cancelled", "Harbour Jazz", "cancelled"),
        ("Uppskjuten: Vårmarknad", "Vårmarknad", "postponed"),
        ("Stand-up med Kim – UDSAT", "Stand-up med Kim", "postponed"),
        ("Postponed: Nordic Jazz Night", "Nordic Jazz Night", "postponed"),
    ],
)
def test_cancellation_word_in_the_title_becomes_the_status_and_leaves_the_title(title, clean, status):
    assert clean_item(raw(title=title))["title"] == clean
    assert clean_item(raw(title=title))["status"] == status


def test_cancellation_word_in_an_html_title_is_found_after_cleaning():
    item = clean_item(raw(title="<strong>INST&Auml;LLT</strong>: Jazz&nbsp;på Dunkers"))
    assert (item["title"], item["status"]) == ("Jazz på Dunkers", "cancelled")


def test_cancellation_word_in_the_title_beats_a_scheduled_status_field():
    item = clean_item(raw(title="AFLYST: Koncert", status="CONFIRMED"))
    assert item["status"] == "cancelled"


def test_title_without_a_marker_keeps_the_source_status_as_written():
    item = clean_item(raw(title="Inställda tåg – en utställning", status="https://schema.org/EventScheduled"))
    assert (item["title"], item["status"]) == ("Inställda tåg – en utställning", "https://schema.org/EventScheduled")


def test_clean_item_returns_a_new_dict_and_leaves_the_raw_item_as_the_source_wrote_it():
    item = raw(title="INSTÄLLT: <b>Jazz</b>", venue={"name": "<i>Dunkers</i>"})
    cleaned = clean_item(item)
    assert item["title"] == "INSTÄLLT: <b>Jazz</b>" and item["venue"] == {"name": "<i>Dunkers</i>"}
    assert (cleaned["title"], cleaned["venue"]["name"]) == ("Jazz", "Dunkers")


def test_fields_the_item_does_not_have_are_not_added():
    assert set(clean_item(raw())) == set(raw())


# -- the pipeline --------------------------------------------------------------------------------------------


class _Spider:
    class source:  # noqa: N801 - stands in for the pydantic source config
        id = "dunkers"


def test_pipeline_counts_a_status_taken_from_the_title():
    crawler = get_crawler()
    crawler.spider = _Spider()
    stage = CleanPipeline.from_crawler(crawler)
    cleaned = stage.process_item(raw(title="INSTÄLLT: Jazz"))
    assert (cleaned["title"], cleaned["status"]) == ("Jazz", "cancelled")
    assert crawler.stats.get_value("hhevents/clean/status_from_title/cancelled") == 1
