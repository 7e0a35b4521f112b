/* PartyGrid planner page: live figures while drawing, before any preview. A part of
 * planner.js (see there).
 *
 * As the planner draws a polygon (a new zone or a lasso), drags a zone's vertex or moves a
 * shape, the panel shows the buildings, households, resident Party members and coverage
 * INSIDE the shape as it is now. A building is inside when its interior point is (DOMAIN
 * "Places"); /state carries each building's point (`at`), so the page only does
 * point-in-polygon, synchronously in the event that moved the shape: a few hundred points
 * cost well under a millisecond, and no request is made.
 *
 * Shapes: the corners placed so far plus the pointer (Leaflet.draw's drawvertex and the
 * pointer's moves), a zone's ring while one of its vertices is dragged (the layer's
 * 'editdrag') or after (editvertex, editmove), and the pending edit's shape once it is
 * previewed. Exposed as `P.figures` (the shape, the figures, when they last changed).
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el, $ = P.$, map = P.map;
    var ROWS = [['buildings', 'fig_buildings'], ['households', 'fig_households'], ['members', 'fig_members'], ['covered', 'fig_covered']];
    var points = [];         // per building: [lon, lat, households, members, covered (0/1), zoneId]
    var drawing = null;      // the polygon being drawn: its marker group once a corner is placed
    var editing = false;
    var F = { shape: null, values: null, zoneId: null, updates: 0, updatedAt: 0, inside: inside, show: show, clear: clear };
    P.figures = F;

    // --- geometry: rings of [lon, lat], even-odd rule -------------------------------------
    function inRing(x, y, ring) {
      var hit = false;
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
        if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) { hit = !hit; }
      }
      return hit;
    }
    // A Polygon or MultiPolygon as [{box, rings}], each polygon's outer ring first.
    function prepared(geometry) {
      var polygons = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : [];
      return polygons.filter(function (rings) { return rings.length && rings[0].length >= 3; }).map(function (rings) {
        var box = [Infinity, Infinity, -Infinity, -Infinity];
        rings[0].forEach(function (p) {
          box[0] = Math.min(box[0], p[0]); box[1] = Math.min(box[1], p[1]);
          box[2] = Math.max(box[2], p[0]); box[3] = Math.max(box[3], p[1]);
        });
        return { box: box, rings: rings };
      });
    }
    function holds(polygons, x, y) {
      for (var k = 0; k < polygons.length; k++) {
        var p = polygons[k], b = p.box;
        if (x < b[0] || x > b[2] || y < b[1] || y > b[3] || !inRing(x, y, p.rings[0])) { continue; }
        var hole = false;
        for (var h = 1; h < p.rings.length && !hole; h++) { hole = inRing(x, y, p.rings[h]); }
        if (!hole) { return true; }
      }
      return false;
    }

    // The figures of the buildings whose interior point the geometry holds (or, given a zone
    // id instead, of the buildings the state puts in that zone).
    function inside(geometry, zoneId) {
      var polygons = geometry ? prepared(geometry) : null;
      var v = { buildings: 0, households: 0, members: 0, covered: 0 };
      for (var i = 0; i < points.length; i++) {
        var b = points[i];
        if (polygons ? !holds(polygons, b[0], b[1]) : b[5] !== zoneId) { continue; }
        v.buildings += 1; v.households += b[2]; v.members += b[3]; v.covered += b[4];
      }
      return v;
    }

    // --- the panel ----------------------------------------------------------------------------
    function percent(v) {
      return v.buildings ? (100 * v.covered / v.buildings).toFixed(1) + '% (' + v.covered + '/' + v.buildings + ')' : '—';
    }
    function text(key, v) { return key === 'covered' ? percent(v) : String(v[key]); }

    var table = $('planner-live-figures'), what = $('planner-live-what'), cells = {};
    (function build() {
      var head = el('tr'); head.appendChild(el('th', ''));
      var now = el('th', '', 'n'); now.id = 'planner-live-current'; head.appendChild(now);
      head.appendChild(el('th', t.fig_live_inside, 'n'));
      table.appendChild(head);
      ROWS.forEach(function (r) {
        var tr = el('tr'); tr.dataset.figure = r[0];
        tr.appendChild(el('td', t[r[1]]));
        var before = el('td', '', 'n'), live = el('td', '', 'n');
        tr.appendChild(before); tr.appendChild(live);
        cells[r[0]] = { tr: tr, before: before, live: live };
        table.appendChild(tr);
      });
    })();

    // Show the figures inside `geometry` (GeoJSON); `zoneId`: the zone it is a new shape of,
    // whose figures now stand beside them.
    function show(geometry, zoneId) {
      var v = inside(geometry);
      var was = zoneId ? inside(null, zoneId) : null;
      ROWS.forEach(function (r) {
        var c = cells[r[0]];
        c.tr.dataset.value = String(v[r[0]]);
        c.live.textContent = text(r[0], v);
        c.before.textContent = was ? text(r[0], was) : '';
        c.live.className = 'n' + (was && was[r[0]] !== v[r[0]] ? ' changed' : '');
      });
      $('planner-live-current').textContent = was ? t.fig_live_current : '';
      what.textContent = zoneId ? P.label('fig_live_zone', { name: P.zoneName(zoneId) || '' }) : t.fig_live_new;
      table.hidden = false;
      F.shape = geometry; F.values = v; F.zoneId = zoneId || null;
      F.updates += 1; F.updatedAt = performance.now();
    }
    function clear() {
      table.hidden = true;
      what.textContent = t.fig_live_hint;
      F.shape = null; F.values = null; F.zoneId = null;
      F.updates += 1; F.updatedAt = performance.now();
    }

    // --- the shapes -----------------------------------------------------------------------------
    function corners(extra) {
      var ring = drawing.getLayers().map(function (m) { var p = m.getLatLng(); return [p.lng, p.lat]; });
      if (extra) { ring.push([extra.lng, extra.lat]); }
      if (ring.length < 3) { return null; }
      ring.push(ring[0]);
      return { type: 'Polygon', coordinates: [ring] };
    }
    function showDrawing(extra) {
      var shape = corners(extra);
      if (shape) { show(shape, null); } else if (F.shape) { clear(); }
    }
    function showZone(layer) {
      if (layer && layer.zone) { show(layer.toGeoJSON().geometry, layer.zone.id); }
    }
    function onDrag(e) { showZone(e.target); }

    map.on('draw:drawstart', function (e) {
      drawing = null;
      if (e.layerType === 'polygon') { drawing = L.layerGroup(); }  // no corner yet
      if (!P.pending) { clear(); }
    });
    map.on('draw:drawvertex', function (e) {
      if (!drawing) { return; }
      drawing = e.layers;
      showDrawing(null);
    });
    map.on('draw:drawstop', function () {
      drawing = null;
      if (!P.pending) { clear(); }
    });
    // The pointer is the next corner until it is placed.
    map.getContainer().addEventListener('mousemove', function (e) {
      if (drawing && drawing.getLayers().length >= 2) { showDrawing(map.mouseEventToLatLng(e)); }
    });
    map.on(L.Draw.Event.CREATED, function (e) {
      if (e.layerType === 'polygon') { show(e.layer.toGeoJSON().geometry, null); }
    });
    map.on('draw:editstart', function () {
      editing = true;
      P.zones.eachLayer(function (l) { l.off('editdrag', onDrag); l.on('editdrag', onDrag); });
    });
    map.on('draw:editvertex', function (e) { if (editing) { showZone(e.poly); } });
    map.on('draw:editmove', function (e) { if (editing) { showZone(e.layer); } });
    map.on('draw:editstop', function () {
      editing = false;
      P.zones.eachLayer(function (l) { l.off('editdrag', onDrag); });
      if (!P.pending) { clear(); }  // cancelled; a saved redraw stays shown while previewed
    });
    // A previewed edit (the repaired shape too): the figures of the shape that was sent.
    P.on('result', function () {
      var op = P.pending, shape = op && (op.boundary || op.area);
      if (shape && (shape.type === 'Polygon' || shape.type === 'MultiPolygon')) {
        show(shape, op.op === 'redraw' ? op.zoneId : null);
      }
    });
    P.on('cleared', clear);
    P.on('state', function (s) {
      points = s.buildings.filter(function (b) { return b.at; }).map(function (b) {
        return [b.at[0], b.at[1], b.households || 0, b.residentMemberCount || 0, b.coverageState === 'COVERED' ? 1 : 0, b.zoneId];
      });
      if (!P.pending) { clear(); }
    });
    clear();
  });
})();
