"""Give each event a category, a sub-tag and the reason for both, from the rules in ``categories.yaml``.

:func:`categorise` is a pure function (Event in, Event out); :class:`CategorisePipeline` applies it to every
item after the normaliser. What a keyword matches is defined in config/categories.py; the order in which
evidence counts is defined here, and docs/categories.md explains both to operators:

1. **Strong evidence decides the category:** first the source's own categories (the event's ``tags``), then
   the title. Within one of them a sub-tag keyword beats a category-only keyword ("fotbollsmatch" is
   football, not just sport), then the earlier position wins ("Loppis med konsert" is a market), then the
   longer keyword, then file order. A match overrides the source's YAML category: a shopping source's
   concert becomes culture/music.
2. **Nothing strong matched:** the event keeps the category it came with (its source's, or what the source
   said for it) — "source default".
3. **The sub-tag** is the best sub-tag match of that category among source categories, title, then venue
   name and organizer. Venues are weak evidence: they pick a sub-tag within the category but never change it
   (a concert hall hosts talks, a sports club holds its annual meeting there).
4. **Secondary sub-tags** (family, festival) are added wherever they match but never choose the category.

Sub-tag ids are appended to the event's tags after the source's own tags; ``category_reason`` says which
match decided, e.g. ``title matched 'konsert' in 'Julkonsert' (culture/music)`` or ``source default (sport)``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from config.categories import CategoryRules, LoadedCategories, Matcher, Rule, fold, folded, load_categories
from hhevents.model import Event

logger = logging.getLogger(__name__)

SETTING = "HHEVENTS_CATEGORIES"

# Levels of evidence, strongest first.
SOURCE_CATEGORY, TITLE, VENUE = 0, 1, 2
_SCOPES = {SOURCE_CATEGORY: "source categories", TITLE: "titles", VENUE: "venues"}


@dataclass(frozen=True)
class Hit:
    """One keyword found in one of the event's texts."""

    where: str  # "source category", "title", "venue" or "organizer"
    level: int
    rule: Rule
    matcher: Matcher
    position: tuple[int, int]  # (which text of its level, offset in it)
    text: str  # the words it matched, as the event spells them

    def rank(self) -> tuple[int, int, tuple[int, int], int, int]:
        """Smaller is better: level, sub-tag before category-only, position, longer keyword, file order."""
        return (self.level, 0 if self.rule.tag else 1, self.position, -len(folded(self.matcher.word)),
                self.rule.order)

    def describe(self) -> str:
        # Shown when the event spells it otherwise than the keyword (a compound, an ending, another accent).
        spelled = f" in {self.text!r}" if self.text.casefold() != self.matcher.word.casefold() else ""
        return f"{self.where} matched {self.matcher.word!r}{spelled} ({self.rule.label})"


def find_hits(rules: CategoryRules, level: int, texts: Sequence[tuple[str, str | None]]) -> list[Hit]:
    """Every keyword of ``rules`` in ``texts`` ((where, text) pairs of one level), exclusions applied."""
    hits: list[Hit] = []
    pairs = rules.matchers(_SCOPES[level])
    for index, (where, text) in enumerate(texts):
        if not text:
            continue
        folded_text, origin = fold(text)
        for rule, matcher in pairs:
            if matcher.needle not in folded_text:  # most keywords are not there at all: skip them cheaply
                continue
            for found in matcher.finditer(folded_text):
                words = found.group()
                if any(excluded.search(words) for excluded in rule.exclude):
                    continue
                spelled = text[origin[found.start()] : origin[found.end() - 1] + 1]
                hits.append(Hit(where, level, rule, matcher, (index, found.start()), spelled))
    return hits


