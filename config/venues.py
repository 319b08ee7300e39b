"""The venue alias table (``config/venues.yaml``): its schema, its loader and the look-up the normaliser uses.

API::

    from config.venues import load_venues, resolve_venue, VenueTable

    loaded = load_venues("config/venues.yaml")   # LoadedVenues(path, venues, problems); never raises
    table = VenueTable(loaded.venues)
    match = table.resolve("Toldkammeret på Kulturværftet")
    match.venue.name, match.by, match.hall       # ("Kulturværftet", "hall", "Toldkammeret")
    match.venue.as_venue()                        # the model's Venue keys: name, street_address, ...
    resolve_venue("Kulturværftet, Allégade 2")    # the same, against the shipped table (loaded once)

Like ``sources.yaml``, a broken file never stops the rest: each venue is checked on its own, a broken one is
skipped and reported as a :class:`config.loader.ConfigProblem` with file, line and column (its
``source_id`` holds the venue's id). The matching rules are in docs/normalisation.md ("venues").
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from config.loader import (
    _NOT_A_KEY,
    ConfigProblem,
    _describe,
    _did_you_mean,
    _key_of,
    _Loader,
    _lookup,
    _show,
    format_problems,
)
from hhevents.cities import CITY_COUNTRIES
from hhevents.model import City, Country
from hhevents.place import (
    check_coordinates,
    country_code,
    decide_city,
    fold,
    normalise_postal_code,
    parse_address,
)

DEFAULT_VENUES_PATH = Path(__file__).with_name("venues.yaml")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")

__all__ = [
    "DEFAULT_VENUES_PATH",
    "LoadedVenues",
    "VenueEntry",
    "VenueMatch",
    "VenueTable",
    "format_problems",
    "load_venues",
    "resolve_venue",
    "venue_key",
]


def venue_key(text: str) -> str:
    """What two spellings of one name share: case, accents, punctuation and spaces gone.

    'Kulturværftet', 'KULTURVAERFTET', 'Kulturværftet.' -> 'kulturvaerftet'; 'M/S Museet for Søfart' and
    'MS Museet for Søfart' -> 'msmuseetforsofart'.
    """
    return fold(text).replace(" ", "")


class VenueEntry(BaseModel):
    """One canonical venue of ``venues.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="slug, unique in the file")
    name: str = Field(min_length=1)
    city: City
    country: Country
    street_address: str | None = None
    postal_code: str | None = None
    locality: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    aliases: tuple[str, ...] = ()
    halls: tuple[str, ...] = ()

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(f"id {value!r} must be a slug: lower-case letters, digits and '-'")
        return value

    @field_validator("name", "street_address", "locality")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("must not be empty; leave the key out instead")
        return value.strip() if value is not None else None

    @field_validator("postal_code", mode="before")
    @classmethod
    def _postal_as_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("aliases", "halls")
    @classmethod
    def _names(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not venue_key(value):
                raise ValueError(f"{value!r} has no letters or digits to match")
        return tuple(value.strip() for value in values)

    @model_validator(mode="after")
    def _consistent(self) -> VenueEntry:
        if CITY_COUNTRIES[self.city] != self.country:
            raise ValueError(f"city {self.city} is in {CITY_COUNTRIES[self.city]}, not in {self.country}")
        if self.postal_code is not None:
            code, code_country = normalise_postal_code(self.postal_code, self.country)
            if code is None:
                shape = "'NNN NN' (e.g. '252 21')" if self.country == "SE" else "'NNNN' (e.g. '3000')"
                raise ValueError(f"postal_code {self.postal_code!r} is not a postcode of {self.country}; "
                                 f"write {shape}")
            object.__setattr__(self, "postal_code", code)  # the one spelling: "252 21", "3000"
        if (self.latitude is None) != (self.longitude is None):
            raise ValueError("give both latitude and longitude, or neither")
        return self

    def as_venue(self) -> dict[str, Any]:
        """The event model's Venue keys."""
        return {
            "name": self.name,
            "street_address": self.street_address,
            "postal_code": self.postal_code,
            "locality": self.locality,
            "country": self.country,
            "latitude": self.latitude,
            "longitude": self.longitude,
        }


# -- loading -------------------------------------------------------------------------------------------------


@dataclass
class LoadedVenues:
    path: Path
    venues: list[VenueEntry] = field(default_factory=list)
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def load_venues(path: str | os.PathLike[str] = DEFAULT_VENUES_PATH) -> LoadedVenues:
    """Read and check a venues file. Never raises for bad content: every problem lands in ``problems``."""
    loader = _VenueLoader(os.fspath(path))
    loader.run()
    problems = sorted(loader.problems, key=lambda p: (p.line or 0, p.column or 0))
    return LoadedVenues(path=Path(path), venues=loader.venues, problems=problems)


class _VenueLoader(_Loader):
    """config.loader's reading, YAML error and duplicate-key machinery, with the venue file's structure."""

    def __init__(self, file: str) -> None:
        super().__init__(file)
        self.venues: list[VenueEntry] = []

    def run(self) -> None:
        text = self.read()
        if text is None:
            return
        parsed = self.parse(text)
        if parsed is None:
            return
        root, data = parsed
        top = self.venues_list(root, data)
        if top is None:
            return
        node, entries = top
        first_line_of_id: dict[str, int] = {}
        names: dict[str, tuple[str, int]] = {}  # venue_key -> (venue id, line)
        for index, (entry_node, entry) in enumerate(zip(node.value, entries, strict=True)):
            self.load_venue(index, entry_node, entry, first_line_of_id, names)

    def venues_list(self, root: Node | None, data: Any) -> tuple[SequenceNode, list[Any]] | None:
        if not isinstance(root, MappingNode) or not isinstance(data, dict):
            got = "an empty file" if root is None else _describe(data)
            self.problem(root.start_mark if root is not None else None,
                         f"expected a mapping with a 'venues' list at the top level, got {got}")
            return None
        for key_node, _ in root.value:
            key = _key_of(key_node)
            if key is not _NOT_A_KEY and key != "venues":
                self.problem(key_node, f"unknown top-level key {_show(key)}{_did_you_mean(key, ['venues'])}")
        for key_node, first in self.duplicates.get(id(root), []):
            self.problem(key_node, f"duplicate top-level key {key_node.value!r} "
                         f"(first at line {first.start_mark.line + 1}); only the last one is used")
        key_node, node = _lookup(root, "venues")
        if node is None:
            self.problem(root, "missing the top-level key 'venues' (a list of venues)")
            return None
        entries = data.get("venues")
        if not isinstance(node, SequenceNode) or not isinstance(entries, list):
            self.problem(node, f"venues: expected a list of venues ('- id: ...'), got {_describe(entries)}")
            return None
        return node, entries

    def load_venue(self, index: int, node: Node, entry: Any, first_line_of_id: dict[str, int],
                   names: dict[str, tuple[str, int]]) -> None:
        venue_id = entry.get("id") if isinstance(entry, dict) and isinstance(entry.get("id"), str) else None
        where = f"venues[{index}]" + (f" ({venue_id})" if venue_id else "")
        if not isinstance(node, MappingNode) or not isinstance(entry, dict):
            self.problem(node, f"{where}: expected a mapping (id: ..., name: ...), got {_describe(entry)}")
            return
        before = len(self.problems)
        self.duplicate_problems(node, f"{where}: ", venue_id)
        if venue_id is not None:
            id_node = _lookup(node, "id")[1] or node
            if venue_id in first_line_of_id:
                self.problem(id_node, f"{where}.id: duplicate id {venue_id!r}, first defined at line "
                             f"{first_line_of_id[venue_id]}", venue_id)
            else:
                first_line_of_id[venue_id] = id_node.start_mark.line + 1
        clean = {key: value for key, value in entry.items() if isinstance(key, str)}
        try:
            venue = VenueEntry.model_validate(clean)
        except ValidationError as exc:
            for error in exc.errors():
                self.venue_error(error, node, where, venue_id)
            return
        self.check_place(venue, node, where)
        self.check_names(venue, node, where, names)
        if len(self.problems) == before:
            self.venues.append(venue)

    def venue_error(self, error: Any, node: MappingNode, where: str, venue_id: str | None) -> None:
        if error["type"] == "extra_forbidden":
            key = str(error["loc"][0])
            allowed = list(VenueEntry.model_fields)
            hint = _did_you_mean(key, allowed) or f"; allowed keys: {', '.join(allowed)}"
            self.problem(_lookup(node, key)[0] or node, f"{where}: unknown key {key!r}{hint}", venue_id)
            return
        self.pydantic_error(VenueEntry, error, node, where, venue_id)

    def check_place(self, venue: VenueEntry, node: MappingNode, where: str) -> None:
        """The postcode, the locality and the coordinates must each place the venue in its own city."""
        checks = (("postal_code", venue.postal_code, None), ("locality", None, venue.locality))
        for key, code, locality in checks:
            if code is None and locality is None:
                continue
            decision = decide_city(code, locality, venue.country, venue.city)
            if decision.city != venue.city:
                target = _lookup(node, key)[1] or node
                self.problem(target, f"{where}: the address is not in {venue.city}: {decision.reason}",
                             venue.id)
        if venue.latitude is not None and venue.longitude is not None:
            ok, reason = check_coordinates(venue.latitude, venue.longitude)
            if not ok:
                target = _lookup(node, "latitude")[1] or node
                self.problem(target, f"{where}: implausible coordinates: {reason}", venue.id)

    def check_names(self, venue: VenueEntry, node: MappingNode, where: str,
                    names: dict[str, tuple[str, int]]) -> None:
        """Every name, alias and hall may belong to one venue only: else a look-up could not choose."""
        spellings: list[tuple[str, Node]] = [(venue.name, _lookup(node, "name")[1] or node)]
        for key in ("aliases", "halls"):
            list_node = _lookup(node, key)[1]
            items = list_node.value if isinstance(list_node, SequenceNode) else []
            for text, item in zip(getattr(venue, key), items, strict=False):
                spellings.append((text, item if isinstance(item, ScalarNode) else list_node))
        for text, spelling_node in spellings:
            key = venue_key(text)
            owner = names.get(key)
            if owner is not None and owner[0] != venue.id:
                self.problem(spelling_node, f"{where}: {text!r} is already a name of venue {owner[0]!r} "
                             f"(line {owner[1]}); a name can belong to one venue only", venue.id)
            elif owner is None:
                names[key] = (venue.id, spelling_node.start_mark.line + 1)


# -- look-up -------------------------------------------------------------------------------------------------

MatchedBy = Literal["name", "alias", "hall", "street"]


@dataclass(frozen=True)
class VenueMatch:
    venue: VenueEntry
    by: MatchedBy  # what matched: the canonical name, an alias, a hall, or only the street address
    matched: str  # the table's spelling that matched
    hall: str | None = None  # the hall inside the venue, when a hall matched


# Where a source names a room and its venue, or adds the address: "Toldkammeret på Kulturværftet",
# "Store scen, Dunkers kulturhus", "Kulturværftet - Allégade 2", "Kronborg (Helsingør)".
_PART_SPLIT = re.compile(r"\s*(?:[,;|()\[\]]|\s[-–—·•/]\s)\s*")
_CONNECTOR = re.compile(r"\s+(?:på|pa|i|vid|ved|at|in|@)\s+", re.IGNORECASE)


class VenueTable:
    """The canonical venues and an index of every spelling of them."""

    def __init__(self, venues: Iterable[VenueEntry]) -> None:
        self.venues = list(venues)
        self._names: dict[str, tuple[VenueEntry, MatchedBy, str]] = {}
        self._streets: dict[str, list[VenueEntry]] = {}
        for venue in self.venues:
            spellings: list[tuple[str, MatchedBy]] = [(venue.name, "name")]
            spellings += [(alias, "alias") for alias in venue.aliases]
            spellings += [(hall, "hall") for hall in venue.halls]
            for text, kind in spellings:
                self._names.setdefault(venue_key(text), (venue, kind, text))
            if venue.street_address:
                self._streets.setdefault(venue_key(venue.street_address), []).append(venue)

    def by_id(self, venue_id: str) -> VenueEntry | None:
        return next((venue for venue in self.venues if venue.id == venue_id), None)

    def _lookup_name(self, text: str) -> VenueMatch | None:
        found = self._names.get(venue_key(text))
        if found is None:
            return None
        venue, kind, spelling = found
        return VenueMatch(venue, kind, spelling, spelling if kind == "hall" else None)

    def _by_name(self, name: str) -> VenueMatch | None:
        whole = self._lookup_name(name)
        if whole is not None:
            return whole
        # "A på B": B is where A is, so B's venue is preferred when A and B name different venues.
        places = [part for part in _CONNECTOR.split(name) if part.strip()]
        hits: list[tuple[VenueMatch, bool]] = []  # (match, found after a connector: names the container)
        for index, place in enumerate(places):
            for part in [place, *_PART_SPLIT.split(place)]:
                match = self._lookup_name(part) if part.strip() else None
                if match is not None:
                    hits.append((match, index > 0))
        if not hits:
            return None
        venues = {match.venue.id for match, _ in hits}
        if len(venues) > 1:
            container_venues = {match.venue.id for match, container in hits if container}
            if len(container_venues) != 1:
                return None  # two venues named and nothing says which holds the other
            venues = container_venues
        chosen_id = venues.pop()
        chosen = [match for match, _ in hits if match.venue.id == chosen_id]
        hall = next((match.hall for match in chosen if match.hall), None)
        best = next((match for match in chosen if match.by != "hall"), chosen[0])
        return VenueMatch(best.venue, best.by, best.matched, hall)

    def _by_street(self, street: str, postal_code: str | None, country: str | None) -> VenueMatch | None:
        candidates = self._streets.get(venue_key(street), [])
        code = normalise_postal_code(postal_code, country)[0] if postal_code else None
        if code is not None:
            candidates = [venue for venue in candidates if venue.postal_code in (None, code)]
        if len(candidates) != 1:
            return None  # "Storgatan 1" is in many towns: only a street one venue alone has decides
        return VenueMatch(candidates[0], "street", candidates[0].street_address or street)

    def resolve(
        self,
        name: str | None,
        street: str | None = None,
        postal_code: str | None = None,
        locality: str | None = None,
        country: str | None = None,
    ) -> VenueMatch | None:
        """The canonical venue that a source's venue fields name, or None.

        The name decides first (whole, then its parts: see the module's docs); without a name match, a street
        address that only one venue has (and a postcode, when given, that agrees) decides. A match is dropped
        when the given address or country places it in another city than the venue's.
        """
        match = self._by_name(name) if name and name.strip() else None
        if match is None:
            address = parse_address(name) if name else None
            for candidate in (street, address.street if address else None):
                if candidate and candidate.strip():
                    code = postal_code or (address.postal_code if address else None)
                    match = self._by_street(candidate, code, country)
                    if match is not None:
                        break
        if match is None:
            return None
        venue = match.venue
        if country and country.strip():
            given = country_code(country)
            if given is not None and given != venue.country:
                return None
        if postal_code or locality:
            decision = decide_city(postal_code, locality, country or venue.country, venue.city)
            if decision.city != venue.city:
                return None
        return match


@lru_cache(maxsize=1)
def default_table() -> VenueTable:
    """The shipped table (config/venues.yaml), loaded once; broken entries are left out."""
    return VenueTable(load_venues(DEFAULT_VENUES_PATH).venues)


def resolve_venue(
    name: str | None,
    street: str | None = None,
    postal_code: str | None = None,
    locality: str | None = None,
    country: str | None = None,
    *,
    table: VenueTable | None = None,
) -> VenueMatch | None:
    """:meth:`VenueTable.resolve` against ``table`` or the shipped config/venues.yaml."""
    return (table or default_table()).resolve(name, street, postal_code, locality, country)
