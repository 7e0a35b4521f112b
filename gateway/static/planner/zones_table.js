/* PartyGrid planner page: the per-zone table beside the map. A part of planner.js (see there).
 *
 * Each zone's buildings, households, resident Party members, Party groups and coverage, from
 * the state the core loaded (rebuilt on every 'state': after each commit and undo), sorted by
 * name as Chinese readers sort (zh-CN collation; numbers by value, as grid orders them). A row under the pointer lights
 * its zone on the map and a zone under the pointer lights its row; a clicked row stays lit and
 * the map goes to its zone. Groups: the distinct Party groups of the zone's buildings, and in
 * a branch community (社区党支部, "党小组建在片区") the zone's own group.
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el, $ = P.$, map = P.map;
    var COLUMNS = [['buildings', 'fig_col_buildings'], ['households', 'fig_col_households'], ['members', 'fig_col_members'], ['groups', 'fig_col_groups'], ['covered', 'fig_col_coverage']];
    // The core's name order (P.compareNames: pinyin, numbers by value, as grid's natural key);
    // names it cannot tell apart keep the order grid serves zones in.
    var table = $('planner-zones-table'), rows = {}, lit = null, pinned = null;
    var Z = { highlighted: null, pinned: null, rows: [], highlight: highlight };
    P.zonesTable = Z;

    function figuresOf(buildings, extraGroup) {
      var groups = {}, v = { buildings: 0, households: 0, members: 0, groups: 0, covered: 0 };
      buildings.forEach(function (b) {
        v.buildings += 1; v.households += b.households || 0; v.members += b.residentMemberCount || 0;
        if (b.coverageState === 'COVERED') { v.covered += 1; }
        if (b.partyGroup) { groups[b.partyGroup.id] = true; }
      });
      if (extraGroup) { groups[extraGroup] = true; }
      v.groups = Object.keys(groups).length;
      return v;
    }
    function coverage(v) {
      return v.buildings ? (100 * v.covered / v.buildings).toFixed(1) + '%' : '—';
    }
    function row(v, name, cls) {
      var tr = el('tr', undefined, cls);
      tr.appendChild(el('td', name));
      COLUMNS.forEach(function (c) {
        var td = el('td', c[0] === 'covered' ? coverage(v) : v[c[0]], 'n');
        td.dataset.figure = c[0]; td.dataset.value = String(v[c[0]]);
        if (c[0] === 'covered') { td.title = v.covered + '/' + v.buildings; }
        tr.appendChild(td);
      });
      return tr;
    }

    function build(s) {
      var branch = !!(s.community.organization && s.community.organization.kind === 'BRANCH');
      var of = {};
      s.buildings.forEach(function (b) { (of[b.zoneId || ''] = of[b.zoneId || ''] || []).push(b); });
      table.textContent = ''; rows = {};
      var head = el('tr');
      head.appendChild(el('th', t.fig_col_zone));
      COLUMNS.forEach(function (c) { head.appendChild(el('th', t[c[1]], 'n')); });
      var thead = el('thead'); thead.appendChild(head); table.appendChild(thead);
      var body = el('tbody');
      Z.rows = s.zones.map(function (zone, i) { return { zone: zone, at: i }; }).sort(function (a, b) {
        return P.compareNames(a.zone.name, b.zone.name) || a.at - b.at;
      }).map(function (sorted) {
        var zone = sorted.zone;
        var v = figuresOf(of[zone.id] || [], branch && zone.organization ? zone.organization.id : null);
        var tr = row(v, zone.name);
        tr.dataset.zone = zone.id; tr.tabIndex = 0;
        tr.addEventListener('mouseenter', function () { highlight(zone.id); });
        tr.addEventListener('mouseleave', function () { highlight(pinned); });
        tr.addEventListener('click', function () { pin(zone.id, true); });
        tr.addEventListener('keydown', function (e) { if (e.key === 'Enter') { pin(zone.id, true); } });
        rows[zone.id] = tr; body.appendChild(tr);
        return { id: zone.id, name: zone.name, figures: v };
      });
      table.appendChild(body);
      var foot = el('tfoot');
      foot.appendChild(row(figuresOf(of[''] || [], null), t.fig_row_orphans, 'orphans'));
      foot.appendChild(row(figuresOf(s.buildings, null), t.fig_row_total, 'total'));
      table.appendChild(foot);
      if (pinned && !rows[pinned]) { pinned = null; }
      Z.pinned = pinned; lit = pinned; Z.highlighted = lit;
      apply();
    }

    // Light one zone (null: none) in the table and on the map, through the core's one
    // highlight (it waits while a Leaflet.draw tool restyles the zones for its edit).
    function highlight(id) {
      id = id || null;
      lit = id; Z.highlighted = id;
      apply();
    }
    function apply() {
      Object.keys(rows).forEach(function (id) { rows[id].classList.toggle('on', id === lit); });
      P.highlightZone(lit, 'table');
    }
    function pin(id, go) {
      pinned = id; Z.pinned = id;
      highlight(id);
      var layer = P.zoneLayer(id);
      if (go && layer) { map.fitBounds(layer.getBounds(), { animate: false, padding: [20, 20] }); }
      if (rows[id] && !go) { rows[id].scrollIntoView({ block: 'nearest' }); }
    }

    P.on('state', build);
    // The map's side of the highlighting, on every zone layer the core makes.
    P.onZoneLayer(function (layer) {
      var id = layer.zone.id;
      layer.on('mouseover', function () { highlight(id); });
      layer.on('mouseout', function () { highlight(pinned); });
      layer.on('click', function () { if (P.mode !== 'merge') { pin(id, false); } });  // merge: the core's pick shows
    });
  });
})();
