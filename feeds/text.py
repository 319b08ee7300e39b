"""What the feeds say, in Swedish, Danish and English: feed titles, dates (babel), labels, event texts.

Everything here is a pure function of an event, a language and the category names, so an event's text is
computed once per language in a publish (:func:`event_text`, cached by the writers) and never depends on the
wall clock. Event content (title, description) stays in the language its source wrote it in; only what the
feed adds (labels, dates, the "Cancelled:" prefix, category names) is localised.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import nh3
from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_decimal

from config import categories as category_config
from config.categories import CategoryRules
from feeds import RenderCache, clean, event_link, location_text, source_links
from hhevents.model import CATEGORIES, Category, City, Event, Language

SITE_NAME = "HH Cityclub"

# English as written in Europe (13 June, 19:00), not the US defaults of plain "en".
LOCALES: dict[Language, str] = {"sv": "sv_SE", "da": "da_DK", "en": "en_GB"}

# Babel patterns rather than CLDR skeletons: skeleton matching pads days ("03 juli") in some locales.
_SHORT_DATE: dict[Language, str] = {"sv": "EEE d MMM", "da": "EEE d. MMM", "en": "EEE d MMM"}
_LONG_DATE: dict[Language, str] = {"sv": "EEEE d MMMM y", "da": "EEEE 'den' d. MMMM y", "en": "EEEE d MMMM y"}
_TIME: dict[Language, str] = {"sv": "HH:mm", "da": "HH.mm", "en": "HH:mm"}

CITY_NAMES: dict[Language, dict[City, str]] = {
    "sv": {"helsingborg": "Helsingborg", "helsingor": "Helsingör"},
    "da": {"helsingborg": "Helsingborg", "helsingor": "Helsingør"},
    "en": {"helsingborg": "Helsingborg", "helsingor": "Helsingør"},
}

WORDS: dict[Language, dict[str, str]] = {
    "sv": {
        "cancelled": "Inställt",
        "postponed": "Uppskjutet, nytt datum kommer",
        "rescheduled": "Flyttat till ett nytt datum",
        "when": "När",
        "where": "Var",
        "price": "Pris",
        "free": "Fri entré",
        "organizer": "Arrangör",
        "status": "Status",
        "source": "Källa",
        "and": "och",
        "in": "i",
        "all_events": "alla evenemang",
        "events": "evenemang",
    },
    "da": {
        "cancelled": "Aflyst",
        "postponed": "Udsat, ny dato følger",
        "rescheduled": "Flyttet til en ny dato",
        "when": "Hvornår",
        "where": "Hvor",
        "price": "Pris",
        "free": "Gratis adgang",
        "organizer": "Arrangør",
        "status": "Status",
        "source": "Kilde",
        "and": "og",
        "in": "i",
        "all_events": "alle arrangementer",
        "events": "arrangementer",
    },
    "en": {
        "cancelled": "Cancelled",
        "postponed": "Postponed, new date to follow",
        "rescheduled": "Moved to a new date",
        "when": "When",
        "where": "Where",
        "price": "Price",
        "free": "Free admission",
        "organizer": "Organiser",
        "status": "Status",
        "source": "Source",
        "and": "and",
        "in": "in",
        "all_events": "all events",
        "events": "events",
    },
}

# A title that already says it is cancelled gets no second prefix (the normaliser strips such markers, but a
# source may word it in a way it keeps).
_ALREADY_CANCELLED = re.compile(r"^\W*(inställ[dt]|aflyst|avlyst|cancell?ed)\b", re.IGNORECASE)

# The HTML the summaries may contain; nh3 removes everything else (and any unsafe URL scheme).
HTML_TAGS = {"p", "br", "a", "strong"}
HTML_ATTRIBUTES = {"a": {"href"}}
URL_SCHEMES = {"http", "https", "mailto"}


# -- category names -----------------------------------------------------------------------------------------


@lru_cache(maxsize=4)
def _rules_at(path: str, mtime_ns: int, size: int) -> CategoryRules | None:
    return category_config.load_categories(path).rules


def default_categories(path: str | Path | None = None) -> CategoryRules | None:
    """The category names of ``config/categories.yaml`` (read again only when the file changes).

    The functions here that take ``rules`` use these when given None.
    """
    target = Path(path or category_config.DEFAULT_PATH)
    try:
        stat = target.stat()
    except OSError:
        return None  # no file: config.categories' built-in names for the three categories
    return _rules_at(str(target), stat.st_mtime_ns, stat.st_size)


def label(tag_id: str, language: Language, rules: CategoryRules | None) -> str:
    return category_config.label(tag_id, language, rules)


def category_terms(
    event: Event, language: Language, rules: CategoryRules | None
) -> tuple[tuple[str, str], ...]:
    """(id, localised name) of the event's category, then its tags; a name given twice is listed once."""
    seen: set[str] = set()
    terms: list[tuple[str, str]] = []
    for tag in (event.category, *event.tags):
        if not tag:
            continue
        name = " ".join(clean(label(tag, language, rules)).split())
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            terms.append((tag, name))
    return tuple(terms)


