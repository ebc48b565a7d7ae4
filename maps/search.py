"""Address search on a kommune map: type part of an address or an adresseId, pick a match.

A Leaflet control (top right) with a combobox: matches are listed as you type (at least two
characters; case-insensitive, Unicode-normalised so æ, ø and å match however they were typed),
addresses that start with the text first. Arrow keys move through the list, Enter picks
(the first match when none is marked), Escape closes the list; a click picks too. Picking zooms
to the address and opens its popup (``window.gapmapAddresses.openAddress`` of
:mod:`maps.address_layer`). Matches are found by one scan over the decoded columns, so a
kommune of 300,000 addresses answers in tens of milliseconds.
"""

from __future__ import annotations

from branca.element import MacroElement
from folium.template import Template

MAX_LISTED = 12

SEARCH_JS = r"""
var G = window.gapmapAddresses, index = null, listed = [], active = -1;
var box = L.DomUtil.create('div', 'gapmap-panel gapmap-search');
box.setAttribute('role', 'search');
box.innerHTML = '<input id="gapmap-search-input" type="search" role="combobox"'
    + ' aria-label="Søk etter adresse eller adresse-ID" placeholder="Søk adresse eller adresse-ID"'
    + ' aria-autocomplete="list" aria-expanded="false" aria-controls="gapmap-search-list"'
    + ' autocomplete="off" spellcheck="false">'
    + '<ul id="gapmap-search-list" role="listbox" aria-label="Treff"></ul>'
    + '<div class="gapmap-search-status" aria-live="polite"></div>';
L.DomEvent.disableClickPropagation(box);
L.DomEvent.disableScrollPropagation(box);
var input = box.querySelector('input'), list = box.querySelector('ul');
var status = box.querySelector('.gapmap-search-status');
function norm(s) { return s.normalize('NFC').toLowerCase(); }
function unescapeHtml(s) {
    return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"')
        .replace(/&#x27;/g, "'").replace(/&amp;/g, '&');
}
function ranks(list, collator) {
    var order = list.map(function (_, k) { return k; });
    order.sort(function (a, b) { return collator.compare(list[a], list[b]); });
    var rank = new Float64Array(list.length);
    order.forEach(function (k, position) { rank[k] = position; });
    return rank;
}
function buildIndex() {
    // lowercase unique streets and numbers, and a sort key per address (street, then number)
    var D = G.data, collator = new Intl.Collator('nb', {numeric: true});
    var streets = D.texts.streets.map(function (s) { return norm(unescapeHtml(s)); });
    var numbers = D.texts.numbers.map(function (s) { return norm(unescapeHtml(s)); });
    var streetRank = ranks(streets, collator), numberRank = ranks(numbers, collator);
    var key = new Float64Array(G.n);
    for (var i = 0; i < G.n; i++) {
        key[i] = streetRank[D.street[i]] * 1048576 + numberRank[D.number[i]];
    }
    var ids = D.id ? null : D.texts.ids.map(function (s) { return norm(unescapeHtml(s)); });
    index = {streets: streets, numbers: numbers, key: key, ids: ids};
}
function streetMatches(q) {
    // per unique street: where q starts in "street + number" (-1: not in the street), and
    // the start of the number q then needs (q runs on from the street's end into the number)
    var S = index.streets, at = new Int32Array(S.length), tails = new Array(S.length);
    for (var s = 0; s < S.length; s++) {
        at[s] = S[s].indexOf(q);
        for (var k = Math.max(0, S[s].length - q.length + 1); at[s] < 0 && k < S[s].length; k++) {
            if (q.startsWith(S[s].slice(k))) { tails[s] = [k, q.slice(S[s].length - k)]; break; }
        }
    }
    return {at: at, tails: tails};
}
function numberMatches(q, tails) {
    var N = index.numbers, inNumber = new Int8Array(N.length), starts = new Map();
    N.forEach(function (n, k) { inNumber[k] = n.indexOf(q) >= 0 ? 1 : 0; });
    tails.forEach(function (tail) {
        if (tail && !starts.has(tail[1])) {
            starts.set(tail[1], Int8Array.from(N, function (n) { return n.startsWith(tail[1]); }));
        }
    });
    return {inNumber: inNumber, starts: starts};
}
function idRank(i, q, qNumber) {
    if (index.ids) {
        var id = index.ids[i];
        return id === q ? 0 : id.indexOf(q) >= 0 ? 3 : -1;
    }
    var value = G.data.id[i];
    if (qNumber === null) { return -1; }
    if (value === qNumber) { return 0; }
    var digits = value > 0 ? Math.floor(Math.log10(value)) + 1 : 1;
    var head = Math.floor(value / Math.pow(10, digits - q.length));
    return digits > q.length && head === qNumber ? 3 : -1;
}
function find(query) {
    var q = norm(query.trim()), found = [], rank = [];
    if (q.length < 2) { return found; }
    if (!index) { buildIndex(); }
    var D = G.data, streets = streetMatches(q), numbers = numberMatches(q, streets.tails);
    var qNumber = /^\d+$/.test(q) ? Number(q) : null;
    for (var i = 0; i < G.n; i++) {
        // 0: the adresseId itself, 1: the text starts with q, 2: q inside it, 3: id starts so
        var s = D.street[i], n = D.number[i], r = idRank(i, q, qNumber), tail = streets.tails[s];
        if (r !== 0) {
            if (streets.at[s] >= 0) { r = streets.at[s] === 0 ? 1 : 2; }
            else if (tail && numbers.starts.get(tail[1])[n]) { r = tail[0] === 0 ? 1 : 2; }
            else if (numbers.inNumber[n]) { r = 2; }
        }
        if (r >= 0) { found.push(i); rank[i] = r; }
    }
    found.sort(function (a, b) { return rank[a] - rank[b] || index.key[a] - index.key[b]; });
    return found;
}
function mark(k) {
    active = k;
    list.querySelectorAll('li').forEach(function (li, j) {
        li.setAttribute('aria-selected', j === k ? 'true' : 'false');
        if (j === k) { li.scrollIntoView({block: 'nearest'}); }
    });
    if (k >= 0) { input.setAttribute('aria-activedescendant', 'gapmap-search-opt-' + k); }
    else { input.removeAttribute('aria-activedescendant'); }
}
function show(found) {
    listed = found.slice(0, MAX);
    list.innerHTML = listed.map(function (i, k) {
        return '<li role="option" id="gapmap-search-opt-' + k + '" aria-selected="false"'
            + ' data-index="' + i + '">' + G.text(i) + ' <small>(' + G.idText(i)
            + ')</small></li>';
    }).join('');
    input.setAttribute('aria-expanded', listed.length ? 'true' : 'false');
    status.textContent = input.value.trim().length < 2 ? ''
        : found.length === 0 ? 'Ingen treff'
        : found.length > listed.length ? 'Viser ' + listed.length + ' av '
            + G.fmtInt(found.length) + ' treff' : G.fmtInt(found.length) + ' treff';
    mark(-1);
}
function close() {
    listed = []; list.innerHTML = '';
    input.setAttribute('aria-expanded', 'false'); mark(-1);
}
function choose(i) {
    input.value = unescapeHtml(G.text(i));
    close();
    status.textContent = '';
    G.openAddress(i);
}
var timer = null, stale = false;  // stale: the list is of an older text than the box's
input.addEventListener('input', function () {
    clearTimeout(timer);
    stale = true;
    timer = setTimeout(function () {
        G.whenReady(function () { stale = false; show(find(input.value)); });
    }, 80);
});
input.addEventListener('keydown', function (e) {
    if (e.key === 'ArrowDown' && listed.length) {
        mark(Math.min(active + 1, listed.length - 1)); e.preventDefault();
    } else if (e.key === 'ArrowUp' && listed.length) {
        mark(Math.max(active - 1, 0)); e.preventDefault();
    } else if (e.key === 'Enter') {
        e.preventDefault();
        clearTimeout(timer);
        G.whenReady(function () {
            // typed fast and pressed Enter before the list caught up: search what is typed
            if (stale || !listed.length) { stale = false; show(find(input.value)); }
            if (listed.length) { choose(listed[Math.max(active, 0)]); }
        });
    } else if (e.key === 'Escape') { if (listed.length) { close(); } else { input.value = ''; } }
});
list.addEventListener('mousedown', function (e) {
    var li = e.target.closest('li');
    if (li) { e.preventDefault(); choose(Number(li.getAttribute('data-index'))); }
});
G.search = find;
return box;
"""


class AddressSearch(MacroElement):
    """The address search box (top right) of a kommune map; after the address layer."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: 'topright'});
        {{ this.get_name() }}.onAdd = function (map) {
            var MAX = {{ this.max_listed }};
            {{ this.script }}
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        {% endmacro %}
        """
    )

    def __init__(self, max_listed: int = MAX_LISTED) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca 0.8: unannotated
        self._name = "AddressSearch"
        self.max_listed = int(max_listed)
        self.script = SEARCH_JS
