"""Categorising events with the shipped rules (config/categories.yaml), and the pipeline around it.

One test per rule kind and case, named after it: titles in Swedish, Danish and English, near-misses that
must not match, source categories, venues, precedence, tags and reasons, and the pipeline's fallback when
the rules file is broken or not configured.
"""

from __future__ import annotations

import logging
import textwrap
from pathlib import Path
from typing import Any

import pytest
from factories import make_event
from scrapy.utils.test import get_crawler

from config.categories import DEFAULT_PATH, CategoryRules, load_categories
from hhevents.model import Event, Venue
from pipelines.categorise import SETTING, CategorisePipeline, categorise, forget_loaded_rules


@pytest.fixture(scope="module")
def rules() -> CategoryRules:
    loaded = load_categories(DEFAULT_PATH)
    assert loaded.ok, "\n".join(map(str, loaded.problems))
    assert loaded.rules is not None
    return loaded.rules


def event(title: str, category: str = "culture", tags: tuple[str, ...] = (), venue: str | None = None,
          organizer: str | None = None, **more: Any) -> Event:
    return make_event(title=title, category=category, tags=tags, venue=Venue(name=venue), organizer=organizer,
                      **more)


def outcome(rules: CategoryRules, *args: Any, **kwargs: Any) -> tuple[str, tuple[str, ...], str | None]:
    result = categorise(event(*args, **kwargs), rules)
    return result.category, result.tags, result.category_reason


# -- titles -------------------------------------------------------------------------------------------------


def test_swedish_title_compound_konsert(rules: CategoryRules) -> None:
    assert outcome(rules, "Julkonsert i Mariakyrkan") == (
        "culture", ("music",), "title matched 'konsert' in 'Julkonsert' (culture/music)")


def test_swedish_title_inflected_konserterna(rules: CategoryRules) -> None:
    assert outcome(rules, "Konserterna i Sofiero slottspark")[:2] == ("culture", ("music",))


def test_danish_title_koncert(rules: CategoryRules) -> None:
    assert outcome(rules, "Koncert: Nordlys Trio spiller Schubert") == (
        "culture", ("music",), "title matched 'koncert' (culture/music)")


def test_danish_title_udstilling(rules: CategoryRules) -> None:
    assert outcome(rules, "Udstillingen Havnens lys åbner") == (
        "culture", ("art-and-exhibitions",),
        "title matched 'udstilling' in 'Udstillingen' (culture/art-and-exhibitions)")


def test_swedish_title_utstallning_compound(rules: CategoryRules) -> None:
    assert outcome(rules, "Fotoutställning: Öresund i vinterljus")[:2] == (
        "culture", ("art-and-exhibitions",))


def test_danish_title_foredrag_spelled_without_the_swedish_accent(rules: CategoryRules) -> None:
    # The Swedish keyword "-föredrag" also serves Danish "foredrag": accents are folded.
    assert outcome(rules, "Foredrag: Skibsbyggerne fra Helsingør") == (
        "culture", ("talks",), "title matched 'föredrag' in 'Foredrag' (culture/talks)")


def test_english_title_live_music(rules: CategoryRules) -> None:
    assert outcome(rules, "Live Music on the Harbour Terrace") == (
        "culture", ("music",), "title matched 'live music' (culture/music)")


def test_english_title_guided_tour(rules: CategoryRules) -> None:
    assert outcome(rules, "Guided tour of Kronborg Castle")[:2] == ("culture", ("guided-tour",))


def test_swedish_title_fotboll(rules: CategoryRules) -> None:
    assert outcome(rules, "Fotbollsmatch: HIF – Östers IF", category="culture") == (
        "sport", ("football",), "title matched 'fotboll' in 'Fotbollsmatch' (sport/football)")


def test_danish_title_fodbold(rules: CategoryRules) -> None:
    assert outcome(rules, "Fodboldkamp: FC Helsingør – Hillerød")[:2] == ("sport", ("football",))


def test_title_match_alone_says_sport_without_sub_tag(rules: CategoryRules) -> None:
    assert outcome(rules, "Hemmamatch mot Mjällby", category="culture") == (
        "sport", (), "title matched 'match' in 'Hemmamatch' (sport)")


def test_swedish_title_loppis(rules: CategoryRules) -> None:
    assert outcome(rules, "Bakluckeloppis på Ica Maxi")[:2] == ("shopping", ("market",))


def test_swedish_title_julmarknad_definite_form(rules: CategoryRules) -> None:
    assert outcome(rules, "Julmarknaden på Fredriksdal") == (
        "shopping", ("market",), "title matched 'julmarknad' in 'Julmarknaden' (shopping/market)")


