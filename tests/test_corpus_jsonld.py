"""The `jsonld` spider over real-world schema.org markup in the shared corpus (skipped when it is absent).

The corpus (``$HH_SHARED_DIR/corpus``, by default ``../shared/corpus`` beside the repository) holds extruct's
test pages, schema.org's official examples (``eg-*.txt``: one example in several syntaxes, of which the
MICRODATA and JSON parts are read here, each as a page of its own) and Helsingborg's own schema.org output.
Each page goes through the spider's parsing in-process, each item through the normaliser: nothing may crash,
and every file that holds events must give exactly the normalisable events counted below.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from config.schema import JsonLdSource
from pipelines.normalise import NormaliseError, normalise_item
from spiders.jsonld import JsonLdSpider, find_events, item_from_event, parse_json_block

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("HH_SHARED_DIR") or REPO.parent / "shared")
CORPUS = SHARED / "corpus"
MARKUP = CORPUS / "schemaorg-jsonld-microdata"
HELSINGBORG = CORPUS / "helsingborg-event-api"
PAGE = "https://corpus.example/evenemang/"
# eventSchedule occurrences depend on "now": counted with this one.
NOW = "2026-03-20T12:00:00+01:00"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not MARKUP.is_dir(), reason=f"shared corpus not found at {MARKUP} (set HH_SHARED_DIR)"
    ),
]

# (file, part) -> normalisable events; a zero says why.
EXPECTED: dict[tuple[str, str], int] = {
    ("extruct-samples/Elysian_Fields_Brooklyn_Tickets_The_Owl_Music_Parlor_31_Oct_2015.html", "page"): 1,
    ("extruct-samples/Elysian_Fields_Brooklyn_Tickets_The_Owl_Music_Parlor_31_Oct_2015.jsonld", "json"): 1,
    ("extruct-samples/Event.001.html", "page"): 1,
    ("extruct-samples/Event.002.html", "page"): 2,  # events inside a MusicGroup's "event"
    ("extruct-samples/Event.003.html", "page"): 1,
    ("extruct-samples/Event.004.html", "page"): 1,
    ("extruct-samples/JSONLD_valid_and_invalid.html", "page"): 0,  # no Event; one block beyond repair
    ("extruct-samples/JSONLD_with_CDATA.html", "page"): 0,  # an Organization, no Event
    ("extruct-samples/JSONLD_with_JS_comment.html", "page"): 0,  # a NewsArticle, no Event
    ("extruct-samples/Years_Years_Tickets_Tour_Dates_2015_Concerts.html", "page"): 13,
    ("extruct-samples/Years_Years_Tickets_Tour_Dates_2015_Concerts.jsonld", "json"): 13,
    ("schemaorg-official-examples/eg-0012.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0012.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0014.txt", "JSON"): 1,  # online only: no venue
    ("schemaorg-official-examples/eg-0170.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0171.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0171.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0172.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0172.txt", "JSON"): 0,  # its @graph holds a Place and an Offer only
    ("schemaorg-official-examples/eg-0173.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0173.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0174.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0189.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0189.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0190.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0190.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0191.txt", "JSON"): 0,  # neither the series nor its game has a date
    ("schemaorg-official-examples/eg-0201.txt", "JSON"): 2,
    ("schemaorg-official-examples/eg-0202.txt", "JSON"): 1,
    ("schemaorg-official-examples/eg-0240.txt", "JSON"): 0,  # weekly schedule that ended in 2017
    ("schemaorg-official-examples/eg-0241.txt", "JSON"): 26,  # 1st and 15th of each month in the window
    ("schemaorg-official-examples/eg-0242.txt", "JSON"): 0,  # 10 days from 2016-12-24: before the window
    ("schemaorg-official-examples/eg-0243.txt", "JSON"): 566,  # weekdays, twice a day, in the window
    ("schemaorg-official-examples/eg-0244.txt", "JSON"): 13,  # second Monday of each month
    ("schemaorg-official-examples/eg-0303.txt", "JSON"): 27,  # first and third Wednesday of each month
    ("schemaorg-official-examples/eg-0313.txt", "JSON"): 3,  # series of 2 Olympics, one with a sub-event
    ("schemaorg-official-examples/eg-0461.txt", "MICRODATA"): 1,
    ("schemaorg-official-examples/eg-0461.txt", "JSON"): 1,
}


def source(**options) -> JsonLdSource:
    values = {
        "id": "corpus",
        "name": "Corpus",
        "city": "helsingborg",
        "type": "jsonld",
        "url": PAGE,
        "category": "culture",
        "language": "sv",
        **options,
    }
    return JsonLdSource(**values)


@pytest.fixture
def spider(monkeypatch):
    monkeypatch.setenv("HHEVENTS_NOW", NOW)

    def make(**options) -> JsonLdSpider:
        return JsonLdSpider.from_crawler(get_crawler(JsonLdSpider), source=source(**options))

    return make


def page(html: str) -> HtmlResponse:
    return HtmlResponse(url=PAGE, body=html.encode("utf-8"), encoding="utf-8")


def example_part(path: Path, part: str) -> str:
    """One syntax's section of a schema.org example file (the text up to the next ``NAME:`` line)."""
    text = path.read_text(encoding="utf-8")
    match = re.search(rf"^{part}:\n(.*?)(?=^[A-Z-]+:\n|\Z)", text, re.S | re.M)
    return match.group(1) if match else ""


