"""The venue alias table: the shipped file, the look-up, and problems with file, line and column."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from config.loader import ConfigProblem
from config.venues import (
    DEFAULT_VENUES_PATH,
    LoadedVenues,
    VenueTable,
    format_problems,
    load_venues,
    resolve_venue,
    venue_key,
)

# -- the shipped table ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped() -> LoadedVenues:
    return load_venues(DEFAULT_VENUES_PATH)


def test_shipped_table_loads_without_problems(shipped: LoadedVenues) -> None:
    assert shipped.ok, format_problems(shipped.problems)
    assert {venue.id for venue in shipped.venues} == {
        "dunkers-kulturhus",
        "helsingborgs-konserthus",
        "helsingborg-arena",
        "olympia",
        "sofiero",
        "fredriksdal",
        "kulturvaerftet",
        "kronborg",
        "museet-for-sofart",
        "helsingor-teater",
    }


@pytest.mark.parametrize(
    ("venue_id", "street", "postal_code", "locality"),
    [
        pytest.param("dunkers-kulturhus", "Kungsgatan 11", "252 21", "Helsingborg", id="dunkers"),
        pytest.param("kulturvaerftet", "Allégade 2", "3000", "Helsingør", id="kulturvaerftet"),
        pytest.param("kronborg", "Kronborg 2C", "3000", "Helsingør", id="kronborg"),
        pytest.param("museet-for-sofart", "Ny Kronborgvej 1", "3000", "Helsingør", id="museet-for-sofart"),
    ],
)
def test_shipped_addresses(
    shipped: LoadedVenues, venue_id: str, street: str, postal_code: str, locality: str
) -> None:
    venue = VenueTable(shipped.venues).by_id(venue_id)
    assert venue is not None
    assert (venue.street_address, venue.postal_code, venue.locality) == (street, postal_code, locality)


def test_unconfirmed_addresses_are_left_out(shipped: LoadedVenues) -> None:
    table = VenueTable(shipped.venues)
    for venue_id in ("helsingborgs-konserthus", "olympia", "helsingor-teater"):
        assert table.by_id(venue_id).street_address is None  # type: ignore[union-attr]


# -- resolve_venue against the shipped table ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "by", "hall"),
    [
        pytest.param("Kulturværftet", "name", None, id="kulturvaerftet"),
        pytest.param("Kulturværftet, Allégade 2", "name", None, id="kulturvaerftet-with-street"),
        pytest.param(
            "Toldkammeret på Kulturværftet", "name", "Toldkammeret", id="toldkammeret-pa-kulturvaerftet"
        ),
        pytest.param("Toldkammeret", "hall", "Toldkammeret", id="toldkammeret-alone"),
        pytest.param("KULTURVAERFTET", "name", None, id="capitals-and-ascii"),
        pytest.param("Kulturværftet.", "name", None, id="trailing-punctuation"),
        pytest.param("Kulturværftet i Helsingør", "alias", None, id="alias-with-town"),
        pytest.param("Culture Yard", "alias", None, id="english-name"),
        pytest.param("Kulturværftet, Allégade 2, 3000 Helsingør", "name", None, id="full-address-in-name"),
    ],
)
def test_kulturvaerftet_spellings_merge_into_one_venue(name: str, by: str, hall: str | None) -> None:
    match = resolve_venue(name)
    assert match is not None
    assert (match.venue.id, match.by, match.hall) == ("kulturvaerftet", by, hall)


@pytest.mark.parametrize(
    ("name", "venue_id"),
    [
        pytest.param("Dunkers kulturhus, Kungsgatan 11", "dunkers-kulturhus", id="dunkers-with-street"),
        pytest.param("Dunkers Kulturhus", "dunkers-kulturhus", id="dunkers-capitalised"),
        pytest.param("Store scen, Dunkers kulturhus", "dunkers-kulturhus", id="unknown-room-then-venue"),
        pytest.param("M/S Museet for Søfart", "museet-for-sofart", id="ms-museet-for-sofart"),
        pytest.param("MS Museet for Søfart", "museet-for-sofart", id="ms-without-slash"),
        pytest.param("M/S Museet for Søfart, Ny Kronborgvej 1", "museet-for-sofart", id="museum-with-street"),
        pytest.param("Kronborg", "kronborg", id="kronborg"),
        pytest.param("Kronborg Castle", "kronborg", id="kronborg-castle"),
        pytest.param("Sofiero slott", "sofiero", id="sofiero-slott"),
        pytest.param("Fredriksdalsteatern", "fredriksdal", id="fredriksdal-theatre-hall"),
        pytest.param("Olympia", "olympia", id="olympia"),
        pytest.param("Helsingborgs Konserthus", "helsingborgs-konserthus", id="konserthus"),
        pytest.param("Helsingør Teater", "helsingor-teater", id="helsingor-teater"),
    ],
)
def test_resolves_known_venues(name: str, venue_id: str) -> None:
    match = resolve_venue(name)
    assert match is not None and match.venue.id == venue_id


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("Café Olympia", id="olympia-inside-another-name"),
        pytest.param("Olympiaskolan", id="olympia-inside-a-word"),
        pytest.param("Dunkers och Kronborg", id="two-venues-without-a-connector"),
        pytest.param("Stadsbiblioteket", id="unknown-venue"),
        pytest.param("", id="empty"),
    ],
)
def test_does_not_resolve(name: str) -> None:
    assert resolve_venue(name) is None


def test_room_at_a_venue_resolves_to_the_container() -> None:
    match = resolve_venue("Kronborg Slot på M/S Museet for Søfart")
    assert match is not None and match.venue.id == "museet-for-sofart"


def test_unknown_name_with_a_known_street_resolves_by_street() -> None:
    match = resolve_venue("Scenen", street="Allegade 2", postal_code="3000")
    assert match is not None
    assert (match.venue.id, match.by) == ("kulturvaerftet", "street")


def test_known_street_with_another_postcode_does_not_resolve() -> None:
    assert resolve_venue("Scenen", street="Kungsgatan 11", postal_code="111 22") is None


def test_match_in_another_city_is_dropped() -> None:
    assert resolve_venue("Olympia", postal_code="411 01", locality="Göteborg") is None


def test_match_in_another_country_is_dropped() -> None:
    assert resolve_venue("Olympia", country="DK") is None


def test_matching_address_keeps_the_match() -> None:
    match = resolve_venue(
        "Kulturværftet", street="Allégade 2", postal_code="3000", locality="Helsingør", country="Danmark"
    )
    assert match is not None and match.venue.id == "kulturvaerftet"


def test_as_venue_gives_the_model_keys() -> None:
    match = resolve_venue("Toldkammeret på Kulturværftet")
    assert match is not None
    assert match.venue.as_venue() == {
        "name": "Kulturværftet",
        "street_address": "Allégade 2",
        "postal_code": "3000",
        "locality": "Helsingør",
        "country": "DK",
        "latitude": None,
        "longitude": None,
    }


def test_venue_key_ignores_case_accents_punctuation_and_spaces() -> None:
    assert venue_key("M/S Museet for Søfart") == venue_key("MS Museet for Sofart") == "msmuseetforsofart"
    assert venue_key("Kulturværftet") == venue_key("KULTURVAERFTET")


# -- loading problems ----------------------------------------------------------------------------------------

GOOD = """\
  - id: dunkers-kulturhus
    name: Dunkers kulturhus
    street_address: Kungsgatan 11
    postal_code: "252 21"
    locality: Helsingborg
    country: SE
    city: helsingborg
    aliases: [Dunkers]
