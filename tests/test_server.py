"""The feed server over real HTTP: uvicorn on a free loopback port, in a thread, with a published folder and a
store made here (time frozen at 2026-05-20, so the factory's June events are upcoming)."""

from __future__ import annotations

import gzip
import json
import os
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import pytest
import uvicorn
from factories import make_event
from helpers import free_port

from feeds.publish import publish
from feeds.server import create_app
from hhevents.model import Price, Venue
from store import CrawlRun, EventStore
from store.db import DB_FILENAME

NOW = "2026-05-20T12:00:00+02:00"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def events():
    kronborg = Venue(name="Kronborg Slot", street_address="Kronborg 2C", postal_code="3000",
                     locality="Helsingør", country="DK")
    return [
        make_event(1, title="Jazz på Dunkers", tags=("jazz", "music")),
        make_event(2, title="Sommarfotboll", category="sport", price=Price(free=True)),
        make_event(3, title="Hamlet på Kronborg", city="helsingor", venue=kronborg,
                   price=Price(min=150, currency="DKK")),
        make_event(4, title="<img src=x onerror=alert(1)>", city="helsingor", status="cancelled",
                   start=datetime(2026, 6, 10, 19, tzinfo=COPENHAGEN)),
    ]


class ThreadServer:
    def __init__(self, app):
        self.port = free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.base = f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    previous = os.environ.get("HHEVENTS_NOW")
    os.environ["HHEVENTS_NOW"] = NOW
    root = tmp_path_factory.mktemp("serve")
    out, data = root / "out", root / "data"
    data.mkdir()
    store = EventStore(data / DB_FILENAME)
    now = datetime.fromisoformat(NOW)
    for event in events():
        store.upsert(event, now=now)
    started = now - timedelta(hours=1)
    for minutes, outcome, items in ((0, "ok", 20), (10, "ok", 22), (20, "ok", 21), (30, "ok", 3)):
        at = started + timedelta(minutes=minutes)
        store.record_run(CrawlRun("dunkers", at, at + timedelta(seconds=30), outcome, items=items, new=items,
                                  healthy=True, coverage={"end": 1.0, "venue": 0.5}))
    at = started + timedelta(minutes=40)
    store.record_run(CrawlRun("down", at, at + timedelta(seconds=5), "failed", errors=1,
                              message="HTTP 500 on https://down.example/calendar.ics"))
    store.close()
    publish(events(), out, base_url="https://feeds.example/", now=now)
    app = create_app(out, data_dir=data)
    with ThreadServer(app) as server:
        yield {"base": server.base, "out": out, "data": data}
    if previous is None:
        os.environ.pop("HHEVENTS_NOW", None)
    else:
        os.environ["HHEVENTS_NOW"] = previous


def fetch(url: str, method: str = "GET", **headers: str):
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# -- published files -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/all.ics", "text/calendar; charset=utf-8"),
        ("/all.rss", "application/rss+xml; charset=utf-8"),
        ("/sv/helsingborg-culture.atom", "application/atom+xml; charset=utf-8"),
        ("/da/helsingor-all.json", "application/feed+json; charset=utf-8"),
        ("/manifest.json", "application/json; charset=utf-8"),
    ],
)
def test_published_files_have_their_content_types_and_bytes(site, path, content_type):
    status, headers, body = fetch(site["base"] + path)
    assert status == 200
    assert headers["Content-Type"] == content_type
    assert body == (site["out"] / path.lstrip("/")).read_bytes()
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_feeds_carry_a_strong_etag_last_modified_and_cache_control_of_the_refresh_interval(site):
    _, headers, body = fetch(site["base"] + "/all.ics")
    assert headers["ETag"].startswith('"') and not headers["ETag"].startswith("W/")
    assert headers["Last-Modified"].endswith("GMT")
    assert headers["Cache-Control"] == "public, max-age=21600"  # publish.REFRESH_HOURS
    _, again, _ = fetch(site["base"] + "/all.ics")
    assert again["ETag"] == headers["ETag"]