def items_of(spider: JsonLdSpider, relative: str, part: str) -> list[dict]:
    path = MARKUP / relative
    if part == "json":  # an extraction result: JSON-LD values without a page
        data = json.loads(path.read_text(encoding="utf-8"))
        return [
            item_from_event(node, PAGE) | {"sources": [{"source_event_id": "x"}]}
            for node in find_events(data)
        ]
    html = path.read_text(encoding="utf-8") if part == "page" else example_part(path, part)
    return spider.items_on(page(html))


def normalised(items: list[dict], src: JsonLdSource) -> tuple[int, list[str]]:
    good, reasons = 0, []
    for item in items:
        try:
            normalise_item(item, src)
            good += 1
        except NormaliseError as exc:
            reasons.append(str(exc))
    return good, reasons


def test_every_corpus_file_is_listed():
    """A file added to the corpus gets a count here, so it is read rather than silently left out."""
    pages = {
        (str(p.relative_to(MARKUP)), "page" if p.suffix == ".html" else "json")
        for p in MARKUP.glob("extruct-samples/*")
        if p.suffix in (".html", ".jsonld")
    }
    examples = {
        (str(p.relative_to(MARKUP)), part)
        for p in MARKUP.glob("schemaorg-official-examples/eg-*.txt")
        for part in ("MICRODATA", "JSON")
        if re.search(r"itemscope|<script", example_part(p, part))
    }
    assert pages | examples == set(EXPECTED)


@pytest.mark.parametrize(("relative", "part"), sorted(EXPECTED), ids=lambda v: str(v).split("/")[-1])
def test_corpus_file_yields_its_events(spider, relative, part):
    crawler_spider = spider()
    items = items_of(crawler_spider, relative, part)
    good, reasons = normalised(items, crawler_spider.source)
    if relative.endswith("eg-0191.txt"):
        assert reasons == ["start: missing"]  # the undated game is yielded, and dropped by the normaliser
    else:
        assert reasons == []
    assert good == EXPECTED[(relative, part)]


def test_usd_prices_are_kept_as_words_not_as_local_currency(spider):
    items = items_of(spider(), "schemaorg-official-examples/eg-0202.txt", "JSON")
    [event] = [normalise_item(item, spider().source) for item in items]
    assert (event.price.min, event.price.currency, event.price.text) == (None, None, "63.25–299 USD")
    assert event.status == "rescheduled"  # the bare word EventRescheduled


def test_extruct_samples_of_broken_jsonld_are_repaired_or_reported(spider):
    def script(name: str) -> str:
        text = (MARKUP / "extruct-samples" / name).read_text(encoding="utf-8")
        return re.findall(r"<script[^>]*>(.*?)</script>", text, re.S)[0]

    values, repaired = parse_json_block(script("JSONLD_with_CDATA.html"))
    assert repaired and values[0]["@type"] == "Organization" and values[0]["name"] == "Lubelska"
    values, repaired = parse_json_block(script("JSONLD_with_JS_comment.html"))
    assert repaired and values[0]["@type"] == "NewsArticle" and "interactionCount" not in values[0]
    # Two blocks, the first beyond repair (unquoted keys): the second is still read, the first reported.
    crawler_spider = spider()
    html = (MARKUP / "extruct-samples" / "JSONLD_valid_and_invalid.html").read_text(encoding="utf-8")
    assert crawler_spider.jsonld_blocks(page(html)) == [{"foo": "bar"}]
    assert crawler_spider.problem_count == 1
    assert "unreadable JSON-LD block 1: JSONDecodeError" in crawler_spider.first_problem


def test_event_schedule_examples_expand_as_their_text_says(spider):
    def starts(name: str) -> list[str]:
        return [item["start"] for item in items_of(spider(), f"schemaorg-official-examples/{name}", "JSON")]

    # The window starts 30 days back (past_days), on 2026-02-18.
    # eg-0244: "the second Monday of every month, from 6pm-7:30pm" (scheduleTimezone Asia/Shanghai).
    assert starts("eg-0244.txt")[:2] == ["2026-03-09T18:00:00+08:00", "2026-04-13T18:00:00+08:00"]
    # eg-0303: "the first and third Wednesdays of the month", in the source's own zone.
    assert starts("eg-0303.txt")[:3] == ["2026-02-18T20:00:00", "2026-03-04T20:00:00", "2026-03-18T20:00:00"]


@pytest.mark.skipif(not HELSINGBORG.is_dir(), reason=f"{HELSINGBORG} not found")
@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("WPLegacyEventTransformTest__testMatchesSnapshot__1.json", 3),
        ("WPReleaseEventTransformTest__testMatchesSnapshot__1.json", 2),
    ],
)
def test_helsingborg_schema_org_output_with_utc_is_local(spider, name, expected):
    """Helsingborg's transformer writes local wall time with +00:00; utc_is_local reads it as such."""
    data = (HELSINGBORG / name).read_text(encoding="utf-8")
    crawler_spider = spider(utc_is_local=True)
    items = crawler_spider.items_on(page(f'<script type="application/ld+json">{data}</script>'))
    events = [normalise_item(item, crawler_spider.source) for item in items]
    assert len(events) == expected == len({e.id for e in events})  # one URL for all: keyed by @id
    first = events[0]
    assert first.start.isoformat() in ("2030-02-11T15:15:00+01:00", "2030-06-06T12:00:00+02:00")
    assert first.price.currency == "SEK" and first.price.min is not None
    assert first.venue.latitude is not None and first.organizer