def test_danish_title_julemarked(rules: CategoryRules) -> None:
    assert outcome(rules, "Julemarked på Kulturværftet")[:2] == ("shopping", ("market",))


def test_swedish_title_kopkvall(rules: CategoryRules) -> None:
    assert outcome(rules, "Köpkväll i city")[:2] == ("shopping", ("late-night-shopping",))


def test_danish_title_udsalg(rules: CategoryRules) -> None:
    assert outcome(rules, "Sommerudsalg i Stengade")[:2] == ("shopping", ("sale",))


def test_case_and_accents_ignored(rules: CategoryRules) -> None:
    # Written without å/ä/ö (as some systems export) and in capitals.
    assert outcome(rules, "KOPKVALL I CITY")[:2] == ("shopping", ("late-night-shopping",))
    assert outcome(rules, "Jazz på Café Étoile")[:2] == ("culture", ("music",))


def test_words_across_punctuation(rules: CategoryRules) -> None:
    assert outcome(rules, "Late-night-shopping på Stengade")[:2] == ("shopping", ("late-night-shopping",))
    assert outcome(rules, "DHL-stafetten 2026", category="culture")[:2] == ("sport", ("running",))


# -- near-misses: a keyword inside another word that means something else -----------------------------------


def test_matchning_is_not_a_match(rules: CategoryRules) -> None:
    assert outcome(rules, "Matchning av volontärer och föreningar") == (
        "culture", (), "source default (culture)")


def test_konserthus_in_a_title_is_not_music(rules: CategoryRules) -> None:
    # "konserthus" is a venue type: in a venue name it suggests music (see below), in a title it says nothing.
    assert outcome(rules, "Konserthuset fyller 90 år") == ("culture", (), "source default (culture)")


def test_dansk_is_not_dance(rules: CategoryRules) -> None:
    assert outcome(rules, "Dansk jazz i Toldkammeret")[:2] == ("culture", ("music",))


def test_kort_is_not_choir(rules: CategoryRules) -> None:
    # "kör"/"kor" is shorter than four letters, so it takes no endings: "Kort" is not "kor" + "t".
    assert outcome(rules, "Kort om Helsingør")[:2] == ("culture", ())


def test_handel_is_not_shopping(rules: CategoryRules) -> None:
    # Folded, "Händel" is "handel", which is why "handel" is no keyword.
    assert outcome(rules, "Händel: Messias") == ("culture", (), "source default (culture)")


def test_korea_is_not_a_sale(rules: CategoryRules) -> None:
    assert outcome(rules, "Korea i fokus: film och samtal")[1] == ("film",)


def test_hogmassa_is_not_a_fair(rules: CategoryRules) -> None:
    assert outcome(rules, "Högmässa i Maria kyrka") == ("culture", (), "source default (culture)")


def test_eftermiddag_is_not_dinner(rules: CategoryRules) -> None:
    # "-middag" matches "Julmiddag"; the rule's exclude list keeps "eftermiddag" out.
    assert outcome(rules, "Eftermiddag med Bellman")[:2] == ("culture", ())
    assert outcome(rules, "Julmiddag på Grand Hotel")[:2] == ("shopping", ("food-and-drink",))


def test_galopp_is_not_running(rules: CategoryRules) -> None:
    assert outcome(rules, "Galoppet på Jägersro", category="sport")[:2] == ("sport", ("other-sport",))


def test_forlobet_is_not_running(rules: CategoryRules) -> None:
    assert outcome(rules, "Forløbet af Sundtoldens historie") == ("culture", (), "source default (culture)")


def test_kampen_om_kronborg_is_not_sport(rules: CategoryRules) -> None:
    assert outcome(rules, "Kampen om Kronborg") == ("culture", (), "source default (culture)")


def test_bornholm_is_not_children(rules: CategoryRules) -> None:
    assert outcome(rules, "Bornholmsk aften med fællessang")[:2] == ("culture", ("music",))


def test_friluftsmuseum_venue_is_not_an_exhibition(rules: CategoryRules) -> None:
    assert outcome(rules, "Midsommar på Fredriksdal", venue="Fredriksdals friluftsmuseum")[:2] == (
        "culture", ())


# -- source categories (the event's tags) -------------------------------------------------------------------


def test_source_category_tag_decides(rules: CategoryRules) -> None:
    assert outcome(rules, "Helsingborgs IF – Östers IF", "sport", tags=("fotboll", "superettan")) == (
        "sport", ("fotboll", "superettan", "football"), "source category matched 'fotboll' (sport/football)")


def test_source_category_beats_title(rules: CategoryRules) -> None:
    # Kultunaut files a film as "Film" / "Komedie/Romantik"; the title mentions a concert.
    assert outcome(rules, "Koncertfilmen om Gasolin'", tags=("film", "dokumentar"))[:2] == (
        "culture", ("film", "dokumentar"))


