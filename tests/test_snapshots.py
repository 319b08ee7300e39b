"""The snapshot site server, exercised over real HTTP on loopback."""

from __future__ import annotations

import http.client
import os
import time
import urllib.error
import urllib.request
from datetime import date
from email.utils import formatdate
from pathlib import Path

import pytest

from hhevents.snapshots import SnapshotServer, TemplateError, render_template, snapshot_location

# 2026-03-29 is the spring-forward day in both Sweden and Denmark.
BEFORE_DST = date(2026, 3, 27)


def write(root: Path, rel: str, content: str | bytes) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def get(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def raw_get(site: SnapshotServer, target: str) -> int:
    """A request with the target sent verbatim (urllib would not send '..' the way an attacker does)."""
    conn = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    try:
        conn.putrequest("GET", target, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    site_root = tmp_path / "site"
    site_root.mkdir()
    return site_root


# -- templating ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("placeholder", "expected"),
    [
        ("{{ +2d }}", "2026-03-29"),
        ("{{+0d}}", "2026-03-27"),
        ("{{ -3d | %d.%m.%Y }}", "24.03.2026"),
        ("{{ 5d 20:00 | %Y-%m-%dT%H:%M:%S }}", "2026-04-01T20:00:00"),
        ("{{+5d20:00|iso}}", "2026-04-01T20:00:00"),
        ("{{ +5d 20:00 | iso @ Europe/Copenhagen }}", "2026-04-01T20:00:00+02:00"),
        ("{{ +0d 19:00 | utc:%Y%m%dT%H%M%SZ @ Europe/Stockholm }}", "20260327T180000Z"),
        ("{{ +5d 19:00 | utc:%Y%m%dT%H%M%SZ @ Europe/Stockholm }}", "20260401T170000Z"),
        ("{{ +0d 12:00 | utc:iso @ Europe/Stockholm }}", "2026-03-27T11:00:00+00:00"),
        ("{{ +1d | %Y%m%d }}", "20260328"),
        # 02:30 doesn't exist on the spring-forward day: moved to the real instant an hour later.
        ("{{ +2d 02:30 | iso @ Europe/Stockholm }}", "2026-03-29T03:30:00+02:00"),
    ],
)
def test_render_template_formats(placeholder: str, expected: str) -> None:
    assert render_template(f"<{placeholder}>".encode(), BEFORE_DST) == f"<{expected}>".encode()


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("{{ tomorrow }}", "expected"),
        ("{{ +2x }}", "expected"),
        ("{{ +2d 25:00 }}", "no such time"),
        ("{{ +2d | iso @ Mars/Olympus }}", "unknown time zone"),
        ("{{ +2d | utc:%H }}", "needs '@ TZ'"),
        ("{{ +2d | }}", "empty FORMAT"),
        ("{{ +2d", "no closing"),
    ],
)
def test_render_template_rejects_broken_placeholders(text: str, reason: str) -> None:
    with pytest.raises(TemplateError, match=reason) as info:
        render_template(f"line one\nline two {text}\n".encode(), BEFORE_DST, source="x/index.html")
    assert (info.value.source, info.value.line) == ("x/index.html", 2)


def test_render_template_passes_other_encodings_through() -> None:
    latin1 = "Helsingør {{ +1d }} Olympiastadion Kärnan".encode("latin-1")
    assert render_template(latin1, BEFORE_DST) == "Helsingør 2026-03-28 Olympiastadion Kärnan".encode(
        "latin-1"
    )


def test_dates_are_rendered_over_http_across_dst(root: Path, snapshot_site) -> None:
    write(
        root,
        "cal/index.html",
        "<p>{{ +0d 12:00 | iso @ Europe/Stockholm }}</p>\n<p>{{ +3d 12:00 | iso @ Europe/Stockholm }}</p>\n",
    )
    site = snapshot_site(root, today=BEFORE_DST)
    status, _, body = get(site.url("/cal/"))
    assert status == 200
    assert body == b"<p>2026-03-27T12:00:00+01:00</p>\n<p>2026-03-30T12:00:00+02:00</p>\n"


