/* PartyGrid planner page: Party groups and branches. A part of planner.js (see there).
 *
 * - The Party-group list (#planner-group) holds every group of the community (the state
 *   route pages through org), sorted by name in Chinese collation, with a search box.
 * - A zone's 网格党支部 (a Party group in 党支部 communities) is set from the same kind of
 *   list: one pending `assignZone` edit, previewed and committed like the others.
 * - A new grid branch or Party group can be created where the role allows (the state says
 *   so: org writers, of whom only the district opens this page); a planner reads who may.
 *   Creating is org's write, at once, not a planner edit.
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var t = P.labels, el = P.el, $ = P.$;
    // Names are Chinese in either language of the page: the core's order, as the zone table's
    // (pinyin for the words, numbers by value: 第一片区 before 第十片区).
    function byName(a, b) { return P.compareNames(a.name, b.name) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0); }
    function sorted(list) { return (list || []).slice().sort(byName); }

    // A searchable list: typing filters the list box; the chosen item stays listed (and
    // chosen) whatever the filter, so filtering never changes what is chosen. Down arrow
    // moves into the list, Enter chooses the first match, Escape clears the filter.
    function picker(id, noneLabel) {
      var select = $(id), search = $(id + '-search'), count = $(id + '-count');
      var items = [];
      function option(value, text) { var o = el('option', text); o.value = value; return o; }
      function matches(item, q) { return !q || item.name.toLowerCase().indexOf(q) >= 0; }
      function render() {
        var keep = select.value, q = search.value.trim().toLowerCase();
        var shown = items.filter(function (i) { return matches(i, q); });
        select.textContent = '';
        if (!q || keep === '') { select.appendChild(option('', noneLabel)); }
        items.forEach(function (i) {
          if (matches(i, q) || i.id === keep) {
            var o = option(i.id, i.name);
            if (!matches(i, q)) { o.className = 'chosen-hidden'; }
            select.appendChild(o);
          }
        });
        select.value = keep;
        if (select.value !== keep) { select.value = ''; }
        count.textContent = P.label('shown_of', { n: shown.length, total: items.length });
        return shown;
      }
      function choose(value) {
        if (select.value === value) { return; }
        select.value = value;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
      search.addEventListener('input', render);
      search.addEventListener('keydown', function (e) {
        var first = select.querySelector('option:not(.chosen-hidden)' + (search.value.trim() ? ':not([value=""])' : ''));
        if (e.key === 'ArrowDown') {
          e.preventDefault();
          if (first && select.selectedIndex < 0) { choose(first.value); }
          select.focus();
        } else if (e.key === 'Enter') {
          e.preventDefault();
          if (first) { choose(first.value); }
        } else if (e.key === 'Escape') {
          search.value = ''; render();
        }
      });
      return {
        set: function (list) { items = sorted(list); return render(); },
        value: function () { return select.value; },
        choose: function (value) { choose(value); render(); },
        names: function () { return items.map(function (i) { return i.name; }); },
        select: select
      };
    }

    var groups = picker('planner-group', t.no_group);
    var branches = picker('planner-branch', t.no_branch);
    var zoneSelect = $('planner-branch-zone');
    var zonesById = {};

    // The picked zone stands out on the map: the core's one highlight (P.highlightZone).
    function light() { P.highlightZone(zonesById[zoneSelect.value] ? zoneSelect.value : null, 'picked'); }
    function zoneBranchShown() {
      var z = zonesById[zoneSelect.value];
      $('planner-branch-current').textContent = z ? (z.organization ? z.organization.name : t.none) : t.none;
      light();
    }
    zoneSelect.addEventListener('change', zoneBranchShown);

    function pickZone(id) {
      if (!zonesById[id]) { return; }
      zoneSelect.value = id;
      zoneBranchShown();
    }

    $('planner-branch-preview').addEventListener('click', function () {
      if (P.pending) { P.say(t.one_edit, 'error'); return; }
      var z = zonesById[zoneSelect.value];
      if (!z) { P.say(t.zone_pick_first, 'error'); return; }
      P.preview({ op: 'assignZone', zoneId: z.id, expectedVersion: z.version, organizationId: branches.value() || null });
    });

    // Creating a grid branch or a Party group (org writers only; see planner.py).
    var form = $('planner-create-org-form'), note = $('planner-create-org-note');
    var kindSelect = $('planner-create-org-kind'), parentSelect = $('planner-create-org-parent');
    var created = null;  // the organization just created: chosen in its list after the reload

    function fillCreate(s) {
      if (!s.mayCreateOrganizations) {
        note.hidden = false;
        if (form) { form.remove(); form = null; }  // no button at all for a role that may not
        return;
      }
      note.hidden = true; form.hidden = false;
      var keepKind = kindSelect.value, keepParent = parentSelect.value;
      kindSelect.textContent = '';
      s.creatableKinds.forEach(function (k) { var o = el('option', t['kind_' + k]); o.value = k; kindSelect.appendChild(o); });
      if (keepKind) { kindSelect.value = keepKind; }
      if (!kindSelect.value && kindSelect.options.length) { kindSelect.selectedIndex = 0; }
      // The community organization first, then the grid branches by name.
      var tops = s.parents.filter(function (o) { return o.kind !== 'GRID_BRANCH'; });
      var rest = sorted(s.parents.filter(function (o) { return o.kind === 'GRID_BRANCH'; }));
      parentSelect.textContent = '';
      tops.concat(rest).forEach(function (o) {
        var opt = el('option', o.name + '（' + (t['kind_' + o.kind] || o.kind) + '）'); opt.value = o.id; parentSelect.appendChild(opt);
      });
      if (keepParent) { parentSelect.value = keepParent; }
      if (!parentSelect.value && parentSelect.options.length) { parentSelect.selectedIndex = 0; }
    }

    function createOrganization() {
      if (P.busy) { return Promise.resolve(); }
      if (P.pending) { P.say(t.one_edit, 'error'); return Promise.resolve(); }
      var body = { kind: kindSelect.value, name: $('planner-create-org-name').value.trim(), parentId: parentSelect.value };
      P.busy = true; P.buttons();
      return fetch(P.options.endpoint + '/organizations', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
      }).then(function (r) { return r.json(); }).then(function (answer) {
        P.busy = false;
        if (!answer.ok) { P.say(t.refused + (answer.errors || []).map(P.msg).join('；'), 'error'); return; }
        created = answer.organization;
        $('planner-create-org-name').value = '';
        return P.reload().then(function () { P.say(P.label('created_org', { name: created.name }), 'ok'); created = null; });
      }, function () { P.busy = false; P.say(t.unavailable, 'error'); })
        .then(function () { P.busy = false; P.buttons(); });
    }
    $('planner-create-org-button').addEventListener('click', createOrganization);

    // A click on a zone picks it here (in the zone mode; merging picks zones for itself).
    P.onZoneLayer(function (l) {
      l.on('click', function () { if (P.mode === 'zones') { pickZone(l.zone.id); } });
    });
    P.on('state', function (s) {
      var shown = groups.set(s.groups);
      branches.set(s.branches);
      $('planner-zone-branch-title').textContent = s.zoneKind === 'PARTY_GROUP' ? t.zone_group : t.zone_branch;
      zonesById = {};
      var keep = zoneSelect.value;
      zoneSelect.textContent = '';
      var none = el('option', '—'); none.value = ''; zoneSelect.appendChild(none);
      sorted(s.zones).forEach(function (z) {
        zonesById[z.id] = z;
        var o = el('option', z.name); o.value = z.id; zoneSelect.appendChild(o);
      });
      zoneSelect.value = zonesById[keep] ? keep : '';
      zoneBranchShown();
      fillCreate(s);
      if (created) { (created.kind === 'PARTY_GROUP' ? groups : branches).choose(created.id); }
      return shown;
    });

    P.groups = groups; P.branches = branches; P.pickZone = pickZone;
    P.createOrganization = createOrganization;
  });
})();
