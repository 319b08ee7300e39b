"""Where is it? Addresses and coordinates as Helsingborg's and Helsingør's publishers write them.

Pure functions, no I/O; the rules, with examples and the sources of the postcode facts, are in
docs/normalisation.md ("place"). API::

    from hhevents.place import city_from_address, decide_city, parse_address, parse_coordinate
    from hhevents.place import check_coordinates

    city_from_address("252 21", "Helsingborg", "SE", "helsingor")  # "helsingborg"
    city_from_address("2100", "København Ø", "DK", "helsingor")    # None: clearly in neither city
    city_from_address(None, None, None, "helsingor")               # "helsingor": nothing says otherwise
    decide_city(...)                                               # CityDecision(city, reason)
    parse_address("Allégade 2, 3000 Helsingør")
    # Address(name=None, street="Allégade 2", postal_code="3000", locality="Helsingør", country="DK")
    parse_coordinate("56,0375")                                    # 56.0375
    check_coordinates(56.0375, 12.6125)                            # (True, "inside ...")

``city_from_address`` returns None only when the address clearly lies in neither city; what to do then (drop
the event, or keep it under the source's city) is the pipeline's decision.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from hhevents.cities import CITY_COUNTRIES
from hhevents.model import City, Country

# -- text folding ------------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case-, accent- and punctuation-free words: 'Kulturværftet, Allégade 2' -> 'kulturvaerftet allegade 2'.

    Danish and Swedish spellings of one name meet: æ -> ae, ø and ö -> o, å and ä -> a; and the ASCII
    stand-ins 'oe' and 'aa' fold the same way ('Helsingoer' -> 'helsingor', 'Aalsgaarde' -> 'alsgarde').
    """
    text = text.casefold().replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = re.sub(r"[^\w]+|_", " ", text).strip()
    return re.sub(r"oe", "o", re.sub(r"aa", "a", text))


# -- which city ----------------------------------------------------------------------------------------------

# Swedish postcodes 250 00-256 99 all belong to Helsingborg municipality (post towns Helsingborg, Råå,
# Ödåkra ("254 75 Ödåkra", Väla), ...). The band 257-269 is shared: 257 30 is Rydebäck and 260 35 Ödåkra
# (both in Helsingborg municipality) but 260 xx is also Viken and Mölle (Höganäs) and Billesholm (Bjuv);
# 261 is Landskrona, 262 Ängelholm, 263 Höganäs. There the post town (the locality) decides, not the code.
SE_HELSINGBORG_PREFIXES: Final = range(250, 257)
SE_SHARED_PREFIXES: Final = range(257, 270)

# Danish postcodes of Helsingør municipality: one post town each. 3000 also reaches a little into
# Fredensborg municipality; Humlebæk (3050) and Nivå (2990) are Fredensborg, Dronningmølle (3120) Gribskov.
DK_HELSINGOR_CODES: Final = {
    "3000": "Helsingør",
    "3060": "Espergærde",
    "3070": "Snekkersten",
    "3080": "Tikøb",
    "3100": "Hornbæk",
    "3140": "Ålsgårde",
    "3150": "Hellebæk",
    "3490": "Kvistgård",
}

# Localities (post towns, villages, districts used as post towns) in each municipality. Helsingborg's: the
# 15 urban areas the city lists (Helsingborg, Allerum, Bårslöv, Domsten, Gantofta, Hasslarp, Hittarp-Laröd,
# Kattarp, Mörarp, Påarp, Rydebäck, Tånga-Rögle, Utvälinge, Vallåkra, Ödåkra) and districts that appear
# as post towns or in addresses (Råå, Ramlösa, Väla, Fleninge, Hjälmshult, Ottarp, Fjärestad).
_HELSINGBORG_LOCALITIES: Final = (
    "Helsingborg", "Hälsingborg", "Allerum", "Bårslöv", "Domsten", "Gantofta", "Hasslarp", "Hittarp", "Laröd",
    "Kattarp", "Mörarp", "Påarp", "Rydebäck", "Tånga", "Rögle", "Utvälinge", "Vallåkra", "Ödåkra", "Råå",
    "Ramlösa", "Väla", "Fleninge", "Hjälmshult", "Ottarp", "Fjärestad",
)
_HELSINGOR_LOCALITIES: Final = (
    "Helsingør", "Elsinore", "Helsingor", *DK_HELSINGOR_CODES.values(), "Mørdrup", "Gurre", "Saunte",
    "Horserød", "Ørsholt", "Stenstrup", "Borsholm",
)
# Towns near (or often confused with) ours that are clearly neither: a locality among them places the address
# elsewhere even without a postcode. Unknown localities are not: they may be districts we do not list.
_ELSEWHERE_LOCALITIES: Final = (
    "Malmö", "Lund", "Landskrona", "Höganäs", "Ängelholm", "Viken", "Mölle", "Arild", "Nyhamnsläge", "Bjuv",
    "Billesholm", "Åstorp", "Klippan", "Svalöv", "Båstad", "Göteborg", "Stockholm", "København", "Copenhagen",
    "Hillerød", "Fredensborg", "Humlebæk", "Nivå", "Hørsholm", "Gilleleje", "Dronningmølle", "Helsinge",
    "Roskilde", "Odense", "Aarhus",
)
# "Helsingborg C", "København Ø", "Helsingør Kommune", "Helsingborgs kommun": the town is what counts.
_LOCALITY_NOISE = re.compile(r"\s+(?:[a-z]{1,2}|centrum|kommun|kommune|municipality|stad|by)$")


