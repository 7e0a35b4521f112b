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
    layers.buildings.on("click", function (e) { openBuilding(e.layer.properties, e.latlng); });
    function zoneText(p) {
      var zone = cfg.zones[p.id] || { name: p.name, branch: "" };
      return rows([[l.zone, zone.name], [l.branch, zone.branch]]);
    }
    layers.zones.on("mouseover", function (e) { show(e.latlng, zoneText(e.layer.properties)); });
    layers.zones.on("mouseout", hide);
    layers.zones.on("click", function (e) {
      L.popup().setLatLng(e.latlng).setContent(zoneText(e.layer.properties)).openOn(map);
    });
    function labelsByZoom() {
      map.getContainer().classList.toggle("pg-far", map.getZoom() < cfg.buildingsMinZoom);
    }
    map.on("zoomend", labelsByZoom);
    labelsByZoom();
  };
}());
