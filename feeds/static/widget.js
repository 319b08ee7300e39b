/* HH Cityclub events widget. Usage (see docs/embedding.md):
 *   <script src="https://FEEDS-HOST/widget.js" data-city="helsingor" data-lang="da" data-count="5" async></script>
 * Renders upcoming events from the server's JSON feed into a shadow root placed where the tag is (or into
 * the element named by data-target), so the host page's CSS cannot reach it. Every text is set with
 * textContent: event titles are untrusted input. Defines no globals.
 */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var WORDS = {
    sv: {cancelled: 'Inställt', free: 'Fri entré', none: 'Inga kommande evenemang.', error: 'Kunde inte hämta evenemangen.',
         more: 'Alla evenemang'},
    da: {cancelled: 'Aflyst', free: 'Gratis', none: 'Ingen kommende arrangementer.', error: 'Kunne ikke hente arrangementerne.',
         more: 'Alle arrangementer'},
    en: {cancelled: 'Cancelled', free: 'Free', none: 'No upcoming events.', error: 'Could not load the events.',
         more: 'All events'}
  };
  var LOCALES = {sv: 'sv-SE', da: 'da-DK', en: 'en-GB'};
  // The host element takes the host page's styles, and inheritance crosses into the shadow root: so the
  // inner box resets everything and sets its own font and colour.
  var CSS = ':host{all:initial;display:block}.w{all:initial;display:block;' +
    'font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;text-align:left}' +
    '*{box-sizing:border-box}ul{list-style:none;margin:0;padding:0}' +
    'li{display:flex;gap:12px;padding:8px 0;border-bottom:1px solid #ddd}' +
    '.date{flex:0 0 67px;text-align:center;background:#0b5d6b;color:#fff;border-radius:5px;padding:3px}' +
    '.day{display:block;font-size:21px;font-weight:700;line-height:1.1}.month{font-size:12px;text-transform:uppercase}' +
    '.body{flex:1;min-width:0}a{color:#0b5d6b;font-weight:600;text-decoration:underline}a:focus{outline:3px solid #f4b400}' +
    '.meta{color:#555;font-size:13px}.badge{display:inline-block;margin-left:6px;padding:0 6px;border-radius:4px;' +
    'background:#fbe0e0;color:#a4161a;font-size:12px;font-weight:700}.cancelled .title{text-decoration:line-through}' +
    '.cards ul{display:grid;grid-template-columns:repeat(auto-fill,minmax(224px,1fr));gap:12px}' +
    '.cards li{border:1px solid #ddd;border-radius:6px;padding:10px}.more{display:block;margin-top:8px}';

  var data = script.dataset;
  var lang = WORDS[data.lang] ? data.lang : 'sv';
  var words = WORDS[lang];
  var count = Math.max(1, Math.min(50, parseInt(data.count, 10) || 5));
  var layout = data.layout === 'cards' ? 'cards' : 'list';
  var origin = new URL(script.src, document.baseURI);
  var params = new URLSearchParams();
  params.set('lang', lang);
  if (data.city) params.set('city', data.city);
  if (data.category) params.set('category', data.category);
  if (data.tags) params.set('tag', data.tags);
  if (data.venue) params.set('venue', data.venue);
  if (data.free) params.set('free', data.free);
  var feedUrl = new URL('feeds/custom.json?' + params.toString(), origin).href;

  var host = data.target && document.getElementById(data.target);
  if (!host) {
    host = document.createElement('div');
    script.parentNode.insertBefore(host, script.nextSibling);
  }
  host.classList.add('hhevents-widget');
  var root = host.attachShadow ? host.attachShadow({mode: 'open'}) : host;
  var style = document.createElement('style');
  style.textContent = CSS;
  var box = document.createElement('div');
  box.className = 'w ' + layout;
  box.setAttribute('lang', lang);
  root.appendChild(style);
  root.appendChild(box);

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmt(date, zone, options) {
    options.timeZone = zone;
    try { return new Intl.DateTimeFormat(LOCALES[lang], options).format(date); } catch (e) { return ''; }
  }
  function price(p) {
    if (!p) return '';
    if (p.free) return words.free;
    if (p.min === null || p.min === undefined) return p.text || '';
    var amount = String(p.min) + (p.max && p.max !== p.min ? '–' + p.max : '');
    return amount + (p.currency ? ' ' + p.currency : '');
  }
  function render(feed) {
    var items = (feed.items || []).filter(function (item) { return item._hhevents; }).slice(0, count);
    box.textContent = '';
    if (!items.length) { box.appendChild(el('p', 'empty', words.none)); return; }
    var list = el('ul');
    items.forEach(function (item) {
      var e = item._hhevents;
      var start = new Date(e.start);
      var zone = e.timezone || 'Europe/Stockholm';
      var li = el('li', e.status === 'cancelled' ? 'event cancelled' : 'event');
      var date = el('div', 'date');
      date.appendChild(el('span', 'day', fmt(start, zone, {day: 'numeric'})));
      date.appendChild(el('span', 'month', fmt(start, zone, {month: 'short'})));
      var body = el('div', 'body');
      var title = el(item.url ? 'a' : 'span', 'title', e.title || item.title);
      if (item.url && /^https?:/i.test(item.url)) { title.href = item.url; title.rel = 'noopener'; }
      body.appendChild(title);
      if (e.status === 'cancelled') body.appendChild(el('span', 'badge', words.cancelled));
      var when = e.all_day ? fmt(start, zone, {weekday: 'long'})
        : fmt(start, zone, {weekday: 'short', hour: '2-digit', minute: '2-digit'});
      var meta = [when, e.venue && e.venue.name, price(e.price)].filter(Boolean).join(' · ');
      body.appendChild(el('div', 'meta', meta));
      li.appendChild(date);
      li.appendChild(body);
      list.appendChild(li);
    });
    box.appendChild(list);
    if (feed.home_page_url && /^https?:/i.test(feed.home_page_url)) {
      var more = el('a', 'more', words.more);
      more.href = feed.home_page_url;
      box.appendChild(more);
    }
  }
  fetch(feedUrl, {headers: {Accept: 'application/feed+json'}})
    .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
    .then(render)
    .catch(function () { box.textContent = ''; box.appendChild(el('p', 'error', words.error)); });
})();
