"""The source configuration: schema rules and the loader's positions, messages and partial loading."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from pydantic import ValidationError

from config import (
    SOURCE_TYPES,
    ConfigProblem,
    IcsSource,
    JsonLdSource,
    LoadedConfig,
    format_problems,
    load_sources,
)

GOOD_ICS = """\
  - id: dunkers
    name: Dunkers kulturhus
    city: helsingborg
    type: ics
    url: https://dunkerskulturhus.se/kalender.ics
    category: culture
    language: sv
"""

GOOD_JSONLD = """\
  - id: kulturvaerftet
    name: Kulturværftet
    city: helsingor
    type: jsonld
    url: https://kulturvaerftet.dk/kalender
    category: culture
    language: da
    detail_links: "a.event-card"
    next_page: "a[rel=next]"
    max_pages: 5
"""


def load(tmp_path: Path, text: str) -> LoadedConfig:
    path = tmp_path / "sources.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_sources(path)


def only_problem(config: LoadedConfig) -> ConfigProblem:
    assert len(config.problems) == 1, format_problems(config.problems)
    return config.problems[0]


# -- valid files ---------------------------------------------------------------------------------------------


def test_valid_file_loads_every_source_with_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + GOOD_JSONLD)

    assert config.ok, format_problems(config.problems)
    assert [s.id for s in config.sources] == ["dunkers", "kulturvaerftet"]
    ics = config.by_id("dunkers")
    assert isinstance(ics, IcsSource)
    assert (ics.schedule, ics.enabled, ics.past_days, ics.horizon_days) == ("0 */6 * * *", True, 30, 365)
    jsonld = config.by_id("kulturvaerftet")
    assert isinstance(jsonld, JsonLdSource)
    assert (jsonld.detail_links, jsonld.next_page, jsonld.max_pages) == ("a.event-card", "a[rel=next]", 5)
    assert config.by_id("nope") is None
    assert config.path == tmp_path / "sources.yaml"


def test_empty_sources_list_is_valid(tmp_path: Path) -> None:
    config = load(tmp_path, "sources: []\n")
    assert config.ok
    assert config.sources == []


def test_city_default_timezone_and_explicit_timezone(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + GOOD_JSONLD + "    timezone: Europe/Berlin\n")

    assert config.ok, format_problems(config.problems)
    dunkers, vaerftet = config.sources
    assert dunkers.timezone is None
    assert dunkers.zone_name == "Europe/Stockholm"
    assert str(dunkers.zone) == "Europe/Stockholm"
    assert vaerftet.zone_name == "Europe/Berlin"


def test_city_default_timezone_of_helsingor_is_copenhagen(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_JSONLD)
    assert config.sources[0].zone_name == "Europe/Copenhagen"


def test_yaml_merge_keys_are_not_taken_for_duplicate_keys(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        sources:
          - &dunkers
            id: dunkers
            name: Dunkers
            city: helsingborg
            type: ics
            url: https://dunkerskulturhus.se/a.ics
            category: culture
            language: sv
          - <<: *dunkers
            id: dunkers-barn
            url: https://dunkerskulturhus.se/barn.ics
        """)

    assert config.ok, format_problems(config.problems)
    assert [(s.id, s.url) for s in config.sources] == [
        ("dunkers", "https://dunkerskulturhus.se/a.ics"),
        ("dunkers-barn", "https://dunkerskulturhus.se/barn.ics"),
    ]


