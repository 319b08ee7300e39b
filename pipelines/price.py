"""Prices written as text by Swedish, Danish and English listings, and how they meet structured offers.

Pure functions, no I/O; the rules with examples are in docs/normalisation.md ("price"). API::

    from pipelines.price import PriceInfo, parse_price_text, merge_price

    parse_price_text("Entré: 100:-", country="SE")
    # PriceInfo(free=False, min=100.0, max=100.0, currency="SEK", sold_out=False, text="Entré: 100:-")
    parse_price_text("Pris: 150 kr. (børn gratis)", country="DK")   # free=False, min=0.0, max=150.0, DKK
    parse_price_text("Gratis adgang", country="DK")                  # free=True, min=0.0, max=0.0, DKK
    parse_price_text("Udsolgt", country="DK")                        # sold_out=True, no price
    merge_price({"min": "195", "currency": "SEK"}, parse_price_text("Biljetter fr. 195 kr", country="SE"))
    # {"free": False, "min": 195.0, "max": None, "currency": "SEK", "text": "Biljetter fr. 195 kr"}

``PriceInfo`` fields: ``free`` (True: admission costs nothing; False: something costs money; None: the text
says neither), ``min``/``max`` (None when unknown; "from 95 kr" has no max), ``currency`` ("SEK", "DKK",
"EUR"), ``sold_out`` (the text says sold out: that is no price, so a sold-out text alone leaves the price
fields None) and ``text`` (the source's words, whitespace collapsed). ``as_price()`` gives the model's keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from hhevents.model import Country, Currency

_COUNTRY_CURRENCY: Final[dict[str, Currency]] = {"SE": "SEK", "DK": "DKK"}
MAX_TEXT: Final = 500  # characters of a price text that are read


@dataclass(frozen=True)
class PriceInfo:
    free: bool | None = None
    min: float | None = None
    max: float | None = None
    currency: Currency | None = None
    sold_out: bool = False
    text: str | None = None

    @property
    def empty(self) -> bool:
        """The text said nothing about the price (it may still say sold out)."""
        return self.free is None and self.min is None and self.max is None

    def as_price(self) -> dict[str, Any]:
        """The model's Price keys (``sold_out`` has no place there)."""
        return {"free": self.free, "min": self.min, "max": self.max, "currency": self.currency,
                "text": self.text}


# -- words ---------------------------------------------------------------------------------------------------

# Admission costs nothing. Matched on lower-cased text with word edges.
_FREE = re.compile(
    r"(?<![\w-])(?:gratis|fri\s+entr[ée]|entr[ée]n?\s*(?::\s*)?(?:är\s+|er\s+)?(?:fri|gratis)|fritt\s+intr[äa]de"
    r"|fri\s+adgang|adgang\s+(?:er\s+)?(?:fri|gratis)|ingen\s+entr[ée]|ingen\s+entr[ée]avgift|kostnadsfri(?:tt)?"
    r"|(?<!feel )free(?:\s+(?:admission|entry|entrance|of\s+charge))?|admission\s+(?:is\s+)?free"
    r"|0\s*(?:kr|sek|dkk)\b)(?![\w])"
)
# A free word in a clause that also names an audience frees only that audience: the lowest price is 0, but the
# event is not free ("barn under 12 gratis", "gratis för medlemmar", "børn gratis", "free for children").
_AUDIENCE = re.compile(
    r"(?<!\w)(?:barn|barnen|børn|børnene|born|children|child|kids|unga|ungdomar|ungdom|unge|studerande"
    r"|studenter|studerende|students?|pensionärer|pensionär|pensionister|seniorer|seniors?|medlemmar"
    r"|medlemmer|members?|ledsagare|ledsager|följeslagare|companions?|under\s+\d+|op\s+til\s+\d+|upp\s+till\s+\d+"
    r"|\d+\s*-\s*\d+\s*(?:år|years))(?!\w)"
)
# "gratis parkering", "free coffee": something else is free, not the admission.
_FREE_EXTRA = re.compile(
    r"(?:gratis|free)\s+(?:\w+\s+)?(?:parkering|parking|garderob\w*|kaffe|coffee|fika|wi-?fi|saft|snacks"
    r"|popcorn|drinks?|vand|vatten|water|refills?|programblad|program|transport|bus|buss)(?!\w)"
)
_SOLD_OUT = re.compile(
    r"(?<!\w)(?:slutsålt|slutsåld|utsålt|utsåld|udsolgt|sold\s*out|fullbokat|fuldt\s+booket)(?!\w)"
)
# "från 95 kr", "fr. 95 kr", "fra 125 kr", "from €15", "ab 15 EUR": the amount is a lowest price.
_FROM = re.compile(r"(?<!\w)(?:från|fr\.|fra|from|fom|ab)\s*$")
# A bare number counts as a price only right after one of these ("Entré: 100", "Pris 150").
_PRICE_WORD = re.compile(
    r"(?<!\w)(?:entré|entre|entrén|pris|priser|price|prices|biljett|biljetter|biljettpris|billet|billetter"
    r"|billetpris|tickets?|inträde|adgang|avgift|deltagaravgift|deltagergebyr|kostnad|koster|kostar|cost)"
    r"\s*:?\s*(?:(?:från|fr\.|fra|from)\s*)?$"
)