# -- feed texts ---------------------------------------------------------------------------------------------


def _both_cities(language: Language) -> str:
    names = CITY_NAMES[language]
    return f"{names['helsingborg']} {WORDS[language]['and']} {names['helsingor']}"


def feed_title(city: City | None, category: Category | None, language: Language,
               rules: CategoryRules | None) -> str:
    """'HH Cityclub — Kultur i Helsingör'; 'HH Cityclub — all events' for the whole matrix."""
    rules = rules if rules is not None else default_categories()
    words = WORDS[language]
    if category is None:
        what = words["all_events"]
        where = f" {words['in']} {CITY_NAMES[language][city]}" if city else ""
    else:
        what = label(category, language, rules)
        where = f" {words['in']} {CITY_NAMES[language][city] if city else _both_cities(language)}"
    return f"{SITE_NAME} — {what}{where}"


def feed_description(city: City | None, category: Category | None, language: Language,
                     rules: CategoryRules | None) -> str:
    rules = rules if rules is not None else default_categories()
    words = WORDS[language]
    where = CITY_NAMES[language][city] if city else _both_cities(language)
    if category is None:
        first, *rest = (label(c, language, rules) for c in CATEGORIES)
        what = f"{first}, {rest[0].lower()} {words['and']} {rest[1].lower()}"
    else:
        what = f"{label(category, language, rules)}: {words['events']}"
    return f"{what} {words['in']} {where}. {SITE_NAME}."


# -- dates --------------------------------------------------------------------------------------------------


def _local(value: datetime, event: Event) -> datetime:
    # Babel gets naive local wall time: the zone is the event's, and babel should not convert it.
    return value.astimezone(event.zone).replace(tzinfo=None)


def all_day_span(event: Event) -> tuple[date, date]:
    """(first day, last day) of an all-day event, both inclusive."""
    first = _local(event.start, event).date()
    if event.end is None:
        return first, first
    end = _local(event.end, event)
    last = end.date() - timedelta(days=1) if end.time() == time(0) else end.date()
    return first, max(first, last)


# Memoised: a publish formats the same few hundred days and times for thousands of entries.
@lru_cache(maxsize=4096)
def _short_date(value: date, language: Language) -> str:
    return format_date(value, _SHORT_DATE[language], locale=_locale(language))


@lru_cache(maxsize=4096)
def _long_date(value: date, language: Language) -> str:
    return format_date(value, _LONG_DATE[language], locale=_locale(language))


@lru_cache(maxsize=4096)
def _clock(value: time, language: Language) -> str:
    return format_time(value, _TIME[language], locale=_locale(language))


def _time(value: datetime, language: Language) -> str:
    return _clock(value.time(), language)


@lru_cache(maxsize=8)
def _locale(language: Language) -> Locale:
    return Locale.parse(LOCALES[language])


def when_short(event: Event, language: Language) -> str:
    """'lör 13 juni 19:00', 'lør. 13. jun. 19.00', 'Sat 13 Jun 19:00'; all-day: the day(s) only."""
    if event.all_day:
        first, last = all_day_span(event)
        text = _short_date(first, language)
        return text if last == first else f"{text} – {_short_date(last, language)}"
    start = _local(event.start, event)
    return f"{_short_date(start.date(), language)} {_time(start, language)}"


def when_long(event: Event, language: Language) -> str:
    """'lördag 13 juni 2026 19:00–21:00', with the end day when it is another day."""
    if event.all_day:
        first, last = all_day_span(event)
        text = _long_date(first, language)
        return text if last == first else f"{text} – {_long_date(last, language)}"
    start = _local(event.start, event)
    text = f"{_long_date(start.date(), language)} {_time(start, language)}"
    if event.end is None:
        return text
    end = _local(event.end, event)
    if end.date() == start.date():
        return f"{text}–{_time(end, language)}"
    return f"{text} – {_long_date(end.date(), language)} {_time(end, language)}"


# -- event texts --------------------------------------------------------------------------------------------


def _amount(value: float, language: Language) -> str:
    return format_decimal(value, format="#,##0.##", locale=_locale(language))


def price_text(event: Event, language: Language) -> str | None:
    """'100–250 SEK', 'Fri entré', or the source's own words; None when the source says nothing."""
    price, words = event.price, WORDS[language]
    if price.text:
        return price.text
    if price.free:
        return words["free"]
    currency = f" {price.currency}" if price.currency else ""
    if price.min is not None and price.max is not None and price.max != price.min:
        return f"{_amount(price.min, language)}–{_amount(price.max, language)}{currency}"
    amount = price.min if price.min is not None else price.max
    return None if amount is None else f"{_amount(amount, language)}{currency}"