def _locality_key(locality: str) -> str:
    key = fold(locality)
    key = _LOCALITY_NOISE.sub("", key)
    return re.sub(r"s$", "", key) if key in {"helsingborgs", "helsingors"} else key


_LOCALITY_CITY: Final[dict[str, City]] = {
    **{_locality_key(name): "helsingborg" for name in _HELSINGBORG_LOCALITIES},
    **{_locality_key(name): "helsingor" for name in _HELSINGOR_LOCALITIES},
    "hittarp larod": "helsingborg",
    "tanga rogle": "helsingborg",
}
_ELSEWHERE: Final = {_locality_key(name) for name in _ELSEWHERE_LOCALITIES}

_COUNTRY_NAMES: Final[dict[str, Country]] = {
    "se": "SE", "swe": "SE", "sverige": "SE", "sweden": "SE", "schweden": "SE", "sverige se": "SE",
    "dk": "DK", "dnk": "DK", "danmark": "DK", "denmark": "DK", "danemark": "DK", "dänemark": "DK",
}


def country_code(value: str | None) -> Country | None:
    """'SE'/'DK' from a code or an English, Swedish or Danish country name; None when it is neither."""
    if not value:
        return None
    return _COUNTRY_NAMES.get(fold(value))


def normalise_postal_code(
    value: str | int | None, country: str | None = None
) -> tuple[str | None, Country | None]:
    """('252 21', 'SE') from '25221', 'SE-252 21', 'S-25221'; ('3000', 'DK') from 'DK-3000', 3000.

    The country comes from a prefix, else from ``country``, else from the number of digits (5: SE, 4: DK).
    Anything else is (None, None): not a postcode of either country.
    """
    if value is None:
        return None, None
    text = str(value).strip().upper()
    match = re.fullmatch(r"(?:(SE|S|DK)\s*-?\s*)?(\d{3})\s?(\d{2})|(?:(DK)\s*-?\s*)?(\d{4})", text)
    if not match:
        return None, None
    given = country_code(country) if country else None
    if match.group(2):
        if match.group(1) == "DK" or given == "DK":
            return None, None
        return f"{match.group(2)} {match.group(3)}", "SE"
    if given == "SE":
        return None, None
    return match.group(5), "DK"


@dataclass(frozen=True)
class CityDecision:
    city: City | None  # None: the address is clearly in neither city
    reason: str


