/* PartyGrid planner page: the community's history, and conflicts. A part of planner.js.
 *
 * - The change sets, newest first (number, kind, author, time, undone or not), each opening
 *   to what it changed: zones and buildings by name, never ids.
 * - Undo and Redo, multi-level, enabled exactly when there is something to undo or redo
 *   (the grid says which change set is next: /state's `history`); each is previewed first
 *   (the same pending edit as any other: the diff panel, then Commit), with the number of the
 *   change set previewed, so the commit reverses that one or is a conflict.
 * - After a conflict the core reloads the state; this part keeps the drawing ('conflict'),
 *   rebases the kept edit on the new versions ('reloaded'), lists what was committed since
 *   the page had loaded, and re-previews the kept edit in one click.
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el, $ = P.$, label = P.label, o = P.options;
    // P.history: what the panel lists; `shown`, the state's latest number it was listed for
    // (what the browser tests wait on before reading the panel).
    var H = { sets: [], shown: -1, conflict: null };
    var kept = null;  // the edit kept through a conflict, rebased on the reloaded state

    // The reason the page's own edits carry (gateway/maps/planner_graph.py), in words.
    var PAGE_REASON = 'planner page';
    function reasonText(reason) { return reason === PAGE_REASON ? t.history_reason_page : reason; }

    function steps() { return (P.state && P.state.history) || {}; }
    function kindName(kind) { return t['kind_' + kind] || t.kind_other; }
    function when(iso) {
      var d = new Date(iso);
      return isNaN(d.getTime()) ? '' : d.toLocaleString(o.lang === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
    }
    function get(path) {
      return fetch(o.endpoint + path, { credentials: 'same-origin' }).then(function (r) { return r.json(); });
    }

    // Organization names the page knows: its zones' branches and the community's groups.
    function orgName(id) {
      if (!id) { return t.none; }
      var s = P.state || {};
      var zone = (s.zones || []).filter(function (z) { return z.organization && z.organization.id === id; })[0];
      if (zone) { return zone.organization.name; }
      var group = (s.groups || []).concat(s.branches || []).filter(function (g) { return g.id === id; })[0];
      return group ? group.name : t.history_unknown;
    }
    function zoneName(id) { return id ? (P.zoneName(id) || t.history_unknown) : t.none; }
    function groupName(g) { return g ? g.name : t.none; }

    // One entity a change set wrote, in words.
    function itemLine(item) {
      var b = item.before, a = item.after, name = (a || b || {}).name || t.history_unknown;
      if (item.entity === 'zone') {
        if (!b) { return label('history_zone_created', { name: name }); }
        if (!a) { return label('history_zone_deleted', { name: name }); }
        var said = [];
        if (b.name !== a.name) { said.push(label('history_zone_renamed', { a: b.name, b: a.name })); }
        if (b.organizationId !== a.organizationId) {
          said.push(label('history_zone_branch', { name: a.name, a: orgName(b.organizationId), b: orgName(a.organizationId) }));
        }
        return said.length ? said.join('；') : label('history_zone_boundary', { name: name });
      }
      if (!b) { return label('history_building_created', { name: name }); }
      if (!a) { return label('history_building_deleted', { name: name }); }
      if (b.partyGroupId !== a.partyGroupId) {
        return label('history_regrouped', { name: name, a: orgName(b.partyGroupId), b: orgName(a.partyGroupId) });
      }
      return label('history_building_changed', { name: name });
    }
    function what(cs) {
      var lines = (cs.items || []).map(itemLine);
      return lines.length ? lines : [t.history_nothing];
    }

    // A change set opened: its reason, what it wrote, then (asked once) the buildings it moved.
    function open(cs, head, box) {
      var opening = box.hidden;
      box.hidden = !opening;
      head.setAttribute('aria-expanded', String(opening));
      if (!opening || box.dataset.loaded) { return Promise.resolve(); }
      box.dataset.loaded = '1';
      if (cs.reason) { box.appendChild(el('p', t.history_reason + '：' + reasonText(cs.reason), 'hint')); }
      var list = el('ul', null, 'history-items');
      what(cs).forEach(function (line) { list.appendChild(el('li', line)); });
      box.appendChild(list);
      return get('/history/' + encodeURIComponent(cs.id)).then(function (answer) {
        if (!answer.ok || !answer.changeSet.diff) { return; }
        var moved = answer.changeSet.diff.buildings || [];
        if (!moved.length) { return; }
        box.appendChild(el('p', t.changed + ' (' + moved.length + ')'));
        var ul = el('ul', null, 'history-buildings');
        moved.forEach(function (c) {
          var name = c.building ? c.building.name : t.history_unknown;
          var said = [];
          if (c.before.zoneId !== c.after.zoneId) {
            said.push(label('history_moved', { name: name, a: zoneName(c.before.zoneId), b: zoneName(c.after.zoneId) }));
          }
          if (groupName(c.before.group) !== groupName(c.after.group)) {
            said.push(label('history_regrouped', { name: name, a: groupName(c.before.group), b: groupName(c.after.group) }));
          }
          if (said.length) { ul.appendChild(el('li', said.join('；'))); }
        });
        box.appendChild(ul);
      }, function () { box.appendChild(el('p', t.unavailable, 'hint')); });
    }

    // An undo names the change set it reversed; a redo, the one it re-applied (the change
    // set the undo it reverses had reversed).
    function heading(cs, byId) {
      var target = byId[cs.undoOf];
      if (cs.kind === 'redo') { target = target && byId[target.undoOf]; }
      var name = '#' + cs.number + ' ' + kindName(cs.kind);
      return target && (cs.kind === 'undo' || cs.kind === 'redo') ? name + ' #' + target.number : name;
    }

    function render() {
      var list = $('planner-history-list'), byId = {};
      list.textContent = '';
      if (!H.sets.length) { list.appendChild(el('li', t.history_empty, 'hint')); }
      H.sets.forEach(function (cs) { byId[cs.id] = cs; });
      H.sets.forEach(function (cs) {
        var item = el('li');
        item.value = cs.number;
        item.dataset.number = String(cs.number);
        item.dataset.kind = cs.kind;
        var head = el('button', heading(cs, byId), 'history-head');
        head.type = 'button';
        head.setAttribute('aria-expanded', 'false');
        item.appendChild(head);
        item.appendChild(el('span', ' ' + cs.author + ' · ' + when(cs.createdAt), 'hint'));
        if (cs.undoneAt) {
          item.className = 'undone';
          item.appendChild(el('span', cs.kind === 'undo' ? t.history_redone : t.history_undone, 'history-undone'));
        }
        var box = el('div', null, 'history-detail');
        box.hidden = true;
        item.appendChild(box);
        head.addEventListener('click', function () { open(cs, head, box); });
        list.appendChild(item);
      });
      var s = steps();
      if (s.latest > H.sets.length && H.sets.length) { list.appendChild(el('li', label('history_more', { n: H.sets.length }), 'hint')); }
    }

    function refresh() {
      var latest = steps().latest || 0;
      return get('/history').then(function (answer) {
        if (!answer.ok) { return; }
        H.sets = answer.changeSets;
        render();
        H.shown = latest;
      }, function () { /* the list stays as it was; the map and buttons still work */ });
    }

    function buttons() {
      var s = steps(), idle = P.ready && !P.busy && !P.pending;
      var undo = $('planner-history-undo'), redo = $('planner-history-redo');
      undo.disabled = !idle || !s.canUndo;
      redo.disabled = !idle || !s.canRedo;
      undo.textContent = s.nextUndo ? label('history_undo_n', { n: s.nextUndo.number }) : t.history_undo;
      redo.textContent = s.nextRedo ? label('history_redo_n', { n: s.nextRedo.number }) : t.history_redo;
      $('planner-reapply').disabled = !(kept && P.pending === kept && !P.busy && !P.result);
    }

    // Undo or redo, previewed first: the pending edit names the change set shown.
    function step(op) {
      var next = steps()[op === 'undo' ? 'nextUndo' : 'nextRedo'];
      if (!next || P.busy || P.pending) { return Promise.resolve(); }
      return P.preview({ op: op, expectedNumber: next.number }).then(function () {
        if (P.result && P.result.ok) { P.say(label('history_preview_' + op, { n: next.number }), 'ok'); }
      });
    }

    // The kept edit against the reloaded state: the versions it names now, whatever the edit
    // (by the fields it carries, so every part's edits are rebased); null when what it edits
    // is gone. An undo or redo is never rebased: another change set is next now, and
    // re-applying it would reverse that one, not the one previewed.
    function rebase(op) {
      var next = Object.assign({}, op), gone = false;
      function zoneVersion(id) { var layer = P.zoneLayer(id); gone = gone || !layer; return layer ? layer.zone.version : null; }
      function buildingVersion(id) { var layer = P.buildingLayer(id); gone = gone || !layer; return layer ? layer.building.version : null; }
      if (op.op === 'split') {  // the route finds the zone the line cuts now
        delete next.zoneId; delete next.expectedVersion;
      } else if (op.zoneId && op.expectedVersion !== undefined) {
        next.expectedVersion = zoneVersion(op.zoneId);
      }
      if (op.zoneIds && op.expectedVersions) { next.expectedVersions = op.zoneIds.map(zoneVersion); }
      if (op.buildingIds && op.expectedVersions) { next.expectedVersions = op.buildingIds.map(buildingVersion); }
      if (op.changes) {  // several zones redrawn at once (redraw_zones): each its own version
        next.changes = op.changes.map(function (c) {
          return Object.assign({}, c, { expectedVersion: zoneVersion(c.zoneId) });
        });
      }
      return gone ? null : next;
    }

    // A redrawn zone lives in the zones layer, which the reload redraws as it is now: the
    // kept shapes (one zone's, or each of a redraw_zones') are drawn again as drawings.
    function keepDrawing(op) {
      var shapes = !op ? [] : op.op === 'redraw' ? [op.boundary] : op.op === 'redraw_zones' ? op.changes.map(function (c) { return c.boundary; }) : [];
      shapes.forEach(function (g) {
        if (!g) { return; }
        P.drawings.addLayer(L.polygon(L.GeoJSON.coordsToLatLngs(g.coordinates, g.type === 'Polygon' ? 1 : 2), {
          color: '#e65100', weight: 3, dashArray: '6 4', fillOpacity: 0.1, interactive: false
        }));
      });
    }

    // What was committed since the page had loaded (by others, or this planner elsewhere).
    function showChanges(seen) {
      var box = $('planner-conflict'), list = $('planner-conflict-changes');
      list.textContent = '';
      box.hidden = false;
      return get('/history?since=' + encodeURIComponent(seen)).then(function (answer) {
        if (!answer.ok) { return; }
        H.conflict = answer.changeSets;
        answer.changeSets.forEach(function (cs) {
          var item = el('li', '#' + cs.number + ' ' + kindName(cs.kind) + ' · ' + cs.author + '：' + what(cs).join('；'));
          item.dataset.number = String(cs.number);
          list.appendChild(item);
        });
      }, function () { list.appendChild(el('li', t.unavailable, 'hint')); });
    }

    function hideConflict() {
      kept = null; H.conflict = null;
      $('planner-conflict').hidden = true;
      $('planner-conflict-changes').textContent = '';
    }

    // An undo or redo previewed: the diff panel also says which change set it reverses or
    // re-applies and what that wrote, and the map outlines the zones it touches.
    function showStep(result) {
      var op = P.pending;
      if (!op || (op.op !== 'undo' && op.op !== 'redo') || !result || (result.errors && result.errors.length)) { return; }
      var cs = H.sets.filter(function (c) { return c.number === op.expectedNumber; })[0];
      if (!cs) { return; }
      var box = el('div', null, 'history-step');
      box.appendChild(el('h2', label('history_step_' + op.op, { n: cs.number, kind: kindName(cs.kind), author: cs.author })));
      var list = el('ul');
      what(cs).forEach(function (line) { list.appendChild(el('li', line)); });
      box.appendChild(list);
      var diff = $('planner-diff');
      diff.insertBefore(box, diff.firstChild);
      (cs.items || []).forEach(function (item) {
        var layer = item.entity === 'zone' && P.zoneLayer(item.entityId);
        if (layer) {
          L.polygon(layer.getLatLngs(), { color: '#6a1b9a', weight: 4, dashArray: '8 4', fill: false, interactive: false }).addTo(P.marks);
        }
      });
    }

    P.on('result', showStep);
    P.on('conflict', function () {
      kept = P.pending;
      keepDrawing(kept);
    });
    P.on('reloaded', function (seen, version) {
      P.marks.clearLayers();
      $('planner-diff').hidden = true;
      var step = kept && P.pending === kept && (kept.op === 'undo' || kept.op === 'redo');
      var next = kept && P.pending === kept && !step ? rebase(kept) : null;
      if (step) {  // nothing drawn to keep: the planner picks the step again in the panel
        P.say(label('conflict_step', { n: kept.expectedNumber }), 'conflict');
        kept = null; P.pending = null; P.result = null;
      } else if (next) {
        kept = next; P.pending = next;
        P.say(label('conflict_reloaded', { v: version }), 'conflict');
      } else {
        kept = null;
        P.say(label(P.pending ? 'conflict_gone' : 'conflict_current', { v: version }), 'conflict');
      }
      showChanges(seen);
      buttons();
    });
    P.on('cleared', hideConflict);
    P.on('state', refresh);
    P.on('buttons', buttons);

    $('planner-history-undo').addEventListener('click', function () { step('undo'); });
    $('planner-history-redo').addEventListener('click', function () { step('redo'); });
    $('planner-reapply').addEventListener('click', function () {
      if (kept && P.pending === kept && !P.busy) { P.preview(kept); }
    });

    P.history = H;
    P.historyStep = step;
  });
})();
