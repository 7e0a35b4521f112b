/* PartyGrid planner page: geometry help while drawing and editing (a part of planner.js).
 *
 * Snapping: a vertex placed (drawing a polygon) or dragged (editing a zone) within
 * `tolerance` pixels of the community boundary or of another zone snaps onto it: onto a
 * vertex first, else onto the nearest point of an edge. A point on an edge is computed in
 * longitude/latitude along that edge, so it lies on the very segment the grid checks
 * against (the grid compares zones in degrees, not screen pixels). A round marker shows
 * where the vertex will go.
 *
 * Shared vertices: dragging a zone's vertex that other zones have at the same place moves
 * theirs too, so an edge two zones share stays shared; the core then previews all the zones
 * edited as one redraw (op 'redraw_zones', one change set).
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var map = P.map;
    var TOLERANCE = 10;   // pixels
    var SAME = 1e-9;      // degrees: vertices this close are one shared vertex (~0.1 mm)
    var marker = L.circleMarker([0, 0], {
      radius: 7, color: '#d500f9', weight: 3, fill: false, interactive: false, className: 'pg-snap-marker'
    });
    var snap = { tolerance: TOLERANCE, last: null, marker: marker };
    P.snap = snap;

    // Rings (arrays of LatLng) of a polygon layer, however deeply Leaflet nests them.
    function rings(latlngs, out) {
      if (!latlngs.length) { return out; }
      if (latlngs[0] instanceof L.LatLng) { out.push(latlngs); return out; }
      latlngs.forEach(function (l) { rings(l, out); });
      return out;
    }
    function polygons(group, out) {
      group.eachLayer(function (l) {
        if (l instanceof L.Polygon) { out.push(l); } else if (l.eachLayer) { polygons(l, out); }
      });
      return out;
    }
    // What a vertex may snap to: the community boundary and every zone but `skip` (the
    // layers whose vertex is being moved).
    function targets(skip) {
      var found = [];
      polygons(P.boundary, []).concat(polygons(P.zones, [])).forEach(function (l) {
        if (skip.indexOf(l) < 0) { rings(l.getLatLngs(), found); }
      });
      return found;
    }

    function snapTo(latlng, skip) {
      var p = map.latLngToLayerPoint(latlng), tol = snap.tolerance;
      var all = targets(skip || []), best = null, bestD = tol;
      all.forEach(function (ring) {
        ring.forEach(function (v) {
          var d = map.latLngToLayerPoint(v).distanceTo(p);
          if (d <= bestD) { bestD = d; best = { latlng: L.latLng(v.lat, v.lng), kind: 'vertex' }; }
        });
      });
      if (best) { return best; }
      bestD = tol;
      all.forEach(function (ring) {
        ring.forEach(function (a, i) {
          var b = ring[(i + 1) % ring.length];
          var pa = map.latLngToLayerPoint(a), pb = map.latLngToLayerPoint(b);
          var dx = pb.x - pa.x, dy = pb.y - pa.y, len = dx * dx + dy * dy;
          if (!len) { return; }
          var f = Math.max(0, Math.min(1, ((p.x - pa.x) * dx + (p.y - pa.y) * dy) / len));
          var d = L.point(pa.x + f * dx, pa.y + f * dy).distanceTo(p);
          if (d <= bestD) {
            bestD = d;
            best = { latlng: L.latLng(a.lat + f * (b.lat - a.lat), a.lng + f * (b.lng - a.lng)), kind: 'edge' };
          }
        });
      });
      return best;
    }

    function show(found) {
      snap.last = found;
      if (!found) { marker.remove(); return; }
      marker.setLatLng(found.latlng);
      marker.setStyle({ color: found.kind === 'vertex' ? '#d500f9' : '#00b8d4' });
      if (!map.hasLayer(marker)) { marker.addTo(map); }
    }
    snap.to = snapTo;

    // Drawing a polygon (a new zone, or a lasso): the vertex goes where the marker shows.
    var Polygon = L.Draw.Polygon.prototype, Polyline = L.Draw.Polyline.prototype;
    Polygon.addVertex = function (latlng) {
      var found = snapTo(latlng, []);
      show(null);
      return Polyline.addVertex.call(this, found ? found.latlng : latlng);
    };
    Polygon._onMouseMove = function (e) {
      Polyline._onMouseMove.call(this, e);
      show(this._currentLatLng ? snapTo(this._currentLatLng, []) : null);
    };
    map.on(L.Draw.Event.DRAWSTOP, function () { show(null); });

    // Editing: snap the dragged vertex, and carry the vertices other zones share with it.
    var Vertices = L.Edit.PolyVerticesEdit.prototype;
    var dragStart = Vertices._onMarkerDragStart, drag = Vertices._onMarkerDrag, fireEdit = Vertices._fireEdit;
    function handlers() {
      var found = [];
      polygons(P.zones, []).forEach(function (l) {
        ((l.editing && l.editing._verticesHandlers) || []).forEach(function (h) { found.push(h); });
      });
      return found;
    }
    Vertices._onMarkerDragStart = function (e) {
      var moved = e.target, at = moved.getLatLng(), self = this;
      this._pgShared = [];
      handlers().forEach(function (h) {
        if (h === self) { return; }
        (h._markers || []).forEach(function (m) {
          var ll = m.getLatLng();
          if (Math.abs(ll.lat - at.lat) < SAME && Math.abs(ll.lng - at.lng) < SAME) { self._pgShared.push({ handler: h, marker: m }); }
        });
      });
      this._pgSkip = [this._poly].concat(this._pgShared.map(function (s) { return s.handler._poly; }));
      return dragStart.apply(this, arguments);
    };
    Vertices._onMarkerDrag = function (e) {
      var moved = e.target;
      var found = snapTo(moved.getLatLng(), this._pgSkip || [this._poly]);
      if (found) { moved.setLatLng(found.latlng); }
      show(found);
      drag.call(this, e);
      var to = moved.getLatLng();
      (this._pgShared || []).forEach(function (s) {
        s.marker.setLatLng(to);
        drag.call(s.handler, { target: s.marker });
      });
    };
    Vertices._fireEdit = function () {
      var shared = this._pgShared || [];
      this._pgShared = null; this._pgSkip = null;
      show(null);
      shared.forEach(function (s) { fireEdit.call(s.handler); });
      return fireEdit.apply(this, arguments);
    };
    P.on('cleared', function () { show(null); });
  });
})();