def decide_city(
    postal_code: str | int | None,
    locality: str | None,
    country: str | None,
    default_city: City,
) -> CityDecision:
    """Which of the two cities an address is in, and why (see city_from_address)."""
    code, code_country = normalise_postal_code(postal_code, country)
    given_country = country_code(country) if country else None
    by_locality = _LOCALITY_CITY.get(_locality_key(locality)) if locality and locality.strip() else None

    by_code: City | None = None
    code_says: str | None = None  # "city", "shared" (locality decides), "elsewhere"
    if code is not None and code_country == "SE":
        prefix = int(code[:3])
        if prefix in SE_HELSINGBORG_PREFIXES:
            by_code, code_says = "helsingborg", "city"
        elif prefix in SE_SHARED_PREFIXES:
            code_says = "shared"
        else:
            code_says = "elsewhere"
    elif code is not None:
        if code in DK_HELSINGOR_CODES:
            by_code, code_says = "helsingor", "city"
        else:
            code_says = "elsewhere"

    if by_code and by_locality and by_code != by_locality:
        # A typo on one side; the source's own city breaks the tie.
        chosen = default_city if default_city in (by_code, by_locality) else by_locality
        return CityDecision(chosen, f"postcode {code} says {by_code}, locality {locality!r} says "
                                    f"{by_locality}; kept {chosen}")
    if by_code:
        return CityDecision(by_code, f"postcode {code} is in {by_code}")
    if by_locality:
        return CityDecision(by_locality, f"locality {locality!r} is in {by_locality}")
    if code_says == "elsewhere":
        return CityDecision(None, f"postcode {code} ({code_country}) is in neither city")
    if code_says == "shared":
        if locality and locality.strip():
            return CityDecision(None, f"postcode {code} with locality {locality!r} is outside Helsingborg "
                                      "municipality")
        return CityDecision(default_city, f"postcode {code} alone does not say which municipality; "
                                          f"kept the source's city {default_city}")
    effective_country = given_country or code_country
    if effective_country is not None and effective_country != CITY_COUNTRIES[default_city]:
        if locality and locality.strip():
            return CityDecision(None, f"locality {locality!r} in {effective_country} is not a locality of "
                                      f"either city")
        return CityDecision(None, f"the address is in {effective_country}, not in the source's city's "
                                  "country, and names no place in either city")
    if locality and locality.strip() and _locality_key(locality) in _ELSEWHERE:
        return CityDecision(None, f"locality {locality!r} is in neither city")
    if locality and locality.strip():
        # An unknown locality in the source's own country may be a district we do not list ("Tågaborg").
        return CityDecision(default_city, f"locality {locality!r} unknown; kept the source's city "
                                          f"{default_city}")
    return CityDecision(default_city, f"nothing in the address says otherwise; kept the source's city "
                                      f"{default_city}")


def city_from_address(
    postal_code: str | int | None,
    locality: str | None,
    country: str | None,
    default_city: City,
) -> City | None:
    """The city an address is in: the source's city unless the address clearly says otherwise.

    Postcode 250 00-256 99 (SE) is Helsingborg; 3000, 3060, 3070, 3080, 3100, 3140, 3150, 3490 (DK) are
    Helsingør municipality; a locality of either municipality ("Helsingborg", "Ödåkra", "Elsinore",
    "Hornbæk") counts too. None when the address is clearly in neither city (another postcode, a locality
    outside the shared band, the other country with no place named in our cities).
    """
    return decide_city(postal_code, locality, country, default_city).city


# -- addresses written as one string -------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    name: str | None = None  # a place name before the street: "Dunkers kulturhus"
    street: str | None = None
    postal_code: str | None = None  # normalised: "252 21", "3000"
    locality: str | None = None
    country: Country | None = None


_POSTAL_PART = re.compile(
    r"^(?:(?P<prefix>SE|S|DK)\s*-\s*|(?P<prefix2>SE|DK)\s+)?(?P<code>\d{3}\s?\d{2}|\d{4})\b[\s,]*(?P<rest>.*)$",
    re.IGNORECASE,
)
# A street ends in a house number: "Kungsgatan 11", "Kronborg 2C", "Allégade 2, 1. sal" is split before.
_STREET = re.compile(r"^\D.*?\s\d+\s?[A-Za-z]?(?:\s?[-–]\s?\d+[A-Za-z]?)?$")
# "Allégade 2 3000 Helsingør": street, code and town in one comma-less part.
_STREET_POSTAL = re.compile(
    r"^(?P<street>\D.*?\s\d+\s?[A-Za-z]?)\s+(?P<postal>(?:SE-|DK-)?(?:\d{3}\s\d{2}|\d{5}|\d{4})\s+\D.*)$"
)


