/* PartyGrid planner page: edit a community's zones and Party groups on the map (the core).
 *
 * Every edit becomes one pending operation, previewed at once (POST <endpoint>/preview: the
 * grid's planner mutation with dryRun) and shown on the map and in the side panel; Commit
 * sends the same operation (POST <endpoint>/commit), Discard drops it. The drawing stays on
 * the map until it is committed or discarded, whatever goes wrong in between. When the grid
 * refuses a drawn shape and offers a repaired one, one click previews that shape instead.
 *
 * The core keeps the state and the one pending edit; each other part of the page (the diff,
 * ...) is a file of its own that registers with `PartyGridPlanner.use(function (P) {...})`
 * and listens to the core's events through `P.on(name, fn)`:
 *   'state'    (state)            the community was (re)loaded and drawn
 *   'result'   (result, answer)   a preview (or a refused commit) answered with a plan result
 *   'cleared'  ()                 the pending edit was committed or discarded
 *   'buttons'  ()                 busy or pending changed: parts update their buttons
 *   'conflict' (seen)             a STALE refusal, before the reload: keep what is drawn
 *   'reloaded' (seen, version)    the state reloaded after it (seen: the latest change set
 *                                 number the page had before): rebase the kept edit
 * Parts run in the order their files load, after the core's layers exist and before the
 * first load.
 */
