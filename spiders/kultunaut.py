"""`kultunaut` sources: Kultunaut's partner export, Denmark's main event database (most of Helsingør).

Two shapes exist. The JSON export is an array of flat records, one per showing (a film shown three times is
three records sharing ``AinfoNr``, each with its own ``ArrNr``)::

    {"ArrNr": 20227107, "ArrKunstner": "<title>", "Startdato": "2026-08-25", "Slutdato": "2026-08-25",
     "ArrTidspunkt": "kl. 19:45", "StedNavn": "<venue name>", "ArrGenre": "Film", ...}

The older XML export is ``<root><arrlist><arr>`` with ``sted, dato, startdato, slutdato, tid, overskrift,
beskrivelse, kategori, billede, url`` children. Both are often windows-1252 / ISO-8859-1 without saying so.

Times are Danish text (``kl. 19:45``, ``kl. 16``, ``kl. 19-21``): the spider passes ``"<date> <time text>"``
as the item's start and the normaliser's date-text parser reads it (and fills the end from a range).
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from lxml import etree

from spiders.base import SourceSpider, decode_body
from spiders.rss import element_text, local_name, parse_xml

# Filmvurdering (Danish film classification) in words: a visitor doesn't read "f.u.7".
FILM_RATINGS = {
    "t.f.a": "tilladt for alle",
    "t.f.a.": "tilladt for alle",
    "f.u.7": "frarådes børn under 7 år",
    "t.o.7": "tilladt over 7 år",
    "t.o.11": "tilladt over 11 år",
    "t.o.15": "tilladt over 15 år",
}

_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]00:00(?::00)?)?$")


def iso_day(value: Any) -> date | None:
    """The day of a ``YYYY-MM-DD`` value (a midnight time part allowed), else None."""
    match = _ISO_DAY.match(str(value or "").strip())
    if not match:
        return None
    try:
        return date.fromisoformat(match[1])
    except ValueError:
        return None


def clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def record_when(start_text: str, end_text: str, time_text: str) -> dict[str, Any]:
    """``start``/``end``/``all_day`` of a record from its first day, last day (inclusive) and time text.

    - no time: an all-day event over the days, with the model's exclusive end;
    - a time on one day: ``"<day> <time text>"`` for the normaliser's date-text parser;
    - a time over several days (an exhibition open "kl. 10-16" for a month): all-day over the days, since
      one start and end time would claim it runs day and night; the time text goes into the description.
    """
    first, last = iso_day(start_text), iso_day(end_text)
    if first is None:
        # Not an ISO day (the XML export's dato may be prose): the date-text parser gets all of it.
        text = " ".join(part for part in (start_text, time_text) if part)
        return {"start": text or None}
    several_days = last is not None and last > first
    if time_text and not several_days:
        return {"start": f"{first.isoformat()} {time_text}"}
    end = last + timedelta(days=1) if several_days else first + timedelta(days=1)
    return {"start": first, "end": end, "all_day": True}


def with_time_note(description: str | None, time_text: str) -> str:
    note = f"Tidspunkt: {time_text}"
    return f"{description}<br /><br />{note}" if description else note


class KultunautSpider(SourceSpider):
    source_type = "kultunaut"

    def parse(self, response):
        try:
            text = decode_body(response.body, self.source.encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            self.problem(f"cannot decode the export: {exc}", url=response.url)
            return
        shape = self.source.format or self.detect_format(text)
        if shape is None:
            self.problem("the export is neither a JSON array nor Kultunaut XML", url=response.url)
            return
        records = self.json_records(text, response.url) if shape == "json" else self.xml_records(response)
        if records is None:
            return
        if not records:
            self.empty_page(response.url, "the export holds no records")
            return
        for index, record in enumerate(records):
            try:
                item = self.item_from_json(record) if shape == "json" else self.item_from_xml(record)
            except (TypeError, ValueError, AttributeError) as exc:
                # One odd record loses that record only.
                self.problem(f"record {index}: {type(exc).__name__}: {exc}", url=response.url)
                continue
            item["sources"] = self.source_ref(
                item.pop("_id"), response.url, raw=record if shape == "json" else xml_raw(record)
            )
            yield item

    @staticmethod
    def detect_format(text: str) -> str | None:
        head = text.lstrip("\ufeff \t\r\n")[:1]
        return "json" if head in ("[", "{") else "xml" if head == "<" else None

    # -- JSON ------------------------------------------------------------------------------------------------

    def json_records(self, text: str, url: str) -> list[Any] | None:
        try:
            data = json.loads(text)
        except ValueError as exc:
            self.problem(f"not readable JSON: {exc}", url=url)
            return None
        if isinstance(data, dict):
            # A lone record, or an object wrapping the array: read rather than refused.
            lists = [value for value in data.values() if isinstance(value, list)]
            data = [data] if "ArrNr" in data else lists[0] if len(lists) == 1 else None
        if not isinstance(data, list):
            self.problem("the JSON export is not an array of records", url=url)
            return None
        return data

    def item_from_json(self, record: Any) -> dict[str, Any]:
        if not isinstance(record, dict):
            raise TypeError(f"expected an object, got {type(record).__name__}")
        arr_nr = clean(record.get("ArrNr"))
        if not arr_nr:
            raise ValueError(f"no ArrNr (record {clean(record.get('ArrKunstner'))!r}); skipped")
        time_text = clean(record.get("ArrTidspunkt"))
        when = record_when(clean(record.get("Startdato")), clean(record.get("Slutdato")), time_text)
        # The long description is the full text (HTML with <br />); the short one is its teaser.
        description = clean(record.get("ArrLangBeskriv")) or clean(record.get("ArrBeskrivelse")) or None
        if when.get("all_day") and time_text:
            description = with_time_note(description, time_text)
        tags = [clean(record.get("ArrGenre"))]
        tags += [part.strip() for part in clean(record.get("ArrUGenre")).split("/")]
        rating = clean(record.get("Filmvurdering"))
        if rating:
            tags.append(FILM_RATINGS.get(rating.lower(), rating))
        venue = clean(record.get("StedNavn"))
        return {
            "_id": arr_nr,
            "title": clean(record.get("ArrKunstner")) or None,
            "description": description,
            "url": self.event_url(arr_nr),
            "image": clean(record.get("BilledeUrl")) or None,
            **when,
            "tags": [tag for tag in tags if tag],
            "venue": {"name": venue} if venue else {},
        }

    def event_url(self, arr_nr: str) -> str | None:
        template = self.source.event_url
        return template.replace("{id}", arr_nr) if template else None

    # -- XML -------------------------------------------------------------------------------------------------

    def xml_records(self, response) -> list[etree._Element] | None:
        try:
            root = parse_xml(response.body, self.source.encoding)
        except etree.XMLSyntaxError as exc:
            self.problem(f"not readable XML: {exc}", url=response.url)
            return None
        records = [el for el in root.iter() if isinstance(el.tag, str) and local_name(el) == "arr"]
        if not records and local_name(root) not in ("root", "arrlist"):
            # An HTML error page or another feed, not an empty export.
            self.problem(f"not Kultunaut XML: its root is <{local_name(root)}>", url=response.url)
            return None
        return records

    def item_from_xml(self, arr: etree._Element) -> dict[str, Any]:
        fields = xml_raw(arr)
        url = fields.get("url") or None
        arr_nr = fields.get("arrnr") or fields.get("id") or arr_nr_in(url)
        key = arr_nr or url
        if not key:
            raise ValueError(f"neither ArrNr nor url (record {fields.get('overskrift')!r}); skipped")
        time_text = fields.get("tid", "")
        start_text = fields.get("startdato") or fields.get("dato", "")
        when = record_when(start_text, fields.get("slutdato", ""), time_text)
        description = fields.get("beskrivelse") or None
        if when.get("all_day") and time_text:
            description = with_time_note(description, time_text)
        if url:
            url = urljoin(self.source.url, url)
        elif arr_nr:
            url = self.event_url(arr_nr)
        image = fields.get("billede")
        category = fields.get("kategori", "")
        venue = fields.get("sted", "")
        return {
            "_id": key,
            "title": fields.get("overskrift") or None,
            "description": description,
            "url": url,
            "image": urljoin(self.source.url, image) if image else None,
            **when,
            "tags": [part.strip() for part in category.split("/") if part.strip()],
            "venue": {"name": venue} if venue else {},
        }


def xml_raw(arr: etree._Element) -> dict[str, str]:
    """An ``<arr>`` record as ``{child name (lowercase): text}``, its attributes included (provenance)."""
    fields = {str(name).lower(): str(value).strip() for name, value in arr.attrib.items()}
    for child in arr:
        if isinstance(child.tag, str):
            fields[local_name(child).lower()] = element_text(child).strip()
    return fields


def arr_nr_in(url: str | None) -> str | None:
    """The ArrNr of a Kultunaut event URL (``...arrmore/type-nynaut?ArrNr=20227107``)."""
    if not url:
        return None
    query = {key.lower(): values for key, values in parse_qs(urlsplit(url).query).items()}
    values = query.get("arrnr")
    return values[0] if values else None