def test_if_none_match_and_if_modified_since_get_304_without_a_body(site):
    _, headers, _ = fetch(site["base"] + "/all.ics")
    status, answer, body = fetch(site["base"] + "/all.ics", **{"If-None-Match": headers["ETag"]})
    assert (status, body) == (304, b"")
    assert answer["ETag"] == headers["ETag"]
    status, _, body = fetch(site["base"] + "/all.ics", **{"If-Modified-Since": headers["Last-Modified"]})
    assert (status, body) == (304, b"")
    status, _, _ = fetch(site["base"] + "/all.ics", **{"If-None-Match": '"something-else"'})
    assert status == 200
    status, _, _ = fetch(site["base"] + "/all.ics", **{"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
    assert status == 200


def test_a_changed_file_gets_a_new_etag(site, tmp_path):
    path = site["out"] / "extra.ics"
    path.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    _, first, _ = fetch(site["base"] + "/extra.ics")
    path.write_bytes(b"BEGIN:VCALENDAR\r\nX-CHANGED:1\r\nEND:VCALENDAR\r\n")
    os.utime(path, (time.time() + 5, time.time() + 5))
    status, second, body = fetch(site["base"] + "/extra.ics", **{"If-None-Match": first["ETag"]})
    assert status == 200 and b"X-CHANGED" in body
    assert second["ETag"] != first["ETag"]
    path.unlink()


def test_gzip_only_for_clients_that_ask(site):
    plain = (site["out"] / "all.json").read_bytes()
    status, headers, body = fetch(site["base"] + "/all.json", **{"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain
    assert "Accept-Encoding" in headers["Vary"]
    _, headers, body = fetch(site["base"] + "/all.json")
    assert headers.get("Content-Encoding") is None and body == plain
    _, headers, _ = fetch(site["base"] + "/all.json", **{"Accept-Encoding": "gzip;q=0"})
    assert headers.get("Content-Encoding") is None


def test_head_gives_the_headers_of_get_without_a_body(site):
    _, get_headers, get_body = fetch(site["base"] + "/all.rss")
    status, headers, body = fetch(site["base"] + "/all.rss", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Length"] == str(len(get_body))
    assert headers["ETag"] == get_headers["ETag"]


def test_cors_lets_other_origins_read_the_json_feed(site):
    _, headers, _ = fetch(site["base"] + "/en/all-all.json", Origin="https://hhcityclub.example")
    assert headers["Access-Control-Allow-Origin"] == "*"


def test_missing_files_and_paths_out_of_the_folder_are_404(site):
    assert fetch(site["base"] + "/nope.ics")[0] == 404
    assert fetch(site["base"] + "/../data/" + DB_FILENAME)[0] == 404
    assert fetch(site["base"] + "/%2e%2e/data/" + DB_FILENAME)[0] == 404


def test_create_app_still_works_with_the_output_folder_alone(tmp_path):
    (tmp_path / "all.ics").write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    with ThreadServer(create_app(tmp_path)) as server:
        status, headers, _ = fetch(server.base + "/all.ics")
        assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert fetch(server.base + "/feeds/custom.ics")[0] == 200  # no store: an empty calendar
        assert fetch(server.base + "/status")[0] == 200


# -- health and metrics --------------------------------------------------------------------------------------


def test_healthz_is_200_when_the_last_publish_is_fresh_and_503_when_stale_or_missing(site, tmp_path):
    status, _, body = fetch(site["base"] + "/healthz")
    assert status == 200 and body.startswith(b"ok")
    stale = tmp_path / "stale"
    publish([], stale, base_url="https://feeds.example/", now=datetime.fromisoformat(NOW))
    old = time.time() - 3 * 86400
    os.utime(stale / "manifest.json", (old, old))
    with ThreadServer(create_app(stale)) as server:
        status, _, body = fetch(server.base + "/healthz")
        assert status == 503 and b"last publish" in body
    with ThreadServer(create_app(tmp_path / "empty")) as server:
        assert fetch(server.base + "/healthz")[0] == 503


def test_healthz_trusts_the_schedulers_record_of_a_publish_that_changed_nothing(tmp_path):
    out, data = tmp_path / "out", tmp_path / "data"
    publish([], out, base_url="https://feeds.example/", now=datetime.fromisoformat(NOW))
    old = time.time() - 3 * 86400
    os.utime(out / "manifest.json", (old, old))  # nothing changed for days: the manifest was left as it was
    (data / "scheduler").mkdir(parents=True)
    state = {"publish": {"last": {"finished": datetime.now(UTC).isoformat(), "ok": True}}}
    (data / "scheduler" / "state.json").write_text(json.dumps(state))
    with ThreadServer(create_app(out, data_dir=data)) as server:
        assert fetch(server.base + "/healthz")[0] == 200
    state["publish"]["last"]["ok"] = False
    (data / "scheduler" / "state.json").write_text(json.dumps(state))
    with ThreadServer(create_app(out, data_dir=data)) as server:
        assert fetch(server.base + "/healthz")[0] == 503


def test_healthz_trusts_the_stamp_of_a_cron_run_publish_that_changed_nothing(tmp_path):
    from feeds.publish import PUBLISH_STAMP

    out, data = tmp_path / "out", tmp_path / "data"
    publish([], out, base_url="https://feeds.example/", now=datetime.fromisoformat(NOW))
    old = time.time() - 3 * 86400
    os.utime(out / "manifest.json", (old, old))  # unchanged for days, as `hhevents publish` leaves it
    data.mkdir()
    (data / PUBLISH_STAMP).touch()  # but it ran a minute ago (hhevents/cli.py cmd_publish touches this)
    with ThreadServer(create_app(out, data_dir=data)) as server:
        assert fetch(server.base + "/healthz")[0] == 200
    os.utime(data / PUBLISH_STAMP, (old, old))
    with ThreadServer(create_app(out, data_dir=data)) as server:
        assert fetch(server.base + "/healthz")[0] == 503


def test_metrics_are_prometheus_text_per_source_and_per_feed(site):
    status, headers, body = fetch(site["base"] + "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    assert 'hhevents_source_runs_total{outcome="ok",source="dunkers"} 4' in text
    assert 'hhevents_source_failures_total{source="down"} 1' in text
    assert 'hhevents_source_last_run_items{source="dunkers"} 3' in text
    assert "# TYPE hhevents_feed_bytes gauge" in text
    size = (site["out"] / "all.ics").stat().st_size
    assert f'hhevents_feed_bytes{{path="all.ics"}} {size}' in text
    assert "hhevents_store_events 4" in text


# -- status page ---------------------------------------------------------------------------------------------


def test_status_page_has_a_row_per_source_with_broken_badges_and_reasons(site):
    status, headers, body = fetch(site["base"] + "/status")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert '<th scope="row">dunkers</th>' in page and '<th scope="row">down</th>' in page
    assert "BROKEN" in page
    assert "HTTP 500 on https://down.example/calendar.ics" in page
    assert "-86%" in page  # 3 events against a usual 21
    assert "venue 50%" in page


def test_status_page_shows_the_next_run_from_the_scheduler_state(site):
    state_dir = site["data"] / "scheduler"
    state_dir.mkdir(exist_ok=True)
    heartbeat = datetime.now(UTC).isoformat()
    (state_dir / "state.json").write_text(json.dumps({
        "state": "running", "heartbeat": heartbeat, "started": heartbeat, "pid": 1, "watch_interval": 2,
        "jobs": {"dunkers": {"next_run": "2026-05-20T14:00:00+00:00"}}, "publish": {}, "config": {},
    }))
    try:
        page = fetch(site["base"] + "/status")[2].decode()
        assert "2026-05-20 16:00" in page or "2026-05-20 14:00" in page
    finally:
        (state_dir / "state.json").unlink()


# -- custom feeds --------------------------------------------------------------------------------------------


def json_ids(site, query: str) -> list[str]:
    status, headers, body = fetch(site["base"] + "/feeds/custom.json" + query)
    assert status == 200, body
    assert headers["Content-Type"] == "application/feed+json; charset=utf-8"
    return sorted(item["id"] for item in json.loads(body)["items"])


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("", [1, 2, 3, 4]),
        ("?city=helsingor", [3, 4]),
        ("?category=sport", [2]),
        ("?city=helsingborg&category=culture,sport", [1, 2]),
        ("?city=helsingborg&city=helsingor", [1, 2, 3, 4]),
        ("?free=true", [2]),
        ("?free=no", [1, 3, 4]),
        ("?tag=jazz", [1]),
        ("?venue=kronborg", [3]),
        ("?q=hamlet", [3]),
        ("?q=HAMLET+kronborg", [3]),
        ("?from=2026-06-03&to=2026-06-04", [2, 3]),
        ("?to=2026-06-02", [1]),
        ("?city=all&category=all", [1, 2, 3, 4]),
    ],
)
def test_custom_feed_filters(site, query, numbers):
    found = json_ids(site, query + ("&" if "?" in query else "?") + "lang=en")
    assert found == [f"test-{n:04d}" for n in numbers]


@pytest.mark.parametrize("fmt", ["ics", "rss", "atom", "json"])
def test_custom_feeds_in_every_format_are_cached_and_conditional(site, fmt):
    url = site["base"] + f"/feeds/custom.{fmt}?city=helsingor&lang=da"
    status, headers, body = fetch(url)
    assert status == 200 and b"Hamlet" in body
    assert headers["Content-Type"].endswith("charset=utf-8")
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, _, _ = fetch(url, **{"If-None-Match": headers["ETag"]})
    assert status == 304
    if fmt == "ics":
        calendar = icalendar.Calendar.from_ical(body)
        uids = sorted(str(e["UID"]).split("@")[0] for e in calendar.walk("VEVENT"))
        assert uids == ["test-0003", "test-0004"]
    if fmt in ("rss", "atom"):
        assert len(feedparser.parse(body).entries) == 2


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("city=malmo", "city"),
        ("category=opera", "category"),
        ("free=maybe", "free"),
        ("from=tomorrow", "from"),
        ("from=2026-06-05&to=2026-06-01", "to"),
        ("lang=de", "lang"),
        ("colour=red", "colour"),
        ("q=" + "x" * 300, "q"),
        ("venue=a&venue=b", "venue"),
        ("city=%FF", "city"),
        ("from=2026-02-30", "from"),
        ("to=9999-12-31", "to"),
        ("tag=" + "y" * 300, "tag"),
    ],
)
def test_bad_custom_feed_parameters_get_a_400_that_names_them(site, query, parameter):
    status, headers, body = fetch(site["base"] + "/feeds/custom.ics?" + query)
    assert status == 400
    assert headers["Content-Type"].startswith("application/json")
    assert f"'{parameter}'" in json.loads(body)["error"]


def test_an_unknown_custom_format_is_404(site):
    assert fetch(site["base"] + "/feeds/custom.xml")[0] == 404


def test_custom_feed_follows_the_store(site):
    url = site["base"] + "/feeds/custom.json?q=Ny%C3%A5rskonsert"
    assert json.loads(fetch(url)[2])["items"] == []
    store = EventStore(site["data"] / DB_FILENAME)
    try:
        store.upsert(make_event(9, title="Nyårskonsert"), now=datetime.fromisoformat(NOW))
    finally:
        store.close()
    assert [i["_hhevents"]["title"] for i in json.loads(fetch(url)[2])["items"]] == ["Nyårskonsert"]


# -- subscribe page ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "query", "lang", "heading"),
    [
        ({"Accept-Language": "sv-SE,sv;q=0.9,en;q=0.5"}, "", "sv", "Evenemang i Helsingborg och Helsingör"),
        ({"Accept-Language": "da-DK,da;q=0.9"}, "", "da", "Arrangementer i Helsingborg og Helsingør"),
        ({"Accept-Language": "en-GB,en;q=0.8,sv;q=0.1"}, "", "en", "Events in Helsingborg and Helsingør"),
        ({"Accept-Language": "de-DE"}, "", "sv", "Evenemang i Helsingborg och Helsingör"),
        ({"Accept-Language": "sv"}, "?lang=da", "da", "Arrangementer i Helsingborg og Helsingør"),
    ],
)
def test_subscribe_page_speaks_the_visitors_language(site, headers, query, lang, heading):
    status, answer, body = fetch(site["base"] + "/" + query, **headers)
    assert status == 200 and answer["Content-Type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{heading}</h1>" in page


def test_subscribe_page_links_every_feed_of_its_language(site):
    page = fetch(site["base"] + "/?lang=da")[2].decode()
    base = "https://feeds.example/"  # the manifest's base URL
    assert 'href="webcal://feeds.example/da/helsingor-culture.ics"' in page
    google = "https://calendar.google.com/calendar/render?cid="
    assert google + "webcal%3A%2F%2Ffeeds.example%2Fda%2Fall-all.ics" in page
    assert "addfromweb?url=https%3A%2F%2Ffeeds.example%2Fda%2Fhelsingborg-sport.ics" in page
    assert f'href="{base}da/all-all.rss"' in page and f'href="{base}da/all-all.atom"' in page
    assert 'data-url="https://feeds.example/da/all-all.ics"' in page
    assert "sv/all-all" not in page


def test_subscribe_page_lists_the_next_events_escaped_with_the_cancelled_badge(site):
    page = fetch(site["base"] + "/?lang=en")[2].decode()
    assert "Hamlet på Kronborg" in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page
    assert 'class="badge cancelled">Cancelled<' in page


def test_feed_builder_works_without_javascript(site):
    query = "?lang=en&build=1&city=helsingor&category=culture&venue=&free=true"
    page = fetch(site["base"] + "/" + query)[2].decode()
    url = "https://feeds.example/feeds/custom.ics?lang=en&amp;city=helsingor&amp;category=culture&amp;free=true"
    assert f'value="{url}"' in page
    assert 'href="webcal://feeds.example/feeds/custom.ics?lang=en&amp;city=helsingor' in page


# -- widget --------------------------------------------------------------------------------------------------


def test_widget_script_is_javascript_small_cached_and_open_to_other_origins(site):
    status, headers, body = fetch(site["base"] + "/widget.js", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Content-Encoding"] == "gzip" and len(body) < 10 * 1024
    assert fetch(site["base"] + "/widget.js", **{"If-None-Match": headers["ETag"]})[0] == 304


def test_widget_iframe_page_passes_its_parameters_escaped(site):
    status, _, body = fetch(site["base"] + "/widget?city=helsingor&lang=da&count=3&layout=%22%3E%3Cscript%3E")
    page = body.decode()
    assert status == 200
    assert 'data-city="helsingor"' in page and 'data-lang="da"' in page and 'data-count="3"' in page
    assert 'data-layout="&quot;&gt;&lt;script&gt;"' in page


# -- in a real browser ---------------------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "img"
HOSTILE_CSS = "li{display:none!important}*{color:red!important;font-size:40px!important}a{display:none}"


def host_page(widget_base: str) -> str:
    return f"""<!doctype html><html lang="da"><head><meta charset="utf-8"><title>HH Cityclub</title>
<style>{HOSTILE_CSS}</style></head><body><h1>Kultur i Helsingør</h1>
<script src="{widget_base}/widget.js" data-city="helsingor" data-lang="da" data-count="5"></script>
<iframe id="frame" title="events" src="{widget_base}/widget?category=sport&amp;lang=sv" width="600"
 height="300"></iframe></body></html>"""


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install playwright==1.65.2 (make test does)")
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: install it (as root: apt-get install -y chromium; make test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()


@pytest.fixture(scope="module")
def host(site):
    """A page on another origin (another port) that embeds the widget."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    app = Starlette(routes=[Route("/", lambda request: HTMLResponse(host_page(site["base"])))])
    with ThreadServer(app) as server:
        yield server.base


@pytest.mark.parametrize(("lang", "heading", "subscribe"), [
    ("sv", "Evenemang i Helsingborg och Helsingör", "Prenumerera"),
    ("da", "Arrangementer i Helsingborg og Helsingør", "Abonnér"),
    ("en", "Events in Helsingborg and Helsingør", "Subscribe"),
])
def test_browser_subscribe_page_in_each_language(site, page, lang, heading, subscribe):
    page.goto(f"{site['base']}/?lang={lang}")
    assert page.locator("h1").inner_text() == heading
    link = page.locator("a.subscribe").first
    assert link.inner_text().startswith(subscribe)
    assert link.get_attribute("href") == f"webcal://feeds.example/{lang}/all-all.ics"
    # every subscribe link names its feed for screen readers
    names = page.locator("a.subscribe").all_text_contents()
    assert len(names) == 12 and len(set(names)) == 12
    assert page.locator("button.copy").first.is_visible()  # shown once the script runs
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"subscribe-{lang}.png"), full_page=True)


def test_browser_language_switch(site, page):
    page.goto(f"{site['base']}/?lang=sv")
    page.get_by_role("link", name="Dansk").click()
    assert page.locator("html").get_attribute("lang") == "da"


def test_browser_feed_builder_gives_a_url_that_returns_the_right_events(site, page):
    page.goto(f"{site['base']}/?lang=en")
    page.get_by_label("City").select_option("helsingor")
    page.get_by_label("Venue (e.g. Kronborg)").fill("Kronborg")
    url = page.locator("#custom-url").input_value()
    assert url == "https://feeds.example/feeds/custom.ics?lang=en&city=helsingor&venue=Kronborg"
    local = site["base"] + url.removeprefix("https://feeds.example").replace("custom.ics", "custom.json")
    ids = [item["id"] for item in json.loads(fetch(local)[2])["items"]]
    assert ids == ["test-0003"]
    page.get_by_label("Free events only").check()
    assert page.locator("#custom-url").input_value().endswith("&free=true")


def test_browser_widget_on_another_origin(host, page):
    page.goto(host)
    widget = page.locator(".hhevents-widget li.event")
    widget.first.wait_for()
    texts = widget.all_inner_texts()
    assert len(texts) == 2
    assert any("Hamlet på Kronborg" in t and "Kronborg Slot" in t and "150 DKK" in t for t in texts)
    hostile = next(t for t in texts if "<img src=x onerror=alert(1)>" in t)  # the title shown as text
    assert "Aflyst" in hostile
    assert page.locator(".hhevents-widget .badge").inner_text() == "Aflyst"
    assert page.locator(".hhevents-widget img").count() == 0
    assert page.dialogs == []
    # the host page's CSS does not reach into the widget
    assert widget.first.is_visible()
    color = widget.first.evaluate("node => getComputedStyle(node).color")
    assert color != "rgb(255, 0, 0)"
    # nothing leaked into the host page's globals
    leaked = page.evaluate("() => Object.keys(window).filter(k => /^(WORDS|CSS|render|words|box)$/.test(k))")
    assert leaked == []
    frame = page.frame_locator("#frame")
    frame.locator("li.event").first.wait_for()
    assert "Sommarfotboll" in frame.locator("li.event").first.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "widget.png"), full_page=True)


def test_browser_status_page(site, page):
    page.goto(f"{site['base']}/status")
    assert page.get_by_role("row", name="down").get_by_text("BROKEN").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "status.png"), full_page=True)


def test_browser_feed_builder_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{site['base']}/?lang=sv")
        assert not page.locator("button.copy").first.is_visible()  # needs the script; hidden without it
        page.get_by_label("Kategori").select_option("sport")
        page.get_by_label("Bara gratis evenemang").check()
        page.get_by_role("button", name="Skapa länk").click()
        url = page.locator("#custom-url").input_value()
        assert url == "https://feeds.example/feeds/custom.ics?lang=sv&category=sport&free=true"
        local = site["base"] + url.removeprefix("https://feeds.example").replace("custom.ics", "custom.json")
        assert [item["id"] for item in json.loads(fetch(local)[2])["items"]] == ["test-0002"]
    finally:
        context.close()


def test_browser_keyboard_reaches_the_language_switch_and_the_feeds(site, page):
    page.goto(f"{site['base']}/?lang=en")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Svenska"
    for _ in range(3):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "button subscribe"
