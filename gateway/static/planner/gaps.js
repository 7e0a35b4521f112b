/* PartyGrid planner page: the community's coverage gaps, and "next gap". A part of planner.js
 * (see there).
 *
 * The gaps a planner closes on the map, as grid ranks them (DOMAIN "The coverage graph"; /state
 * carries grid's list, so the page never re-derives the rules): buildings with resident
 * members and no Party group first, then buildings with no group, zones without their grid
 * branch (a branch community: their group), orphan buildings; within a kind, the most members
 * concerned first. "下一个缺口" goes to the next one in that order (after the last, the first
 * again): the map zooms to it and rings it. The list follows every commit and undo ('state');
 * the walk goes on from where it was.
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el, $ = P.$, map = P.map;
    var list = $('planner-gaps-list'), ring = L.featureGroup().addTo(map);
    var RING = { color: '#ffd600', weight: 5, opacity: 1, fill: false, interactive: false };
    var G = { list: [], index: -1, current: null, next: next, go: go };
    P.gaps = G;

    function kindLabel(gap, branch) {
      if (gap.severity === 3 && branch) { return t.fig_gap_3_branch; }
      return t['fig_gap_' + gap.severity] || gap.kind;
    }

    function build(s) {
      var branch = !!(s.community.organization && s.community.organization.kind === 'BRANCH');
      var was = G.current, at = G.index;
      G.list = (s.gaps || []).filter(function (g) { return g.id; });
      list.textContent = '';
      G.list.forEach(function (gap, i) {
        var text = gap.name + ' · ' + kindLabel(gap, branch);
        if (gap.residents) { text += ' · ' + P.label('fig_gap_residents', { n: gap.residents }); }
        var item = el('li', text, 'severity-' + gap.severity);
        item.dataset.id = gap.id; item.dataset.severity = String(gap.severity); item.dataset.kind = gap.kind;
        item.addEventListener('click', function () { go(i); });
        list.appendChild(item);
      });
      $('planner-gaps-count').textContent = '（' + (s.gapTotal || G.list.length) + '）';
      var more = $('planner-gaps-more');
      more.hidden = !(s.gapTotal > G.list.length);
      more.textContent = more.hidden ? '' : P.label('fig_gaps_more', { n: G.list.length, total: s.gapTotal });
      $('planner-gaps-none').hidden = G.list.length > 0;
      $('planner-gaps-next').disabled = !G.list.length;
      // Go on from the same gap, or (it was closed) from the one now in its place.
      var still = G.list.map(function (g) { return g.id; }).indexOf(was);
      G.index = still >= 0 ? still : was === null ? -1 : Math.min(at, G.list.length) - 1;
      G.current = still >= 0 ? was : null;
      ring.clearLayers();
      mark();
    }

    function mark() {
      Array.prototype.forEach.call(list.children, function (item, i) {
        var on = i === G.index && G.current !== null;
        item.classList.toggle('current', on);
        if (on) { item.setAttribute('aria-current', 'true'); } else { item.removeAttribute('aria-current'); }
      });
    }

    // Zoom to gap i and ring it.
    function go(i) {
      if (!G.list.length) { return; }
      G.index = ((i % G.list.length) + G.list.length) % G.list.length;
      var gap = G.list[G.index];
      G.current = gap.id;
      mark();
      var item = list.children[G.index];
      if (item) { item.scrollIntoView({ block: 'nearest' }); }
      ring.clearLayers();
      var layer = gap.target === 'zone' ? P.zoneLayer(gap.id) : P.buildingLayer(gap.id);
      if (!layer) { return; }
      var bounds = layer.getBounds();
      map.fitBounds(bounds, { animate: false, maxZoom: gap.target === 'zone' ? 18 : 19, padding: [40, 40] });
      if (gap.target === 'zone') {
        L.polygon(layer.getLatLngs(), RING).addTo(ring);
      } else {
        L.circleMarker(bounds.getCenter(), Object.assign({ radius: 18 }, RING)).addTo(ring);
      }
      ring.bringToFront();
    }
    function next() { go(G.index + 1); }

    $('planner-gaps-next').addEventListener('click', next);
    P.on('state', build);
  });
})();
