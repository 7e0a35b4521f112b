/* PartyGrid map pages: zone labels that thin out instead of piling up.
 *
 * `PartyGridLabels.thin(map, group)` keeps the label markers of `group` (a Leaflet layer
 * group of markers with a divIcon) readable: after each zoom or move, labels are placed in
 * priority order (`marker.options.priority`, larger first: the page gives a zone's area) and
 * a label whose box on screen would overlap one already placed is hidden until the view
 * leaves it room. Returns a controller: `update()` places them again (after labels are
 * added or removed), `shown()` the markers drawn now, `boxes()` their screen boxes.
 * Used by the coverage maps (community, street, district) and the planner page.
 */
(function () {
  'use strict';

  var PAD = 2;  // px kept free around a label

  function overlaps(a, b) {
    return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
  }

  function thin(map, group) {
    var shownNow = [];
    var placed = [];

    // A label's size on screen: its text's, measured once.
    function size(marker) {
      if (marker._pgSize) { return marker._pgSize; }
      var icon = marker._icon;
      if (!icon) { return null; }
      var text = icon.firstElementChild || icon;
      var w = text.offsetWidth, h = text.offsetHeight;
      if (!w || !h) { return null; }
      marker._pgSize = { w: w, h: h };
      return marker._pgSize;
    }

    function update() {
      shownNow = []; placed = [];
      if (!map.hasLayer(group)) { return; }
      var view = map.getSize();
      var markers = group.getLayers().filter(function (m) { return m._icon; });
      markers.sort(function (a, b) { return (b.options.priority || 0) - (a.options.priority || 0); });
      var sizes = markers.map(size);  // measure all before hiding any
      markers.forEach(function (marker, i) {
        var s = sizes[i];
        var at = map.latLngToContainerPoint(marker.getLatLng());
        var box = s && {
          x0: at.x - s.w / 2 - PAD, x1: at.x + s.w / 2 + PAD,
          y0: at.y - s.h / 2 - PAD, y1: at.y + s.h / 2 + PAD
        };
        var inView = box && box.x1 > 0 && box.y1 > 0 && box.x0 < view.x && box.y0 < view.y;
        var free = inView && !placed.some(function (other) { return overlaps(box, other); });
        // Hidden, not removed: it keeps its size for the next placement.
        marker._icon.style.visibility = free ? '' : 'hidden';
        if (free) { placed.push(box); shownNow.push(marker); }
      });
    }

    map.on('zoomend moveend resize overlayadd', update);
    group.on('layeradd', function () { setTimeout(update, 0); });
    update();
    return {
      update: update,
      shown: function () { return shownNow.slice(); },
      boxes: function () {
        return placed.map(function (b) { return [b.x0 + PAD, b.y0 + PAD, b.x1 - PAD, b.y1 - PAD]; });
      }
    };
  }

  window.PartyGridLabels = { thin: thin };
}());
