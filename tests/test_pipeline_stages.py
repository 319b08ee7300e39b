"""The pipeline stages chained as a crawl chains them (clean -> normalise -> categorise -> default end), in
process with Scrapy's test crawler: DST edges end to end, the default end per category, the rejected items'
statistics, and the venue table's setting (a broken file never stops a crawl).

The one real crawl through every stage is tests/test_crawl_pipeline.py.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from config.categories import DEFAULT_PATH as CATEGORIES_PATH
from config.schema import IcsSource
from config.venues import DEFAULT_VENUES_PATH
from hhevents.cli import build_parser
from hhevents.crawl import crawl_settings
from hhevents.model import Event
from pipelines import ITEM_PIPELINES
from pipelines.categorise import CategorisePipeline
from pipelines.clean import CleanPipeline
from pipelines.default_end import CATEGORY_DURATIONS, SUB_TAG_DURATIONS, DefaultEndPipeline
from pipelines.normalise import VENUES_SETTING, NormalisePipeline, forget_loaded_venues


def source(city: str = "helsingborg", **overrides) -> IcsSource:
    fields = dict(
        id="dunkers" if city == "helsingborg" else "vaerftet",
        name="Test",
        type="ics",
        city=city,
        url="https://example.org/program.ics",
        category="culture",
        language="sv" if city == "helsingborg" else "da",
    )
    return IcsSource(**{**fields, **overrides})


class _Spider:
    def __init__(self, source: IcsSource):
        self.source = source


def raw(**overrides) -> dict:
    item = {
        "title": "Jazzkväll",
        "start": "2026-03-21T19:00",
        "sources": [{"source_id": "x", "url": "https://example.org/e/1", "source_event_id": "e-1"}],
    }
    return {**item, **overrides}


class Stages:
    """The crawl's stages up to de-duplication, built from one test crawler's settings."""

    def __init__(self, source: IcsSource, settings: dict | None = None):
        settings = {"HHEVENTS_CATEGORIES": str(CATEGORIES_PATH), **(settings or {})}
        self.crawler = get_crawler(settings_dict=settings)
        self.crawler.spider = _Spider(source)
        self.stages = [stage.from_crawler(self.crawler) for stage in
                       (CleanPipeline, NormalisePipeline, CategorisePipeline, DefaultEndPipeline)]

    def run(self, item: dict) -> Event:
        for stage in self.stages:
            item = stage.process_item(item)
        return item

    def stat(self, name: str):
        return self.crawler.stats.get_value(name)


@pytest.fixture(autouse=True)
def _fresh_venue_table():
    forget_loaded_venues()
    yield
    forget_loaded_venues()


def test_stages_run_in_the_documented_order():
    order = sorted(ITEM_PIPELINES, key=ITEM_PIPELINES.get)
    assert [path.rsplit(".", 1)[1] for path in order] == [
        "CleanPipeline",
        "NormalisePipeline",
        "CategorisePipeline",
        "DefaultEndPipeline",
        "DedupePipeline",
        "StorePipeline",
    ]


# -- DST edges, end to end ---------------------------------------------------------------------------------


def test_past_midnight_end_on_the_last_saturday_of_march_lasts_four_hours():
    stages = Stages(source())
    event = stages.run(raw(title="Klubbkväll", start="2026-03-28T22:00", end="2026-03-28T03:00"))
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-03-28T22:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
    )
    assert event.end.timestamp() - event.start.timestamp() == 4 * 3600
    assert stages.stat("hhevents/normalise/end_after_midnight") == 1


def test_past_midnight_end_on_the_last_saturday_of_october_lasts_six_hours():
    event = Stages(source("helsingor")).run(
        raw(title="Natteforestilling", start="2026-10-24T22:00", end="2026-10-24T03:00")
    )
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-10-24T22:00:00+02:00",
        "2026-10-25T03:00:00+01:00",
    )
    assert event.end.timestamp() - event.start.timestamp() == 6 * 3600


def test_default_end_across_the_spring_change_is_two_real_hours():
    event = Stages(source()).run(raw(title="Nattkonsert", start="2026-03-29T01:30"))
    assert event.end.isoformat() == "2026-03-29T04:30:00+02:00"  # 01:30 CET + 2 h: the clocks skipped 02-03
    assert event.end.timestamp() - event.start.timestamp() == 2 * 3600


def test_default_end_across_the_autumn_change_is_two_real_hours():
    event = Stages(source()).run(raw(title="Nattkonsert", start="2026-10-25T01:30"))
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:30:00+01:00",  # the second 02:30 of the night
    )
    assert event.end.timestamp() - event.start.timestamp() == 2 * 3600


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-29T19:00:00Z", "2026-03-29T19:00:00+02:00"),
        ("2026-10-25T19:00:00Z", "2026-10-25T19:00:00+01:00"),
    ],
)
def test_utc_labelled_local_time_on_the_last_sunday_of_march_and_october(start, expected):
    event = Stages(source(utc_is_local=True)).run(raw(start=start))
    assert event.start.isoformat() == expected


def test_all_day_event_on_the_spring_change_day_is_23_hours_long():
    event = Stages(source()).run(raw(title="Loppis", start="2026-03-29"))
    assert (event.start.isoformat(), event.end.isoformat()) == (
        "2026-03-29T00:00:00+01:00",
        "2026-03-30T00:00:00+02:00",
    )
    assert event.end.timestamp() - event.start.timestamp() == 23 * 3600


# -- a missing end -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "category", "hours"),
    [
        ("Jazzkonsert", "culture", 2),  # music: the category's default
        ("Föreläsning om Kärnan", "culture", 1.5),  # talks
        ("Fotbollsmatch: HIF – MFF", "sport", 2),  # football: the category's default
        ("Köpkväll i city", "shopping", 4),  # late-night shopping: the category's default
        ("Loppis på Stortorget", "shopping", 5),  # market
    ],
)
def test_missing_end_gets_the_default_of_the_final_category_or_sub_tag(title, category, hours):
    stages = Stages(source())
    event = stages.run(raw(title=title, start="2026-04-18T10:00"))
    assert event.category == category
    assert event.end.timestamp() - event.start.timestamp() == hours * 3600
    assert stages.stat(f"hhevents/default_end/{category}") == 1


def test_an_end_given_by_the_source_is_kept():
    event = Stages(source()).run(raw(title="Loppis", start="2026-04-18T10:00", end="2026-04-18T12:00"))
    assert event.end.isoformat() == "2026-04-18T12:00:00+02:00"


def test_every_category_has_a_default_duration_and_sub_tags_name_real_sub_tags():
    from config.categories import load_categories

    rules = load_categories(CATEGORIES_PATH).rules
    assert set(CATEGORY_DURATIONS) == {"culture", "sport", "shopping"}
    assert set(SUB_TAG_DURATIONS) <= set(rules.names)


# -- rejected items ------------------------------------------------------------------------------------------


def test_rejected_item_is_dropped_and_counted_by_its_field():
    stages = Stages(source())
    with pytest.raises(DropItem, match=r"\[dunkers\] https://example.org/e/1: end .* is before start"):
        stages.run(raw(start="2026-04-02T19:00", end="2026-04-01T21:00"))
    assert stages.stat("hhevents/dropped/end") == 1


# -- the venue table -----------------------------------------------------------------------------------------


def test_project_venue_table_is_used_when_the_setting_is_absent():
    event = Stages(source("helsingor")).run(raw(venue={"name": "Toldkammeret på Kulturværftet"}))
    assert (event.venue.name, event.venue.street_address) == ("Kulturværftet", "Allégade 2")


def test_venue_table_comes_from_the_setting(tmp_path: Path):
    table = tmp_path / "venues.yaml"
    table.write_text(
        "venues:\n"
        "  - id: kulturmagasinet\n"
        "    name: Kulturmagasinet\n"
        "    city: helsingborg\n"
        "    country: SE\n"
        "    street_address: Fågelsångsgatan 1\n"
        "    aliases: [Helsingborgs museer Kulturmagasinet]\n",
        encoding="utf-8",
    )
    stages = Stages(source(), {VENUES_SETTING: str(table)})
    event = stages.run(raw(venue={"name": "Helsingborgs museer Kulturmagasinet"}))
    assert (event.venue.name, event.venue.street_address) == ("Kulturmagasinet", "Fågelsångsgatan 1")
    # Only that table: the project's venues are not known.
    other = stages.run(raw(venue={"name": "Dunkers"}))
    assert other.venue.name == "Dunkers"


def test_broken_venue_table_never_stops_a_crawl_and_is_reported_once(tmp_path: Path, caplog):
    table = tmp_path / "venues.yaml"
    table.write_text("venues:\n  - id: kronborg\n    name: 'Kronborg\n", encoding="utf-8")  # unclosed quote
    with caplog.at_level(logging.ERROR, logger="pipelines.normalise"):
        first = Stages(source("helsingor"), {VENUES_SETTING: str(table)})
        second = Stages(source("helsingor"), {VENUES_SETTING: str(table)})  # another source's crawler
    event = second.run(raw(venue={"name": "Toldkammeret på Kulturværftet"}))
    assert event.venue.name == "Toldkammeret på Kulturværftet"  # no aliases: the source's name
    assert first.stat("hhevents/venues/problems") == second.stat("hhevents/venues/problems") == 1
    syntax = [r for r in caplog.records if "YAML syntax error" in r.getMessage()]
    assert len(syntax) == 1
    assert any("no venue could be read" in r.getMessage() for r in caplog.records)


def test_missing_venue_table_is_reported_and_the_crawl_goes_on(tmp_path: Path, caplog):
    with caplog.at_level(logging.ERROR, logger="pipelines.normalise"):
        stages = Stages(source(), {VENUES_SETTING: str(tmp_path / "nowhere.yaml")})
    assert stages.run(raw(venue={"name": "Dunkers"})).venue.name == "Dunkers"
    assert any("no venue could be read" in r.getMessage() for r in caplog.records)


def test_venue_table_with_one_broken_venue_uses_the_others(tmp_path: Path, caplog):
    table = tmp_path / "venues.yaml"
    table.write_text(
        "venues:\n"
        "  - id: kulturvaerftet\n"
        "    name: Kulturværftet\n"
        "    city: helsingor\n"
        "    country: DK\n"
        "    halls: [Toldkammeret]\n"
        "  - id: kronborg\n"
        "    name: Kronborg Slot\n"
        "    city: helsingor\n"
        "    country: DK\n"
        "    adress: Kronborg 2C\n",  # a typo: this venue is left out
        encoding="utf-8",
    )
    with caplog.at_level(logging.ERROR, logger="pipelines.normalise"):
        stages = Stages(source("helsingor"), {VENUES_SETTING: str(table)})
    assert stages.run(raw(venue={"name": "Toldkammeret"})).venue.name == "Kulturværftet"
    assert stages.run(raw(venue={"name": "Kronborg"})).venue.name == "Kronborg"
    assert stages.stat("hhevents/venues/problems") == 1
    assert any("unknown key 'adress'" in r.getMessage() for r in caplog.records)


def test_crawl_settings_name_the_venue_table(tmp_path: Path):
    assert crawl_settings(tmp_path)[VENUES_SETTING] == str(DEFAULT_VENUES_PATH.resolve())
    own = tmp_path / "mine.yaml"
    assert crawl_settings(tmp_path, venues=own)[VENUES_SETTING] == str(own.resolve())


def test_cli_venues_option_before_or_after_the_command():
    parser = build_parser()
    assert parser.parse_args(["--venues", "a.yaml", "crawl"]).venues == Path("a.yaml")
    assert parser.parse_args(["crawl", "--venues", "b.yaml"]).venues == Path("b.yaml")
    assert parser.parse_args(["crawl"]).venues == Path("config/venues.yaml")
