/* Leaflet >= 1.8 removed L.DomEvent.fakeStop, which Leaflet.VectorGrid 1.3.0 calls on click. */
if (window.L && L.DomEvent && !L.DomEvent.fakeStop) { L.DomEvent.fakeStop = L.DomEvent.stopPropagation; }