"""


def load(tmp_path: Path, text: str) -> LoadedVenues:
    path = tmp_path / "venues.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_venues(path)


def only_problem(loaded: LoadedVenues) -> ConfigProblem:
    assert len(loaded.problems) == 1, format_problems(loaded.problems)
    return loaded.problems[0]


def test_good_file_loads(tmp_path: Path) -> None:
    loaded = load(tmp_path, "venues:\n" + GOOD)
    assert loaded.ok and [venue.id for venue in loaded.venues] == ["dunkers-kulturhus"]


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n  - id: x\n    name: [unclosed\n"))
    assert problem.line == 4 and problem.column == 1
    assert "YAML syntax error" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'venues.yaml'}:4:1: ")


def test_tab_indentation_gets_the_hint(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n\t- id: x\n"))
    assert "indent with spaces" in problem.message


def test_unknown_key_points_at_the_key_with_a_suggestion(tmp_path: Path) -> None:
    loaded = load(tmp_path, "venues:\n" + GOOD.replace("    locality:", "    website: x\n    locality:"))
    problem = only_problem(loaded)
    assert (problem.line, problem.column) == (6, 5)
    assert "unknown key 'website'" in problem.message and "allowed keys: id, name, city" in problem.message
    assert problem.source_id == "dunkers-kulturhus"
    assert loaded.venues == []


def test_misspelt_key_gets_did_you_mean(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD.replace("aliases:", "alias:")))
    assert "did you mean 'aliases'?" in problem.message


def test_missing_required_key(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD.replace("    city: helsingborg\n", "")))
    assert problem.line == 2 and "missing required key 'city'" in problem.message


def test_bad_city_value_lists_the_choices(tmp_path: Path) -> None:
    problem = only_problem(
        load(tmp_path, "venues:\n" + GOOD.replace("city: helsingborg", "city: helsingbrog"))
    )
    assert (problem.line, problem.column) == (8, 11)
    assert "did you mean 'helsingborg'?" in problem.message


def test_duplicate_id_points_at_the_second(tmp_path: Path) -> None:
    second = GOOD.replace("aliases: [Dunkers]", "aliases: [Dunkers 2]").replace(
        "name: Dunkers kulturhus", "name: Dunkers igen"
    )
    loaded = load(tmp_path, "venues:\n" + GOOD + second)
    problem = only_problem(loaded)
    assert (
        problem.line == 10 and "duplicate id 'dunkers-kulturhus', first defined at line 2" in problem.message
    )
    assert len(loaded.venues) == 1


def test_alias_belonging_to_two_venues_points_at_the_alias(tmp_path: Path) -> None:
    other = """\
  - id: kulturvaerftet
    name: Kulturværftet
    country: DK
    city: helsingor
    aliases: [Culture Yard, DUNKERS]