(function () {
  'use strict';

  var COLOURS = { COVERED: '#2e8b57', GAP: '#e53935', GAP_WITH_MEMBERS: '#7f0000', ORPHAN: '#9e9e9e' };
  var ZONE_PALETTE = ['#1e88e5', '#8e24aa', '#fb8c00', '#00897b', '#6d4c41', '#3949ab', '#c0ca33'];
  var NO_ORG_ZONE = '#ff7043';

  // Every name from the graph reaches the page as text: a node with textContent, never a
  // string Leaflet would set as innerHTML (bindTooltip, bindPopup, setContent).
  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  var parts = (window.PartyGridPlanner && window.PartyGridPlanner.parts) || [];
  function use(part) { parts.push(part); }

  function start(cfg) {
    var map = cfg.map, zones = cfg.zones, o = cfg.options, t = o.labels;
    var boundary = L.featureGroup().addTo(map);
    var buildings = L.featureGroup().addTo(map);
    var drawings = L.featureGroup().addTo(map);  // new shapes, lines and lassos: kept until discarded
    var marks = L.featureGroup().addTo(map);     // the preview's diff and repaired shapes
    var byId = {}, zoneNames = {}, selected = {};
    var merging = [];  // zone ids picked for a merge, in click order: the first is kept
    var $ = function (id) { return document.getElementById(id); };
    var P = { ready: false, busy: false, state: null, pending: null, result: null, mode: 'zones' };
    window.__pgMap = map;
    window.__pgPlanner = P;
    var listeners = {};
    P.on = function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); };
    P.emit = function (name) {
      var args = Array.prototype.slice.call(arguments, 1);
      (listeners[name] || []).forEach(function (fn) { fn.apply(null, args); });
    };

    function say(text, kind) {
      var box = $('planner-message');
      box.textContent = text || '';
      box.className = kind || '';
    }
    function msg(error) { return o.lang === 'en' ? (error.messageEn || error.message) : error.message; }
    // split/join, not String.replace: a value holding '$&' or "$'" (a zone's name) stays as typed.
    function label(key, values) {
      var s = t[key];
      Object.keys(values || {}).forEach(function (k) { s = s.split('{' + k + '}').join(String(values[k])); });
      return s;
    }
    // Names as people read them, for every list of the page (the zone table, the pickers):
    // zh-CN collation (pinyin) for the words, numbers by value as grid's natural_key reads them
    // (第二片区 before 第十片区, 2号楼 before 10号楼), not by their pinyin or their digits.
    var collator = new Intl.Collator('zh-CN');
    var NUMERALS = /[0-9〇零一二两三四五六七八九十百千万]+/g;
    var DIGITS = '〇一二三四五六七八九';
    function numeralValue(run) {
      if (/^[0-9]+$/.test(run)) { return parseInt(run.slice(0, 12), 10); }
      var value = 0, section = 0, digit = 0;
      if (!/[十百千万]/.test(run)) {  // digits without units read positionally: 一〇二 is 102
        run.slice(0, 12).split('').forEach(function (ch) { value = value * 10 + (ch === '零' ? 0 : ch === '两' ? 2 : DIGITS.indexOf(ch)); });
        return value;
      }
      run.split('').forEach(function (ch) {  // units: 十二 is 12, 二十 is 20, 一百零五 is 105
        var unit = { '十': 10, '百': 100, '千': 1000 }[ch];
        if (unit) { section += Math.max(digit, 1) * unit; digit = 0; } else if (ch === '万') { value += (section + digit) * 10000; section = 0; digit = 0; } else { digit = ch === '两' ? 2 : ch === '零' ? 0 : DIGITS.indexOf(ch); }
      });
      return value + section + digit;
    }
    function compareNames(a, b) {
      a = String(a); b = String(b);
      var c = collator.compare(a.replace(NUMERALS, '#'), b.replace(NUMERALS, '#'));
      if (c) { return c; }
      var na = a.match(NUMERALS) || [], nb = b.match(NUMERALS) || [];
      for (var i = 0; i < Math.min(na.length, nb.length); i++) {
        var d = numeralValue(na[i]) - numeralValue(nb[i]);
        if (d) { return d < 0 ? -1 : 1; }
      }
      return collator.compare(a, b);
    }
    function buttons() {
      var ok = P.result && P.result.ok && P.pending && !P.busy;
      $('planner-commit').disabled = !ok;
      $('planner-discard').disabled = !P.pending || P.busy;
      $('planner-undo').disabled = P.busy || !!P.pending || !(P.state && P.state.history && P.state.history.canUndo);
      P.emit('buttons');
    }

    function zoneStyle(zone, i) {
      var c = zone.organization ? ZONE_PALETTE[i % ZONE_PALETTE.length] : NO_ORG_ZONE;
      var on = merging.indexOf(zone.id) >= 0;
      return {
        color: on ? '#0d47a1' : c, fillColor: c, fillOpacity: on ? 0.3 : 0.1, weight: on ? 5 : 2,
        dashArray: zone.organization || on ? null : '6 4'
      };
    }
    // One zone at most stands out, whichever part lit it (the zone table's row, the branch
    // list's pick): the last call wins, and every piece of the zone it replaces gets its own
    // style back from zoneStyle, never from saved options (they may be another highlight's or
    // Leaflet.draw's edit style). While Leaflet.draw edits or deletes, it owns the styles.
    var HIGHLIGHTS = {
      table: { color: '#ffab00', weight: 5, fillOpacity: 0.3 },
      picked: { color: '#0d47a1', weight: 5, dashArray: null }
    };
    var lit = { id: null, kind: null }, drawEditing = false;
    // What each kind wants lit, and the kinds in the order they last asked: the latest kind
    // with a zone is shown, so dropping one light (a hover ending) falls back to the other.
    var wanted = { table: null, picked: null }, recent = [];
    function styleOf(layer) {
      var style = zoneStyle(layer.zone, layer.zoneIndex);
      return layer.zone.id === lit.id ? Object.assign(style, HIGHLIGHTS[lit.kind]) : style;
    }
    function restyleZone(layer) { if (!drawEditing) { layer.setStyle(styleOf(layer)); } }
    // Light zone `id` for `kind` ('table' | 'picked'); a null id drops only that kind's light.
    function highlightZone(id, kind) {
      id = id || null;
      if (wanted[kind] === id) { return; }
      wanted[kind] = id;
      recent = recent.filter(function (k) { return k !== kind; });
      if (id) { recent.push(kind); }
      var was = lit.id, top = recent[recent.length - 1];
      lit = top ? { id: wanted[top], kind: top } : { id: null, kind: null };
      if (was) { zoneLayers(was).forEach(restyleZone); }
      if (lit.id && lit.id !== was) { zoneLayers(lit.id).forEach(restyleZone); }
    }
    map.on('draw:editstart draw:deletestart', function () { drawEditing = true; });
    // Leaflet.draw puts back the options it saved; the highlight may have moved meanwhile.
    map.on('draw:editstop draw:deletestop', function () {
      drawEditing = false;
      zones.eachLayer(function (l) { if (l.zone) { restyleZone(l); } });
    });
    function zoneLayers(id) {
      return zones.getLayers().filter(function (l) { return l.zone && l.zone.id === id; });
    }
    function zoneLayer(id) { return zoneLayers(id)[0]; }
    // A zone's shape from its layers, as edited: a Polygon, or a MultiPolygon of its pieces.
    function zoneGeometry(id) {
      var pieces = zoneLayers(id).map(function (l) { return geometry(l).coordinates; });
      return pieces.length === 1 ? { type: 'Polygon', coordinates: pieces[0] } : { type: 'MultiPolygon', coordinates: pieces };
    }
    function buildingStyle(b) {
      var c = COLOURS[b.coverageState] || '#9e9e9e';
      var on = !!selected[b.id];
      return { color: on ? '#0d47a1' : c, fillColor: c, fillOpacity: 0.8, weight: on ? 4 : 1 };
    }

    function addZoneLayer(zone, i, part, rings) {
      var layer = L.polygon(L.GeoJSON.coordsToLatLngs(rings, 1), zoneStyle(zone, i));
      layer.zone = zone; layer.zoneIndex = i; layer.zonePart = part;
      layer.setStyle(styleOf(layer));
      layer.on('click', function () { pickZone(zone.id); });
      layer.bindTooltip(el('span', zone.name + ' · ' + (zone.organization ? zone.organization.name : t.none)));
      zones.addLayer(layer);
      layerHooks.forEach(function (hook) { hook(layer); });
      return layer;
    }
    // Parts that listen to zone layers (hover, click) register here: every layer gets them,
    // those of a new state and those replaced in place (replaceZoneLayers) alike.
    var layerHooks = [];
    P.onZoneLayer = function (hook) { layerHooks.push(hook); };
    // A zone's layers replaced by a new shape's pieces (the repaired shape of a redraw), one
    // simple polygon each, as drawState makes them: Leaflet.draw edits no nested rings.
    function replaceZoneLayers(id, shape) {
      var old = zoneLayers(id);
      if (!old.length) { return []; }
      var zone = old[0].zone, i = old[0].zoneIndex;
      old.forEach(function (l) { zones.removeLayer(l); });
      var pieces = shape.type === 'Polygon' ? [shape.coordinates] : shape.coordinates;
      return pieces.map(function (rings, part) { return addZoneLayer(zone, i, part, rings); });
    }

    function drawState(s) {
      boundary.clearLayers(); zones.clearLayers(); buildings.clearLayers();
      byId = {}; zoneNames = {};
      // A zone gone (deleted, merged away) is nobody's light any more.
      Object.keys(wanted).forEach(function (k) {
        if (wanted[k] && !s.zones.some(function (z) { return z.id === wanted[k]; })) {
          wanted[k] = null;
          recent = recent.filter(function (r) { return r !== k; });
        }
      });
      var top = recent[recent.length - 1];
      lit = top ? { id: wanted[top], kind: top } : { id: null, kind: null };
      if (s.community.boundary) {
        L.geoJSON(s.community.boundary, { interactive: false, style: { color: '#1565c0', weight: 3, fill: false } }).addTo(boundary);
      }
      s.zones.forEach(function (zone, i) {
        zoneNames[zone.id] = zone.name;
        var g = zone.boundary;
        // One layer per piece of a multi-part zone: Leaflet.draw edits only simple polygons
        // (a nested one threw "reading 'lat'" and broke editing for every zone).
        var pieces = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
        pieces.forEach(function (rings, part) { addZoneLayer(zone, i, part, rings); });
      });
      s.buildings.forEach(function (b) {
        var layer = L.geoJSON(b.footprint, {
          style: function () { return buildingStyle(b); },
          pointToLayer: function (_f, at) { return L.circleMarker(at, { radius: 5 }); }
        });
        layer.setStyle(buildingStyle(b));
        layer.building = b;
        layer.bindTooltip(el('span', b.name + ' · ' + (b.zoneName || t.none) + ' · ' + (b.partyGroup ? b.partyGroup.name : t.no_group)));
        layer.on('click', function () { toggle(b.id); });
        byId[b.id] = layer;
        buildings.addLayer(layer);
      });
      buildings.bringToFront();
      drawings.bringToFront();
      var table = $('planner-coverage');
      table.textContent = '';
      s.figures.forEach(function (row) {
        var tr = el('tr');
        tr.appendChild(el('td', row[0]));
        tr.appendChild(el('td', row[1], 'n'));
        table.appendChild(tr);
      });
      $('planner-changes').textContent = t.changes + ': ' + s.changeSets;
      // The Party-group list (#planner-group) is filled, sorted and filtered by orgs.js.
      $('planner-selected').textContent = String(Object.keys(selected).length);
      P.emit('state', s);
    }

    function load() {
      P.busy = true; buttons();
      return fetch(o.endpoint + '/state' + (o.lang === 'en' ? '?lang=en' : ''), { credentials: 'same-origin' })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (!s.ok) { say(t.refused + s.errors.map(msg).join('；'), 'error'); return; }
          P.state = s; selected = {}; merging = []; drawState(s); showMerging();
        })
        .catch(function () { say(t.unavailable, 'error'); })
        .then(function () { P.busy = false; P.ready = true; buttons(); });
    }

    function toggle(id) {
      if (P.mode !== 'groups' || P.busy) { return; }
      if (selected[id]) { delete selected[id]; } else { selected[id] = true; }
      if (byId[id]) { byId[id].setStyle(buildingStyle(byId[id].building)); }
      $('planner-selected').textContent = String(Object.keys(selected).length);
    }

    // Merge mode: each click on a zone adds it to (or takes it from) the zones to merge.
    function pickZone(id) {
      if (P.mode !== 'merge' || P.busy || P.pending) { return; }
      var at = merging.indexOf(id);
      if (at >= 0) { merging.splice(at, 1); } else { merging.push(id); }
      zones.eachLayer(function (l) { if (l.zone) { restyleZone(l); } });
      showMerging();
    }
    function showMerging() {
      var en = o.lang === 'en';
      var names = merging.map(function (id, i) {
        return zoneNames[id] + (i ? '' : (en ? ' (' + t.merge_kept + ')' : '（' + t.merge_kept + '）'));
      });
      $('planner-merge-selected').textContent = names.length ? names.join(en ? ', ' : '、') : t.none;
    }

    // Each write carries an Idempotency-Key; the same edit sent again before a definite
    // answer (its outcome unknown, the network down) reuses it, so grid applies it once.
    var writeKeys = {};
    function newKey() {
      var b = crypto.getRandomValues(new Uint8Array(16));
      return Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    }
    function post(path, body) {
      var text = JSON.stringify(body || {}), id = path + ' ' + text;
      writeKeys[id] = writeKeys[id] || newKey();
      return fetch(o.endpoint + path, {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'idempotency-key': writeKeys[id] },
        body: text
      }).then(function (r) { return r.json(); })  // a non-JSON answer (a proxy's 502) rejects too
        .then(function (answer) {
          var unknown = (answer.errors || []).some(function (e) { return e.code === 'OUTCOME_UNKNOWN' || e.code === 'IN_PROGRESS' || e.code === 'UNAVAILABLE'; });
          if (!unknown) { delete writeKeys[id]; }
          return answer;
        });
    }

    function refusal(result, errors) {
      var stale = errors.filter(function (e) { return e.code === 'STALE'; })[0];
      if (stale) {
        var v = result && result.currentVersion !== null && result.currentVersion !== undefined ? result.currentVersion : '?';
        say(label('conflict', { v: v }), 'conflict');
        return reloadAfterConflict(v);
      }
      say(t.refused + errors.map(msg).join('；'), 'error');
    }

    // A conflict must not leave the tab on stale data, where every retry conflicts again
    // (issue 15 item 4): reload the state at once; parts keep the drawing before and rebase
    // the kept edit on the new versions after (history.js).
    function reloadAfterConflict(v) {
      var seen = P.state && P.state.history ? P.state.history.latest : 0;
      P.result = null;
      P.emit('conflict', seen);
      return load().then(function () { P.emit('reloaded', seen, v); buttons(); });
    }

    function preview(operation) {
      P.pending = operation; P.result = null; P.busy = true; buttons();
      say(t.previewing, '');
      return post('/preview', operation).then(function (answer) {
        P.result = answer;
        // The zone the route found for a split line, and its version: committed as previewed.
        if (answer.resolved) { P.pending = Object.assign({}, operation, answer.resolved); }
        if (answer.result) { P.emit('result', answer.result, answer); }
        if (answer.ok) { say('', ''); } else { return refusal(answer.result, (answer.result && answer.result.errors && answer.result.errors.length) ? answer.result.errors : (answer.errors || [])); }
      }, function () {
        P.result = { ok: false, network: true };
        say(t.unavailable, 'error');  // the drawing stays: preview again by discarding and redrawing
      }).then(function () { P.busy = false; buttons(); });
    }

    function commit() {
      if (!P.pending || P.busy) { return Promise.resolve(); }
      P.busy = true; buttons(); say(t.committing, '');
      return post('/commit', P.pending).then(function (answer) {
        var result = answer.result;
        if (!answer.ok) {
          P.busy = false;
          return refusal(result, (result && result.errors && result.errors.length) ? result.errors : (answer.errors || []));
        }
        P.pending = null; P.result = null;
        drawings.clearLayers(); marks.clearLayers(); $('planner-diff').hidden = true;
        P.emit('cleared');
        var n = result.changeSet ? result.changeSet.number : '';
        return load().then(function () { say(label('committed', { n: n }), 'ok'); });
      }, function () {
        say(t.network, 'error');  // nothing is lost: the pending edit and its drawing stay
      }).then(function () { P.busy = false; buttons(); });
    }

    function discard() {
      P.pending = null; P.result = null;
      drawings.clearLayers(); marks.clearLayers(); $('planner-diff').hidden = true;
      P.emit('cleared');
      selected = {}; merging = [];
      if (P.state) { drawState(P.state); }
      showMerging();
      say(t.discarded, 'ok'); buttons();
    }

    // Undoes the change set the page shows as next (its number sent along): if another tab
    // or planner committed meanwhile, grid refuses it as a conflict instead of undoing theirs.
    function undo() {
      var next = P.state && P.state.history && P.state.history.nextUndo;
      if (P.busy || P.pending || !next) { return Promise.resolve(); }
      P.busy = true; buttons();
      return post('/undo', { expectedNumber: next.number }).then(function (answer) {
        if (!answer.ok) { P.busy = false; return refusal(answer.result, (answer.result && answer.result.errors) || answer.errors || []); }
        var n = answer.result.changeSet ? answer.result.changeSet.number : '';
        return load().then(function () { say(label('undone', { n: n }), 'ok'); });
      }, function () { say(t.network, 'error'); })
        .then(function () { P.busy = false; buttons(); });
    }

    // Full precision (Leaflet rounds to 6 decimals by default, ~10 cm): a vertex snapped onto
    // a boundary or shared with a neighbour must stay exactly there.
    function geometry(layer) { return layer.toGeoJSON(false).geometry; }

    map.on(L.Draw.Event.CREATED, function (e) {
      zones.removeLayer(e.layer);  // folium's Draw put it in the zones group; it is no zone yet
      drawings.addLayer(e.layer);
      if (P.pending) { say(t.one_edit, 'error'); return; }
      var name = $('planner-zone-name').value.trim() || t.new_zone;
      if (e.layerType === 'polyline') {
        preview({ op: 'split', line: geometry(e.layer), newZoneName: name });
      } else if (P.mode === 'groups') {
        var group = $('planner-group').value || null;
        preview({ op: 'assign', partyGroupId: group, area: geometry(e.layer) });
      } else {
        preview({ op: 'create', name: name, boundary: geometry(e.layer) });
      }
    });
    map.on(L.Draw.Event.EDITED, function (e) {
      var edited = e.layers.getLayers().filter(function (l) { return l.zone; });
      if (!edited.length) { return; }
      if (P.pending) { say(t.one_edit, 'error'); buttons(); return; }
      var ids = [];
      edited.forEach(function (l) { if (ids.indexOf(l.zone.id) < 0) { ids.push(l.zone.id); } });
      var changes = ids.map(function (id) {
        return { zoneId: id, expectedVersion: zoneLayer(id).zone.version, boundary: zoneGeometry(id) };
      });
      // Several zones edited at once (a vertex they share, moved on both sides): one change
      // set redrawing them all, all or nothing.
      preview(changes.length === 1 ? Object.assign({ op: 'redraw' }, changes[0]) : { op: 'redraw_zones', changes: changes });
    });
    map.on(L.Draw.Event.DELETED, function (e) {
      var gone = e.layers.getLayers().filter(function (l) { return l.zone; });
      if (!gone.length) { return; }
      // By zone, not by layer: a multi-part zone is one layer per piece.
      var ids = [];
      gone.forEach(function (l) { if (ids.indexOf(l.zone.id) < 0) { ids.push(l.zone.id); } });
      if (P.pending || ids.length > 1) { P.pending = P.pending || { op: 'none' }; say(t.one_edit, 'error'); buttons(); return; }
      var zone = gone[0].zone;
      // Leaflet.draw took the deleted pieces out of the zones: the rest, if any, is the zone
      // redrawn without them; no piece left is the zone deleted.
      if (zoneLayers(zone.id).length) {
        preview({ op: 'redraw', zoneId: zone.id, expectedVersion: zone.version, boundary: zoneGeometry(zone.id) });
      } else {
        preview({ op: 'delete', zoneId: zone.id, expectedVersion: zone.version });
      }
    });

    Array.prototype.forEach.call(document.querySelectorAll('input[name=planner-mode]'), function (radio) {
      radio.addEventListener('change', function () {
        P.mode = radio.value;
        $('planner-group-fields').hidden = P.mode !== 'groups';
        $('planner-zone-fields').hidden = P.mode !== 'zones';
        $('planner-merge-fields').hidden = P.mode !== 'merge';
        $('planner-hint').textContent = t['hint_' + P.mode];
      });
    });
    $('planner-preview').addEventListener('click', function () {
      if (P.pending) { say(t.one_edit, 'error'); return; }
      var ids = Object.keys(selected);
      if (!ids.length) { say(t.refused + t.selected + ': 0', 'error'); return; }
      preview({
        op: 'assign', partyGroupId: $('planner-group').value || null, buildingIds: ids,
        expectedVersions: ids.map(function (id) { return byId[id].building.version; })
      });
    });
    $('planner-merge-preview').addEventListener('click', function () {
      if (P.pending) { say(t.one_edit, 'error'); return; }
      if (merging.length < 2) { say(t.merge_two, 'error'); return; }
      preview({
        op: 'merge', zoneIds: merging.slice(),
        expectedVersions: merging.map(function (id) { return zoneLayer(id).zone.version; })
      });
    });
    $('planner-commit').addEventListener('click', commit);
    $('planner-discard').addEventListener('click', discard);
    $('planner-undo').addEventListener('click', undo);

    P.reload = load; P.preview = preview; P.commit = commit; P.discard = discard; P.undo = undo;
    P.zoneLayer = zoneLayer; P.zoneLayers = zoneLayers; P.zoneGeometry = zoneGeometry;
    P.replaceZoneLayers = replaceZoneLayers;
    P.restyleZone = restyleZone; P.highlightZone = highlightZone;
    P.highlighted = function () { return { id: lit.id, kind: lit.kind }; };
    P.compareNames = compareNames;
    P.buildingLayer = function (id) { return byId[id]; };
    P.zoneName = function (id) { return zoneNames[id]; };
    P.map = map; P.zones = zones; P.buildings = buildings; P.boundary = boundary;
    P.drawings = drawings; P.marks = marks;
    P.options = o; P.labels = t; P.el = el; P.say = say; P.msg = msg; P.label = label;
    P.buttons = buttons; P.$ = $;
    P.colours = { states: COLOURS, zones: ZONE_PALETTE, noBranch: NO_ORG_ZONE };  // for the legend
    parts.forEach(function (part) { part(P); });
    load();
  }

  window.PartyGridPlanner = Object.assign(window.PartyGridPlanner || {}, { start: start, use: use, parts: parts });
})();
