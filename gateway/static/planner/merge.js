/* PartyGrid planner page: merging zones that do not touch (a part of planner.js).
 *
 * The grid merges zones into one polygon, bridging a road-wide gap; zones farther apart are
 * refused (rule zone.not_contiguous, the gap in metres). The planner may then confirm a zone
 * of several pieces: one click previews the same merge with `allowMultiPart`.
 */
(function () {
  'use strict';

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  (window.PartyGridPlanner.use || function (p) { window.PartyGridPlanner.parts.push(p); })(function (P) {
    var $ = P.$;
    var box = $('planner-merge-confirm');

    function hide() { box.hidden = true; }
    function offer(result) {
      var op = P.pending;
      var apart = (result.errors || []).some(function (e) { return e.rule === 'zone.not_contiguous'; });
      box.hidden = !(apart && op && op.op === 'merge' && !op.allowMultiPart);
    }
    $('planner-merge-multi').addEventListener('click', function () {
      var op = P.pending;
      if (!op || op.op !== 'merge' || P.busy) { return; }
      hide();
      P.preview(Object.assign({}, op, { allowMultiPart: true }));
    });
    P.on('result', offer);
    P.on('cleared', hide);
    P.on('state', hide);
  });
})();
