"""The script of the address layer (:mod:`maps.address_layer`): decode, draw, popups.

It runs inside the layer's function with ``map`` (the Leaflet map), ``C`` (the layer config of
:func:`maps.address_layer.layer_config`) and ``payload`` (base64 of the gzip'd blob of
:mod:`maps.address_data`) in scope, and returns the ``L.Layer``. Every text it puts into HTML
was escaped in Python; numbers are formatted as :mod:`layers.numbers_nb` does (space as
thousands separator, comma as decimal mark).
"""

from __future__ import annotations

from typing import Final

ADDRESS_LAYER_JS: Final = r"""
var G = {ready: false, target: C.mapTarget, mode: null, selected: -1, n: C.count, waiting: []};
window.gapmapAddresses = G;
var TYPES = {uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, int32: Int32Array};
var D = null, X = null, Y = null, drawn = {points: null, bins: []};
function fmtInt(x) { return String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ' '); }
function fmtMbps(tenths) {
    var x = tenths / 10;
    return Number.isInteger(x) ? fmtInt(x) : x.toFixed(1).replace('.', ',');
}
function households(n) { return fmtInt(n) + (n === 1 ? ' husstand' : ' husstander'); }
G.fmtInt = fmtInt;
G.whenReady = function (fn) { if (G.ready) { fn(G); } else { G.waiting.push(fn); } };

function fail(message) {
    document.body.dataset.gapmapError = 'true';
    var box = L.DomUtil.create('div', 'gapmap-panel gapmap-addr-error', map.getContainer());
    box.setAttribute('role', 'alert');
    box.innerHTML = message;
}
function inflate(text) {
    var binary = atob(text), bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).arrayBuffer();
}
function decode(buffer) {
    var cols = {};
    Object.keys(C.columns).forEach(function (name) {
        var c = C.columns[name];
        cols[name] = new TYPES[c[0]](buffer, c[1], c[2]);
    });
    cols.texts = JSON.parse(new TextDecoder().decode(cols.texts));
    var n = C.count, lat = 0, lon = 0;
    X = new Float64Array(n); Y = new Float64Array(n);
    cols.latDeg = new Float64Array(n); cols.lonDeg = new Float64Array(n);
    for (var i = 0; i < n; i++) {
        lat += cols.lat[i]; lon += cols.lon[i];
        var phi = lat / 1e5 * Math.PI / 180;
        cols.latDeg[i] = lat / 1e5; cols.lonDeg[i] = lon / 1e5;
        X[i] = (lon / 1e5 + 180) / 360;
        Y[i] = 0.5 - Math.log(Math.tan(Math.PI / 4 + phi / 2)) / (2 * Math.PI);
    }
    cols.cls = C.targets.map(function (_, t) { return cols['class' + t]; });
    cols.base = cols.cls.slice();  // the run's classes; a scenario's are copies with its changes
    cols.reason = C.targets.map(function (_, t) { return cols['reason' + t] || null; });
    return cols;
}

// ---- texts and popups --------------------------------------------------------------------
G.text = function (i) { return D.texts.streets[D.street[i]] + D.texts.numbers[D.number[i]]; };
G.idText = function (i) { return D.id ? String(D.id[i]) : D.texts.ids[i]; };
G.latLng = function (i) { return L.latLng(D.latDeg[i], D.lonDeg[i]); };
function row(label, value, css) {
    return '<tr' + (css ? ' class="' + css + '"' : '') + '><td>' + label + '</td><td>'
        + value + '</td></tr>';
}
function offerText(i) {
    if (D.down[i] < 0) { return C.text.noOffer; }
    var parts = [];
    if (D.tech[i] > 0) { parts.push(D.texts.tech[D.tech[i] - 1]); }
    if (D.operator[i] > 0) { parts.push(D.texts.operators[D.operator[i] - 1]); }
    parts.push(fmtMbps(D.down[i]) + '/' + (D.up[i] < 0 ? 'ukjent' : fmtMbps(D.up[i])) + ' Mbit/s');
    return parts.join(', ');
}
G.popupHtml = function (i) {
    var h = '<div class="gapmap-popup"><b>' + G.text(i) + '</b><br>' + households(D.hh[i])
        + '<table>' + row('Adresse-ID', G.idText(i)) + row('Beste tilbud', offerText(i));
    for (var t = 0; t < C.targets.length; t++) {
        var c = C.classes[D.cls[t][i]];
        var cell = c ? '<span class="gapmap-swatch" style="background:' + c.color + '"></span>'
            + c.label : C.text.missing;
        h += row('Mot ' + C.targets[t], cell, t === G.target ? 'gapmap-current' : '');
    }
    var why = D.reason[G.target];  // the reason for the gap below the chosen target
    if (why && why[i] > 0) { h += row('Årsak', D.texts.reasons[why[i] - 1], 'gapmap-reason'); }
    h += row(C.text.cost, D.cost[i] < 0 ? C.text.noCost : fmtInt(D.cost[i]) + ' kr');
    if (D.wireless[i] > 0) { h += row('Trådløst', D.texts.wireless[D.wireless[i] - 1]); }
    if (D.site[i] > 0) {
        h += row('Løsning', C.text.newSite + ' ' + D.texts.newSites[D.site[i] - 1]);
    }
    return h + '</table></div>';
};
G.openAddress = function (i) {
    G.selected = i;
    var zoom = Math.max(map.getZoom(), C.pointZoom + 1);
    map.setView(G.latLng(i), Math.min(zoom, map.getMaxZoom()), {animate: false});
    draw();
    L.popup({maxWidth: 360, offset: [0, -4]}).setLatLng(G.latLng(i))
        .setContent(G.popupHtml(i)).openOn(map);
};

// ---- the canvas layer --------------------------------------------------------------------
var Layer = L.Layer.extend({
    onAdd: function () {
        if (!map.getPane('gapmapAddresses')) {
            var pane = map.createPane('gapmapAddresses');
            pane.style.zIndex = 450; pane.style.pointerEvents = 'none';
        }
        this._canvas = L.DomUtil.create('canvas', 'gapmap-addr-canvas',
            map.getPane('gapmapAddresses'));
        map.on('moveend resize', draw).on('zoomstart', hide).on('click', onClick)
            .on('mousemove', onHover);
        draw();
    },
    onRemove: function () {
        L.DomUtil.remove(this._canvas); this._canvas = null;
        map.off('moveend resize', draw).off('zoomstart', hide).off('click', onClick)
            .off('mousemove', onHover);
        map.getContainer().style.cursor = '';
    }
});
var layer = new Layer();
function hide() { if (layer._canvas) { layer._canvas.style.visibility = 'hidden'; } }

function visibleIndices(scale, ox, oy, w, h, margin) {
    var cls = D.cls[G.target], out = new Int32Array(C.count), k = 0;
    for (var i = 0; i < C.count; i++) {
        if (cls[i] > 2) { continue; }
        var x = X[i] * scale - ox;
        if (x < -margin || x > w + margin) { continue; }
        var y = Y[i] * scale - oy;
        if (y < -margin || y > h + margin) { continue; }
        out[k++] = i;
    }
    return out.subarray(0, k);
}
function drawPoints(ctx, idx, scale, ox, oy, zoom) {
    var r = zoom >= 17 ? 6 : 5, cls = D.cls[G.target];
    var px = new Float32Array(idx.length), py = new Float32Array(idx.length);
    for (var k = 0; k < idx.length; k++) {
        px[k] = X[idx[k]] * scale - ox; py[k] = Y[idx[k]] * scale - oy;
    }
    ctx.lineWidth = 1; ctx.strokeStyle = C.outline;
    for (var c = 0; c < 3; c++) {  // served first, unserved on top
        ctx.beginPath();
        for (k = 0; k < idx.length; k++) {
            if (cls[idx[k]] !== c) { continue; }
            ctx.moveTo(px[k] + r, py[k]); ctx.arc(px[k], py[k], r, 0, 2 * Math.PI);
        }
        ctx.fillStyle = C.classes[c].color; ctx.fill(); ctx.stroke();
    }
    if (G.selected >= 0) {
        var s = G.selected;
        ctx.beginPath(); ctx.lineWidth = 3; ctx.strokeStyle = '#1f4e9c';
        ctx.arc(X[s] * scale - ox, Y[s] * scale - oy, r + 4, 0, 2 * Math.PI); ctx.stroke();
    }
    return {idx: idx, x: px, y: py, r: r};
}
function binsOf(idx, scale, ox, oy, cell) {
    var cls = D.cls[G.target], bins = new Map();
    for (var k = 0; k < idx.length; k++) {
        var i = idx[k], wx = X[i] * scale, wy = Y[i] * scale;
        var gx = Math.floor(wx / cell), gy = Math.floor(wy / cell), key = gx * 4194304 + gy;
        var b = bins.get(key);
        if (!b) {
            b = {hh: [0, 0, 0], n: [0, 0, 0], count: 0, sx: 0, sy: 0, first: i, members: [],
                left: gx * cell - ox, top: gy * cell - oy};
            bins.set(key, b);
        }
        b.hh[cls[i]] += D.hh[i]; b.n[cls[i]] += 1; b.count += 1;
        if (b.members.length < C.maxListed) { b.members.push(i); }
        b.sx += wx - ox; b.sy += wy - oy;
    }
    return Array.from(bins.values());
}
function clamp(v, lo, hi) { return Math.max(lo, Math.min(hi, v)); }
function drawDonut(ctx, b, cell) {
    var total = b.hh[0] + b.hh[1] + b.hh[2], parts = total > 0 ? b.hh : b.n;
    var sum = total > 0 ? total : b.count, x = b.sx / b.count, y = b.sy / b.count;
    var r = Math.min(C.cellPx * 0.45, 10 + 4 * Math.log10(1 + sum)), inner = r * 0.58;
    if (cell > 2 * r) {  // kept far enough inside its cell that rings barely overlap
        x = clamp(x, b.left + 0.8 * r, b.left + cell - 0.8 * r);
        y = clamp(y, b.top + 0.8 * r, b.top + cell - 0.8 * r);
    }
    var minAngle = 0.45, angles = [0, 0, 0], used = 0;
    for (var c = 0; c < 3; c++) {
        angles[c] = parts[c] > 0 ? Math.max(minAngle, 2 * Math.PI * parts[c] / sum) : 0;
        used += angles[c];
    }
    var start = -Math.PI / 2;
    for (c = 0; c < 3; c++) {
        if (!angles[c]) { continue; }
        var end = start + angles[c] * 2 * Math.PI / used;
        ctx.beginPath(); ctx.arc(x, y, r, start, end); ctx.arc(x, y, inner, end, start, true);
        ctx.closePath(); ctx.fillStyle = C.classes[c].color; ctx.fill();
        start = end;
    }
    ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI); ctx.lineWidth = 1;
    ctx.strokeStyle = C.outline; ctx.stroke();
    ctx.beginPath(); ctx.arc(x, y, inner, 0, 2 * Math.PI); ctx.fillStyle = '#ffffff';
    ctx.fill(); ctx.stroke();
    var label = fmtInt(sum), size = Math.max(8, Math.min(12, 2.1 * inner * 1.6 / label.length));
    ctx.fillStyle = '#111111'; ctx.font = 'bold ' + size.toFixed(1) + 'px system-ui, sans-serif';
    ctx.textAlign = 'center'; ctx.textBaseline = 'middle'; ctx.fillText(label, x, y + 0.5);
    return {x: x, y: y, r: r, hh: b.hh.slice(), n: b.n.slice(), sum: sum, count: b.count,
        members: b.members};
}
function draw() {
    var canvas = layer._canvas;
    if (!canvas || !D) { return; }
    var size = map.getSize(), dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.x * dpr); canvas.height = Math.round(size.y * dpr);
    canvas.style.width = size.x + 'px'; canvas.style.height = size.y + 'px';
    var topLeft = map.containerPointToLayerPoint([0, 0]);
    L.DomUtil.setPosition(canvas, topLeft);
    canvas.style.visibility = '';
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    var zoom = map.getZoom(), scale = 256 * Math.pow(2, zoom), origin = map.getPixelOrigin();
    var ox = origin.x + topLeft.x, oy = origin.y + topLeft.y;
    var idx = visibleIndices(scale, ox, oy, size.x, size.y, 12);
    // Up close every address is a point, except where addresses stand on the same few pixels
    // (one entrance, several addresses): those become a small ring, so no class is hidden.
    var points = zoom >= C.pointZoom && idx.length <= C.maxPoints;
    var cell = points ? C.stackPx : C.cellPx;
    G.mode = points ? 'points' : 'bins';
    var all = binsOf(idx, scale, ox, oy, cell), lone = [], crowded = [];
    all.forEach(function (b) {
        if (b.count === 1) { lone.push(b.first); } else { crowded.push(b); }
    });
    crowded.sort(function (a, b) { return b.count - a.count; });  // small rings on top
    drawn = {points: drawPoints(ctx, Int32Array.from(lone), scale, ox, oy, zoom), bins: []};
    drawn.bins = crowded.map(function (b) { return drawDonut(ctx, b, cell); });
}
function hit(p) {
    for (var b = drawn.bins.length - 1; b >= 0; b--) {
        var bin = drawn.bins[b], bx = bin.x - p.x, by = bin.y - p.y;
        if (bx * bx + by * by <= bin.r * bin.r) { return {bin: bin}; }
    }
    var d = drawn.points, best = -1, bestD = d ? (d.r + 3) * (d.r + 3) : 0;
    for (var k = 0; d && k < d.idx.length; k++) {
        var dx = d.x[k] - p.x, dy = d.y[k] - p.y, dd = dx * dx + dy * dy;
        if (dd <= bestD) { best = k; bestD = dd; }
    }
    return best >= 0 ? {point: d.idx[best]} : null;
}
function onClick(e) {
    var found = hit(e.containerPoint);
    if (!found) { return; }
    if (found.point !== undefined) { G.openAddress(found.point); return; }
    if (G.mode === 'points') {  // addresses on one spot: all of them in one popup
        var more = found.bin.count - found.bin.members.length;
        L.popup({maxWidth: 360, maxHeight: 400})
            .setLatLng(map.containerPointToLatLng([found.bin.x, found.bin.y]))
            .setContent(found.bin.members.map(G.popupHtml).join('<hr>')
                + (more > 0 ? '<div>… og ' + fmtInt(more) + ' til</div>' : ''))
            .openOn(map);
        return;
    }
    var center = map.containerPointToLatLng([found.bin.x, found.bin.y]);
    map.setView(center, Math.min(map.getZoom() + 2, map.getMaxZoom()));
}
function onHover(e) {
    map.getContainer().style.cursor = hit(e.containerPoint) ? 'pointer' : '';
}

// ---- target, state and start -----------------------------------------------------------
G.setTarget = function (t) {
    G.target = t;
    var name = C.targetNames[t];
    document.querySelectorAll('.gapmap-panel [data-gapmap-target]').forEach(function (el) {
        el.hidden = el.getAttribute('data-gapmap-target') !== name;
    });
    document.querySelectorAll('input[name="gapmap-target"]').forEach(function (el) {
        el.checked = el.value === name;
    });
    document.body.dataset.gapmapCurrentTarget = name;
    map.closePopup();
    draw();
};
G.scenario = -1;
G.setScenario = function (k) {
    // the run's classes, or scenario k's: its changed rows over copies of the targets it changes
    G.scenario = k;
    D.cls = D.base.slice();
    if (k >= 0) {
        var rows = D['scn' + k + '_row'], values = D['scn' + k + '_val'], copied = {};
        for (var j = 0; j < rows.length; j++) {
            var t = values[j] >> 2;
            if (!copied[t]) { copied[t] = true; D.cls[t] = D.base[t].slice(); }
            D.cls[t][rows[j]] = values[j] & 3;
        }
    }
    document.querySelectorAll('input[name="gapmap-scenario"]').forEach(function (el) {
        el.checked = Number(el.value) === k;
    });
    document.body.dataset.gapmapCurrentScenario = String(k);
    map.closePopup();
    draw();
};
G.state = function () {
    return {mode: G.mode, target: C.targetNames[G.target], zoom: map.getZoom(),
        points: drawn.points ? drawn.points.idx.length : 0, bins: drawn.bins,
        scenario: G.scenario};
};
G.layer = layer;
document.addEventListener('change', function (e) {
    if (e.target && e.target.name === 'gapmap-target') {
        G.setTarget(C.targetNames.indexOf(e.target.value));
    }
    if (e.target && e.target.name === 'gapmap-scenario' && D) {
        G.setScenario(Number(e.target.value));
    }
});
layer.addTo(map);
document.body.dataset.gapmapCurrentTarget = C.targetNames[G.target];
if (typeof DecompressionStream === 'undefined') {
    fail(C.text.noDecompression);
} else {
    inflate(payload).then(function (buffer) {
        D = decode(buffer);
        G.data = D;
        draw();
        G.ready = true;
        G.readyMs = performance.now();  // since navigation started
        window.gapmapReady = true;
        document.body.dataset.gapmapReady = 'true';
        G.waiting.forEach(function (fn) { fn(G); });
    }).catch(function (error) {
        fail(C.text.decodeFailed);
        console.error(error);
    });
}
return layer;
"""
