/* PartyGrid planner page: the preview's diff in the side panel and on the map — coverage and
 * severe gaps before → after first, then the warnings a planner confirms by committing (gaps
 * created, groups given buildings outside their zone), the other figures, the buildings that
 * change and the other findings — and the repaired (or clipped-to-community) shape the grid
 * offers, previewed in one click. A part of planner.js (see there).
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el, msg = P.msg, $ = P.$;

    function zoneName(id) { return id ? (P.zoneName(id) || t.new_zone) : t.none; }
    function orgName(org) { return org ? org.name : t.none; }

    // A figure as the panel shows it: a percentage with one decimal, "—" when unknown.
    function shownFigure(key, value) {
      if (value === null || value === undefined) { return t.unknown_figure; }
      return key === 'percent' ? value.toFixed(1) + '%' : String(value);
    }
    function severityOf(f) { return f.severity || 'ERROR'; }

    // The preview leads with what matters most to coverage: the covered share and the severe
    // gaps before → after (#planner-diff-lead), then the warnings to confirm, then the other
    // figures (#planner-diff-coverage), the buildings that change and the other findings.
    var LEAD = [['percent', 'percent'], ['gapsWithMembers', 'gaps_with_members']];
    var FIGURES = [['buildings', 'buildings'], ['withGroup', 'with_group'], ['orphans', 'orphans'],
      ['zones', 'zones'], ['zonesWithoutOrganization', 'zones_without_org']];
    function figureTable(id, rows, before, after) {
      var table = el('table'); table.id = id;
      var head = el('tr'); head.appendChild(el('th', '')); head.appendChild(el('th', t.before, 'n')); head.appendChild(el('th', t.after, 'n'));
      table.appendChild(head);
      rows.forEach(function (f) {
        var tr = el('tr'); tr.dataset.figure = f[0];
        tr.appendChild(el('td', t[f[1]]));
        tr.appendChild(el('td', shownFigure(f[0], before[f[0]]), 'n'));
        var moved = after[f[0]] !== before[f[0]];
        tr.appendChild(el('td', shownFigure(f[0], after[f[0]]), 'n' + (moved ? ' changed' : '')));
        table.appendChild(tr);
      });
      return table;
    }

    function showWarnings(box, warnings) {
      if (!warnings.length) { return; }
      var section = el('div'); section.id = 'planner-warnings';
      section.appendChild(el('h2', t.warnings + ' (' + warnings.length + ')'));
      var list = el('ul');
      warnings.forEach(function (f) {
        var item = el('li', msg(f), 'warning'); item.dataset.code = f.code; list.appendChild(item);
      });
      section.appendChild(list);
      section.appendChild(el('p', t.confirm_warnings, 'hint'));
      box.appendChild(section);
    }

    function showDiff(result) {
      var box = $('planner-diff');
      box.textContent = '';
      P.marks.clearLayers();
      box.hidden = false;
      box.appendChild(el('h2', t.diff));
      var before = result.coverageBefore, after = result.coverageAfter;
      if (before && after) { box.appendChild(figureTable('planner-diff-lead', LEAD, before, after)); }
      var all = result.findings || [];
      showWarnings(box, all.filter(function (f) { return severityOf(f) === 'WARNING'; }));
      if (before && after) { box.appendChild(figureTable('planner-diff-coverage', FIGURES, before, after)); }
      var changes = (result.diff && result.diff.buildings) || [];
      box.appendChild(el('h2', t.changed + ' (' + changes.length + ')'));
      var list = el('ul'); list.id = 'planner-diff-buildings';
      changes.forEach(function (c) {
        var layer = P.buildingLayer(c.buildingId), b = layer && layer.building;
        var parts = [];
        if (c.before.zoneId !== c.after.zoneId) { parts.push(t.zone + ' ' + zoneName(c.before.zoneId) + ' → ' + zoneName(c.after.zoneId)); }
        if (orgName(c.before.group) !== orgName(c.after.group)) { parts.push(t.group + ' ' + orgName(c.before.group) + ' → ' + orgName(c.after.group)); }
        if (orgName(c.before.branch) !== orgName(c.after.branch)) { parts.push(orgName(c.before.branch) + ' → ' + orgName(c.after.branch)); }
        var item = el('li', (b ? b.name : c.buildingId) + '：' + parts.join('；'));
        item.dataset.building = c.buildingId;
        list.appendChild(item);
        if (b) {
          L.geoJSON(b.footprint, {
            interactive: false, style: { color: '#ff6f00', weight: 4, fill: false, dashArray: '4 3' },
            pointToLayer: function (_f, at) { return L.circleMarker(at, { radius: 8 }); }
          }).addTo(P.marks);
        }
      });
      box.appendChild(list);
      var findings = all.filter(function (f) { return severityOf(f) !== 'WARNING'; });
      if (findings.length) {
        box.appendChild(el('h2', t.findings));
        var fl = el('ul'); fl.id = 'planner-findings';
        findings.forEach(function (f) {
          var item = el('li', t['severity_' + severityOf(f).toLowerCase()] + t.colon + msg(f));
          item.dataset.code = f.code; item.dataset.severity = severityOf(f); fl.appendChild(item);
          if (f.repaired) {
            L.geoJSON(f.repaired, { interactive: false, style: { color: '#6a1b9a', weight: 2, dashArray: '2 4', fillOpacity: 0.05 } }).addTo(P.marks);
          }
        });
        box.appendChild(fl);
        var offered = findings.filter(function (f) { return f.repaired; })[0];
        if (offered) {
          box.appendChild(el('p', t.repaired, 'hint'));
          var op = P.pending;
          if (op && (op.boundary || op.area)) {
            var use = el('button', t.use_repaired); use.type = 'button'; use.id = 'planner-use-repaired';
            use.addEventListener('click', function () { useRepaired(offered.repaired); });
            box.appendChild(use);
          }
        }
      }
    }

    // The grid's repaired shape in place of the drawn one (on the map too), previewed again.
    function useRepaired(shape) {
      var op = P.pending;
      if (!op || P.busy) { return Promise.resolve(); }
      var next = Object.assign({}, op);
      next[op.boundary ? 'boundary' : 'area'] = shape;
      if (op.op === 'redraw') {
        P.replaceZoneLayers(op.zoneId, shape);  // every piece, not nested rings on the first
      } else {
        var rings = L.GeoJSON.coordsToLatLngs(shape.coordinates, shape.type === 'Polygon' ? 1 : 2);
        P.drawings.clearLayers();
        P.drawings.addLayer(L.polygon(rings, { color: '#3388ff', weight: 4, fillOpacity: 0.2 }));
      }
      return P.preview(next);
    }

    P.on('result', showDiff);
    P.useRepaired = useRepaired;
  });
})();
