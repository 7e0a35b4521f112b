/* PartyGrid planner page: the paint brush and the eraser. A part of planner.js (see there).
 *
 * In the Party-group mode, with the brush on, pressing the mouse button and moving paints
 * every building passed over (a click paints one); the eraser removes. The painted set is one
 * pending assign edit (the chosen group, or none for the eraser), previewed after each
 * stroke like any other edit; Commit applies it. The brush's target is the set's: the brush
 * over buildings the eraser marked takes them out again, the eraser over painted buildings
 * takes them out of the painting, and over others removes their group. The map does not pan
 * while a tool is on, and pans as always with the brush off.
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, $ = P.$, map = P.map, box = map.getContainer();
    var PAINT = { color: '#6a1b9a', weight: 4, dashArray: null };
    var ERASE = { color: '#212121', weight: 3, dashArray: '3 3' };
    var STEP = 3;  // pixels between the points a stroke samples: no building is skipped

    var tool = 'off';
    var painted = {};        // building id -> true: the set of the pending edit
    var target;              // group id, null (eraser), or undefined while nothing is painted
    var original = {};       // building id -> its style before painting
    var stroke = null;       // {last: [x, y], touched: {id: true}} while the button is down
    var elements = new WeakMap();  // SVG element -> building id

    function ids() { return Object.keys(painted); }
    function mine(op) { return !!(op && op.painted); }
    function isOn() { return tool !== 'off' && P.mode === 'groups'; }

    function indexBuildings() {
      elements = new WeakMap();
      original = {};
      P.buildings.eachLayer(function (layer) {
        var b = layer.building;
        if (!b) { return; }
        layer.eachLayer(function (sub) { if (sub.getElement && sub.getElement()) { elements.set(sub.getElement(), b.id); } });
      });
    }

    function styleOf(id) {
      var layer = P.buildingLayer(id), first = null;
      if (!layer) { return null; }
      layer.eachLayer(function (sub) { first = first || sub; });
      return first ? { color: first.options.color, weight: first.options.weight, dashArray: first.options.dashArray || null } : null;
    }
    function show(id) {
      var layer = P.buildingLayer(id);
      if (!layer) { return; }
      if (painted[id]) {
        if (!original[id]) { original[id] = styleOf(id); }
        layer.setStyle(target === null ? ERASE : PAINT);
      } else if (original[id]) {
        layer.setStyle(original[id]);
        delete original[id];
      }
    }
    function counted() { $('planner-brush-count').textContent = String(ids().length); }

    function setTool(name) {
      tool = name;
      var radio = document.querySelector('input[name=planner-brush][value=' + name + ']');
      if (radio) { radio.checked = true; }
      if (isOn()) { map.dragging.disable(); box.classList.add('planner-brushing'); } else { map.dragging.enable(); box.classList.remove('planner-brushing'); }
    }

    // One building under the pointer, by its rule.
    function touch(id) {
      if (stroke.touched[id]) { return; }
      stroke.touched[id] = true;
      var b = P.buildingLayer(id).building;
      if (tool === 'paint') {
        var group = $('planner-group').value || null;
        if (!ids().length) { target = group; }
        if (target === null && group !== null) { delete painted[id]; } else { painted[id] = true; }
      } else {
        if (!ids().length) { target = null; }
        if (target !== null) { delete painted[id]; } else if (b.partyGroup) { painted[id] = true; }
      }
      if (!ids().length) { target = undefined; }
      show(id);
      counted();
    }
    function at(x, y) {
      var node = document.elementFromPoint(x, y);
      var id = node && elements.get(node);
      if (id) { touch(id); }
    }
    // Every STEP pixels from the last point to this one: a fast drag skips no building.
    function along(x, y) {
      var last = stroke.last, dx = x - last[0], dy = y - last[1];
      var n = Math.max(1, Math.ceil(Math.sqrt(dx * dx + dy * dy) / STEP));
      for (var i = 1; i <= n; i++) { at(last[0] + dx * i / n, last[1] + dy * i / n); }
      stroke.last = [x, y];
    }

    var waiting = null;  // one wait for a preview in flight, however many strokes end meanwhile
    function finish() {
      // A preview still on its way: wait for it, then preview (or discard) what is painted now;
      // discarding under it let its answer bring the erased edit back.
      if (waiting) { clearTimeout(waiting); waiting = null; }
      if (P.busy) { waiting = setTimeout(finish, 50); return; }
      if (!ids().length) {
        if (mine(P.pending)) { P.discard(); }
        return;
      }
      var list = ids();
      P.preview({
        op: 'assign', painted: true, partyGroupId: target, buildingIds: list,
        expectedVersions: list.map(function (id) { return P.buildingLayer(id).building.version; })
      });
    }

    function onMap(e) {
      return isOn() && box.contains(e.target) && !(e.target.closest && e.target.closest('.leaflet-control'));
    }
    // Capturing at the map's container, before Leaflet sees them: a brush stroke neither
    // selects buildings (the core's click) nor draws nor pans.
    box.addEventListener('mousedown', function (e) {
      if (!onMap(e) || e.button !== 0) { return; }
      e.stopPropagation(); e.preventDefault();
      if (P.pending && !mine(P.pending)) { P.say(t.one_edit, 'error'); return; }
      if (tool === 'paint' && !$('planner-group').value && !ids().length) { P.say(t.brush_pick_group, 'error'); return; }
      stroke = { last: [e.clientX, e.clientY], touched: {} };
      at(e.clientX, e.clientY);
    }, true);
    ['click', 'dblclick', 'mouseup'].forEach(function (name) {
      box.addEventListener(name, function (e) { if (onMap(e)) { e.stopPropagation(); } }, true);
    });
    document.addEventListener('mousemove', function (e) { if (stroke) { along(e.clientX, e.clientY); } });
    // Capturing too: the container stops the map's mouseup, and this must still end the stroke.
    document.addEventListener('mouseup', function () {
      if (!stroke) { return; }
      stroke = null;
      finish();
    }, true);

    Array.prototype.forEach.call(document.querySelectorAll('input[name=planner-brush]'), function (radio) {
      radio.addEventListener('change', function () { setTool(radio.value); });
    });
    // Another mode turns the brush off (and the map pans again).
    Array.prototype.forEach.call(document.querySelectorAll('input[name=planner-mode]'), function (radio) {
      radio.addEventListener('change', function () { setTool('off'); });
    });
    // Another group chosen while a painting is pending: the painting takes it.
    $('planner-group').addEventListener('change', function () {
      if (!ids().length || target === null || !mine(P.pending) || stroke) { return; }
      target = $('planner-group').value || null;
      ids().forEach(show);
      finish();
    });

    P.on('state', function () {
      indexBuildings();
      ids().forEach(show);  // a reload while painting: the new layers show the painting too
    });
    P.on('cleared', function () {
      painted = {}; target = undefined; original = {};
      counted();
    });

    P.brush = {
      tool: setTool,
      painted: function () { return ids(); },
      target: function () { return target; }
    };
  });
})();