def test_today_defaults_to_the_clock_in_stockholm(root: Path, snapshot_site, monkeypatch) -> None:
    # 23:30 UTC on the 27th is already the 28th in Stockholm.
    monkeypatch.setenv("HHEVENTS_NOW", "2026-03-27T23:30:00+00:00")
    write(root, "d.txt", "{{ +0d }}")
    site = snapshot_site(root)
    assert get(site.url("/d.txt"))[2] == b"2026-03-28"
    monkeypatch.setenv("HHEVENTS_NOW", "2026-06-01T10:00:00+02:00")
    assert get(site.url("/d.txt"))[2] == b"2026-06-01"  # re-read per request


def test_binary_files_are_not_templated(root: Path, snapshot_site) -> None:
    png = b"\x89PNG\r\n\x1a\n{{ +1d }}"
    write(root, "img/x.png", png)
    site = snapshot_site(root, today=BEFORE_DST)
    status, headers, body = get(site.url("/img/x.png"))
    assert (status, headers["Content-Type"], body) == (200, "image/png", png)


def test_broken_placeholder_is_a_500_naming_file_and_line(root: Path, snapshot_site, caplog) -> None:
    write(
        root, "kv/arrangementer/index.html", "<html>\n<body>\n<time>{{ +5d 20:00 | iso @ Nowhere }}</time>\n"
    )
    site = snapshot_site(root, today=BEFORE_DST)
    status, _, body = get(site.url("/kv/arrangementer/"))
    assert status == 500
    assert b"kv/arrangementer/index.html:3" in body
    assert "kv/arrangementer/index.html:3" in caplog.text


# -- HTTP semantics ------------------------------------------------------------------------------------


def test_path_mapping_and_query_ignored(root: Path, snapshot_site) -> None:
    write(root, "index.html", "root")
    write(root, "a/b/index.html", "b-index")
    write(root, "a/feed", "plain file")
    site = snapshot_site(root)
    assert get(site.url("/"))[2] == b"root"
    assert get(site.url("/a/b/"))[2] == b"b-index"
    assert get(site.url("/a/b"))[2] == b"b-index"
    assert get(site.url("/a/b/?page=2&x=%C3%B8"))[2] == b"b-index"
    assert get(site.url("/a/feed"))[2] == b"plain file"
    assert get(site.url("/a/missing/"))[0] == 404
    assert get(site.url("/robots.txt"))[0] == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("cal.ics", "text/calendar; charset=utf-8"),
        ("page.html", "text/html; charset=utf-8"),
        ("data.json", "application/json"),
        ("sitemap.xml", "application/xml"),
        ("news.rss", "application/rss+xml"),
        ("photo.jpg", "image/jpeg"),
        ("icon.png", "image/png"),
    ],
)
def test_content_types(root: Path, snapshot_site, name: str, expected: str) -> None:
    write(root, name, b"x")
    site = snapshot_site(root)
    assert get(site.url(f"/{name}"))[1]["Content-Type"] == expected


