"""Is this the same real-world event? The matching rules of the de-duplicate stage.

The same concert appears on the venue's site, the city's portal and Kultunaut, with other titles ("Konsert:
Nordlys Trio" / "Nordlys Trio – Winterreise"), other venue spellings and, at times, other start minutes. Two
events are duplicates when all of these hold:

- same city;
- same kind of time: both all-day on the same days, or both timed and starting within ``tolerance``;
- compatible venue: unknown on either side, or names alike, or coordinates within ``VENUE_RADIUS_M``;
- similar title once the noise is removed (case, accents, punctuation, genre prefixes such as "Konsert:",
  and the venue's own name), scored with rapidfuzz.

Sport is where near-misses live: "Helsingborgs IF – Östers IF" and "Helsingborgs IF – Trelleborgs FF" share
half their words, on the same evening at the same arena. ``token_set_ratio`` alone would call them equal
(one title's words are a subset of the other's only when a side is missing), so the score also requires the
*differing* words to be few: see :func:`title_similarity`.

Thresholds were tuned on the labelled pairs in ``tests/fixtures/dedupe/labelled-pairs.yaml``; precision and
recall on that set are in docs/data-quality.md.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from rapidfuzz import fuzz

from hhevents.model import Event

TITLE_THRESHOLD = 82.0
VENUE_THRESHOLD = 75.0
VENUE_RADIUS_M = 400.0
DEFAULT_TOLERANCE = timedelta(minutes=30)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say what kind of event it is, not which one: sources prefix titles with them at will.
GENRE_WORDS = _words(
    "konsert koncert concert föreställning forestilling teater teatre theatre performance show "
    "utställning udstilling exhibition vernissage föreläsning foredrag forelæsning lecture talk samtal "
    "film bio biograf kino visning premiär premiere dans dance opera musikal musical standup comedy "
    "match kamp game fotboll fodbold football handboll håndbold handball ishockey hockey "
    "live event evenemang arrangement familj familie family barn børn kids workshop"
)
# Little words that differ between sources' spellings of one title ("i", "på", "med", ...).
STOP_WORDS = _words(
    "i på pa med och og and the en ett et a an av af of till til to for för vs mod mot from fra"
)
# Words that make a team or edition another event: a U19 match is not the senior match of that evening.
_QUALIFIER = re.compile(
    r"^(?:[ufpj]\d{1,2}|dam|damer|herr|herrar|kvinder|herrer|ungdom|junior|akademi|reserv|reserve)$"
)


def fold(text: str) -> str:
    """Case-, accent- and punctuation-free: 'Kulturværftet, Allégade 2' -> 'kulturvaerftet allegade 2'."""
    text = text.casefold().replace("æ", "ae").replace("ø", "o").replace("ß", "ss")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"[^\w]+", " ", text).strip()


def title_words(title: str, venue_names: Iterable[str] = ()) -> list[str]:
    """The words that name the event: no genre prefixes, venue names or stop words."""
    words = fold(title).split()
    for venue in venue_names:
        venue_words = fold(venue).split()
        if not venue_words:
            continue
        n = len(venue_words)
        for i in range(len(words) - n, -1, -1):
            if words[i : i + n] == venue_words:
                del words[i : i + n]
    kept = [w for w in words if w not in GENRE_WORDS and w not in STOP_WORDS]
    # A title made only of noise ("Konsert") keeps its words rather than matching everything.
    return kept or words


def title_similarity(a: str, b: str, venue_names: Iterable[str] = ()) -> float:
    """0-100: how surely two titles name the same event.

    token_set_ratio forgives extra words on one side (a subtitle, a support act); the penalty keeps it from
    forgiving *different* words on both sides, which is what two different matches or concerts look like.
    """
    venues = list(venue_names)
    words_a, words_b = title_words(a, venues), title_words(b, venues)
    key_a, key_b = " ".join(words_a), " ".join(words_b)
    if not key_a or not key_b:
        return 0.0
    score = fuzz.token_set_ratio(key_a, key_b)
    only_a = set(words_a) - set(words_b)
    only_b = set(words_b) - set(words_a)
    if any(_QUALIFIER.match(word) for word in only_a | only_b):
        return min(score, 50.0)
    if only_a and only_b:
        # Both sides have words of their own: compare those leftovers; alike leftovers are spelling
        # variants ("winterreise" / "vinterreise"), unlike ones are another event.
        leftover = fuzz.ratio(" ".join(sorted(only_a)), " ".join(sorted(only_b)))
        score = min(score, (score + leftover) / 2)
    return score


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # Equirectangular is plenty at city scale.
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000 * math.hypot(x, y)


def venues_compatible(a: Event, b: Event) -> tuple[bool, str]:
    va, vb = a.venue, b.venue
    if None not in (va.latitude, va.longitude, vb.latitude, vb.longitude):
        distance = _distance_m(va.latitude, va.longitude, vb.latitude, vb.longitude)
        if distance <= VENUE_RADIUS_M:
            return True, f"venues {distance:.0f} m apart"
        return False, f"venues {distance:.0f} m apart"
    name_a, name_b = fold(va.name or ""), fold(vb.name or "")
    if not name_a or not name_b:
        return True, "venue unknown on one side"
    if name_a in name_b or name_b in name_a:
        return True, "venue names contain each other"
    score = fuzz.token_set_ratio(name_a, name_b)
    return score >= VENUE_THRESHOLD, f"venue similarity {score:.0f}"


@dataclass(frozen=True)
class Verdict:
    duplicate: bool
    score: float  # title similarity, 0-100
    reason: str


def compare(a: Event, b: Event, *, tolerance: timedelta = DEFAULT_TOLERANCE) -> Verdict:
    """Whether ``a`` and ``b`` are one real-world event, with the reason either way."""
    if a.city != b.city:
        return Verdict(False, 0.0, "different cities")
    if a.all_day != b.all_day:
        return Verdict(False, 0.0, "one is all-day, the other timed")
    if a.all_day:
        if a.start.date() != b.start.date() or (a.end and b.end and a.end.date() != b.end.date()):
            return Verdict(False, 0.0, "different days")
    else:
        gap = abs(a.start.timestamp() - b.start.timestamp())
        if gap > tolerance.total_seconds():
            return Verdict(False, 0.0, f"starts {gap / 60:.0f} min apart")
    venue_ok, venue_reason = venues_compatible(a, b)
    if not venue_ok:
        return Verdict(False, 0.0, venue_reason)
    names = [name for name in (a.venue.name, b.venue.name) if name]
    score = title_similarity(a.title, b.title, names)
    duplicate = score >= TITLE_THRESHOLD
    return Verdict(
        duplicate,
        score,
        f"title similarity {score:.0f} ({'≥' if duplicate else '<'} {TITLE_THRESHOLD:.0f}); {venue_reason}",
    )


def best_match(event: Event, candidates: Iterable[Event], *, tolerance: timedelta = DEFAULT_TOLERANCE):
    """The most similar duplicate of ``event`` among ``candidates`` (already blocked by day), or None."""
    best: tuple[Event, Verdict] | None = None
    best_key = (-1.0, -1.0)
    for candidate in candidates:
        verdict = compare(event, candidate, tolerance=tolerance)
        if not verdict.duplicate:
            continue
        # Ties (a subtitle makes several candidates score 100) go to the closest spelling.
        key = (verdict.score, fuzz.ratio(fold(event.title), fold(candidate.title)))
        if key > best_key:
            best, best_key = (candidate, verdict), key
    return best


class DedupePipeline:
    """Scrapy pipeline: point an event at the published event it duplicates, if any.

    A sighting the store already knows keeps its group (so ids never flip between crawls); a new one is
    compared with the published events of its city that start near it (blocking by time), excluding those
    its own source already lists. The store then merges it into that group.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = None
        self.tolerance = timedelta(minutes=crawler.settings.getint("HHEVENTS_DEDUPE_TOLERANCE_MINUTES", 30))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        from store import EventStore

        self.store = EventStore(self.crawler.settings["HHEVENTS_DATABASE"])

    def close_spider(self):
        if self.store is not None:
            self.store.close()

    def process_item(self, item: Event) -> Event:
        [ref] = item.sources
        if self.store.group_of(ref.source_id, ref.source_event_id) is not None:
            return item  # known: the store keeps it in its group
        candidates = self.store.candidates(item, within=self.tolerance, exclude_source=ref.source_id)
        found = best_match(item, candidates, tolerance=self.tolerance)
        if found is None:
            return item
        group, verdict = found
        self.crawler.stats.inc_value("hhevents/merged")
        self.crawler.spider.logger.info(
            "[%s] %r is %r of %s (%s)", ref.source_id, item.title, group.title, group.id, verdict.reason
        )
        return item.model_copy(update={"id": group.id})