def categorise(event: Event, rules: CategoryRules) -> Event:
    """``event`` with its category, sub-tags and ``category_reason`` decided by ``rules`` (see module doc)."""
    hits = [
        *find_hits(rules, SOURCE_CATEGORY, [("source category", tag) for tag in event.tags]),
        *find_hits(rules, TITLE, [("title", event.title)]),
        *find_hits(rules, VENUE, [("venue", event.venue.name), ("organizer", event.organizer)]),
    ]
    hits.sort(key=Hit.rank)
    deciding = next((hit for hit in hits if hit.level < VENUE and not hit.rule.secondary), None)
    category = deciding.rule.category if deciding else event.category
    sub_tag = next((hit for hit in hits if hit.rule.tag and not hit.rule.secondary
                    and hit.rule.category == category), None)

    reasons = [deciding.describe() if deciding else f"source default ({category})"]
    if sub_tag is not None and sub_tag is not deciding:
        reasons.append(sub_tag.describe())
    added = [sub_tag.rule.tag] if sub_tag else []
    added += [hit.rule.tag for hit in hits if hit.rule.secondary]
    tags = event.tags + tuple(tag for tag in dict.fromkeys(added) if tag and tag not in event.tags)
    update = {"category": category, "category_reason": "; ".join(reasons), "tags": tags}
    return event.model_copy(update=update)


def keep_source_category(event: Event, why: str) -> Event:
    """``event`` unchanged but for a reason saying that no rules were applied, and why."""
    return event.model_copy(update={"category_reason": f"source default ({event.category}); {why}"})


# -- the rules file, once per crawl -------------------------------------------------------------------------

# Every source has its own crawler (and pipeline) in one crawl process: the file is read, and its problems
# logged, once per process while the file is unchanged.
_loaded: dict[tuple[str, int, int], LoadedCategories] = {}
_unset_reported = False


def rules_for_crawl(path: str | None) -> LoadedCategories | None:
    """The loaded rules file at ``path``, its problems logged the first time; None when no path is set."""
    global _unset_reported
    if not path:
        if not _unset_reported:
            logger.warning("%s is not set: events keep their source's category and get no sub-tags", SETTING)
            _unset_reported = True
        return None
    resolved = Path(path).resolve()
    try:
        stat = resolved.stat()
        key = (str(resolved), stat.st_mtime_ns, stat.st_size)
    except OSError:
        key = (str(resolved), -1, -1)
    loaded = _loaded.get(key)
    if loaded is None:
        loaded = _loaded[key] = load_categories(path)
        for problem in loaded.problems:
            logger.error("category rules: %s", problem)
        if loaded.rules is None:
            logger.error("no category rules could be read from %s: every event keeps its source's category "
                         "until the file is fixed", path)
        elif loaded.problems:
            logger.error("%d problem(s) in %s: the parts named above are left out, the other rules apply",
                         len(loaded.problems), path)
    return loaded


def forget_loaded_rules() -> None:
    """Read (and report) the rules file afresh on the next crawl in this process (for tests)."""
    global _unset_reported
    _loaded.clear()
    _unset_reported = False


class CategorisePipeline:
    """Scrapy pipeline: categorise each Event; a broken or missing rules file never loses an event."""

    def __init__(self, crawler, loaded: LoadedCategories | None):
        self.crawler = crawler
        self.loaded = loaded
        self.rules = loaded.rules if loaded is not None else None
        if loaded is None:
            self.unavailable = f"{SETTING} not set"
        else:
            self.unavailable = f"category rules unreadable ({loaded.path})"

    @classmethod
    def from_crawler(cls, crawler):
        loaded = rules_for_crawl(crawler.settings.get(SETTING))
        if loaded is not None and loaded.problems:
            crawler.stats.set_value("hhevents/category/rule_problems", len(loaded.problems))
        return cls(crawler, loaded)

    def process_item(self, item):
        if not isinstance(item, Event):
            return item
        if self.rules is None:
            event = keep_source_category(item, self.unavailable)
        else:
            try:
                event = categorise(item, self.rules)
            except Exception:  # a bug here must not cost the event: it keeps its source's category
                logger.exception("categorising %s failed", item.id)
                event = keep_source_category(item, "categorising failed")
        by = "source" if event.category_reason.startswith("source default") else "rules"
        self.crawler.stats.inc_value(f"hhevents/category/by_{by}")
        return event