def test_etag_and_conditional_requests(root: Path, snapshot_site) -> None:
    path = write(root, "cal.ics", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    mtime = 1_700_000_000
    os.utime(path, (mtime, mtime))
    site = snapshot_site(root)
    status, headers, body = get(site.url("/cal.ics"))
    assert status == 200
    etag = headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert headers["Last-Modified"] == formatdate(mtime, usegmt=True)
    assert headers["Content-Length"] == str(len(body))
    # max-age=0, not no-cache: with no-cache Scrapy's RFC2616Policy would never send validators.
    assert headers["Cache-Control"] == "max-age=0"

    assert get(site.url("/cal.ics"), headers={"If-None-Match": etag})[0] == 304
    assert get(site.url("/cal.ics"), headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert get(site.url("/cal.ics"), headers={"If-None-Match": '"other"'})[0] == 200
    assert get(site.url("/cal.ics"), headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    assert (
        get(site.url("/cal.ics"), headers={"If-Modified-Since": formatdate(mtime - 60, usegmt=True)})[0]
        == 200
    )
    # If-None-Match wins over If-Modified-Since (RFC 9110).
    both = {"If-None-Match": '"other"', "If-Modified-Since": headers["Last-Modified"]}
    assert get(site.url("/cal.ics"), headers=both)[0] == 200

    conditional = [r for r in site.requests if r.status == 304]
    assert len(conditional) == 3
    assert conditional[0].headers["If-None-Match"] == etag  # lookups ignore case
    assert conditional[0].method == "GET" and conditional[0].path == "/cal.ics"


def test_etag_follows_rendered_content(root: Path, snapshot_site) -> None:
    write(root, "d.txt", "{{ +0d }}")
    site = snapshot_site(root, today=BEFORE_DST)
    etag = get(site.url("/d.txt"))[1]["ETag"]
    site.today = date(2026, 3, 28)
    status, headers, _ = get(site.url("/d.txt"), headers={"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag


def test_head(root: Path, snapshot_site) -> None:
    write(root, "page.html", "<p>Helsingør</p>")
    site = snapshot_site(root)
    _, get_headers, body = get(site.url("/page.html"))
    status, headers, head_body = get(site.url("/page.html"), method="HEAD")
    assert (status, head_body) == (200, b"")
    assert headers["Content-Length"] == str(len(body)) == get_headers["Content-Length"]
    assert headers["ETag"] == get_headers["ETag"]
    assert get(site.url("/nope"), method="HEAD")[0] == 404


def test_path_traversal_is_refused(tmp_path: Path, root: Path, snapshot_site) -> None:
    write(tmp_path, "secret.txt", "do not serve")
    write(root, "ok.txt", "ok")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    site = snapshot_site(root)
    assert raw_get(site, "/ok.txt") == 200
    for target in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/a/../../secret.txt",
        "/..%2fsecret.txt",
        "/link.txt",
    ]:
        assert raw_get(site, target) == 404, target


# -- fault hooks ---------------------------------------------------------------------------------------


def test_fail_for_a_number_of_requests(root: Path, snapshot_site) -> None:
    write(root, "a/index.html", "fine")
    site = snapshot_site(root)
    site.fail("/a/", status=503, times=2, body=b"busy", headers={"Retry-After": "1"})
    status, headers, body = get(site.url("/a/?try=1"))
    assert (status, body, headers["Retry-After"]) == (503, b"busy", "1")
    assert get(site.url("/a/"))[0] == 503
    assert get(site.url("/a/"))[0] == 200
    assert [r.status for r in site.requests] == [503, 503, 200]
    assert site.requests[0].path == "/a/?try=1"


def test_fail_forever_with_a_pattern_until_cleared(root: Path, snapshot_site) -> None:
    write(root, "src/x.html", "x")
    site = snapshot_site(root)
    site.fail("src/*", status=500)
    assert [get(site.url("/src/x.html"))[0] for _ in range(3)] == [500, 500, 500]
    assert get(site.url("/other"))[0] == 404  # other paths unaffected
    site.clear_faults()
    assert get(site.url("/src/x.html"))[0] == 200


def test_delay(root: Path, snapshot_site) -> None:
    write(root, "slow.html", "slow")
    site = snapshot_site(root)
    site.delay("/slow.html", 0.3)
    started = time.monotonic()
    assert get(site.url("/slow.html"))[2] == b"slow"
    assert time.monotonic() - started >= 0.3
    site.clear_faults()
    started = time.monotonic()
    get(site.url("/slow.html"))
    assert time.monotonic() - started < 0.3


# -- lifecycle and URLs --------------------------------------------------------------------------------


def test_context_manager_and_stop(root: Path) -> None:
    write(root, "x.txt", "x")
    with SnapshotServer(root) as site:
        url = site.url("/x.txt")
        assert url.startswith("http://127.0.0.1:")
        assert get(url)[0] == 200
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=2)
    with pytest.raises(RuntimeError):
        _ = site.base_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://kulturvaerftet.dk/arrangementer/?x=1",
            "http://127.0.0.1:8000/kulturvaerftet.dk/arrangementer/?x=1",
        ),
        (
            "https://www.hif.se/kalender/hemmamatcher.ics",
            "http://127.0.0.1:8000/www.hif.se/kalender/hemmamatcher.ics",
        ),
        ("https://example.se", "http://127.0.0.1:8000/example.se/"),
        ("https://Example.SE:8443/a#frag", "http://127.0.0.1:8000/example.se/a"),
    ],
)
def test_snapshot_location(url: str, expected: str) -> None:
    assert snapshot_location(url, "http://127.0.0.1:8000") == expected
    assert snapshot_location(url, "http://127.0.0.1:8000/") == expected


