/* PartyGrid planner page: zone names on the map, thinned out where they would pile up
 * (static/maps/zone-labels.js), and the map's legend in the side panel (zone colours: grid
 * branch; dashed: no branch; building colours: coverage state). A part of planner.js.
 * `P.zoneLabels`: the labels' controller (`shown()`, `boxes()`, `update()`).
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el;
    var names = L.layerGroup().addTo(P.map);
    P.zoneLabels = window.PartyGridLabels.thin(P.map, names);

    function label(zone) {
      var layer = P.zoneLayer(zone.id);
      if (!layer) { return; }
      var box = layer.getBounds();
      var icon = L.divIcon({
        className: 'zone-label', html: el('span', zone.name), iconSize: [120, 16], iconAnchor: [60, 8]
      });
      L.marker(box.getCenter(), {
        icon: icon, interactive: false, keyboard: false,
        priority: (box.getNorth() - box.getSouth()) * (box.getEast() - box.getWest())
      }).addTo(names);
    }

    function key(colour, text, border) {
      var row = el('div', null, 'planner-legend-key');
      var swatch = el('span', null, 'swatch');
      swatch.style.background = colour;
      swatch.style.border = border;
      row.appendChild(swatch);
      row.appendChild(el('span', text));
      return row;
    }

    function legend(s) {
      var box = document.getElementById('planner-legend');
      if (!box) {
        box = el('section'); box.id = 'planner-legend';
        document.getElementById('planner-panel').appendChild(box);
      }
      box.textContent = '';
      box.appendChild(el('h2', t.legend));
      box.appendChild(el('p', t.legend_zones, 'hint'));
      var seen = {};
      s.zones.forEach(function (zone) {
        var layer = P.zoneLayer(zone.id);
        if (!zone.organization || !layer) { return; }
        var id = layer.options.color + '|' + zone.organization.name;
        if (seen[id]) { return; }
        seen[id] = true;
        box.appendChild(key('transparent', zone.organization.name, '2px solid ' + layer.options.color));
      });
      box.appendChild(key('transparent', t.legend_no_branch, '2px dashed ' + P.colours.noBranch));
      box.appendChild(el('p', t.legend_buildings, 'hint'));
      Object.keys(P.colours.states).forEach(function (state) {
        box.appendChild(key(P.colours.states[state], t['legend_' + state], 'none'));
      });
    }

    P.on('state', function (s) {
      names.clearLayers();
      s.zones.forEach(label);
      P.zoneLabels.update();
      legend(s);
    });
  });
}());