def test_disabled_source_is_still_loaded(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    enabled: no\n")
    assert config.ok
    assert config.sources[0].enabled is False


# -- positions and messages ----------------------------------------------------------------------------------


def test_unknown_key_points_at_the_key_and_suggests_the_close_match(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + GOOD_JSONLD.replace("detail_links", "detial_links"))

    problem = only_problem(config)
    assert (problem.line, problem.column) == (16, 5)
    assert problem.source_id == "kulturvaerftet"
    assert problem.message == (
        "sources[1] (kulturvaerftet): unknown key 'detial_links' — did you mean 'detail_links'?"
    )
    assert [s.id for s in config.sources] == ["dunkers"]


def test_unknown_key_of_another_source_type_names_that_type(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    next_page: a.next\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 5)
    assert "unknown key 'next_page'" in problem.message
    assert "belongs to sources of type 'jsonld'" in problem.message


def test_unknown_key_without_close_match_lists_allowed_keys(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    colour: red\n")
    assert "allowed keys: id, name, city, type, url" in only_problem(config).message


def test_bad_value_points_at_the_value_and_lists_the_choices(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS.replace("city: helsingborg", "city: helsingborgs"))

    problem = only_problem(config)
    assert (problem.line, problem.column) == (4, 11)
    assert problem.message == (
        "sources[0] (dunkers).city: must be one of 'helsingborg', 'helsingor', got 'helsingborgs'"
        " — did you mean 'helsingborg'?"
    )


def test_missing_key_points_at_the_entry(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS.replace("    category: culture\n", ""))

    problem = only_problem(config)
    assert (problem.line, problem.column) == (2, 5)
    assert problem.message == "sources[0] (dunkers): missing required key 'category'"
    assert config.sources == []


def test_missing_type_lists_the_known_types(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS.replace("    type: ics\n", ""))

    problem = only_problem(config)
    assert (problem.line, problem.column) == (2, 5)
    known = ", ".join(repr(name) for name in SOURCE_TYPES)
    assert problem.message == f"sources[0] (dunkers): missing required key 'type' (one of {known})"


def test_unknown_type_lists_known_types_with_did_you_mean(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS.replace("type: ics", "type: ical"))

    problem = only_problem(config)
    assert (problem.line, problem.column) == (5, 11)
    known = ", ".join(repr(name) for name in SOURCE_TYPES)
    assert problem.message == (
        f"sources[0] (dunkers).type: unknown source type 'ical'; known types: {known} — did you mean 'ics'?"
    )


def test_unknown_type_still_reports_problems_of_the_common_keys(tmp_path: Path) -> None:
    entry = GOOD_ICS.replace("type: ics", "type: atom").replace("language: sv", "language: se")
    config = load(tmp_path, "sources:\n" + entry)

    assert [(p.line, p.column) for p in config.problems] == [(5, 11), (8, 15)]
    assert "language: must be one of 'sv', 'da', 'en', got 'se'" in config.problems[1].message


def test_several_problems_in_one_entry_are_all_reported_in_file_order(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        sources:
          - id: Dunkers
            name: ""
            city: helsingborg
            type: ics
            url: dunkerskulturhus.se/a.ics
            category: music
            language: sv
            past_days: -1
            horizon_days: lots
        """)

    positions = [(p.line, p.column) for p in config.problems]
    assert positions == [(2, 9), (3, 11), (6, 10), (7, 15), (9, 16), (10, 19)]
    messages = [p.message for p in config.problems]
    assert messages[0].startswith("sources[0] (Dunkers).id: must be a slug")
    assert messages[1] == "sources[0] (Dunkers).name: must not be empty"
    assert messages[2] == (
        "sources[0] (Dunkers).url: must be an absolute http(s) URL, got 'dunkerskulturhus.se/a.ics'"
        " (add 'https://' in front)"
    )
    assert messages[3] == (
        "sources[0] (Dunkers).category: must be one of 'culture', 'sport', 'shopping', got 'music'"
    )
    assert messages[4] == "sources[0] (Dunkers).past_days: must be at least 0, got -1"
    assert messages[5] == "sources[0] (Dunkers).horizon_days: expected a whole number, got 'lots'"
    assert config.sources == []


def test_one_broken_entry_among_three_keeps_the_other_two(tmp_path: Path) -> None:
    broken = GOOD_ICS.replace("dunkers", "broken").replace("language: sv", "language: svenska")
    config = load(tmp_path, "sources:\n" + GOOD_ICS + broken + GOOD_JSONLD)

    problem = only_problem(config)
    assert (problem.line, problem.column) == (15, 15)
    assert problem.source_id == "broken"
    assert [s.id for s in config.sources] == ["dunkers", "kulturvaerftet"]
    assert not config.ok


def test_entry_that_is_not_a_mapping_is_skipped(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n  - dunkers\n" + GOOD_ICS)

    problem = only_problem(config)
    assert (problem.line, problem.column) == (2, 5)
    assert problem.message == "sources[0]: expected a mapping (id: ..., type: ...), got text 'dunkers'"
    assert [s.id for s in config.sources] == ["dunkers"]


def test_duplicate_id_reports_the_later_entry_and_keeps_the_first(tmp_path: Path) -> None:
    second = GOOD_ICS.replace("kalender.ics", "barn.ics")
    config = load(tmp_path, "sources:\n" + GOOD_ICS + second)

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 9)
    assert problem.message == "sources[1] (dunkers).id: duplicate id 'dunkers', first defined at line 2"
    assert [s.url for s in config.sources] == ["https://dunkerskulturhus.se/kalender.ics"]


def test_duplicate_key_in_an_entry_is_reported_with_both_lines_and_the_entry_skipped(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    url: https://dunkerskulturhus.se/other.ics\n"
                  + GOOD_JSONLD)

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 5)
    assert problem.message == (
        "sources[0] (dunkers): duplicate key 'url' (first at line 6); keep only one of them"
    )
    assert [s.id for s in config.sources] == ["kulturvaerftet"]


def test_duplicate_top_level_key_is_reported(tmp_path: Path) -> None:
    config = load(tmp_path, "sources: []\nsources:\n" + GOOD_ICS)

    problem = only_problem(config)
    assert (problem.line, problem.column) == (2, 1)
    assert "duplicate top-level key 'sources' (first at line 1)" in problem.message


def test_key_that_yaml_reads_as_a_boolean_is_reported(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    on: true\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 5)
    assert "key 'on' reads as true, not as text" in problem.message


def test_yaml_syntax_error_reports_the_pyyaml_position(tmp_path: Path) -> None:
    config = load(tmp_path, """\
        sources:
          - id: dunkers
            name: "Dunkers
            city: helsingborg
        """)

    problem = only_problem(config)
    assert (problem.line, problem.column) == (5, 1)
    assert problem.message.startswith("YAML syntax error: found unexpected end of stream")
    assert "(while scanning a quoted scalar at line 3)" in problem.message
    assert config.sources == []


def test_bad_indentation_is_a_syntax_error_with_position(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n  - id: dunkers\n     name: Dunkers\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (3, 10)
    assert "mapping values are not allowed here" in problem.message


def test_unquoted_cron_starting_with_star_gets_a_quoting_hint(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    schedule: */30 * * * *\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 16)
    assert "must be quoted" in problem.message


def test_missing_file_is_a_problem_without_position(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    config = load_sources(path)

    problem = only_problem(config)
    assert (problem.file, problem.line, problem.column) == (str(path), None, None)
    assert str(problem) == f"{path}: file not found"
    assert config.sources == []


def test_file_that_is_not_utf8_reports_the_byte_position(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_bytes(b"sources:\n  - name: Kulturv\xe6rftet\n")

    problem = only_problem(load_sources(path))
    assert (problem.line, problem.column) == (2, 18)
    assert "not valid UTF-8" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "column", "expected"),
    [
        ("", None, None, "got an empty file"),
        ("- id: dunkers\n", 1, 1, "did you forget the 'sources:' line?"),
        ("sources:\n", 1, 1, "sources: expected a list of entries ('- id: ...'), got nothing (null)"),
        ("sources: dunkers\n", 1, 10, "expected a list of entries ('- id: ...'), got text 'dunkers'"),
        ("source: []\n", 1, 1, "unknown top-level key 'source' — did you mean 'sources'?"),
    ],
)
def test_top_level_that_is_not_a_mapping_with_a_sources_list(
    tmp_path: Path, text: str, line: int | None, column: int | None, expected: str
) -> None:
    config = load(tmp_path, text)

    assert config.problems, "expected a problem"
    problem = config.problems[0]
    assert (problem.line, problem.column) == (line, column)
    assert expected in problem.message


@pytest.mark.parametrize(
    ("schedule", "reason"),
    [
        ("'0 */6 * *'", "this one has 4"),
        ("'0 */6 * * * *'", "this one has 6"),
        ("'0 24 * * *'", "hour field '24': 24 is outside 0-23"),
        ("'0 6 * * MON'", "day of week field 'MON' may only contain digits"),
        ("'30-10 * * * *'", "range 30-10 runs backwards"),
        ("'*/0 * * * *'", "a step of 0 never advances"),
        ("'1--2 * * * *'", "'1--2' is not N, N-M, *"),
        ("every 30s", "'every 30s' is not 'every <N>m'"),
        ("every 0m", "'every 0m' is not 'every <N>m'"),
        ("hourly", "this one has 1"),
    ],
)
def test_bad_cron_schedule_says_why(tmp_path: Path, schedule: str, reason: str) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + f"    schedule: {schedule}\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 15)
    assert problem.message.startswith("sources[0] (dunkers).schedule: ")
    assert reason in problem.message


@pytest.mark.parametrize(
    "schedule",
    ["'*/15 * * * *'", "'0 6,18 * * 1-5'", "'0 0-23/2 1 1-12 0,7'", "every 30m", "every 2h", "every 1d"],
)
def test_good_schedules_are_accepted(tmp_path: Path, schedule: str) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + f"    schedule: {schedule}\n")
    assert config.ok, format_problems(config.problems)


def test_bad_timezone_points_at_the_value_and_suggests_a_zone(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    timezone: Europe/Stokholm\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (9, 15)
    assert problem.message == (
        "sources[0] (dunkers).timezone: unknown IANA timezone 'Europe/Stokholm'"
        " — did you mean 'Europe/Stockholm'?"
    )


def test_timezone_that_is_a_tzdata_directory_is_rejected(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS + "    timezone: Europe\n")
    assert "unknown IANA timezone 'Europe'" in only_problem(config).message


def test_bad_css_selector_names_the_key(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_JSONLD.replace('"a[rel=next]"', '"a[rel=next"'))

    problem = only_problem(config)
    assert (problem.line, problem.column) == (10, 16)
    assert problem.message.startswith(
        "sources[0] (kulturvaerftet).next_page: not a valid CSS selector 'a[rel=next'"
    )


def test_problem_str_is_file_line_column_message(tmp_path: Path) -> None:
    problem = ConfigProblem("config/sources.yaml", 12, 5, "sources[2] (x): unknown key 'y'", "x")
    assert str(problem) == "config/sources.yaml:12:5: sources[2] (x): unknown key 'y'"
    assert str(ConfigProblem("a.yaml", 3, None, "m")) == "a.yaml:3: m"


def test_format_problems_prints_one_problem_per_line(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n" + GOOD_ICS.replace("sv", "xx").replace("culture", "art"))
    path = tmp_path / "sources.yaml"

    assert format_problems(config.problems).splitlines() == [
        f"{path}:7:15: sources[0] (dunkers).category: must be one of 'culture', 'sport', 'shopping',"
        " got 'art'",
        f"{path}:8:15: sources[0] (dunkers).language: must be one of 'sv', 'da', 'en', got 'xx'",
    ]


def test_control_character_is_reported_with_position(tmp_path: Path) -> None:
    config = load(tmp_path, "sources:\n  - id: dunkers\x01\n")

    problem = only_problem(config)
    assert (problem.line, problem.column) == (2, 16)
    assert "character '\\x01' is not allowed" in problem.message


# -- the schema on its own -----------------------------------------------------------------------------------


def test_source_types_follow_the_union() -> None:
    assert SOURCE_TYPES == ("ics", "jsonld", "tribe", "hbg", "kultunaut", "rss", "html", "json")


def test_source_models_are_frozen_and_validate_directly() -> None:
    source = IcsSource(
        id="x", name="X", city="helsingor", type="ics", url="http://x.dk/a.ics", category="sport",
        language="da",
    )
    with pytest.raises(ValidationError):
        source.enabled = False  # type: ignore[misc]
    with pytest.raises(ValidationError) as excinfo:
        JsonLdSource.model_validate({**source.model_dump(), "type": "jsonld", "detail_links": "a::text"})
    assert excinfo.value.errors()[0]["loc"] == ("detail_links",)