def test_snapshot_location_rejects_a_relative_url() -> None:
    with pytest.raises(ValueError):
        snapshot_location("/relative/path", "http://127.0.0.1:1")


def test_snapshot_location_against_a_running_site(root: Path, snapshot_site) -> None:
    write(root, "kulturvaerftet.dk/arrangementer/index.html", "listing")
    site = snapshot_site(root)
    url = site.url_for("https://kulturvaerftet.dk/arrangementer/?side=1")
    assert url == f"{site.base_url}/kulturvaerftet.dk/arrangementer/?side=1"
    assert get(url)[2] == b"listing"


# -- recorded API responses (_snapshot.yaml) -------------------------------------------------------------


def api_root(root: Path) -> Path:
    write(root, "api.example/events/page-1.json", '[{"id": 1}]')
    write(root, "api.example/events/page-2.json", '[{"id": 2, "on": "{{ +1d }}"}]')
    write(root, "api.example/events/past-the-end.json", '{"code": "rest_post_invalid_page_number"}')
    write(
        root,
        "api.example/events/_snapshot.yaml",
        "headers: {X-WP-TotalPages: '2'}\n"
        "responses:\n"
        "  - query: {page: '2', per_page: 50}\n"
        "    file: page-2.json\n"
        "  - query: {page: '3'}\n"
        "    status: 400\n"
        "    file: past-the-end.json\n"
        "  - query: {page: '9'}\n"
        "    status: 410\n"
        "  - file: page-1.json\n",
    )
    return root


def test_recorded_responses_are_chosen_by_query(root: Path, snapshot_site) -> None:
    site = snapshot_site(api_root(root), today=date(2026, 3, 27))
    status, headers, body = get(site.url("/api.example/events?per_page=50&page=2"))
    assert (status, body) == (200, b'[{"id": 2, "on": "2026-03-28"}]')  # rendered like any snapshot
    assert headers["X-WP-TotalPages"] == "2" and headers["Content-Type"].startswith("application/json")
    assert get(site.url("/api.example/events?page=1"))[2] == b'[{"id": 1}]'
    assert get(site.url("/api.example/events"))[2] == b'[{"id": 1}]'  # the default: no query listed


def test_recorded_responses_carry_their_status(root: Path, snapshot_site) -> None:
    site = snapshot_site(api_root(root))
    status, headers, body = get(site.url("/api.example/events?page=3"))
    assert status == 400 and b"rest_post_invalid_page_number" in body and headers["X-WP-TotalPages"] == "2"
    assert get(site.url("/api.example/events?page=9"))[0] == 410


def test_a_query_missing_a_listed_parameter_falls_through(root: Path, snapshot_site) -> None:
    site = snapshot_site(api_root(root))
    assert get(site.url("/api.example/events?page=2"))[2] == b'[{"id": 1}]'  # per_page=50 was not asked


def test_a_broken_snapshot_yaml_is_a_500_naming_it(root: Path, snapshot_site) -> None:
    write(root, "api.example/x/_snapshot.yaml", "responses:\n  - file: missing.json\n")
    site = snapshot_site(root)
    status, _, body = get(site.url("/api.example/x"))
    assert status == 500 and b"_snapshot.yaml" in body and b"missing.json" in body