def test_source_category_only_category(rules: CategoryRules) -> None:
    assert outcome(rules, "Öppen träning för barn", category="sport", tags=("ungdom", "träning")) == (
        "sport", ("ungdom", "träning", "family"), "source category matched 'träning' (sport)")


def test_source_category_our_own_sub_tag_id(rules: CategoryRules) -> None:
    assert outcome(rules, "Sankt Mariæ", tags=("art-and-exhibitions",)) == (
        "culture", ("art-and-exhibitions",),
        "source category matched 'art-and-exhibitions' (culture/art-and-exhibitions)")


def test_source_category_names_only_the_category_title_gives_sub_tag(rules: CategoryRules) -> None:
    assert outcome(rules, "Lunchkonsert med Helsingborgs symfoniorkester", tags=("kultur",)) == (
        "culture", ("kultur", "music"),
        "source category matched 'kultur' (culture); "
        "title matched 'konsert' in 'Lunchkonsert' (culture/music)")


# -- venues and organizers ----------------------------------------------------------------------------------


def test_venue_konserthus_picks_music_within_culture(rules: CategoryRules) -> None:
    assert outcome(rules, "Öppet hus", venue="Helsingborgs konserthus") == (
        "culture", ("music",),
        "source default (culture); venue matched 'konserthus' (culture/music)")


def test_venue_never_changes_the_category(rules: CategoryRules) -> None:
    assert outcome(rules, "Årsmöte", category="sport", venue="Helsingborgs konserthus") == (
        "sport", (), "source default (sport)")


def test_venue_fills_the_sub_tag_after_a_category_only_title(rules: CategoryRules) -> None:
    assert outcome(rules, "Hemmamatch", category="sport", venue="Helsingør Stadion") == (
        "sport", ("football",),
        "title matched 'match' in 'Hemmamatch' (sport); venue matched 'stadion' (sport/football)")


def test_organizer_counts_like_a_venue(rules: CategoryRules) -> None:
    assert outcome(rules, "Hamlet i Værftshallen", organizer="Teater Sundet")[:2] == ("culture", ("theatre",))


def test_title_beats_venue(rules: CategoryRules) -> None:
    assert outcome(rules, "Föredrag: Beethovens sista år", venue="Helsingborgs konserthus")[:2] == (
        "culture", ("talks",))


# -- precedence ---------------------------------------------------------------------------------------------


def test_precedence_shopping_source_concert_becomes_culture(rules: CategoryRules) -> None:
    assert outcome(rules, "Konsert på Stortorget", category="shopping") == (
        "culture", ("music",), "title matched 'konsert' (culture/music)")


def test_precedence_sub_tag_beats_category_only_in_one_word(rules: CategoryRules) -> None:
    assert outcome(rules, "Träningsmatch: fotboll", category="culture")[:2] == ("sport", ("football",))


def test_precedence_earlier_word_wins(rules: CategoryRules) -> None:
    assert outcome(rules, "Loppis med konsert")[:2] == ("shopping", ("market",))
    assert outcome(rules, "Konsert på loppisen", category="shopping")[:2] == ("culture", ("music",))


def test_precedence_longer_keyword_wins_in_one_word(rules: CategoryRules) -> None:
    # "-allsvenskan" (football) and "hockeyallsvenskan" both match: the longer, more specific one wins.
    assert outcome(rules, "Hockeyallsvenskan: Rögle – Malmö", category="sport") == (
        "sport", ("ice-hockey",), "title matched 'hockeyallsvenskan' (sport/ice-hockey)")


def test_precedence_secondary_never_decides_the_category(rules: CategoryRules) -> None:
    assert outcome(rules, "Familjedag på Olympia", category="sport") == (
        "sport", ("family",), "source default (sport)")


def test_precedence_secondary_added_next_to_the_deciding_sub_tag(rules: CategoryRules) -> None:
    assert outcome(rules, "Jazzfestival på Sundstorget", category="shopping")[:2] == (
        "culture", ("music", "festival"))
    assert outcome(rules, "Matfestival på Stortorget")[:2] == ("shopping", ("food-and-drink", "festival"))


def test_precedence_nothing_matches_keeps_the_source_default(rules: CategoryRules) -> None:
    assert outcome(rules, "Midsommarafton", "shopping") == ("shopping", (), "source default (shopping)")


# -- tags and the returned event ----------------------------------------------------------------------------


def test_tags_source_tags_kept_first_sub_tag_added_once(rules: CategoryRules) -> None:
    assert outcome(rules, "Konsert", tags=("musik", "music"))[1] == ("musik", "music")


