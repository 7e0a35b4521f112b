/* PartyGrid: street-office and district coverage maps over VectorGrid tiles.
   The page sets window.__pgConfig, calls __pgSetUp(map) before adding the tile layers
   (they style features through window.__pgStyle) and __pgWire() once they exist. */
(function () {
  "use strict";
  var cfg = null;
  var map = null;
  var worst = {};

  function esc(value) {
    return String(value === null || value === undefined ? "" : value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // Tiles know covered, gap and orphan; the page knows which gaps have resident members.
  function stateOf(p) {
    if (p.state === "covered") { return "COVERED"; }
    if (p.state === "orphan") { return "ORPHAN"; }
    return worst[p.id] ? "GAP_WITH_MEMBERS" : "GAP";
  }

  window.__pgStateOf = stateOf;
  window.__pgStyle = {
    buildings: function (p) {
      var colour = cfg.colours[stateOf(p)];
      return { fill: true, fillColor: colour, color: colour, fillOpacity: 0.8, weight: 1, radius: 4 };
    },
    zones: function (p) {
      var zone = cfg.zones[p.id];
      var colour = zone ? zone.colour : (p.has_organization ? "#1e88e5" : "#ff7043");
      // Outlines only: the communities under them carry the fill (their coverage share).
      return {
        fill: false, color: colour, weight: 2, opacity: 0.9,
        dashArray: p.has_organization ? null : "6 4"
      };
    }
  };

  // AMap draws in GCJ-02; tiles are cut in WGS-84. The offset between them changes by metres
  // over kilometres, so the tile pane is moved by the offset at the view's centre.
  function segment(values, v) {
    var i = 0;
    while (i < values.length - 2 && v > values[i + 1]) { i += 1; }
    return i;
  }
  function fraction(values, i, v) {
    return Math.max(0, Math.min(1, (v - values[i]) / (values[i + 1] - values[i])));
  }
  function offsetAt(centre) {
    var o = cfg.offsets;
    var i = segment(o.lons, centre.lng);
    var j = segment(o.lats, centre.lat);
    var tx = fraction(o.lons, i, centre.lng);
    var ty = fraction(o.lats, j, centre.lat);
    function at(a) {
      return (a[j][i] * (1 - tx) + a[j][i + 1] * tx) * (1 - ty) +
        (a[j + 1][i] * (1 - tx) + a[j + 1][i + 1] * tx) * ty;
    }
    return [at(o.dlon), at(o.dlat)];
  }
  function shift() {
    var centre = map.getCenter();
    var d = offsetAt(centre);
    var a = map.latLngToLayerPoint(centre);
    var b = map.latLngToLayerPoint([centre.lat + d[1], centre.lng + d[0]]);
    map.getPane(cfg.pane).style.transform = "translate(" + (b.x - a.x) + "px," + (b.y - a.y) + "px)";
  }

  window.__pgSetUp = function (leafletMap) {
    map = leafletMap;
    cfg = window.__pgConfig;
    cfg.worst.forEach(function (id) { worst[id] = true; });
    map.createPane(cfg.pane).style.zIndex = 450;
    if (cfg.offsets) {
      map.on("zoomend moveend viewreset", shift);
      shift();
    }
  };

  function rows(pairs) {
    return "<table>" + pairs.map(function (pair) {
      return "<tr><th style='text-align:left;padding-right:6px'>" + esc(pair[0]) + "</th><td>" +
        esc(pair[1]) + "</td></tr>";
    }).join("") + "</table>";
  }

  function openBuilding(p, latlng) {
    var l = cfg.labels;
    var popup = L.popup().setLatLng(latlng)
      .setContent("<b>" + esc(p.name) + "</b><br>" + esc(l.loading)).openOn(map);
    fetch(cfg.detail + encodeURIComponent(p.id) + "?lang=" + cfg.lang, {
      credentials: "same-origin", headers: { accept: "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    }).then(function (b) {
      popup.setContent(rows([
        [l.buildings, b.name], [l.address, b.address], [l.state, cfg.stateLabels[b.state]],
        [l.zone, b.zone], [l.branch, b.branch], [l.group, b.group], [l.residents, b.residents]
      ]));
    }).catch(function () {
      popup.setContent("<b>" + esc(p.name) + "</b><br>" + esc(l.load_failed));
    });
  }

  // Whether `latlng` lies in a polygon layer's shape (even-odd over every ring, so holes
  // count; a MultiPolygon's parts each).
  function inside(latlng, layer) {
    var x = latlng.lng, y = latlng.lat, odd = false;
    (function walk(rings) {
      if (!rings.length) { return; }
      if (!L.LineUtil.isFlat(rings)) { rings.forEach(walk); return; }
      for (var i = 0, j = rings.length - 1; i < rings.length; j = i, i += 1) {
        var a = rings[i], b = rings[j];
        if ((a.lat > y) !== (b.lat > y) &&
            x < (b.lng - a.lng) * (y - a.lat) / (b.lat - a.lat) + a.lng) { odd = !odd; }
      }
    }(layer.getLatLngs()));
    return odd;
  }
  function communityAt(communities, latlng) {
    var found = null;
    communities.eachLayer(function (l) {
      if (!found && l.getBounds().contains(latlng) && inside(latlng, l)) { found = l; }
    });
    return found;
  }

  // From zoom 14 the buildings' canvas tiles lie over the communities and take the pointer
  // wherever it is, building or not: away from a building, the community under the pointer
  // answers as it does where no tile covers it (its tooltip, and its popup on a click).
  function communitiesUnderTiles(layers, clickedBuilding) {
    var hovered = null;
    function onTile(ev) { return ev && ev.target && ev.target.tagName === "CANVAS"; }
    map.on("mousemove", function (e) {
      if (!onTile(e.originalEvent)) { return; }
      var found = communityAt(layers.communities, e.latlng);
      // The tooltip and popup are bound to the whole layer: the events of the community
      // itself, passed up to it, open them for that community.
      if (hovered && hovered !== found) { hovered.fire("mouseout", { latlng: e.latlng }, true); }
      if (found) { found.fire(hovered === found ? "mousemove" : "mouseover", { latlng: e.latlng }, true); }
      hovered = found;
    });
    L.DomEvent.on(map.getContainer(), "click", function (ev) {
      if (!onTile(ev) || clickedBuilding()) { return; }
      var latlng = map.mouseEventToLatLng(ev);
      var found = communityAt(layers.communities, latlng);
      if (found) { found.fire("click", { latlng: latlng }, true); }
    });
  }

  window.__pgWire = function () {
    var layers = window.__pgLayers;
    var l = cfg.labels;
    // When each tile layer first had all its visible tiles (ms since navigation start).
    window.__pgLoaded = {};
    ["zones", "buildings"].forEach(function (name) {
      layers[name].once("load", function () { window.__pgLoaded[name] = performance.now(); });
    });
    var tip = L.tooltip({ direction: "top", offset: [0, -6] });
    function show(latlng, html) { tip.setLatLng(latlng).setContent(html); map.openTooltip(tip); }
    function hide() { map.closeTooltip(tip); }
    layers.buildings.on("mouseover", function (e) {
      var p = e.layer.properties;
      show(e.latlng, esc(p.name) + " · " + esc(cfg.stateLabels[stateOf(p)]));
    });
    layers.buildings.on("mouseout", hide);
    var buildingHit = false;
    layers.buildings.on("click", function (e) {
      buildingHit = true;
      openBuilding(e.layer.properties, e.latlng);
    });
    communitiesUnderTiles(layers, function () {
      var hit = buildingHit;
      buildingHit = false;
      return hit;
    });
  };
}());