# An amount: thousands grouped by '.', ' ' or ',' (three digits), optionally with decimals ("1.250,00",
# "1,250.00"), or a plain number with a decimal comma or point of 1-2 digits.
_NUMBER = r"\d{1,3}(?:[. ,]\d{3})+(?:[.,]\d{1,2})?(?![\d])|\d+(?:[.,]\d{1,2})?(?![\d])"
_CURRENCY_AFTER = (
    r"(?P<after>kr\.?|kronor|kroner|kronur|sek|dkk|eur|euro|euros|€|:-|,-|;-|\.-)"
)
_CURRENCY_BEFORE = r"(?P<before>€|eur|sek|dkk|kr\.?)"
_AMOUNT = re.compile(
    rf"(?:{_CURRENCY_BEFORE}\s*(?P<n1>{_NUMBER})(?:\s*-\s*(?P<n1b>{_NUMBER}))?"
    rf"|(?P<n2>{_NUMBER})(?:\s*(?:kr\.?|sek|dkk|eur|€|:-|,-)?\s*-\s*(?P<n2b>{_NUMBER}))?\s*{_CURRENCY_AFTER}"
    rf"|(?P<n3>{_NUMBER})(?:\s*-\s*(?P<n3b>{_NUMBER}))?)"
    r"(?!\w)",
)


def _to_float(text: str) -> float:
    text = text.replace(" ", "")
    grouped = re.fullmatch(r"(\d{1,3}(?:[.,]\d{3})+)(?:[.,](\d{1,2}))?", text)
    if grouped:
        # "1.250" (da), "1,250" (en), "1 250" (sv): thousands; "1.250,50" / "1,250.50": and decimals.
        return float(re.sub(r"[.,]", "", grouped[1]) + "." + (grouped[2] or "0"))
    return float(text.replace(",", "."))


def _currency(marker: str | None, country: Country | None) -> Currency | None:
    marker = (marker or "").rstrip(".")
    if marker in ("€", "eur", "euro", "euros"):
        return "EUR"
    if marker in ("sek", "dkk"):
        return marker.upper()  # type: ignore[return-value]  # one of the literals
    # "kr", "kronor", "kroner", ":-", ",-": kronor in Sweden, kroner in Denmark.
    return _COUNTRY_CURRENCY.get(country or "")