def parse_address(text: str | None) -> Address:
    """Name, street, postcode, locality and country from an address written as one string.

    "Allégade 2, 3000 Helsingør"; "Kungsgatan 11, 252 21 Helsingborg, Sverige"; "Frösögatan 15, 25730,
    Rydebäck"; "Dunkers kulturhus, Kungsgatan 11" (name, street). Parts are split at commas, semicolons and
    line breaks; a part that is a country name sets the country. Nothing recognisable gives the whole text as
    the name.
    """
    if not text or not text.strip():
        return Address()
    parts = [re.sub(r"\s+", " ", part).strip() for part in re.split(r"[,;\n]|\s[|•·]\s", text)]
    parts = [part for part in parts if part]
    country: Country | None = None
    if parts and country_code(parts[-1]):
        country = country_code(parts.pop())

    expanded: list[str] = []
    for part in parts:
        match = _STREET_POSTAL.match(part)
        expanded.extend((match["street"], match["postal"]) if match else (part,))
    parts = expanded

    postal_code = locality = None
    postal_index = None
    for index in range(len(parts) - 1, -1, -1):
        match = _POSTAL_PART.match(parts[index])
        if not match:
            continue
        prefix = (match["prefix"] or match["prefix2"] or "").upper()
        code, code_country = normalise_postal_code(match["code"], "DK" if prefix == "DK" else country)
        if code is None:
            continue
        postal_code, postal_index = code, index
        country = country or code_country
        locality = match["rest"].strip() or None
        if locality is None and index + 1 < len(parts):
            locality = parts[index + 1]  # "Frösögatan 15, 25730, Rydebäck"
        break

    before = parts[:postal_index] if postal_index is not None else parts
    # "Kungsgatan 11, Helsingborg", "Helsingør": a last part without a number is the town when it follows a
    # street or is a town of ours.
    town_last = bool(parts) and not _STREET.match(parts[-1]) and (
        (len(parts) >= 2 and bool(_STREET.match(parts[-2]))) or _locality_key(parts[-1]) in _LOCALITY_CITY
    )
    if postal_index is None and town_last:
        locality = parts[-1]
        before = parts[:-1]
    name = street = None
    if before:
        street_index = next((i for i in range(len(before) - 1, -1, -1) if _STREET.match(before[i])), None)
        if street_index is None and postal_index is not None:
            street_index = len(before) - 1  # "Stortorget, 252 23 Helsingborg": the part before the code
        if street_index is not None:
            street = before[street_index]
            name = ", ".join(before[:street_index]) or None
        else:
            name = ", ".join(before)
    return Address(name=name, street=street, postal_code=postal_code, locality=locality, country=country)


# -- coordinates ---------------------------------------------------------------------------------------------

# Around both municipalities with a margin, from Rydebäck and Kvistgård in the south to Utvälinge and
# Hornbæk in the north, Hornbæk/Tikøb in the west to Mörarp/Bårslöv in the east.
REGION_NAME: Final = "the northern Öresund around Helsingborg and Helsingør"
REGION_LAT: Final = (55.85, 56.35)
REGION_LON: Final = (12.25, 13.10)


def parse_coordinate(value: str | float | int | None) -> float | None:
    """A decimal degree from what a source writes: 56.0375, "56.0375", "56,0375", "56.0375° N", "12,6 E".

    None for anything else (empty, two numbers, degrees-minutes-seconds). South and west turn negative.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    text = value.strip().upper().replace("\u2212", "-")
    match = re.fullmatch(r"([-+]?\d{1,3})(?:[.,](\d+))?\s*°?\s*([NSEWØÖVO])?", text)
    if not match:
        return None
    number = float(f"{match[1]}.{match[2] or 0}")
    if match[3] in ("S", "W", "V"):
        number = -abs(number)
    return number


def check_coordinates(latitude: float | None, longitude: float | None) -> tuple[bool, str]:
    """Is the point plausible for an event in Helsingborg or Helsingør? (ok, reason)."""
    if latitude is None or longitude is None:
        return False, "latitude or longitude missing"
    lat_low, lat_high = REGION_LAT
    lon_low, lon_high = REGION_LON
    inside = lat_low <= latitude <= lat_high and lon_low <= longitude <= lon_high
    if inside:
        return True, f"inside {REGION_NAME}"
    if latitude == 0 and longitude == 0:
        return False, "0, 0 is a placeholder, not a place"
    if lat_low <= longitude <= lat_high and lon_low <= latitude <= lon_high:
        return False, "latitude and longitude look swapped"
    if lat_low <= abs(latitude) <= lat_high and lon_low <= abs(longitude) <= lon_high:
        return False, "a sign is wrong (south or west of the equator or Greenwich)"
    return False, (f"({latitude}, {longitude}) is outside {REGION_NAME} "
                   f"(latitude {lat_low}-{lat_high}, longitude {lon_low}-{lon_high})")