def display_title(event: Event, language: Language) -> str:
    """The title, with 'Inställt: ' / 'Aflyst: ' / 'Cancelled: ' in front when the event is cancelled."""
    title = " ".join(clean(event.title).split())  # one line, whatever the source did
    if event.status == "cancelled" and not _ALREADY_CANCELLED.match(title):
        return f"{WORDS[language]['cancelled']}: {title}"
    return title


def place_name(event: Event, language: Language) -> str:
    """Where, in one short name: the venue, else its locality, else the city."""
    venue = event.venue
    return " ".join(clean(venue.name or venue.locality or CITY_NAMES[language][event.city]).split())


@dataclass(frozen=True)
class EventText:
    """One event's texts in one language, shared by every format."""

    title: str  # with the cancelled prefix
    item_title: str  # feed readers: 'lör 13 juni 19:00 · Dunkers kulturhus — title'
    when: str  # long form
    location: str | None
    organizer: str | None
    event_type: str  # the category's localised name
    categories: tuple[tuple[str, str], ...]  # (id, localised name)
    facts: tuple[tuple[str, str], ...]  # (label, value) lines: status, when, where, price, organiser
    body: str  # the event's own description, plain text
    links: tuple[str, ...]  # every source's link
    link: str | None  # the event's own page
    plain: str  # facts, body and source links as plain text (iCalendar DESCRIPTION, JSON content_text)
    html: str  # the same, as sanitised HTML (RSS/Atom summary, JSON content_html)


def _plain(facts: tuple[tuple[str, str], ...], body: str, links: tuple[str, ...], language: Language) -> str:
    parts = []
    if facts:
        parts.append("\n".join(f"{name}: {value}" for name, value in facts))
    if body:
        parts.append(body)
    if links:
        parts.append("\n".join(f"{WORDS[language]['source']}: {link}" for link in links))
    return "\n\n".join(parts)


def _sanitise(markup: str) -> str:
    # The text is escaped where the markup is built; nh3 is the second line of defence (it also drops
    # javascript: links and anything outside the few tags a summary uses).
    return nh3.clean(markup, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="noopener noreferrer")


def body_html(body: str) -> str:
    """The event's own text as sanitised HTML paragraphs (the same in every language)."""
    paragraphs = (p.strip() for p in re.split(r"\n\s*\n", body))
    return _sanitise("\n".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>" for p in paragraphs if p
    ))


def _html(facts: tuple[tuple[str, str], ...], body: str, links: tuple[str, ...], language: Language) -> str:
    """Facts, the body (already sanitised HTML) and the source links, as sanitised HTML."""
    esc = html.escape
    head = tail = ""
    if facts:
        head = _sanitise("<p>" + "<br>".join(f"<strong>{esc(name)}:</strong> {esc(value)}"
                                             for name, value in facts) + "</p>")
    if links:
        anchors = ", ".join(
            f'<a href="{esc(link)}">{esc(urlsplit(link).netloc or link)}</a>' for link in links
        )
        tail = _sanitise(f"<p><strong>{esc(WORDS[language]['source'])}:</strong> {anchors}</p>")
    return "\n".join(part for part in (head, body, tail) if part)


def event_text(
    event: Event, language: Language, rules: CategoryRules | None, cache: RenderCache | None = None
) -> EventText:
    """The event's texts in ``language``; with ``cache``, its body's HTML is made once for all languages."""
    rules = rules if rules is not None else default_categories()
    words = WORDS[language]
    title = display_title(event, language)
    when = when_long(event, language)
    location = location_text(event)
    facts: list[tuple[str, str]] = []
    if event.status != "scheduled":
        facts.append((words["status"], words[event.status]))
    facts.append((words["when"], when))
    if location:
        facts.append((words["where"], location))
    price = price_text(event, language)
    if price:
        facts.append((words["price"], clean(price)))
    organizer = " ".join(clean(event.organizer).split()) if event.organizer else None
    if organizer:
        facts.append((words["organizer"], organizer))
    body = clean(event.description).strip()
    links = tuple(source_links(event))
    fact_tuple = tuple(facts)
    body_markup = (cache or RenderCache()).get("body-html", (event.id,), lambda: body_html(body))
    return EventText(
        title=title,
        item_title=f"{when_short(event, language)} · {place_name(event, language)} — {title}",
        when=when,
        location=location,
        organizer=organizer,
        event_type=label(event.category, language, rules),
        categories=category_terms(event, language, rules),
        facts=fact_tuple,
        body=body,
        links=links,
        link=event_link(event),
        plain=_plain(fact_tuple, body, links, language),
        html=_html(fact_tuple, body_markup, links, language),
    )


def cached_text(
    cache: RenderCache, event: Event, language: Language, rules: CategoryRules | None
) -> EventText:
    """:func:`event_text`, made once per event and language in a publish and shared by every format."""
    return cache.get("text", (event.id, language), lambda: event_text(event, language, rules, cache))