def _prepare(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("\u2009", " ")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


# Clause breaks: brackets, slashes, semicolons, a comma that is no thousands separator or ",-", a full stop
# before a new word, a spaced dash before words (not "100 - 250").
_CLAUSE = re.compile(r"[;()\[\]/|•·\n]|,(?!\d{3}(?!\d))(?!-)(?:\s|$)|\.\s+(?=[a-zåäöæø])|\s-\s(?=\D)")


@dataclass(frozen=True)
class _Amount:
    low: float
    high: float
    currency: Currency | None
    lowest_only: bool  # "från 95 kr"


def _amounts(clause: str, country: Country | None) -> list[_Amount]:
    found: list[_Amount] = []
    for match in _AMOUNT.finditer(clause):
        if match["n3"] is not None:
            # A bare number is a price only after a price word: not an age ("under 12"), a time or a date.
            if not _PRICE_WORD.search(clause[: match.start()]):
                continue
            first, second, marker = match["n3"], match["n3b"], None
        elif match["n1"] is not None:
            first, second, marker = match["n1"], match["n1b"], match["before"]
        else:
            first, second, marker = match["n2"], match["n2b"], match["after"]
        low = _to_float(first)
        high = _to_float(second) if second is not None else low
        if high < low:
            low, high = high, low
        lowest_only = second is None and bool(_FROM.search(clause[: match.start()]))
        found.append(_Amount(low, high, _currency(marker, country), lowest_only))
    return found


def parse_price_text(text: str | None, *, country: Country | None) -> PriceInfo:
    """What a price text says: free or not, the lowest and highest price, the currency, sold out.

    ``country`` ("SE" or "DK") decides what "kr", ":-" and ",-" mean (SEK or DKK); SEK, DKK, EUR and € are
    taken as written. Amounts in another currency than the first one are ignored (a Danish page quoting "150
    kr / €20" is priced in DKK).
    """
    if text is None or not text.strip():
        return PriceInfo()
    original = re.sub(r"\s+", " ", text).strip()
    # A price is said in a few words; a longer text is a description, and its tail is not read (this also
    # bounds the time the patterns take).
    lowered = _prepare(text[:MAX_TEXT]).lower()
    sold_out = bool(_SOLD_OUT.search(lowered))

    free_for_all = free_for_some = False
    amounts: list[_Amount] = []
    # Clauses: a qualifier such as "barn under 12" belongs to the words around it, not to the whole text.
    for clause in _CLAUSE.split(lowered):
        clause = clause.strip(" .,:")
        if not clause:
            continue
        if _FREE.search(clause) and not _FREE_EXTRA.search(clause):
            if _AUDIENCE.search(clause):
                free_for_some = True
            else:
                free_for_all = True
        # "0 kr" is free, not an amount; the free pattern has it already.
        amounts.extend(amount for amount in _amounts(clause, country) if amount.high > 0)

    local = _COUNTRY_CURRENCY.get(country or "")
    currency: Currency | None = None
    if amounts:
        currency = next((a.currency for a in amounts if a.currency), None) or local
        amounts = [a for a in amounts if a.currency in (currency, None)]
    if free_for_all:
        # "Gratis adgang. Spisebillet: 175 kr.": admission is free; what costs money is an extra, kept as max.
        high = max((a.high for a in amounts), default=0.0)
        return PriceInfo(True, 0.0, high, currency or local, sold_out, original)
    if not amounts:
        if free_for_some:
            # "Gratis för barn under 7 år": someone gets in for nothing; what others pay is not said.
            return PriceInfo(None, 0.0, None, local, sold_out, original)
        return PriceInfo(None, None, None, None, sold_out, original)
    low = 0.0 if free_for_some else min(a.low for a in amounts)
    open_ended = all(a.lowest_only for a in amounts)
    high = None if open_ended else max(a.high for a in amounts)
    return PriceInfo(False, low, high, currency, sold_out, original)


# -- structured offers and text ------------------------------------------------------------------------------


def _number(value: Any) -> Any:
    """A float from 150, "150", "150,00", "1.250"; other values unchanged (the normaliser reports them)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    text = _prepare(str(value))
    if text == "":
        return None
    match = re.fullmatch(rf"({_NUMBER})(?:\s*[.,]-)?", text)
    return _to_float(match[1]) if match else value


def merge_price(structured: Mapping[str, Any] | None, text_info: PriceInfo | None) -> dict[str, Any]:
    """One price from a source's structured offer (schema.org offers, an API's price fields) and its text.

    Structured values win; the text fills only what they leave empty. Amounts go together: when the offer
    names a min or a max, both come from the offer (a text's "from 95" does not widen an offer of 120), else
    both from the text. ``free`` is the offer's, else derived from the offer's amounts (all 0 = free), else
    the text's; an offer that says free without amounts is 0 to 0. The source's own words are kept: the
    offer's ``text``, else the parsed text.
    """
    offer = dict(structured or {})
    info = text_info or PriceInfo()
    low, high = _number(offer.get("min")), _number(offer.get("max"))
    offer_has_amount = low is not None or high is not None
    if not offer_has_amount:
        # An offer that says free and names no amount costs 0, whatever the text says.
        low, high = (0.0, 0.0) if offer.get("free") is True else (info.min, info.max)
    currency = offer.get("currency") or None
    if currency is None and (low is not None or high is not None or info.free):
        currency = info.currency
    free = offer.get("free")
    if free is None and offer_has_amount:
        amounts = [a for a in (low, high) if isinstance(a, float)]
        free = bool(amounts) and all(a == 0 for a in amounts)
    if free is None:
        free = info.free
    text = offer.get("text") or info.text
    return {"free": free, "min": low, "max": high, "currency": currency, "text": text}
