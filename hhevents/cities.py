"""Facts about the two cities that several stages need."""

from __future__ import annotations

from typing import Final

CITY_TIMEZONES: Final = {"helsingborg": "Europe/Stockholm", "helsingor": "Europe/Copenhagen"}
CITY_COUNTRIES: Final = {"helsingborg": "SE", "helsingor": "DK"}
CITY_CURRENCIES: Final = {"helsingborg": "SEK", "helsingor": "DKK"}
CITY_NAMES: Final = {"helsingborg": "Helsingborg", "helsingor": "Helsingør"}