def test_categorise_is_idempotent(rules: CategoryRules) -> None:
    for title, category, venue in [("Julkonsert", "shopping", None), ("Familjedag", "sport", None),
                                   ("Hemmamatch", "sport", "Olympia stadion"), ("Öppet hus", "culture",
                                                                                "Helsingborgs konserthus")]:
        once = categorise(event(title, category, venue=venue), rules)
        twice = categorise(once, rules)
        assert (twice.category, twice.tags) == (once.category, once.tags), title


def test_categorise_changes_only_category_tags_and_reason(rules: CategoryRules) -> None:
    before = event("Julkonsert", "shopping")
    after = categorise(before, rules)
    changed = {name for name in Event.model_fields if getattr(before, name) != getattr(after, name)}
    assert changed == {"category", "tags", "category_reason"}


# -- the pipeline -------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_rules_cache():
    forget_loaded_rules()
    yield
    forget_loaded_rules()


def pipeline(path: Path | str | None) -> CategorisePipeline:
    crawler = get_crawler(settings_dict={SETTING: str(path)} if path is not None else {})
    return CategorisePipeline.from_crawler(crawler)


BROKEN = """\
categories:
  culture:
    names: {sv: Kultur, da: Kultur, en: Culture}
    tags:
      music:
        names: {sv: Musik, da: Musik, en: Music}
        keywords: {sv: [-konsert]
"""


def test_pipeline_reads_the_rules_file_from_the_setting(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(textwrap.dedent("""\
        categories:
          culture:
            names: {sv: Kultur, da: Kultur, en: Culture}
            tags:
              music:
                names: {sv: Musik, da: Musik, en: Music}
                keywords: {sv: [-konsert]}
    """), encoding="utf-8")
    stage = pipeline(path)
    result = stage.process_item(event("Julkonsert", "shopping"))
    assert (result.category, result.tags) == ("culture", ("music",))
    assert stage.crawler.stats.get_value("hhevents/category/by_rules") == 1
    # The file has no 'sport' and 'shopping' entries: reported, but the rest applies.
    assert stage.crawler.stats.get_value("hhevents/category/rule_problems") == 2


def test_pipeline_broken_file_is_logged_once_per_crawl_and_events_keep_their_category(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "categories.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    caplog.set_level(logging.ERROR, logger="pipelines.categorise")
    first, second = pipeline(path), pipeline(path)  # two sources' crawlers in one crawl

    errors = [r.getMessage() for r in caplog.records if r.name == "pipelines.categorise"]
    assert errors[0] == (f"category rules: {path}:8:1: YAML syntax error: expected ',' or '}}', but got "
                         "'<stream end>' (while parsing a flow mapping at line 7)")
    assert errors[1].startswith(f"no category rules could be read from {path}")
    assert len(errors) == 2  # the second crawler reports nothing again

    for stage in (first, second):
        result = stage.process_item(event("Julkonsert", "shopping"))
        assert (result.category, result.tags) == ("shopping", ())
        assert result.category_reason == f"source default (shopping); category rules unreadable ({path})"
        assert stage.crawler.stats.get_value("hhevents/category/by_source") == 1


def test_pipeline_reports_again_after_the_file_is_edited(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "categories.yaml"
    path.write_text(BROKEN, encoding="utf-8")
    caplog.set_level(logging.ERROR, logger="pipelines.categorise")
    pipeline(path)
    path.write_text(BROKEN + "\n# edited, still broken\n", encoding="utf-8")
    pipeline(path)
    assert sum("YAML syntax error" in r.getMessage() for r in caplog.records) == 2


def test_pipeline_partly_broken_file_applies_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    text = DEFAULT_PATH.read_text(encoding="utf-8").replace("[-konsert,", "[-konsert, '-rea',", 1)
    path = tmp_path / "categories.yaml"
    path.write_text(text, encoding="utf-8")
    caplog.set_level(logging.ERROR, logger="pipelines.categorise")
    stage = pipeline(path)
    assert any("'-rea': a compound part needs at least 4 letters" in r.getMessage() for r in caplog.records)
    assert stage.process_item(event("Julkonsert", "shopping")).category == "culture"


def test_pipeline_without_the_setting_keeps_the_source_category(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="pipelines.categorise")
    stage = pipeline(None)
    result = stage.process_item(event("Julkonsert", "shopping"))
    assert (result.category, result.category_reason) == (
        "shopping", f"source default (shopping); {SETTING} not set")
    assert [r.levelname for r in caplog.records if r.name == "pipelines.categorise"] == ["WARNING"]


def test_pipeline_passes_other_items_through(tmp_path: Path) -> None:
    item = {"title": "not normalised"}
    assert pipeline(DEFAULT_PATH).process_item(item) is item