"""
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD + other))
    assert (problem.line, problem.column) == (14, 29)
    assert "'DUNKERS' is already a name of venue 'dunkers-kulturhus' (line 9)" in problem.message


def test_postcode_of_the_wrong_shape(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD.replace('"252 21"', '"2522"')))
    assert "is not a postcode of SE" in problem.message


def test_postcode_is_normalised(tmp_path: Path) -> None:
    loaded = load(tmp_path, "venues:\n" + GOOD.replace('"252 21"', "25221"))
    assert loaded.ok and loaded.venues[0].postal_code == "252 21"


def test_postcode_in_another_city_is_a_problem(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD.replace('"252 21"', '"211 20"')))
    assert problem.line == 5 and "the address is not in helsingborg: postcode 211 20" in problem.message


def test_locality_in_another_city_is_a_problem(tmp_path: Path) -> None:
    problem = only_problem(
        load(tmp_path, "venues:\n" + GOOD.replace("locality: Helsingborg", "locality: Helsingør"))
    )
    assert problem.line == 6 and "locality 'Helsingør' is in helsingor" in problem.message


def test_city_in_the_wrong_country(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD.replace("country: SE", "country: DK")))
    assert "city helsingborg is in SE, not in DK" in problem.message


def test_implausible_coordinates_point_at_latitude(tmp_path: Path) -> None:
    text = GOOD.replace("    aliases:", "    latitude: 12.6889\n    longitude: 56.0467\n    aliases:")
    problem = only_problem(load(tmp_path, "venues:\n" + text))
    assert problem.line == 9 and "latitude and longitude look swapped" in problem.message


def test_half_a_coordinate_is_a_problem(tmp_path: Path) -> None:
    problem = only_problem(
        load(tmp_path, "venues:\n" + GOOD.replace("    aliases:", "    latitude: 56.04\n    aliases:"))
    )
    assert "both latitude and longitude" in problem.message


def test_one_broken_venue_does_not_stop_the_others(tmp_path: Path) -> None:
    broken = "  - id: Bad Id\n    name: X\n    country: SE\n    city: helsingborg\n"
    loaded = load(tmp_path, "venues:\n" + broken + GOOD)
    problem = only_problem(loaded)
    assert problem.line == 2 and "must be a slug" in problem.message
    assert [venue.id for venue in loaded.venues] == ["dunkers-kulturhus"]


def test_duplicate_key_in_a_venue(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n" + GOOD + "    name: Again\n"))
    assert problem.line == 10 and "duplicate key 'name' (first at line 3)" in problem.message


def test_missing_venues_key(tmp_path: Path) -> None:
    loaded = load(tmp_path, "sources: []\n")
    assert [p.message for p in loaded.problems] == [
        "unknown top-level key 'sources'",
        "missing the top-level key 'venues' (a list of venues)",
    ]


def test_venues_not_a_list(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues: dunkers\n"))
    assert problem.line == 1 and "expected a list of venues" in problem.message


def test_entry_not_a_mapping(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, "venues:\n  - Dunkers\n"))
    assert problem.line == 2 and "expected a mapping" in problem.message


def test_empty_file(tmp_path: Path) -> None:
    problem = only_problem(load(tmp_path, ""))
    assert "got an empty file" in problem.message


def test_missing_file(tmp_path: Path) -> None:
    problem = only_problem(load_venues(tmp_path / "nope.yaml"))
    assert problem.message == "file not found" and problem.line is None


def test_not_utf8_has_a_position(tmp_path: Path) -> None:
    path = tmp_path / "venues.yaml"
    path.write_bytes("venues:\n  - id: x\n    name: Kulturv\xe6rftet\n".encode("latin-1"))
    problem = only_problem(load_venues(path))
    assert (problem.line, problem.column) == (3, 18) and "not valid UTF-8" in problem.message


def test_table_from_a_loaded_file_resolves(tmp_path: Path) -> None:
    table = VenueTable(load(tmp_path, "venues:\n" + GOOD).venues)
    match = resolve_venue("DUNKERS", table=table)
    assert match is not None and (match.venue.id, match.by, match.matched) == (
        "dunkers-kulturhus",
        "alias",
        "Dunkers",
    )
